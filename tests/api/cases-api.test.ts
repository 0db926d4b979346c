/**
 * The HTTP API through app.inject on a real backend: the jurisdiction matrix (each role × objects
 * inside and outside its jurisdiction), the one error shape, validation naming fields, 401/403/404/
 * 409/413, Idempotency-Key, policies, and the OpenAPI document.
 */
import { signedWorkingDays } from '../../domain/calendar.js';
import { civilDate } from '../../domain/stats.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
const u: Record<string, TestUser> = {};
const caseIds: Record<'A' | 'B' | 'C', string> = { A: '', B: '', C: '' };
let villagesA: string[];
let villagesB: string[];
let villagesC: string[];

async function call(user: TestUser | null, options: InjectOptions) {
  const headers = { ...(options.headers ?? {}), ...(user ? { authorization: `Bearer ${user.token}` } : {}) };
  const res = await app.inject({ ...options, headers });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null, headers: res.headers };
}

const PLAN = { summary: '一村一策', issues: ['组织生活不正常'], measures: [{ measure: '每月主题党日', owner: '村党支部' }] };

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  u.org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  u.prefecture = await h.addUser('org_dept', '5227', '黔南州委组织部');
  u.otherOrg = await h.addUser('org_dept', '522727', '平塘县委组织部');
  u.sponsorA = await h.addUser('sponsor', '522731', '包保A');
  u.sponsorB = await h.addUser('sponsor', '522731', '包保B');
  u.sponsorC = await h.addUser('sponsor', '522727', '包保C');
  u.townshipA = await h.addUser('township_office', '522731001', '乡镇A');
  u.townshipB = await h.addUser('township_office', '522731002', '乡镇B');
  u.townshipC = await h.addUser('township_office', '522727001', '乡镇C');
  villagesA = await h.villageCodes('522731001');
  villagesB = await h.villageCodes('522731002');
  villagesC = await h.villageCodes('522727001');

  const designate = async (org: TestUser, villageCode: string, sponsor: TestUser) => {
    const res = await call(org, { method: 'POST', url: '/api/v1/cases', payload: { villageCode, reasons: ['poor_service'], sponsorUserId: sponsor.id } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  caseIds.A = await designate(u.org!, villagesA[0]!, u.sponsorA!);
  caseIds.B = await designate(u.org!, villagesB[0]!, u.sponsorB!);
  caseIds.C = await designate(u.otherOrg!, villagesC[0]!, u.sponsorC!);
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('jurisdiction matrix', () => {
  // Which cases each user may see: everything else answers 404, as if it did not exist.
  const visible: Record<string, Array<'A' | 'B' | 'C'>> = {
    org: ['A', 'B'],
    prefecture: ['A', 'B', 'C'],
    otherOrg: ['C'],
    sponsorA: ['A'],
    sponsorB: ['B'],
    sponsorC: ['C'],
    townshipA: ['A'],
    townshipB: ['B'],
    townshipC: ['C'],
  };

  test.each(Object.keys(visible))('%s reads exactly the cases of its jurisdiction', async (who) => {
    for (const key of ['A', 'B', 'C'] as const) {
      const res = await call(u[who]!, { method: 'GET', url: `/api/v1/cases/${caseIds[key]}` });
      expect([who, key, res.status]).toEqual([who, key, visible[who]!.includes(key) ? 200 : 404]);
    }
    const list = await call(u[who]!, { method: 'GET', url: '/api/v1/cases' });
    expect(list.status).toBe(200);
    const expected = visible[who]!.map((k) => caseIds[k]).sort();
    expect(list.body.items.map((c: { id: string }) => c.id).sort()).toEqual(expected);
    expect(list.body.total).toBe(expected.length);
  });

  test('list rows carry the village, township and sponsor names and the next deadline; sort=next_due puts the soonest first', async () => {
    const list = await call(u.org!, { method: 'GET', url: '/api/v1/cases?sort=next_due' });
    expect(list.status).toBe(200);
    const [village] = await h.db.sql<{ name: string }[]>`select name from divisions where code = ${villagesA[0]!}`;
    const rowA = list.body.items.find((c: { id: string }) => c.id === caseIds.A);
    expect(rowA).toMatchObject({
      villageName: village!.name,
      sponsorName: '包保A',
      townshipName: expect.any(String),
      nextDue: { kind: 'plan', dueAt: expect.any(String), provisional: expect.any(Boolean) },
    });
    // Working days left, on the village's calendar from today (computed the same way here).
    expect(rowA.nextDue.workingDaysLeft).toBe(signedWorkingDays(await h.calendarFor(villagesA[0]!), civilDate(new Date()), rowA.nextDue.dueDate));
    const dues = list.body.items.map((c: { nextDue: { dueAt: string } | null }) => c.nextDue?.dueAt ?? '9999');
    expect(dues).toEqual([...dues].sort());
    expect((await call(u.org!, { method: 'GET', url: '/api/v1/cases?sort=soonest' })).body.details.issues[0].field).toBe('query.sort');
  });

  test('commands on a case outside the jurisdiction answer 404, and change nothing', async () => {
    const attempts: Array<[TestUser, string, string, Record<string, unknown>]> = [
      [u.townshipB!, caseIds.A, 'plan', PLAN],
      [u.sponsorB!, caseIds.A, 'plan', PLAN],
      [u.otherOrg!, caseIds.A, 'cancel', { reason: 'x' }],
      [u.sponsorA!, caseIds.C, 'plan', PLAN],
    ];
    for (const [user, id, path, payload] of attempts) {
      const res = await call(user, { method: 'POST', url: `/api/v1/cases/${id}/${path}`, payload });
      expect([user.name, path, res.status]).toEqual([user.name, path, 404]);
    }
    const a = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${caseIds.A}` });
    expect(a.body.state).toBe('planning');
  });

  test('a guessed, well-formed ID that does not exist is the same 404', async () => {
    const res = await call(u.org!, { method: 'GET', url: '/api/v1/cases/00000000-0000-4000-8000-000000000000' });
    expect(res.status).toBe(404);
  });

  test('roles: a sponsor cannot designate or review; a township office cannot cancel', async () => {
    const designate = await call(u.sponsorA!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: villagesA[1], reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id },
    });
    expect(designate.status).toBe(403);
    const cancel = await call(u.townshipA!, { method: 'POST', url: `/api/v1/cases/${caseIds.A}/cancel`, payload: { reason: 'x' } });
    expect(cancel.status).toBe(403);
  });

  test('the org dept cannot designate a village outside its county, nor name a sponsor of another county', async () => {
    const outside = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: villagesC[1], reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.details.issues[0].field).toBe('body.villageCode');
    const foreignSponsor = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: villagesA[1], reasons: ['poor_service'], sponsorUserId: u.sponsorC!.id },
    });
    expect(foreignSponsor.status).toBe(400);
    expect(foreignSponsor.body.details.issues[0].field).toBe('body.sponsorUserId');
  });

  test('a business rule and a malformed request answer in one error shape: details.issues[] named as sent', async () => {
    const rule = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: villagesC[1], reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id },
    });
    const format = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: 'x', reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id },
    });
    const query = await call(u.org!, { method: 'GET', url: '/api/v1/calendar?from=2025-01-01&to=2024-01-01' });
    for (const res of [rule, format, query]) {
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.details)).toEqual(['issues']);
      expect(res.body.details.issues).toEqual([{ field: expect.any(String), message: expect.any(String), code: expect.any(String) }]);
    }
    expect(rule.body.details.issues[0]).toMatchObject({ field: 'body.villageCode', code: 'rule', message: rule.body.message });
    expect(format.body.details.issues[0].field).toBe('body.villageCode');
    expect(query.body.details.issues[0]).toMatchObject({ field: 'query.to', code: 'rule' });
  });

  test('divisions: an office sees its own division and below, not its neighbours', async () => {
    const county = await call(u.org!, { method: 'GET', url: '/api/v1/divisions/522731' });
    expect(county.status).toBe(200);
    expect(county.body.code).toBe('522731000000');
    expect(county.body.children.map((c: { code: string }) => c.code)).toEqual(expect.arrayContaining(['522731001000', '522731002000']));
    expect((await call(u.townshipA!, { method: 'GET', url: '/api/v1/divisions/522731001000' })).status).toBe(200);
    expect((await call(u.townshipA!, { method: 'GET', url: '/api/v1/divisions/522731002000' })).status).toBe(404);
    expect((await call(u.otherOrg!, { method: 'GET', url: '/api/v1/divisions/522731' })).status).toBe(404);
  });

  test('inbox: each office sees its own items; acknowledging another office’s item is 404', async () => {
    // Designation notified each sponsor.
    const a = await call(u.sponsorA!, { method: 'GET', url: '/api/v1/inbox' });
    expect(a.status).toBe(200);
    expect(a.body.items.every((i: { caseId: string }) => i.caseId === caseIds.A)).toBe(true);
    expect(a.body.items.length).toBeGreaterThan(0);
    const itemId = a.body.items[0].id;
    expect((await call(u.sponsorB!, { method: 'POST', url: `/api/v1/inbox/${itemId}/ack` })).status).toBe(404);
    const acked = await call(u.sponsorA!, { method: 'POST', url: `/api/v1/inbox/${itemId}/ack` });
    expect(acked.status).toBe(200);
    expect(acked.body.ackedBy).toBe(u.sponsorA!.id);
    const unacked = await call(u.sponsorA!, { method: 'GET', url: '/api/v1/inbox?unacked=true' });
    expect(unacked.body.items.map((i: { id: string }) => i.id)).not.toContain(itemId);
  });
});

describe('commands over HTTP', () => {
  test('a sponsor files the plan and a report; the answer is the new state with obligations and timeline', async () => {
    const plan = await call(u.sponsorB!, { method: 'POST', url: `/api/v1/cases/${caseIds.B}/plan`, payload: PLAN });
    expect(plan.status).toBe(200);
    expect(plan.body.state).toBe('rectifying');
    const period = plan.body.obligations.find((o: { kind: string }) => o.kind === 'monthly_report').key;
    const report = await call(u.sponsorB!, { method: 'POST', url: `/api/v1/cases/${caseIds.B}/reports`, payload: { period, progress: '完成班子调整' } });
    expect(report.status).toBe(200);
    expect(report.body.submissions.map((s: { kind: string }) => s.kind)).toEqual(['plan', 'report']);
    expect(report.body.timeline.map((t: { action: string }) => t.action)).toEqual(['designated', 'planning_started', 'plan_submitted', 'report_submitted']);
    expect(report.body.timeline.at(-1).actorUserId).toBe(u.sponsorB!.id);

    const filtered = await call(u.org!, { method: 'GET', url: '/api/v1/cases?state=rectifying&rag=green&division=522731002' });
    expect(filtered.body.items.map((c: { id: string }) => c.id)).toEqual([caseIds.B]);
    const none = await call(u.org!, { method: 'GET', url: '/api/v1/cases?state=follow_up' });
    expect(none.body.items).toEqual([]);
  });

  test('an invalid transition is a 409 in the error shape, saying why', async () => {
    const res = await call(u.org!, {
      method: 'POST',
      url: `/api/v1/cases/${caseIds.A}/acceptance-reviews`,
      payload: { score: 90, representativesTotal: 20, representativesDissatisfied: 0 },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict', requestId: expect.any(String) });
    expect(res.body.message).toContain('reviewAcceptance');
  });

  test('Idempotency-Key: the same key replays the same answer and makes one change; another body with it is refused', async () => {
    const payload = { villageCode: villagesA[2], reasons: ['team_infighting'], sponsorUserId: u.sponsorA!.id };
    const headers = { 'idempotency-key': 'designate-2026-001' };
    const first = await call(u.org!, { method: 'POST', url: '/api/v1/cases', payload, headers });
    const second = await call(u.org!, { method: 'POST', url: '/api/v1/cases', payload, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const [row] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from rectification_cases where village_code = ${villagesA[2]!}`;
    expect(row!.n).toBe(1);
    const other = await call(u.org!, { method: 'POST', url: '/api/v1/cases', payload: { ...payload, reasons: ['poor_service'] }, headers });
    expect(other.status).toBe(422);
    expect(other.body.details.issues[0].field).toBe('headers.idempotency-key');

    const cancelHeaders = { 'idempotency-key': 'cancel-1' };
    const c1 = await call(u.org!, { method: 'POST', url: `/api/v1/cases/${first.body.id}/cancel`, payload: { reason: '误定' }, headers: cancelHeaders });
    const c2 = await call(u.org!, { method: 'POST', url: `/api/v1/cases/${first.body.id}/cancel`, payload: { reason: '误定' }, headers: cancelHeaders });
    expect(c1.status).toBe(200);
    expect(c2.body).toEqual(c1.body);
    expect(c1.body.timeline.filter((t: { action: string }) => t.action === 'cancelled')).toHaveLength(1);
  });
});

describe('errors', () => {
  test('validation names the field path; unknown fields are rejected by name', async () => {
    const missing = await call(u.org!, { method: 'POST', url: '/api/v1/cases', payload: { villageCode: '52273100100', sponsorUserId: 'nope' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ statusCode: 400, error: 'Bad Request', requestId: expect.any(String) });
    const fields = missing.body.details.issues.map((i: { field: string }) => i.field).sort();
    expect(fields).toEqual(['body.reasons', 'body.sponsorUserId', 'body.villageCode']);

    const unknown = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: villagesA[3], reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id, priority: 'high' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details.issues.map((i: { field: string }) => i.field)).toEqual(['body.priority']);

    const nested = await call(u.sponsorA!, { method: 'POST', url: `/api/v1/cases/${caseIds.A}/plan`, payload: { ...PLAN, measures: [{ measure: 'm' }] } });
    expect(nested.status).toBe(400);
    expect(nested.body.details.issues.map((i: { field: string }) => i.field)).toEqual(['body.measures.0.owner']);

    const badReason = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: villagesA[3], reasons: ['lazy'], sponsorUserId: u.sponsorA!.id },
    });
    expect(badReason.body.details.issues[0].field).toBe('body.reasons.0');

    const badId = await call(u.org!, { method: 'GET', url: '/api/v1/cases/not-a-uuid' });
    expect(badId.status).toBe(400);
    expect(badId.body.details.issues[0].field).toBe('params.id');
  });

  test('no token or a wrong token is 401; unknown routes are 404; all in the error shape', async () => {
    const none = await call(null, { method: 'GET', url: '/api/v1/cases' });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', requestId: expect.any(String) });
    const wrong = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer rct_wrong' } });
    expect(wrong.statusCode).toBe(401);
    const missingRoute = await call(u.org!, { method: 'GET', url: '/api/v1/nothing-here' });
    expect(missingRoute.status).toBe(404);
    expect(missingRoute.body.requestId).toBeTruthy();
  });

  test('an oversized body is 413 and nothing is written', async () => {
    const huge = { summary: 'x'.repeat(300 * 1024), issues: ['i'], measures: [{ measure: 'm', owner: 'o' }] };
    const res = await call(u.sponsorA!, { method: 'POST', url: `/api/v1/cases/${caseIds.A}/plan`, payload: huge });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, requestId: expect.any(String) });
    const a = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${caseIds.A}` });
    expect(a.body.state).toBe('planning');
  });
});

describe('policies', () => {
  test('versions per jurisdiction; a case keeps the version it started with', async () => {
    const body = {
      timeZone: 'Asia/Shanghai',
      planDue: 'P20D',
      reportPeriod: 'calendar',
      reportDue: 'P5D',
      rectificationDue: 'P12M',
      retryRectificationDue: 'P3M',
      acceptanceReviewDue: 'P30D',
      followUpLength: 'P12M',
      sponsorReassignmentDue: 'P10D',
      ladder: [
        { rung: 'reminder', offset: '-P3D', rag: 'yellow' },
        { rung: 'township_office', offset: 'P1D', rag: 'yellow' },
        { rung: 'org_dept', offset: 'P5D', rag: 'red' },
      ],
    };
    const v1 = await call(u.org!, { method: 'POST', url: '/api/v1/policies', payload: { name: 'default', body } });
    expect(v1.status).toBe(201);
    expect(v1.body.version).toBe(1);
    expect(v1.body.jurisdictionCode).toBe('522731000000');

    const c = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: villagesA[4], reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id },
    });
    expect(c.body.policyId).toBe(v1.body.id);
    expect(c.body.policy.planDue).toBe('P20D');

    const v2 = await call(u.org!, { method: 'POST', url: '/api/v1/policies', payload: { name: 'default', body: { ...body, planDue: 'P10D' } } });
    expect(v2.body.version).toBe(2);
    const still = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${c.body.id}` });
    expect(still.body.policy.planDue).toBe('P20D');
    expect(still.body.obligations.find((o: { kind: string }) => o.kind === 'plan').dueAt).toBe(
      c.body.obligations.find((o: { kind: string }) => o.kind === 'plan').dueAt,
    );
    // Moving it needs a version: none chosen is refused at the field, in words the console shows there.
    const unchosen = await call(u.org!, { method: 'POST', url: `/api/v1/cases/${c.body.id}/policy`, payload: {} });
    expect(unchosen.status).toBe(400);
    expect(unchosen.body.details.issues).toEqual([expect.objectContaining({ field: 'body.policyId', message: expect.stringContaining('请选择期限策略版本') })]);

    const listed = await call(u.townshipA!, { method: 'GET', url: '/api/v1/policies' });
    expect(listed.body.items.map((p: { version: number }) => p.version)).toEqual([2, 1]);

    const bad = await call(u.org!, { method: 'POST', url: '/api/v1/policies', payload: { body: { ...body, planDue: 'fifteen days' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues[0].field).toBe('body.body.planDue');
    expect((await call(u.sponsorA!, { method: 'POST', url: '/api/v1/policies', payload: { body } })).status).toBe(403);
    const otherCounty = await call(u.org!, { method: 'POST', url: '/api/v1/policies', payload: { body, jurisdictionCode: '522727000000' } });
    expect(otherCounty.status).toBe(400);
  });

  test('derived with only the changed fields, from the defaults or another version; the defaults are readable', async () => {
    const defaults = await call(u.townshipA!, { method: 'GET', url: '/api/v1/policies/defaults' });
    expect(defaults.status).toBe(200);
    expect(defaults.body.body).toMatchObject({
      planDue: '15WD',
      acceptanceReviewDue: '20WD',
      mentorship: { mentorAssignmentDue: expect.any(String) },
      reserve: expect.any(Object),
    });

    const fromDefaults = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/policies',
      payload: { name: 'quick', basedOn: 'defaults', changes: { planDue: '10WD', mentorship: { checkInDue: '3WD' } } },
    });
    expect(fromDefaults.status).toBe(201);
    expect(fromDefaults.body).toMatchObject({ basedOn: 'defaults', retiredAt: null, version: 1 });
    expect(fromDefaults.body.body).toEqual({ ...defaults.body.body, planDue: '10WD', mentorship: { ...defaults.body.body.mentorship, checkInDue: '3WD' } });

    const fromVersion = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/policies',
      payload: { name: 'quick', basedOn: fromDefaults.body.id, changes: { reportDue: '3WD' } },
    });
    expect(fromVersion.status).toBe(201);
    expect(fromVersion.body).toMatchObject({ basedOn: fromDefaults.body.id, version: 2 });
    expect(fromVersion.body.body).toEqual({ ...fromDefaults.body.body, reportDue: '3WD' });

    // The merged policy is validated whole; each refusal names the field as sent.
    const cases: Array<[object, number, string]> = [
      [{ basedOn: 'defaults', changes: { planDue: 'soon' } }, 400, 'body.changes.planDue'],
      [{ basedOn: 'defaults', body: defaults.body.body }, 400, 'body.body'],
      [{ changes: { planDue: '5WD' } }, 400, 'body.changes'],
      [{}, 400, 'body.body'],
      [{ basedOn: '00000000-0000-4000-8000-000000000000', changes: {} }, 400, 'body.basedOn'],
    ];
    for (const [payload, status, field] of cases) {
      const res = await call(u.org!, { method: 'POST', url: '/api/v1/policies', payload: { name: 'quick', ...payload } });
      expect([JSON.stringify(payload), res.status, res.body.details?.issues?.[0]?.field]).toEqual([JSON.stringify(payload), status, field]);
    }
    // Another county's version cannot be a base (it is unknown here).
    const theirs = await call(u.otherOrg!, { method: 'POST', url: '/api/v1/policies', payload: { name: 'theirs', basedOn: 'defaults', changes: {} } });
    expect(theirs.status).toBe(201);
    expect(
      (await call(u.org!, { method: 'POST', url: '/api/v1/policies', payload: { name: 'quick', basedOn: theirs.body.id, changes: {} } })).body.details.issues[0]
        .field,
    ).toBe('body.basedOn');
  });

  test('a retired version keeps its running cases, is hidden from the list, and starts nothing new', async () => {
    const v = await call(u.org!, { method: 'POST', url: '/api/v1/policies', payload: { name: 'pilot', basedOn: 'defaults', changes: { planDue: '12WD' } } });
    const running = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: villagesA[8], reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id, policyId: v.body.id },
    });
    expect(running.status).toBe(201);

    expect((await call(u.townshipA!, { method: 'POST', url: `/api/v1/policies/${v.body.id}/retire`, payload: { reason: '试点结束' } })).status).toBe(403);
    expect((await call(u.otherOrg!, { method: 'POST', url: `/api/v1/policies/${v.body.id}/retire`, payload: { reason: '试点结束' } })).status).toBe(404);
    const retired = await call(u.org!, { method: 'POST', url: `/api/v1/policies/${v.body.id}/retire`, payload: { reason: '试点结束' } });
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ id: v.body.id, retiredAt: expect.any(String), retiredBy: u.org!.id, retiredReason: '试点结束' });
    const twice = await call(u.org!, { method: 'POST', url: `/api/v1/policies/${v.body.id}/retire`, payload: { reason: '再次' } });
    expect(twice.status).toBe(409);

    const ids = async (query: string) => (await call(u.org!, { method: 'GET', url: `/api/v1/policies${query}` })).body.items.map((p: { id: string }) => p.id);
    expect(await ids('')).not.toContain(v.body.id);
    expect(await ids('?includeRetired=true')).toContain(v.body.id);

    const refused = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: villagesA[9], reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id, policyId: v.body.id },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.details.issues[0].field).toBe('body.policyId');

    const still = await call(u.sponsorA!, { method: 'GET', url: `/api/v1/cases/${running.body.id}` });
    expect(still.status).toBe(200);
    expect(still.body).toMatchObject({ policyId: v.body.id, policy: { planDue: '12WD' } });
    const plan = await call(u.sponsorA!, { method: 'POST', url: `/api/v1/cases/${running.body.id}/plan`, payload: PLAN });
    expect(plan.status).toBe(200);

    const [audit] = await h.db.sql<
      { actor_user_id: string; details: { reason: string } }[]
    >`select actor_user_id, details from audit_events where entity_id = ${v.body.id} and action = 'policy_retired'`;
    expect(audit).toMatchObject({ actor_user_id: u.org!.id, details: { reason: '试点结束' } });
  });
});

