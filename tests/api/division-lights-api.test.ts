/**
 * GET /divisions/:code/lights on a real backend (Postgres, time-skipping Temporal, the real worker):
 * the drill-down county → township → village counts open cases (and, for offices, mentorships and
 * reserve candidates) by light per child division; closed cases drop out; the caller's jurisdiction
 * only (a township office asking for another township, or the org dept for another county, gets 404);
 * a sponsor counts only their own cases and no mentorships or reserves.
 *
 * Cases, mentorships and reserves are created through the API and their workflows; the lights of
 * two cases are then set in the projection as their escalations would (the ladder's timing is
 * tested in tests/workflows/), so that every colour is counted.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
const u: Record<string, TestUser> = {};
let villagesA: string[] = [];
let villagesB: string[] = [];
const caseIds: string[] = [];

async function call(user: TestUser | null, options: InjectOptions) {
  const headers = { ...(options.headers ?? {}), ...(user ? { authorization: `Bearer ${user.token}` } : {}) };
  const res = await app.inject({ ...options, headers });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}
const lights = (user: TestUser, code: string) => call(user, { method: 'GET', url: `/api/v1/divisions/${code}/lights` });

let n = 0;
const person = (birthDate = '1995-06-01') => ({ name: `人员${++n}`, gender: 'male', birthDate, education: 'associate', partyMember: true });

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  u.prefecture = await h.addUser('org_dept', '5227', '黔南州委组织部');
  u.org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  u.otherOrg = await h.addUser('org_dept', '522727', '平塘县委组织部');
  u.sponsor = await h.addUser('sponsor', '522731', '包保领导甲');
  u.otherSponsor = await h.addUser('sponsor', '522731', '包保领导乙');
  u.pingtangSponsor = await h.addUser('sponsor', '522727', '包保领导丙');
  u.townshipA = await h.addUser('township_office', '522731001', '乡镇A');
  u.townshipB = await h.addUser('township_office', '522731002', '乡镇B');
  villagesA = await h.villageCodes('522731001');
  villagesB = await h.villageCodes('522731002');
  const [villageC] = await h.villageCodes('522727001');
  // Township A: three cases (two of the sponsor's), township B: one, 平塘县: one.
  const plan: Array<[string, TestUser, TestUser]> = [
    [villagesA[0]!, u.org!, u.sponsor!],
    [villagesA[1]!, u.org!, u.sponsor!],
    [villagesA[2]!, u.org!, u.otherSponsor!],
    [villagesB[0]!, u.org!, u.otherSponsor!],
    [villageC!, u.otherOrg!, u.pingtangSponsor!],
  ];
  for (const [villageCode, org, sponsor] of plan) {
    const res = await call(org, { method: 'POST', url: '/api/v1/cases', payload: { villageCode, reasons: ['poor_service'], sponsorUserId: sponsor.id } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    caseIds.push(res.body.id);
  }
  // One case of village A[2] cancelled: no longer open, no longer counted.
  const cancelled = await call(u.org!, { method: 'POST', url: `/api/v1/cases/${caseIds[2]}/cancel`, payload: { reason: '村撤并' } });
  expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
  // Colours as the ladder would give them: A[0] red (红牌), B[0] yellow (黄牌).
  await h.db.sql`update rectification_cases set rag = 'red' where id = ${caseIds[0]!}`;
  await h.db.sql`update rectification_cases set rag = 'yellow' where id = ${caseIds[3]!}`;
  // A mentorship and a reserve in township A (village A[1]), a reserve in township B.
  expect(
    (
      await call(u.townshipA!, {
        method: 'POST',
        url: '/api/v1/mentorships',
        payload: { villageCode: villagesA[1], mentee: person(), mentor: person('1980-01-01') },
      })
    ).status,
  ).toBe(201);
  expect(
    (await call(u.townshipA!, { method: 'POST', url: '/api/v1/reserves', payload: { villageCode: villagesA[1], person: person(), source: 'returnee' } }))
      .status,
  ).toBe(201);
  expect(
    (await call(u.townshipB!, { method: 'POST', url: '/api/v1/reserves', payload: { villageCode: villagesB[0], person: person(), source: 'returnee' } }))
      .status,
  ).toBe(201);
});

afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

const counts = (red: number, yellow: number, green: number) => ({ red, yellow, green, total: red + yellow + green });

describe('counts per child division', () => {
  test('the county: each township with its open cases by light, mentorships and reserves', async () => {
    const r = await lights(u.org!, '522731');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ code: '522731000000', name: '惠水县', level: 'county', scope: 'jurisdiction' });
    expect(r.body.path.map((p: { code: string }) => p.code)).toEqual(['522731000000']);
    const [townships] = await h.db.sql<{ codes: string[] }[]>`select array_agg(code order by code) as codes from divisions where parent_code = '522731000000'`;
    expect(r.body.children.map((c: { code: string }) => c.code)).toEqual(townships!.codes);
    const a = r.body.children.find((c: { code: string }) => c.code === '522731001000');
    const b = r.body.children.find((c: { code: string }) => c.code === '522731002000');
    expect(a).toMatchObject({ level: 'township', cases: counts(1, 0, 1), mentorships: counts(0, 0, 1), reserves: counts(0, 0, 1) });
    expect(b).toMatchObject({ cases: counts(0, 1, 0), mentorships: counts(0, 0, 0), reserves: counts(0, 0, 1) });
    expect(r.body.totals).toEqual({ cases: counts(1, 1, 1), mentorships: counts(0, 0, 1), reserves: counts(0, 0, 2) });
    // Every other township: nothing open.
    for (const c of r.body.children.filter((x: { code: string }) => !['522731001000', '522731002000'].includes(x.code))) expect(c.cases.total).toBe(0);
  });

  test('a township shows its villages; a village has no children and gives its own totals', async () => {
    const r = await lights(u.org!, '522731001');
    expect(r.status).toBe(200);
    expect(r.body.path.map((p: { level: string }) => p.level)).toEqual(['county', 'township']);
    expect(r.body.children.map((c: { code: string }) => c.code)).toEqual(villagesA);
    const byCode = new Map(r.body.children.map((c: { code: string }) => [c.code, c]));
    expect(byCode.get(villagesA[0])).toMatchObject({ level: 'village', cases: counts(1, 0, 0) });
    expect(byCode.get(villagesA[1])).toMatchObject({ cases: counts(0, 0, 1), mentorships: counts(0, 0, 1), reserves: counts(0, 0, 1) });
    expect(byCode.get(villagesA[2])).toMatchObject({ cases: counts(0, 0, 0) }); // cancelled
    const village = await lights(u.org!, villagesA[0]!);
    expect(village.status).toBe(200);
    expect(village.body).toMatchObject({ level: 'village', children: [], totals: { cases: counts(1, 0, 0) } });
    expect(village.body.path.map((p: { level: string }) => p.level)).toEqual(['county', 'township', 'village']);
  });

  test('the prefecture above sees its counties, the county among them', async () => {
    const r = await lights(u.prefecture!, '5227');
    expect(r.status).toBe(200);
    expect(r.body.level).toBe('prefecture');
    const huishui = r.body.children.find((c: { code: string }) => c.code === '522731000000');
    const pingtang = r.body.children.find((c: { code: string }) => c.code === '522727000000');
    expect(huishui).toMatchObject({ level: 'county', cases: counts(1, 1, 1) });
    expect(pingtang).toMatchObject({ cases: counts(0, 0, 1) });
    expect(r.body.totals.cases).toEqual(counts(1, 1, 2));
    // Drilling down keeps the path from the prefecture.
    const down = await lights(u.prefecture!, '522731002');
    expect(down.body.path.map((p: { name: string }) => p.name)).toEqual(['黔南布依族苗族自治州', '惠水县', down.body.name]);
  });
});

describe('scope', () => {
  test('a township office sees its own township and villages; another township, the county or another county is 404', async () => {
    expect((await lights(u.townshipA!, '522731001')).status).toBe(200);
    expect((await lights(u.townshipA!, villagesA[1]!)).body.totals.cases).toEqual(counts(0, 0, 1));
    for (const code of ['522731002', villagesB[0]!, '522731', '5227', '522727']) {
      const r = await lights(u.townshipA!, code);
      expect([code, r.status]).toEqual([code, 404]);
      expect(r.body.message).toContain('未找到');
    }
    expect((await lights(u.townshipB!, '522731001')).status).toBe(404);
  });

  test('the org dept of another county is 404 here; a code that does not exist is 404; a malformed one is 400 naming the field', async () => {
    expect((await lights(u.otherOrg!, '522731')).status).toBe(404);
    expect((await lights(u.org!, '522731999')).status).toBe(404);
    const bad = await lights(u.org!, 'abc');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('code');
    expect((await call(null, { method: 'GET', url: '/api/v1/divisions/522731/lights' })).status).toBe(401);
  });

  test('a sponsor counts only their own open cases, and no mentorships or reserves', async () => {
    const r = await lights(u.sponsor!, '522731');
    expect(r.status).toBe(200);
    expect(r.body.scope).toBe('own_cases');
    expect(r.body.totals).toEqual({ cases: counts(1, 0, 1), mentorships: null, reserves: null });
    expect(r.body.children.find((c: { code: string }) => c.code === '522731002000')).toMatchObject({ cases: counts(0, 0, 0), mentorships: null });
    const other = await lights(u.otherSponsor!, '522731');
    expect(other.body.totals.cases).toEqual(counts(0, 1, 0)); // the cancelled one is not open; 平塘县's is outside
  });
});
