/**
 * The calendar over HTTP: the 2025 notice (Spring Festival, National Day, make-up days), due dates,
 * the Nth working day of a month, provisional years, local overrides inherited down the divisions
 * (and re-timing running cases), and the clock commands on a case.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { yearRange } from '../support/test-calendar.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let otherOrg: TestUser;
let township: TestUser;
let sponsor: TestUser;

async function call(user: TestUser | null, options: InjectOptions) {
  const headers = { ...(options.headers ?? {}), ...(user ? { authorization: `Bearer ${user.token}` } : {}) };
  const res = await app.inject({ ...options, headers });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  org = await h.addUser('org_dept', '522731');
  otherOrg = await h.addUser('org_dept', '522727');
  township = await h.addUser('township_office', '522731001');
  sponsor = await h.addUser('sponsor', '522731');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('the 2025 calendar', () => {
  test('days list holidays and make-up workdays with their names', async () => {
    const res = await call(township, { method: 'GET', url: '/api/v1/calendar?from=2025-09-27&to=2025-10-12' });
    expect(res.status).toBe(200);
    const byDate = Object.fromEntries(res.body.days.map((d: { date: string; workday: boolean; name: string | null }) => [d.date, d]));
    expect(byDate['2025-09-28']).toMatchObject({ workday: true, weekend: true, name: expect.stringContaining('调休'), provisional: false });
    expect(byDate['2025-10-01']).toMatchObject({ workday: false, name: '国庆节' });
    expect(byDate['2025-10-08']).toMatchObject({ workday: false });
    expect(byDate['2025-10-11']).toMatchObject({ workday: true, weekend: true });
    expect(byDate['2025-10-12']).toMatchObject({ workday: false, name: null });
  });

  test('due dates: Spring Festival and National Day, `from` not counted', async () => {
    const spring = await call(org, { method: 'GET', url: '/api/v1/calendar/due-date?from=2025-01-24&workingDays=5&division=522731' });
    expect(spring.body).toMatchObject({ dueDate: '2025-02-07', provisional: false });
    const saturday = await call(org, { method: 'GET', url: '/api/v1/calendar/due-date?from=2025-01-24&workingDays=6' });
    expect(saturday.body.dueDate).toBe('2025-02-08');
    const national = await call(org, { method: 'GET', url: '/api/v1/calendar/due-date?from=2025-09-26&workingDays=4' });
    expect(national.body.dueDate).toBe('2025-10-09');
    const nth = await call(org, { method: 'GET', url: '/api/v1/calendar/nth-working-day?month=2025-10&n=5' });
    expect(nth.body).toMatchObject({ date: '2025-10-14', provisional: false });
  });

  test('a year whose notice is not loaded answers provisional, and loading it makes the answer final', async () => {
    // This test owns the calendar: 2025 (the real notice) loaded, 2030 not, whatever else is loaded.
    await h.useCalendar([2024, 2025]);
    const res = await call(org, { method: 'GET', url: '/api/v1/calendar/due-date?from=2030-03-01&workingDays=10' });
    expect(res.body).toMatchObject({ dueDate: '2030-03-15', provisional: true });
    const days = await call(org, { method: 'GET', url: '/api/v1/calendar?from=2030-03-01&to=2030-03-01' });
    expect(days.body.days[0]).toMatchObject({ provisional: true });
    await h.useCalendar([2024, 2025, 2030]); // 2030's notice (synthetic) leaves March alone
    const final = await call(org, { method: 'GET', url: '/api/v1/calendar/due-date?from=2030-03-01&workingDays=10' });
    expect(final.body).toMatchObject({ dueDate: '2030-03-15', provisional: false });
    await h.useCalendar(yearRange(2004, 2026)); // back to the package's years for the tests below
  });

  test('bad input names the field', async () => {
    const res = await call(org, { method: 'GET', url: '/api/v1/calendar/due-date?from=2025-02-30&workingDays=0' });
    expect(res.status).toBe(400);
    expect(res.body.details.issues.map((i: { field: string }) => i.field).sort()).toEqual(['query.from', 'query.workingDays']);
    const range = await call(org, { method: 'GET', url: '/api/v1/calendar?from=2025-01-01&to=2027-01-01' });
    expect(range.status).toBe(400);
    expect(range.body.details.issues[0].field).toBe('query.to');
    const outside = await call(township, { method: 'GET', url: '/api/v1/calendar/due-date?from=2025-01-01&workingDays=3&division=522731002' });
    expect(outside.status).toBe(400);
    expect(outside.body.details.issues[0].field).toBe('query.division');
  });
});

describe('local overrides', () => {
  test('a county closure is inherited by its townships and villages, audited, revocable, and re-times running cases', async () => {
    const [village] = await h.villageCodes('522731001');
    const designated = await call(org, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: village, reasons: ['poor_service'], sponsorUserId: sponsor.id },
    });
    const plan = designated.body.obligations.find((o: { kind: string }) => o.kind === 'plan');

    // Close the county on the plan's due date: the deadline must move to the next working day.
    const created = await call(org, {
      method: 'POST',
      url: '/api/v1/calendar/overrides',
      payload: { divisionCode: '522731000000', date: plan.dueDate, workday: false, reason: '台风停工' },
    });
    expect(created.status).toBe(201);
    const seen = await call(township, { method: 'GET', url: `/api/v1/calendar?from=${plan.dueDate}&to=${plan.dueDate}&division=522731001001` });
    expect(seen.body.days[0]).toMatchObject({ workday: false, name: '台风停工', source: `override:${created.body.id}` });
    const neighbour = await call(otherOrg, { method: 'GET', url: `/api/v1/calendar?from=${plan.dueDate}&to=${plan.dueDate}` });
    expect(neighbour.body.days[0].source).toBeNull();

    const moved = await eventually('plan re-timed', async () => {
      const d = await call(org, { method: 'GET', url: `/api/v1/cases/${designated.body.id}` });
      const p = d.body.obligations.find((o: { kind: string }) => o.kind === 'plan');
      return p.dueDate !== plan.dueDate ? d.body : undefined;
    });
    expect(moved.obligations.find((o: { kind: string }) => o.kind === 'plan').dueDate > plan.dueDate).toBe(true);
    expect(moved.timeline.at(-1)).toMatchObject({ action: 'deadlines_recomputed', actorLabel: 'system' });

    const [audit] = await h.db.sql<
      { action: string; actor_user_id: string }[]
    >`select action, actor_user_id from audit_events where entity_id = ${created.body.id}`;
    expect(audit).toMatchObject({ action: 'calendar_override_created', actor_user_id: org.id });

    const twice = await call(org, {
      method: 'POST',
      url: '/api/v1/calendar/overrides',
      payload: { divisionCode: '522731000000', date: plan.dueDate, workday: true, reason: 'x' },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.details.issues[0].field).toBe('body.date');
    expect((await call(otherOrg, { method: 'POST', url: `/api/v1/calendar/overrides/${created.body.id}/revoke` })).status).toBe(404);
    const revoked = await call(org, { method: 'POST', url: `/api/v1/calendar/overrides/${created.body.id}/revoke` });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedBy).toBe(org.id);
    await eventually('plan back', async () => {
      const d = await call(org, { method: 'GET', url: `/api/v1/cases/${designated.body.id}` });
      return d.body.obligations.find((o: { kind: string }) => o.kind === 'plan').dueDate === plan.dueDate;
    });
  });

  test('only the org dept, and only inside its jurisdiction', async () => {
    const payload = { divisionCode: '522731001000', date: '2026-12-30', workday: false, reason: '地方假日' };
    expect((await call(township, { method: 'POST', url: '/api/v1/calendar/overrides', payload })).status).toBe(403);
    const outside = await call(otherOrg, { method: 'POST', url: '/api/v1/calendar/overrides', payload });
    expect(outside.status).toBe(400);
    expect(outside.body.details.issues[0].field).toBe('body.divisionCode');
  });
});

describe('clock commands over HTTP', () => {
  test('suspend, resume and an extension request with its decision; all on the timeline', async () => {
    const [, village] = await h.villageCodes('522731001');
    const c = (
      await call(org, { method: 'POST', url: '/api/v1/cases', payload: { villageCode: village, reasons: ['poor_service'], sponsorUserId: sponsor.id } })
    ).body;
    const plan = c.obligations.find((o: { kind: string }) => o.kind === 'plan');

    const missing = await call(sponsor, {
      method: 'POST',
      url: `/api/v1/cases/${c.id}/clock-requests`,
      payload: { kind: 'extension', obligationId: plan.id, reason: 'x' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.details.issues[0].field).toBe('body.newDueDate');

    const asked = await call(sponsor, {
      method: 'POST',
      url: `/api/v1/cases/${c.id}/clock-requests`,
      payload: { kind: 'extension', obligationId: plan.id, reason: '需要更多时间', newDueDate: '2099-12-31' },
    });
    expect(asked.status).toBe(200);
    const requestId = asked.body.clockRequests[0].id;
    const decided = await call(org, {
      method: 'POST',
      url: `/api/v1/cases/${c.id}/clock-requests/${requestId}/decision`,
      payload: { approved: false, comment: '不同意' },
    });
    expect(decided.status).toBe(200);
    expect(decided.body.clockRequests[0]).toMatchObject({ status: 'refused', comment: '不同意' });
    const again = await call(org, { method: 'POST', url: `/api/v1/cases/${c.id}/clock-requests/${requestId}/decision`, payload: { approved: true } });
    expect(again.status).toBe(400);

    expect((await call(sponsor, { method: 'POST', url: `/api/v1/cases/${c.id}/suspend`, payload: { reason: 'x' } })).status).toBe(403);
    const suspended = await call(org, { method: 'POST', url: `/api/v1/cases/${c.id}/suspend`, payload: { reason: '组织调整' } });
    expect(suspended.body.suspendedSince).not.toBeNull();
    expect(suspended.body.suspensionReason).toBe('组织调整');
    const twice = await call(org, { method: 'POST', url: `/api/v1/cases/${c.id}/suspend`, payload: { reason: '组织调整' } });
    expect(twice.status).toBe(409); // a state conflict, not a bad field (issue 16.3)
    const resumed = await call(org, { method: 'POST', url: `/api/v1/cases/${c.id}/resume`, payload: { reason: '调整结束' } });
    expect(resumed.body.suspendedSince).toBeNull();
    expect(resumed.body.timeline.map((t: { action: string }) => t.action)).toEqual(
      expect.arrayContaining(['extension_requested', 'extension_refused', 'clock_suspended', 'clock_resumed']),
    );
  });

  test('an approved extension keeps the deadline it replaced, for the console to strike through', async () => {
    const [, , village] = await h.villageCodes('522731001');
    const c = (
      await call(org, { method: 'POST', url: '/api/v1/cases', payload: { villageCode: village, reasons: ['poor_service'], sponsorUserId: sponsor.id } })
    ).body;
    const plan = c.obligations.find((o: { kind: string }) => o.kind === 'plan');
    expect(plan.previousDues).toEqual([]);
    const asked = await call(sponsor, {
      method: 'POST',
      url: `/api/v1/cases/${c.id}/clock-requests`,
      payload: { kind: 'extension', obligationId: plan.id, reason: '汛期', newDueDate: '2099-12-31' },
    });
    const requestId = asked.body.clockRequests[0].id;
    const decided = await call(org, { method: 'POST', url: `/api/v1/cases/${c.id}/clock-requests/${requestId}/decision`, payload: { approved: true } });
    expect(decided.status).toBe(200);
    const after = (await call(org, { method: 'GET', url: `/api/v1/cases/${c.id}` })).body;
    const extended = after.obligations.find((o: { id: string }) => o.id === plan.id);
    expect(extended.dueDate).toBe('2099-12-31');
    expect(extended.previousDues).toHaveLength(1);
    expect(extended.previousDues[0]).toMatchObject({ dueAt: plan.dueAt, dueDate: plan.dueDate });
    expect(extended.previousDues[0].rungs.map((r: { at: string }) => r.at)).toEqual(plan.rungs.map((r: { at: string }) => r.at));
  });
});
