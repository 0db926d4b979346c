/**
 * What 工作台 and the menu read: GET /obligations (the cross-process to-do list, soonest first,
 * with working days left on the village's calendar; with current=true each case's report period
 * now running, for the 本月月报 card), GET /inbox/summary (unacknowledged per rung),
 * and POST /escalations/:id/print (the 督办单, each print recorded) — on real workflows, scoped by
 * role and jurisdiction.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
const u: Record<string, TestUser> = {};
let caseA: string;
let caseB: string;
let mentorshipA: string;
let reserveA: string;
let designatedAt: Date;

type Row = {
  process: string;
  entityId: string;
  kind: string;
  responsible: string;
  dueAt: string;
  workingDaysLeft: number | null;
  villageName: string;
  subjectName: string;
  status: string;
};

async function call(user: TestUser, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${user.token}` }, ...(payload ? { payload: payload as object } : {}) });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

let n = 0;
const person = (birthDate = '1995-06-01') => ({ name: `人员${++n}`, gender: 'male', birthDate, education: 'associate', partyMember: true });

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  u.org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  u.sponsorA = await h.addUser('sponsor', '522731', '包保甲');
  u.sponsorB = await h.addUser('sponsor', '522731', '包保乙');
  u.townshipA = await h.addUser('township_office', '522731001', '乡镇甲');
  u.townshipB = await h.addUser('township_office', '522731002', '乡镇乙');
  const [a1, a2, a3] = await h.villageCodes('522731001');
  const [b1] = await h.villageCodes('522731002');
  const a = await h.cases.designate(u.org, { villageCode: a1!, reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id });
  caseA = a.id;
  designatedAt = new Date(a.designatedAt);
  caseB = (await h.cases.designate(u.org, { villageCode: b1!, reasons: ['poor_service'], sponsorUserId: u.sponsorB!.id })).id;
  // "Today" is the designation instant: the plan's 15 working days are all left.
  app = await h.appWith({ now: () => designatedAt });
  const m = await call(u.townshipA!, 'POST', '/api/v1/mentorships', { villageCode: a2, mentee: person(), mentor: person('1980-01-01') });
  expect(m.status, JSON.stringify(m.body)).toBe(201);
  mentorshipA = m.body.id;
  const r = await call(u.townshipA!, 'POST', '/api/v1/reserves', { villageCode: a3, person: person(), source: 'returnee' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  reserveA = r.body.id;
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('GET /obligations', () => {
  test('a sponsor sees their own cases’ sponsor obligations only, with working days left', async () => {
    const mine = await call(u.sponsorA!, 'GET', '/api/v1/obligations');
    expect(mine.status).toBe(200);
    const items = mine.body.items as Row[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((o) => o.process === 'case' && o.entityId === caseA && o.responsible === 'sponsor' && o.status === 'open')).toBe(true);
    const plan = items.find((o) => o.kind === 'plan')!;
    expect(plan).toBeDefined();
    expect(plan.workingDaysLeft).toBe(15);
    expect(plan.villageName).toBeTruthy();
    expect(plan.subjectName).toBe(plan.villageName);
    const other = await call(u.sponsorB!, 'GET', '/api/v1/obligations');
    expect((other.body.items as Row[]).every((o) => o.entityId === caseB)).toBe(true);
  });

  test('an office sees what it owes within its jurisdiction, across processes, soonest first', async () => {
    const org = await call(u.org!, 'GET', '/api/v1/obligations');
    const orgItems = org.body.items as Row[];
    expect(orgItems.length).toBeGreaterThan(0);
    expect(orgItems.every((o) => o.responsible === 'org_dept')).toBe(true);
    // The org dept approves the proposed mentorship and reviews the nominated reserve's qualification.
    expect(orgItems.map((o) => o.entityId)).toEqual(expect.arrayContaining([mentorshipA, reserveA]));
    const dues = orgItems.map((o) => Date.parse(o.dueAt));
    expect(dues).toEqual([...dues].sort((x, y) => x - y));

    const visibleA = await call(u.townshipA!, 'GET', '/api/v1/obligations?responsible=visible');
    const ids = new Set((visibleA.body.items as Row[]).map((o) => o.entityId));
    expect(ids).toContain(caseA);
    expect(ids).toContain(mentorshipA);
    expect(ids).not.toContain(caseB);
    const visibleB = await call(u.townshipB!, 'GET', '/api/v1/obligations?responsible=visible');
    expect((visibleB.body.items as Row[]).every((o) => o.entityId === caseB)).toBe(true);
    const mineA = await call(u.townshipA!, 'GET', '/api/v1/obligations?responsible=me');
    expect((mineA.body.items as Row[]).every((o) => ['township_office', 'candidate', 'mentor'].includes(o.responsible))).toBe(true);

    const onlyCases = await call(u.org!, 'GET', '/api/v1/obligations?responsible=visible&process=case');
    expect((onlyCases.body.items as Row[]).every((o) => o.process === 'case')).toBe(true);
    expect(onlyCases.body.total).toBeGreaterThan(0);
    const plans = await call(u.org!, 'GET', '/api/v1/obligations?responsible=visible&kind=plan');
    expect((plans.body.items as Row[]).map((o) => o.entityId).sort()).toEqual([caseA, caseB].sort());
  });

  test('bad query parameters are 400 naming the field', async () => {
    for (const [query, field] of [
      ['responsible=them', 'responsible'],
      ['status=late', 'status'],
      ['process=other', 'process'],
      ['kind=plan,nap', 'kind'],
      ['limit=0', 'limit'],
      ['color=red', 'color'],
    ] as const) {
      const res = await call(u.org!, 'GET', `/api/v1/obligations?${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect(JSON.stringify(res.body)).toContain(field);
    }
  });
});

test('a missing required field is named and said to be required, in Chinese', async () => {
  const res = await call(u.sponsorA!, 'POST', `/api/v1/cases/${caseA}/reports`, { period: '2027-01' });
  expect(res.status).toBe(400);
  expect(res.body.details.issues).toEqual([expect.objectContaining({ field: 'body.progress', message: '必填 (required)' })]);
});

describe('inbox summary and the printable 督办单', () => {
  let escalationId: string;

  beforeAll(async () => {
    // Past case A's yellow card for the plan.
    const detail = await h.cases.get(u.org!, caseA);
    const yellow = detail.obligations.find((o) => o.kind === 'plan')!.rungs.find((r) => r.rung === 'township_office')!.at;
    await env.sleep(Date.parse(String(yellow)) + 3600_000 - (await env.currentTimeMs()));
    await eventually('the yellow card', async () => {
      const rows = await h.db.sql<{ id: string }[]>`select id from escalations where case_id = ${caseA} and rung = 'township_office'`;
      if (rows[0]) escalationId = rows[0].id;
      return rows.length > 0;
    });
  });

  test('unacknowledged counts per rung, scoped like the inbox', async () => {
    const a = await call(u.townshipA!, 'GET', '/api/v1/inbox/summary');
    expect(a.status).toBe(200);
    const yellow = await call(u.townshipA!, 'GET', '/api/v1/inbox?acked=false&rung=township_office');
    expect(a.body.byRung.township_office).toBeGreaterThanOrEqual(1);
    expect(a.body.byRung.township_office).toBe(yellow.body.total);
    const list = await call(u.townshipA!, 'GET', '/api/v1/inbox?acked=false');
    expect(a.body.unacked).toBe(list.body.total);
    expect(a.body.other).toBe(a.body.unacked - Object.values(a.body.byRung as Record<string, number>).reduce((x, y) => x + y, 0));
    const b = await call(u.townshipB!, 'GET', '/api/v1/inbox/summary');
    const bYellow = await call(u.townshipB!, 'GET', '/api/v1/inbox?acked=false&rung=township_office');
    expect(b.body.byRung.township_office).toBe(bYellow.body.total);
    expect((bYellow.body.items as Array<{ caseId: string | null }>).some((i) => i.caseId === caseA)).toBe(false);
    expect(b.body.byRung.township_office).toBeLessThan(a.body.byRung.township_office);
  });

  test('the 督办单: viewing records nothing, each print records who printed it and when', async () => {
    const view = await call(u.townshipA!, 'GET', `/api/v1/escalations/${escalationId}/sheet`);
    expect(view.status, JSON.stringify(view.body)).toBe(200);
    expect(view.body).toMatchObject({ id: escalationId, rung: 'township_office', process: 'case', entityId: caseA, prints: 0 });
    expect(view.body.obligation.kind).toBe('plan');
    expect(view.body.villageName).toBeTruthy();
    expect(view.body.overdueWorkingDays).toBeGreaterThanOrEqual(0);
    const first = await call(u.townshipA!, 'POST', `/api/v1/escalations/${escalationId}/print`);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ printNo: 1, printedBy: '乡镇甲' });
    expect(first.body.sheet.id).toBe(escalationId);
    const second = await call(u.org!, 'POST', `/api/v1/escalations/${escalationId}/print`);
    expect(second.body.printNo).toBe(2);
    expect((await call(u.org!, 'GET', `/api/v1/escalations/${escalationId}/sheet`)).body.prints).toBe(2);
    const audit = await h.db.sql<
      { actor_label: string }[]
    >`select actor_label from audit_events where entity_type = 'escalation' and entity_id = ${escalationId} and action = 'printed' order by id`;
    expect(audit.map((r) => r.actor_label)).toEqual(['乡镇甲', '惠水县委组织部']);
    // Another township and another sponsor: as if it did not exist.
    expect((await call(u.townshipB!, 'GET', `/api/v1/escalations/${escalationId}/sheet`)).status).toBe(404);
    expect((await call(u.townshipB!, 'POST', `/api/v1/escalations/${escalationId}/print`)).status).toBe(404);
    expect((await call(u.sponsorB!, 'POST', `/api/v1/escalations/${escalationId}/print`)).status).toBe(404);
    expect((await call(u.sponsorA!, 'POST', `/api/v1/escalations/${escalationId}/print`)).status).toBe(200);
    expect((await call(u.org!, 'POST', '/api/v1/escalations/not-a-uuid/print')).status).toBe(400);
    expect((await call(u.org!, 'GET', '/api/v1/escalations/00000000-0000-4000-8000-000000000000/sheet')).status).toBe(404);
  });
});

describe('本月月报: the current period of each case (GET /obligations?current=true)', () => {
  type Report = Row & { key: string; closedAt: string | null };
  const reportsOf = async (user: TestUser, query: string, on: FastifyInstance) => {
    const res = await on.inject({ method: 'GET', url: `/api/v1/obligations?kind=monthly_report&${query}`, headers: { authorization: `Bearer ${user.token}` } });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { items: Report[] }).items;
  };
  // "Today" is the test server's, read at each request.
  let atEnvTime: FastifyInstance;
  let envNow = new Date();
  const monthOf = (at: Date) => DateTime.fromJSDate(at, { zone: 'Asia/Shanghai' }).toFormat('yyyy-MM');

  beforeAll(async () => {
    atEnvTime = await h.appWith({ now: () => envNow });
    // Case B's sponsor files the plan: rectification starts and this month's report period opens.
    await h.cases.submitPlan(u.sponsorB!, caseB, {
      plan: { summary: '一村一策', issues: ['组织生活不正常'], measures: [{ measure: '每月主题党日', owner: '支部书记' }] },
    });
    envNow = new Date(await env.currentTimeMs());
  });

  test('the period now running, then last month’s still owed apart from it, then this month’s filed', async () => {
    const first = await reportsOf(u.sponsorB!, 'current=true&status=all', atEnvTime);
    expect(first.map((r) => [r.entityId, r.key, r.status])).toEqual([[caseB, monthOf(envNow), 'open']]);

    // Into the next month: a new period opens; last month's report is still owed (due in its first working days).
    const next = DateTime.fromJSDate(envNow, { zone: 'Asia/Shanghai' }).plus({ months: 1 }).startOf('month').plus({ hours: 10 });
    await env.sleep(next.toMillis() - (await env.currentTimeMs()));
    await eventually('the next report period', async () => {
      const rows = await h.db.sql<{ n: number }[]>`select count(*)::int as n from obligations where case_id = ${caseB} and kind = 'monthly_report'`;
      return rows[0]!.n >= 2;
    });
    envNow = new Date(await env.currentTimeMs());
    const thisMonth = monthOf(envNow);
    const current = await reportsOf(u.sponsorB!, 'current=true&status=all', atEnvTime);
    expect(current.map((r) => [r.key, r.status])).toEqual([[thisMonth, 'open']]);
    const open = await reportsOf(u.sponsorB!, 'status=open', atEnvTime);
    expect(open.map((r) => r.key)).toEqual([first[0]!.key, thisMonth]);

    // Filed: still this month's, as filed, until it falls due; nothing current remains open.
    await h.cases.submitReport(u.sponsorB!, caseB, { period: thisMonth, report: { progress: '召开党员大会，完成支委补选' } });
    const filed = await reportsOf(u.sponsorB!, 'current=true&status=all', atEnvTime);
    expect(filed).toHaveLength(1);
    expect(filed[0]).toMatchObject({ key: thisMonth, status: 'satisfied', closedAt: expect.any(String) });
    expect(await reportsOf(u.sponsorB!, 'current=true', atEnvTime)).toEqual([]);
    // Past its due date, a filed period is no longer "current".
    const afterDue = new Date(Date.parse(filed[0]!.dueAt) + 3600_000);
    const later = await h.appWith({ now: () => afterDue });
    expect(await reportsOf(u.sponsorB!, 'current=true&status=all', later)).toEqual([]);
    // Another sponsor sees none of it.
    expect(await reportsOf(u.sponsorA!, 'current=true&status=all', atEnvTime)).toEqual([]);
    expect((await call(u.org!, 'GET', '/api/v1/obligations?current=maybe')).status).toBe(400);
  });
});
