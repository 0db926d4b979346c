/**
 * Every state and transition of Process A on the time-skipping server with the default policy:
 * acceptance (scenarios 1 and 2), delisting and the 12-month follow-up, relapse (scenario 3),
 * cancellation, and refused transitions.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { rectificationWorkflowId } from '../../temporal/client.js';
import { DateTime } from 'luxon';
import { nextWorkingDayOnOrAfter } from '../../domain/calendar.js';
import { describeDue } from '../../domain/escalation.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let org: TestUser;
let sponsor: TestUser;
let township: TestUser;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  org = await h.addUser('org_dept', '522731');
  sponsor = await h.addUser('sponsor', '522731');
  township = await h.addUser('township_office', '522731001');
  villageCodes = await h.villageCodes('522731001');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

const PLAN = { plan: { summary: '一村一策', issues: ['组织生活不正常'], measures: [{ measure: '每月主题党日', owner: '村党支部' }] } };
const DAY = 24 * 3600_000;
let next = 0;
let villageCodes: string[] = [];
const village = () => villageCodes[next++]!;

async function rectifyingCase() {
  const c = await h.cases.designate(org, { villageCode: village(), reasons: ['rules_not_kept'], sponsorUserId: sponsor.id });
  return h.cases.submitPlan(sponsor, c.id, PLAN);
}

async function notificationKinds(caseId: string): Promise<string[]> {
  const rows = await h.db.sql<{ kind: string; recipient_role: string }[]>`select kind, recipient_role from notifications where case_id = ${caseId}`;
  return rows.map((r) => `${r.kind}@${r.recipient_role}`).sort();
}

describe('acceptance review', () => {
  test('scenario 1: score 68 sends the case back to rectifying with a new 3-month deadline; sponsor notified', async () => {
    const c = await rectifyingCase();
    const pending = await h.cases.requestAcceptance(sponsor, c.id, { summary: '整顿任务已完成' });
    expect(pending.state).toBe('acceptance_pending');
    expect(pending.obligations.find((o) => o.kind === 'rectification' && o.key === '1')!.status).toBe('satisfied');
    expect(pending.obligations.find((o) => o.kind === 'acceptance_review')!.responsible).toBe('org_dept');

    const failed = await h.cases.reviewAcceptance(org, c.id, { score: 68, representativesTotal: 20, representativesDissatisfied: 3 });
    expect(failed.state).toBe('rectifying');
    expect(failed.acceptanceAttempts).toBe(1);
    const retry = failed.obligations.find((o) => o.kind === 'rectification' && o.key === '2')!;
    expect(retry.status).toBe('open');
    const failedAt = failed.timeline.find((t) => t.action === 'acceptance_failed')!.at;
    // Three calendar months in Asia/Shanghai, moved onto a working day if they land on a rest day.
    const threeMonths = DateTime.fromJSDate(failedAt, { zone: 'Asia/Shanghai' }).plus({ months: 3 }).toISODate()!;
    expect(retry.dueDate).toBe(nextWorkingDayOnOrAfter(await h.calendarFor(), threeMonths).date);
    expect(failed.submissions.find((s) => s.kind === 'acceptance_review')!.content).toMatchObject({ passed: false, reason: 'score_below_pass' });
    expect(await notificationKinds(c.id)).toContain('acceptance.failed@sponsor');
    // The notice names the new deadline as people read it (issue 16.6), 暂定 only if that date is.
    const [notice] = await h.db.sql<{ body: string }[]>`select body from notifications where case_id = ${c.id} and kind = 'acceptance.failed'`;
    expect(notice!.body).toBe(
      `验收未通过（得分68低于70分），继续整顿，新的完成期限为${describeDue({ ...retry, dueAt: retry.dueAt.toISOString() }, 'Asia/Shanghai')}。`,
    );
    expect(notice!.body).toMatch(/新的完成期限为\d{4}年\d{1,2}月\d{1,2}日/);
  });

  test('scenario 2: score 82 with 11 of 20 representatives dissatisfied fails outright', async () => {
    const c = await rectifyingCase();
    await h.cases.requestAcceptance(sponsor, c.id, { summary: '完成' });
    const failed = await h.cases.reviewAcceptance(org, c.id, { score: 82, representativesTotal: 20, representativesDissatisfied: 11 });
    expect(failed.state).toBe('rectifying');
    expect(failed.submissions.find((s) => s.kind === 'acceptance_review')!.content).toMatchObject({ passed: false, reason: 'majority_dissatisfied' });
  });

  test('too few representatives is refused, naming the field, and changes nothing', async () => {
    const c = await rectifyingCase();
    await h.cases.requestAcceptance(sponsor, c.id, { summary: '完成' });
    const before = await h.cases.get(org, c.id);
    await expect(h.cases.reviewAcceptance(org, c.id, { score: 90, representativesTotal: 14, representativesDissatisfied: 0 })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'representativesTotal' },
    });
    const after = await h.cases.get(org, c.id);
    expect(after.state).toBe('acceptance_pending');
    expect(after.timeline).toHaveLength(before.timeline.length);
  });

  test('a pass delists, starts the 12-month follow-up, and closes the case when it ends', async () => {
    const c = await rectifyingCase();
    await h.cases.requestAcceptance(sponsor, c.id, { summary: '完成' });
    const passed = await h.cases.reviewAcceptance(org, c.id, { score: 85, representativesTotal: 20, representativesDissatisfied: 2 });
    expect(passed.state).toBe('follow_up');
    expect(passed.delistedAt).not.toBeNull();
    expect(passed.timeline.map((t) => t.action)).toEqual(expect.arrayContaining(['delisted', 'follow_up_started']));
    // Monthly reports end with delisting.
    expect(passed.obligations.filter((o) => o.kind === 'monthly_report' && o.status === 'open')).toHaveLength(0);
    const months = (passed.followUpEndsAt!.getTime() - passed.delistedAt!.getTime()) / DAY;
    expect(months).toBeGreaterThanOrEqual(365);
    expect(months).toBeLessThanOrEqual(366);
    expect(await notificationKinds(c.id)).toEqual(expect.arrayContaining(['case.delisted@sponsor', 'case.delisted@township_office']));

    await env.sleep(passed.followUpEndsAt!.getTime() - (await env.currentTimeMs()) + DAY);
    const closed = await eventually('closed', async () => {
      const d = await h.cases.get(org, c.id);
      return d.state === 'closed' ? d : undefined;
    });
    expect(closed.closedAt).not.toBeNull();
    // The workflow has ended; later commands say so instead of hanging.
    await h.temporal.client.workflow.getHandle(rectificationWorkflowId(c.id)).result();
    await expect(h.cases.cancel(org, c.id, { reason: 'x' })).rejects.toMatchObject({ statusCode: 409 });
  });
});

describe('relapse (scenario 3)', () => {
  test('a relapse during follow-up opens a new case linked to the old one; sponsor and township alerted', async () => {
    const c = await rectifyingCase();
    await h.cases.requestAcceptance(sponsor, c.id, { summary: '完成' });
    await h.cases.reviewAcceptance(org, c.id, { score: 90, representativesTotal: 18, representativesDissatisfied: 1 });
    await env.sleep(190 * DAY); // about six months into the follow-up

    const relapsed = await h.cases.relapse(township, c.id, { reasons: ['secretary_vacant_3_months'], note: '书记空缺超过3个月' });
    expect(relapsed.state).toBe('relapsed');
    const timelineLink = relapsed.timeline.find((t) => t.action === 'relapse_case_opened')!;
    const newCaseId = timelineLink.details!.relapseCaseId as string;
    const child = await h.cases.get(org, newCaseId);
    expect(child.parentCaseId).toBe(c.id);
    expect(child.villageCode).toBe(c.villageCode);
    expect(child.state).toBe('planning');
    expect(child.sponsorUserId).toBe(sponsor.id);
    expect(child.reasons).toEqual(['secretary_vacant_3_months']);
    expect(await notificationKinds(c.id)).toEqual(expect.arrayContaining(['case.relapsed@sponsor', 'case.relapsed@township_office']));

    // Only follow-up cases can relapse.
    await expect(h.cases.relapse(org, newCaseId, { reasons: ['poor_service'], note: 'x' })).rejects.toMatchObject({ statusCode: 409 });
  });
});

describe('cancellation and refused transitions', () => {
  test('any open state can be cancelled with a reason; open obligations close and escalations resolve', async () => {
    const c = await h.cases.designate(org, { villageCode: village(), reasons: ['affairs_disorder'], sponsorUserId: sponsor.id });
    const cancelled = await h.cases.cancel(org, c.id, { reason: '村撤并' });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.cancelReason).toBe('村撤并');
    expect(cancelled.obligations.every((o) => o.status === 'cancelled')).toBe(true);
    const last = cancelled.timeline.at(-1)!;
    expect(last).toMatchObject({ action: 'cancelled', actorUserId: org.id, before: { state: 'planning' }, after: { state: 'cancelled' } });
    // A cancelled village can be designated again.
    const again = await h.cases.designate(org, { villageCode: c.villageCode, reasons: ['affairs_disorder'], sponsorUserId: sponsor.id });
    expect(again.id).not.toBe(c.id);
  });

  test('commands out of order are refused with a message naming the state, and nothing changes', async () => {
    const c = await h.cases.designate(org, { villageCode: village(), reasons: ['poor_service'], sponsorUserId: sponsor.id });
    await expect(h.cases.requestAcceptance(sponsor, c.id, { summary: 'x' })).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringContaining('planning'),
    });
    await expect(h.cases.reviewAcceptance(org, c.id, { score: 90, representativesTotal: 20, representativesDissatisfied: 0 })).rejects.toMatchObject({
      statusCode: 409,
    });
    await expect(h.cases.submitReport(sponsor, c.id, { period: '2026-01', report: { progress: 'x' } })).rejects.toMatchObject({ statusCode: 409 });
    // Roles: a sponsor may not review or cancel.
    await expect(h.cases.cancel(sponsor, c.id, { reason: 'x' })).rejects.toMatchObject({ statusCode: 403 });
    const after = await h.cases.get(org, c.id);
    expect(after.state).toBe('planning');
    expect(after.timeline.map((t) => t.action)).toEqual(['designated', 'planning_started']);
  });

  test('a report for a future period, or a second one for the same period, is refused naming the period', async () => {
    const c = await rectifyingCase();
    const period = c.obligations.find((o) => o.kind === 'monthly_report')!.key;
    const [y, m] = period.split('-').map(Number) as [number, number];
    const future = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
    await expect(h.cases.submitReport(sponsor, c.id, { period: future, report: { progress: 'x' } })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'period' },
    });
    const filed = await h.cases.submitReport(sponsor, c.id, { period, report: { progress: '推进中' } });
    expect(filed.obligations.find((o) => o.key === period)!.status).toBe('satisfied');
    await expect(h.cases.submitReport(sponsor, c.id, { period, report: { progress: 'again' } })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'period' },
    });
  });
});
