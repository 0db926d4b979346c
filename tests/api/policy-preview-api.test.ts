/**
 * POST /policies/preview: when a policy (a draft or a version) times an obligation, counted on the
 * division's working calendar (2025: National Day 10/1–10/8, make-up workdays Sun 9/28 and Sat
 * 10/11; a local closure of the county), scoped like the calendar, field errors named.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';
import { yearRange } from '../support/test-calendar.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let otherOrg: TestUser;
let township: TestUser;
let sponsor: TestUser;

async function call(user: TestUser, options: InjectOptions) {
  const res = await app.inject({ ...options, headers: { ...(options.headers ?? {}), authorization: `Bearer ${user.token}` } });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}
const preview = (user: TestUser, payload: Record<string, unknown>) => call(user, { method: 'POST', url: '/api/v1/policies/preview', payload });
/** 09:00 Beijing, the default office hour, as the API writes instants. */
const office = (date: string) => new Date(`${date}T09:00:00+08:00`).toISOString();
const rungDates = (body: { rungs: Array<{ rung: string; at: string }> }) => Object.fromEntries(body.rungs.map((r) => [r.rung, r.at]));

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  // The package's real notices for these years, whatever the calendar knob says.
  await h.useCalendar(yearRange(2024, 2026));
  app = await h.app();
  org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  otherOrg = await h.addUser('org_dept', '522727', '平塘县委组织部');
  township = await h.addUser('township_office', '522731001', '某镇党委');
  sponsor = await h.addUser('sponsor', '522731', '包保领导');
}, 120_000);
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

test('the defaults: a plan designated Mon 2025-09-22 is due 15 working days later, over National Day and both make-up days', async () => {
  const res = await preview(org, { basedOn: 'defaults', kind: 'plan', from: '2025-09-22' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toMatchObject({ division: '522731000000', after: '15WD', countedFrom: '2025-09-22', due: { dueDate: '2025-10-17', provisional: false } });
  expect(rungDates(res.body)).toEqual({
    reminder: office('2025-10-14'),
    township_office: office('2025-10-20'),
    org_dept: office('2025-10-24'),
    standing_committee: office('2025-10-31'),
  });
  expect(res.body.rungs.map((r: { offset: string }) => r.offset)).toEqual(['-3WD', '1WD', '5WD', '10WD']);
});

test('a monthly report counts from its month’s last day; a due date given outright moves onto a working day', async () => {
  const report = await preview(township, { basedOn: 'defaults', kind: 'monthly_report', from: '2025-09-10' });
  expect(report.status).toBe(200);
  // From 9/30: 10/9, 10/10, Sat 10/11 (make-up), 10/13, 10/14.
  expect(report.body).toMatchObject({ countedFrom: '2025-09-30', after: '5WD', due: { dueDate: '2025-10-14' } });

  const fixed = await preview(sponsor, { basedOn: 'defaults', dueDate: '2025-10-01' });
  expect(fixed.status).toBe(200);
  expect(fixed.body).toMatchObject({ after: null, countedFrom: null, due: { dueDate: '2025-10-09' } });
  // Three working days before 10/9: 9/30, 9/29, Sun 9/28 (make-up).
  expect(rungDates(fixed.body).reminder).toBe(office('2025-09-28'));
});

test('a draft: changes to a base are what is previewed, nothing is stored', async () => {
  const draft = await preview(org, {
    basedOn: 'defaults',
    changes: {
      planDue: '10WD',
      ladder: [
        { rung: 'township_office', offset: '2WD', rag: 'yellow' },
        { rung: 'org_dept', offset: '3WD', rag: 'red' },
      ],
    },
    kind: 'plan',
    from: '2025-09-22',
  });
  expect(draft.status).toBe(200);
  expect(draft.body.due.dueDate).toBe('2025-10-11'); // the Saturday make-up workday
  expect(rungDates(draft.body)).toEqual({ township_office: office('2025-10-14'), org_dept: office('2025-10-15') });
  expect((await call(org, { method: 'GET', url: '/api/v1/policies?includeRetired=true' })).body.items).toEqual([]);

  const version = await call(org, { method: 'POST', url: '/api/v1/policies', payload: { name: 'pilot', basedOn: 'defaults', changes: { planDue: '5WD' } } });
  expect(version.status).toBe(201);
  const asStored = await preview(township, { basedOn: version.body.id, kind: 'plan', from: '2025-09-22' });
  expect(asStored.body).toMatchObject({ after: '5WD', due: { dueDate: '2025-09-28' } });
  // Another county's version is as unknown as a missing one.
  expect((await preview(otherOrg, { basedOn: version.body.id, kind: 'plan', from: '2025-09-22' })).body.details.issues[0].field).toBe('body.basedOn');
});

test('a local closure of the county moves the due and the rungs (the division’s own calendar)', async () => {
  const closure = await call(org, {
    method: 'POST',
    url: '/api/v1/calendar/overrides',
    payload: { divisionCode: '522731000000', date: '2025-10-13', workday: false, reason: '台风停工' },
  });
  expect(closure.status, JSON.stringify(closure.body)).toBe(201);
  try {
    const county = await preview(org, { basedOn: 'defaults', kind: 'plan', from: '2025-09-22' });
    expect(county.body.due.dueDate).toBe('2025-10-20');
    const neighbour = await preview(otherOrg, { basedOn: 'defaults', kind: 'plan', from: '2025-09-22' });
    expect(neighbour.body.due.dueDate).toBe('2025-10-17');
  } finally {
    await call(org, { method: 'POST', url: `/api/v1/calendar/overrides/${closure.body.id}/revoke` });
  }
});

test('bad input is a 400 naming the field; divisions outside the jurisdiction are refused', async () => {
  const field = async (user: TestUser, payload: Record<string, unknown>) => {
    const res = await preview(user, payload);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    return res.body.details.issues[0].field as string;
  };
  expect(await field(org, { basedOn: 'defaults', changes: { planDue: 'fifteen days' }, kind: 'plan', from: '2025-09-22' })).toBe('body.changes.planDue');
  expect(await field(org, { basedOn: 'defaults', kind: 'plan' })).toBe('body.from');
  expect(await field(org, { basedOn: 'defaults', kind: 'plan', from: '2025-09-22', dueDate: '2025-10-01' })).toBe('body.from');
  expect(await field(org, { basedOn: 'defaults', from: '2025-09-22' })).toBe('body.kind');
  expect(await field(org, { basedOn: 'defaults', kind: 'mid_review', from: '2025-09-22' })).toBe('body.kind');
  expect(await field(org, { basedOn: 'defaults', kind: 'plan', from: '2025-02-30' })).toBe('body.from');
  expect(await field(org, { kind: 'plan', from: '2025-09-22' })).toBe('body.body');
  expect(await field(org, { basedOn: 'defaults', kind: 'plan', from: '2025-09-22', division: '522727' })).toBe('body.division');
  expect(await field(township, { basedOn: 'defaults', kind: 'plan', from: '2025-09-22', division: '522731002' })).toBe('body.division');
  const own = await preview(township, { basedOn: 'defaults', kind: 'plan', from: '2025-09-22', division: '522731001' });
  expect(own.body.division).toBe('522731001000');
});
