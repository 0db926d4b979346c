/**
 * The inbox filters (issue 16.5): by subject (case, mentorship, reserve), kind, rung, acknowledged
 * or not, and time, with the counts a filter bar shows; on real escalations of real workflows.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let township: TestUser;
let otherTownship: TestUser;
let caseA: string;
let caseB: string;
let midpoint: string;

async function call(user: TestUser, url: string, method: 'GET' | 'POST' = 'GET') {
  const options: InjectOptions = { method, url, headers: { authorization: `Bearer ${user.token}` } };
  const res = await app.inject(options);
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
  const a = await h.cases.designate(org, { villageCode: v1!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
  caseA = a.id;
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
  });

  test('bad filters are 400 naming the field', async () => {
    for (const [query, field] of [
      ['caseId=nope', 'query.caseId'],
      ['rung=purple', 'query.rung'],
      ['from=0020-02-29T00:00:00Z', 'query.from'],
      ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.to'],
      ['acked=maybe', 'query.acked'],
      ['kind=DROP%20TABLE', 'query.kind'],
    ] as const) {
      const res = await call(township, `/api/v1/inbox?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(res.body.details.issues.map((i: { field: string }) => i.field.replace(/\.\d+$/, ''))).toContain(field);
    }
  });
});
