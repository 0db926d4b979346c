/**
 * The inbox filters (issue 16.5): by subject (case, mentorship, reserve), process, kind, rung,
 * acknowledged or not, and time, with the counts a filter bar shows; each item names its village,
 * township and subject and the obligation that fell due, with the working days overdue on the
 * village's calendar; on real escalations of real workflows.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { signedWorkingDays } from '../../domain/calendar.js';
import { civilDate } from '../../domain/stats.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let township: TestUser;
let otherTownship: TestUser;
let caseA: string;
let caseB: string;
let midpoint: string;
let villageA: string;
let mentorshipId: string;
let reserveId: string;
const MENTEE = '新任委员甲';
const CANDIDATE = '后备人选乙';

async function call(user: TestUser, url: string, method: 'GET' | 'POST' = 'GET', payload?: object, on: FastifyInstance = app) {
  const options: InjectOptions = { method, url, headers: { authorization: `Bearer ${user.token}` }, ...(payload ? { payload } : {}) };
  const res = await on.inject(options);
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  org = await h.addUser('org_dept', '522731');
  township = await h.addUser('township_office', '522731001');
  otherTownship = await h.addUser('township_office', '522731002');
  const sponsor = await h.addUser('sponsor', '522731');
  const [v1, v2] = await h.villageCodes('522731001');
  villageA = v1!;
  const a = await h.cases.designate(org, { villageCode: v1!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
  caseA = a.id;
  // A mentorship and a reserve candidate in the neighbouring township: the org dept hears of both.
  const [n1, n2] = await h.villageCodes('522731002');
  const person = (name: string, birthDate: string) => ({ name, gender: 'male', birthDate, education: 'associate', partyMember: true });
  const m = await call(otherTownship, '/api/v1/mentorships', 'POST', {
    villageCode: n1,
    mentee: person(MENTEE, '1995-06-01'),
    mentor: person('导师丙', '1980-01-01'),
  });
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  mentorshipId = m.body.id;
  const r = await call(otherTownship, '/api/v1/reserves', 'POST', { villageCode: n2, person: person(CANDIDATE, '1996-03-01'), source: 'returnee' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  reserveId = r.body.id;
  // B a week later, so its rungs come later and the time filter can split them.
  await env.sleep(7 * 24 * 3600_000);
  const b = await h.cases.designate(org, { villageCode: v2!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
  caseB = b.id;
  const townshipRung = (c: typeof a) => c.obligations.find((o) => o.kind === 'plan')!.rungs.find((r) => r.rung === 'township_office')!.at;
  const aRung = Date.parse(String(townshipRung(a)));
  midpoint = new Date(aRung + 2 * 3600_000).toISOString();
  // Past B's township rung: both plans have their reminder and yellow card.
  await env.sleep(Date.parse(String(townshipRung(b))) + 3600_000 - (await env.currentTimeMs()));
  await eventually('both yellow cards', async () => {
    const rows = await h.db.sql<{ n: number }[]>`select count(*)::int as n from notifications where kind = 'escalation.township_office'`;
    return rows[0]!.n >= 2;
  });
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('GET /inbox filters', () => {
  test('by rung and kind, with counts per kind and by acknowledgement', async () => {
    const all = await call(township, '/api/v1/inbox');
    expect(all.status).toBe(200);
    const yellow = await call(township, '/api/v1/inbox?rung=township_office');
    expect(yellow.body.items.map((i: { caseId: string }) => i.caseId).sort()).toEqual([caseA, caseB].sort());
    expect(yellow.body.total).toBe(2);
    expect(yellow.body.items.every((i: { kind: string }) => i.kind === 'escalation.township_office')).toBe(true);
    // Counts per kind ignore the kind/rung filter, so the bar can show every tab.
    expect(yellow.body.counts.byKind['escalation.township_office']).toBe(2);
    expect(yellow.body.counts).toMatchObject({ acked: 0, unacked: 2 });
    expect(Object.values(yellow.body.counts.byKind as Record<string, number>).reduce((n, x) => n + x, 0)).toBe(all.body.total);

    const byKind = await call(township, '/api/v1/inbox?kind=escalation.township_office,escalation.org_dept');
    expect(byKind.body.total).toBe(2);
    // kind and rung together: the kinds both name.
    expect((await call(township, '/api/v1/inbox?kind=escalation.township_office&rung=org_dept')).body.total).toBe(0);
  });

  test('by subject, acknowledged or not, and time', async () => {
    const ofA = await call(township, `/api/v1/inbox?caseId=${caseA}`);
    expect(ofA.body.total).toBeGreaterThan(0);
    expect(ofA.body.items.every((i: { caseId: string }) => i.caseId === caseA)).toBe(true);

    const first = ofA.body.items.find((i: { kind: string }) => i.kind === 'escalation.township_office');
    expect((await call(township, `/api/v1/inbox/${first.id}/ack`, 'POST')).status).toBe(200);
    const acked = await call(township, '/api/v1/inbox?rung=township_office&acked=true');
    expect(acked.body.items.map((i: { id: string }) => i.id)).toEqual([first.id]);
    expect(acked.body.counts).toMatchObject({ acked: 1, unacked: 1 });
    expect((await call(township, '/api/v1/inbox?rung=township_office&acked=false')).body.total).toBe(1);
    expect((await call(township, '/api/v1/inbox?rung=township_office&unacked=true')).body.total).toBe(1);

    // A's yellow card came before the midpoint, B's after.
    const before = await call(township, `/api/v1/inbox?rung=township_office&to=${encodeURIComponent(midpoint)}`);
    expect(before.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([caseA]);
    const after = await call(township, `/api/v1/inbox?rung=township_office&from=${encodeURIComponent(midpoint)}`);
    expect(after.body.items.map((i: { caseId: string }) => i.caseId)).toEqual([caseB]);
  });

  test('filters never widen the inbox: another township sees none of it, even by case id', async () => {
    const res = await call(otherTownship, `/api/v1/inbox?caseId=${caseA}`);
    expect(res.body).toMatchObject({ total: 0, items: [], counts: { acked: 0, unacked: 0, byKind: {} } });
    // Nor by process: the neighbour has no case notice at all, and this township none of the neighbour's mentorship or reserve.
    expect((await call(otherTownship, '/api/v1/inbox?process=case')).body.total).toBe(0);
    expect((await call(otherTownship, '/api/v1/inbox?process=case&acked=false')).body.items).toEqual([]);
    for (const process of ['mentorship', 'reserve']) expect((await call(township, `/api/v1/inbox?process=${process}`)).body.total).toBe(0);
    expect((await call(township, `/api/v1/inbox?mentorshipId=${mentorshipId}`)).body.total).toBe(0);
    // The neighbour's own reserve notices are there, named.
    const own = await call(otherTownship, '/api/v1/inbox?process=reserve');
    expect(
      own.body.items.every((i: { reserveCandidateId: string | null; kind: string }) => i.reserveCandidateId === reserveId || i.kind.startsWith('reserve.')),
    ).toBe(true);
  });

  test('each item names its village, township and subject, and the obligation overdue with working days on the village’s calendar', async () => {
    // "Today" is the test server's: after both yellow cards.
    const today = new Date(await env.currentTimeMs());
    const atToday = await h.appWith({ now: () => today });
    const yellow = await call(township, `/api/v1/inbox?rung=township_office&caseId=${caseA}`, 'GET', undefined, atToday);
    const item = yellow.body.items[0];
    const [village] = await h.db.sql<{ name: string; township: string }[]>`
      select v.name, t.name as township from divisions v join divisions t on t.code = v.parent_code where v.code = ${villageA}`;
    expect(item).toMatchObject({
      process: 'case',
      villageCode: villageA,
      villageName: village!.name,
      townshipName: village!.township,
      subjectName: village!.name,
    });
    const [plan] = await h.db.sql<{ id: string; due_date: string; due_at: Date | string }[]>`
      select id, due_date::text as due_date, due_at from obligations where case_id = ${caseA} and kind = 'plan'`;
    expect(item.obligation).toMatchObject({
      id: plan!.id,
      kind: 'plan',
      key: '1',
      dueDate: plan!.due_date,
      dueAt: new Date(plan!.due_at).toISOString(),
      status: 'open',
      exemptedAt: null,
    });
    const expected = signedWorkingDays(await h.calendarFor(villageA), civilDate(today), plan!.due_date);
    expect(expected).toBeLessThan(0); // overdue: the yellow card fires a working day after the due date
    expect(item.obligation.workingDaysLeft).toBe(expected);
    // The acknowledgement answers the same item, named.
    const acked = await call(township, `/api/v1/inbox/${item.id}/ack`, 'POST', undefined, atToday);
    expect(acked.body).toMatchObject({ id: item.id, villageName: village!.name, obligation: { id: plan!.id, workingDaysLeft: expected } });
  });

  test('by process: a mentorship names its mentee, a reserve its candidate; other notices have no obligation', async () => {
    const mentoring = await call(org, '/api/v1/inbox?process=mentorship');
    expect(mentoring.body.total).toBeGreaterThan(0);
    expect(
      mentoring.body.items.every(
        (i: { mentorshipId: string; process: string; subjectName: string }) =>
          i.mentorshipId === mentorshipId && i.process === 'mentorship' && i.subjectName === MENTEE,
      ),
    ).toBe(true);
    const proposed = mentoring.body.items.find((i: { kind: string }) => i.kind === 'mentorship.proposed');
    expect(proposed).toMatchObject({ obligation: null, villageName: expect.any(String), townshipName: expect.any(String) });
    const reserves = await call(org, '/api/v1/inbox?process=reserve');
    expect(reserves.body.total).toBeGreaterThan(0);
    expect(
      reserves.body.items.every((i: { reserveCandidateId: string; subjectName: string }) => i.reserveCandidateId === reserveId && i.subjectName === CANDIDATE),
    ).toBe(true);
    // The qualification the org dept owes fell due: its escalation carries it.
    const escalated = reserves.body.items.find((i: { escalationId: string | null }) => i.escalationId);
    expect(escalated.obligation).toMatchObject({ kind: 'qualification_review', dueDate: expect.any(String) });
    const cases = await call(org, '/api/v1/inbox?process=case');
    expect(cases.body.items.every((i: { caseId: string | null }) => i.caseId)).toBe(true);
    // The counts follow the filter, as the other filters do.
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    const all = await call(org, '/api/v1/inbox');
    expect(mentoring.body.total + reserves.body.total + cases.body.total).toBe(all.body.total);
    expect(sum(mentoring.body.counts.byKind)).toBe(mentoring.body.total);
  });

  test('bad filters are 400 naming the field', async () => {
    for (const [query, field] of [
      ['caseId=nope', 'query.caseId'],
      ['rung=purple', 'query.rung'],
      ['from=0020-02-29T00:00:00Z', 'query.from'],
      ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.to'],
      ['acked=maybe', 'query.acked'],
      ['kind=DROP%20TABLE', 'query.kind'],
      ['process=village', 'query.process'],
    ] as const) {
      const res = await call(township, `/api/v1/inbox?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.details.issues.map((i: { field: string }) => i.field.replace(/\.\d+$/, ''))).toContain(field);
    }
  });
});