describe('service endpoints', () => {
  test('health, readiness, me, and an OpenAPI document with every operation named', async () => {
    expect((await call(null, { method: 'GET', url: '/api/v1/healthz' })).body).toEqual({ status: 'ok' });
    expect((await call(null, { method: 'GET', url: '/api/v1/readyz' })).body).toEqual({ status: 'ready', checks: { postgres: true, temporal: true } });
    const me = await call(u.townshipA!, { method: 'GET', url: '/api/v1/me' });
    expect(me.body).toMatchObject({ id: u.townshipA!.id, role: 'township_office', jurisdictionCode: '522731001000', roleLabel: expect.any(String) });

    const spec = await call(null, { method: 'GET', url: '/openapi.json' });
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\./);
    const operations = Object.values(spec.body.paths as Record<string, Record<string, { operationId?: string; responses: object }>>).flatMap((p) =>
      Object.values(p),
    );
    expect(operations.length).toBeGreaterThanOrEqual(18);
    expect(operations.every((o) => typeof o.operationId === 'string')).toBe(true);
    expect(Object.keys(spec.body.components.schemas)).toEqual(
      expect.arrayContaining(['CaseDetail', 'CaseSummary', 'Error', 'DesignateCaseRequest', 'DeadlinePolicy']),
    );
    expect(spec.body.paths['/api/v1/cases/{id}/acceptance-reviews'].post.responses).toHaveProperty('409');
    const docs = await app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(docs.statusCode);
  });
});
