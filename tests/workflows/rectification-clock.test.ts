/**
 * Changing a running clock, on the time-skipping server with the default (working-day) policy:
 * extension after the first rung, exemption (scenario 7), suspension across a holiday,
 * interruption, a provisional deadline made final by importing a year, a local override,
 * and an explicit move to a new policy version.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { beijingDate, eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { createCalendarService, type CalendarService } from '../../services/calendar.js';
import { addCalendarDays, addWorkingDays, nextWorkingDayOnOrAfter } from '../../domain/calendar.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { rectificationWorkflowId } from '../../temporal/client.js';
import { createPolicyVersion } from '../../db/queries/policies.js';
import { yearRange } from '../support/test-calendar.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let calendar: CalendarService;
let org: TestUser;
let prefectureOrg: TestUser;
let sponsor: TestUser;
let villages: string[];
let next = 0;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  calendar = createCalendarService({ db: h.db.db, temporal: h.temporal });
  org = await h.addUser('org_dept', '522731');
  prefectureOrg = await h.addUser('org_dept', '5227');
  sponsor = await h.addUser('sponsor', '522731');
  villages = [...(await h.villageCodes('522731001')), ...(await h.villageCodes('522731002'))];
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

const PLAN = { plan: { summary: 's', issues: ['i'], measures: [{ measure: 'm', owner: 'o' }] } };

async function skipTo(iso: string | Date, slackMs = 60_000): Promise<void> {
  const gap = new Date(iso).getTime() + slackMs - (await env.currentTimeMs());
  if (gap > 0) await env.sleep(gap);
}

async function designate() {
  return h.cases.designate(org, { villageCode: villages[next++]!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
}

async function escalationRungs(obligationId: string): Promise<string[]> {
  const rows = await h.db.sql<{ rung: string }[]>`select rung from escalations where obligation_id = ${obligationId} order by raised_at`;
  return rows.map((r) => r.rung);
}

describe('extension (延期)', () => {
  test('approved after the reminder fired: the due date moves, the fired rung stays in history, later rungs re-arm', async () => {
    const c = await designate();
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    await skipTo(plan.rungs.find((r) => r.rung === 'reminder')!.at);
    await eventually('reminder', async () => (await escalationRungs(plan.id)).includes('reminder'));

    const newDueDate = addCalendarDays(plan.dueDate!, 14);
    const asked = await h.cases.requestClockChange(sponsor, c.id, {
      kind: 'extension',
      obligationId: plan.id,
      reason: '村两委换届，方案需重新研究',
      newDueDate,
    });
    const request = asked.clockRequests.at(-1)!;
    expect(request).toMatchObject({ kind: 'extension', status: 'pending', newDueDate });
    // A sponsor cannot approve; the org dept (the level above) does.
    await expect(h.cases.decideClockChange(sponsor, c.id, { requestId: request.id, approved: true })).rejects.toMatchObject({ statusCode: 403 });
    const approved = await h.cases.decideClockChange(org, c.id, { requestId: request.id, approved: true, comment: '同意' });

    const moved = approved.obligations.find((o) => o.id === plan.id)!;
    expect(moved.dueDate).toBe(nextWorkingDayOnOrAfter(await calendar.calendarFor(c.villageCode), newDueDate).date);
    const reminder = moved.rungs.find((r) => r.rung === 'reminder')!;
    expect(reminder.firedAt).toBeTruthy();
    expect(reminder.at).toBe(plan.rungs.find((r) => r.rung === 'reminder')!.at);
    const township = moved.rungs.find((r) => r.rung === 'township_office')!;
    expect(township.firedAt).toBeUndefined();
    expect(beijingDate(township.at)).toBe(addWorkingDays(await calendar.calendarFor(c.villageCode), moved.dueDate!, 1).date);
    expect(approved.timeline.map((t) => t.action)).toEqual(expect.arrayContaining(['extension_requested', 'extension_approved']));
    expect(approved.clockRequests.at(-1)).toMatchObject({ status: 'approved', decidedBy: { userId: org.id } });

    // Past the old township instant nothing fires; past the new one it does.
    await skipTo(plan.rungs.find((r) => r.rung === 'township_office')!.at);
    expect(await escalationRungs(plan.id)).toEqual(['reminder']);
    await skipTo(township.at);
    await eventually('re-armed township rung', async () => (await escalationRungs(plan.id)).includes('township_office'));
    expect(await escalationRungs(plan.id)).toEqual(['reminder', 'township_office']);
  });

  test('asked after the due date, or for an earlier date, it is refused naming the field', async () => {
    const c = await designate();
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    await expect(
      h.cases.requestClockChange(sponsor, c.id, { kind: 'extension', obligationId: plan.id, reason: 'x', newDueDate: addCalendarDays(plan.dueDate!, -1) }),
    ).rejects.toMatchObject({ statusCode: 400, details: { field: 'newDueDate' } });
    await skipTo(plan.dueAt);
    await expect(
      h.cases.requestClockChange(sponsor, c.id, { kind: 'extension', obligationId: plan.id, reason: 'x', newDueDate: addCalendarDays(plan.dueDate!, 30) }),
    ).rejects.toMatchObject({ statusCode: 400, details: { field: 'obligationId' } });
  });
});

describe('exemption (容错, scenario 7)', () => {
  test('flood duty: an overdue obligation exempted stops escalating, its escalations resolve, and it stays on record', async () => {
    const c = await designate();
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    await skipTo(plan.rungs.find((r) => r.rung === 'township_office')!.at);
    await eventually('township rung', async () => (await escalationRungs(plan.id)).includes('township_office'));
    expect((await h.cases.get(org, c.id)).rag).toBe('yellow');

    const asked = await h.cases.requestClockChange(sponsor, c.id, {
      kind: 'exemption',
      obligationId: plan.id,
      reason: '防汛抢险值守4个工作日',
      category: 'emergency_duty',
    });
    const approved = await h.cases.decideClockChange(org, c.id, { requestId: asked.clockRequests.at(-1)!.id, approved: true });
    const exempted = approved.obligations.find((o) => o.id === plan.id)!;
    expect(exempted.exemptedAt).not.toBeNull();
    expect(exempted.status).toBe('open');
    expect(approved.rag).toBe('green');
    expect(approved.escalations.filter((e) => e.obligationId === plan.id).every((e) => e.resolvedAt !== null)).toBe(true);

    await skipTo(plan.rungs.find((r) => r.rung === 'standing_committee')!.at);
    expect(await escalationRungs(plan.id)).toEqual(['reminder', 'township_office']);
    // The task itself is still owed and can be filed.
    const filed = await h.cases.submitPlan(sponsor, c.id, PLAN);
    expect(filed.obligations.find((o) => o.id === plan.id)!.status).toBe('satisfied');
    expect(filed.timeline.map((t) => t.action)).toEqual(expect.arrayContaining(['exemption_requested', 'exemption_approved']));
  });

  test('an exemption for an obligation not yet overdue is refused', async () => {
    const c = await designate();
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    await expect(h.cases.requestClockChange(sponsor, c.id, { kind: 'exemption', obligationId: plan.id, reason: 'x', category: 'other' })).rejects.toMatchObject(
      {
        statusCode: 400,
        details: { field: 'obligationId' },
      },
    );
  });
});

describe('suspension and interruption', () => {
  test('a suspension keeps the remaining working days and resumes across a (local) holiday', async () => {
    const c = await designate();
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    const suspended = await h.cases.suspendClock(org, c.id, { reason: '村级组织调整审查' });
    expect(suspended.suspendedSince).not.toBeNull();
    const remaining = (suspended.timeline.at(-1)!.details as { remaining: Record<string, { workingDays: number }> }).remaining[plan.id]!.workingDays;
    expect(remaining).toBeGreaterThan(5);

    // Nothing fires while suspended, even past the original due date.
    await skipTo(plan.rungs.find((r) => r.rung === 'township_office')!.at, 3 * 24 * 3600_000);
    expect(await escalationRungs(plan.id)).toEqual([]);

    // The county declares three rest days right after the resumption (a holiday for the clock).
    const resumeDay = beijingDate(new Date(await env.currentTimeMs()));
    for (let i = 1; i <= 3; i++) {
      await calendar.createOverride(org, { divisionCode: '522731000000', date: addCalendarDays(resumeDay, i), workday: false, reason: '台风停工' });
    }
    const resumed = await h.cases.resumeClock(org, c.id, { reason: '审查结束' });
    expect(resumed.suspendedSince).toBeNull();
    const after = resumed.obligations.find((o) => o.id === plan.id)!;
    const resumedAt = resumed.timeline.at(-1)!;
    expect(resumedAt.action).toBe('clock_resumed');
    const local = await calendar.calendarFor(c.villageCode);
    expect(after.dueDate).toBe(addWorkingDays(local, beijingDate(resumedAt.at), remaining).date);
    // The override days are skipped.
    for (let i = 1; i <= 3; i++) expect(local.special.get(addCalendarDays(resumeDay, i))?.workday).toBe(false);
  });

  test('a case delisted while its clock is suspended still closes when the follow-up ends', async () => {
    const c = await designate();
    await h.cases.submitPlan(sponsor, c.id, PLAN);
    await h.cases.suspendClock(org, c.id, { reason: '换届选举期间暂停' });
    await h.cases.requestAcceptance(sponsor, c.id, { summary: '整顿完成' });
    const delisted = await h.cases.reviewAcceptance(org, c.id, { score: 85, representativesTotal: 20, representativesDissatisfied: 1 });
    expect(delisted.state).toBe('follow_up');
    expect(delisted.suspendedSince).not.toBeNull();
    await skipTo(delisted.followUpEndsAt!);
    const closed = await eventually('closed', async () => {
      const now = await h.cases.get(org, c.id);
      return now.state === 'closed' ? now : null;
    });
    expect(closed.suspendedSince).toBeNull();
    expect(closed.timeline.at(-1)).toMatchObject({
      action: 'closed',
      details: { reason: 'follow_up_completed', suspendedSince: delisted.suspendedSince!.toISOString() },
    });
    // The workflow ends (before the fix its loop kept waking without end).
    await h.temporal.client.workflow.getHandle(rectificationWorkflowId(c.id)).result();
  });

  test('an interruption restarts the clock from zero, on record', async () => {
    const c = await designate();
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    await env.sleep(5 * 24 * 3600_000);
    const restarted = await h.cases.interruptClock(org, c.id, { obligationId: plan.id, reason: '上级要求重新制定方案' });
    const event = restarted.timeline.at(-1)!;
    expect(event.action).toBe('clock_interrupted');
    const after = restarted.obligations.find((o) => o.id === plan.id)!;
    expect(after.dueDate).toBe(addWorkingDays(await calendar.calendarFor(c.villageCode), beijingDate(event.at), 15).date);
    expect(after.dueAt.getTime()).toBeGreaterThan(plan.dueAt.getTime());
  });
});

describe('calendar versions and policies', () => {
  test('a provisional deadline becomes final when the next year is imported, and the change is recorded', async () => {
    // Loaded up to this year only (whatever the package or the knobs load): the rectification,
    // 12 months from now, falls due in the next year, whose notice is not loaded.
    const thisYear = new Date(await env.currentTimeMs()).getUTCFullYear();
    await h.useCalendar(yearRange(thisYear - 1, thisYear));
    const c = await designate();
    const rectification = c.obligations.find((o) => o.kind === 'rectification')!;
    const year = Number(rectification.dueDate!.slice(0, 4));
    expect(year).toBe(thisYear + 1);
    const national = await calendar.national();
    expect(national.loadedYears.has(year)).toBe(false);
    expect(rectification.provisional).toBe(true);
    expect(rectification.rungs.every((r) => r.provisional)).toBe(true);

    // The notice for that year makes the due date itself a holiday.
    const version = await calendar.importVersion(
      { userId: null, label: 'test' },
      { source: `holiday-cn ${year}`, days: [{ date: rectification.dueDate!, workday: false, name: '测试假日' }] },
    );
    expect(version.years).toEqual([year]);
    const final = await eventually('recomputed', async () => {
      const d = await h.cases.get(org, c.id);
      const o = d.obligations.find((x) => x.id === rectification.id)!;
      return o.provisional === false ? d : undefined;
    });
    const moved = final.obligations.find((o) => o.id === rectification.id)!;
    expect(moved.dueDate).toBe(nextWorkingDayOnOrAfter(await calendar.calendarFor(c.villageCode), addCalendarDays(rectification.dueDate!, 1)).date);
    expect(moved.rungs.every((r) => !r.provisional)).toBe(true);
    const event = final.timeline.find((t) => t.action === 'deadlines_recomputed')!;
    expect(event.details).toMatchObject({
      changes: [expect.objectContaining({ obligationId: rectification.id, provisionalBefore: true, provisionalAfter: false })],
    });
  });

  test('a new policy version leaves a running case alone until the org dept moves it, on record', async () => {
    const v1 = await createPolicyVersion(h.db.db, org, { jurisdictionCode: '522731000000', name: 'default', body: DEFAULT_POLICY });
    const c = await designate();
    expect(c.policyId).toBe(v1.id);
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    const v2 = await createPolicyVersion(h.db.db, org, { jurisdictionCode: '522731000000', name: 'default', body: { ...DEFAULT_POLICY, planDue: '20WD' } });
    expect((await h.cases.get(org, c.id)).obligations.find((o) => o.id === plan.id)!.dueAt).toEqual(plan.dueAt);

    const moved = await h.cases.changePolicy(org, c.id, { policyId: v2.id });
    expect(moved.policyId).toBe(v2.id);
    expect(moved.policy.planDue).toBe('20WD');
    const started = c.timeline.find((t) => t.action === 'planning_started')!;
    expect(moved.obligations.find((o) => o.id === plan.id)!.dueDate).toBe(
      addWorkingDays(await calendar.calendarFor(c.villageCode), beijingDate(started.at), 20).date,
    );
    expect(moved.timeline.at(-1)).toMatchObject({ action: 'policy_changed', actorUserId: org.id, details: { fromPolicyId: null, toPolicyId: v2.id } });
  });

  test('the org dept’s own deadline (the acceptance review) is extended only by the level above', async () => {
    const c = await designate();
    await h.cases.submitPlan(sponsor, c.id, PLAN);
    const pending = await h.cases.requestAcceptance(sponsor, c.id, { summary: '完成' });
    const review = pending.obligations.find((o) => o.kind === 'acceptance_review')!;
    await expect(
      h.cases.requestClockChange(sponsor, c.id, { kind: 'extension', obligationId: review.id, reason: 'x', newDueDate: addCalendarDays(review.dueDate!, 10) }),
    ).rejects.toMatchObject({ statusCode: 403 });
    const asked = await h.cases.requestClockChange(org, c.id, {
      kind: 'extension',
      obligationId: review.id,
      reason: '测评代表未到齐',
      newDueDate: addCalendarDays(review.dueDate!, 10),
    });
    const requestId = asked.clockRequests.at(-1)!.id;
    await expect(h.cases.decideClockChange(org, c.id, { requestId, approved: true })).rejects.toMatchObject({ statusCode: 403 });
    const refused = await h.cases.decideClockChange(prefectureOrg, c.id, { requestId, approved: false, comment: '按期验收' });
    expect(refused.clockRequests.at(-1)).toMatchObject({ status: 'refused', decidedBy: { userId: prefectureOrg.id } });
    expect(refused.obligations.find((o) => o.id === review.id)!.dueAt).toEqual(review.dueAt);
  });
});
