/**
 * Process B (1+1 mentoring) on the time-skipping server with the default policy: every state and
 * transition, the check-in ladder rung by rung, scenario 6 (mentor transferred in month 5: the
 * township office at working day 10, the org dept at day 15, check-in logs carry over), extension,
 * termination and refused transitions; long lives continue as new with their state.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { beijingDate, eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { addWorkingDays, type Calendar } from '../../domain/calendar.js';
import { DateTime } from 'luxon';
import { mentorshipWorkflowId } from '../../temporal/client.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let calendar: Calendar;
let org: TestUser;
let township: TestUser;
let otherTownship: TestUser;
let villages: string[];
let next = 0;
const village = () => villages[next++ % villages.length]!;
const DAY = 24 * 3600_000;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  // A small history limit: the long scenarios below continue as new several times, state intact.
  h = await startHarness({ env }, { workflowHistoryLimit: 200 });
  calendar = await h.calendarFor();
  org = await h.addUser('org_dept', '522731', '县委组织部');
  township = await h.addUser('township_office', '522731001', '乡镇党委');
  otherTownship = await h.addUser('township_office', '522731002', '另一乡镇');
  villages = await h.villageCodes('522731001');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

async function skipTo(at: string | Date, slackMs = 60_000): Promise<void> {
  const gap = new Date(at).getTime() + slackMs - (await env.currentTimeMs());
  if (gap > 0) await env.sleep(gap);
}

let people = 0;
const person = (label: string) => ({ name: `${label}${++people}`, gender: 'male' as const, birthDate: '1995-03-01', education: 'bachelor' as const });

async function activeMentorship(mentor: { personId: string } | ReturnType<typeof person> = person('导师')) {
  const proposed = await h.mentorships.propose(township, { villageCode: village(), mentee: person('新任村干部'), mentor });
  return h.mentorships.approve(org, proposed.id, { comment: '同意结对' });
}

const periodNow = async () => DateTime.fromMillis(await env.currentTimeMs(), { zone: 'Asia/Shanghai' }).toFormat('yyyy-MM');
const checkIn = (period: string, handled = '共同走访群众，调解邻里纠纷') => ({
  period,
  metOn: `${period}-10`,
  handled,
  problems: '群众工作经验不足',
  nextSteps: '下月一起开党员大会',
});

describe('lifecycle', () => {
  test('proposed → active → mid review (6 months) → active → final review (12 months) → completed; check-ins each month', async () => {
    const proposed = await h.mentorships.propose(township, {
      villageCode: village(),
      mentee: person('新任村干部'),
      mentor: person('乡镇副书记'),
      note: '新任村委委员',
    });
    expect(proposed.state).toBe('proposed');
    expect(proposed.mentee.name).toMatch(/^新任村干部/);
    const approval = proposed.obligations.find((o) => o.kind === 'mentorship_approval')!;
    expect(approval).toMatchObject({ responsible: 'org_dept', status: 'open' });
    expect(approval.dueDate).toBe(addWorkingDays(calendar, beijingDate(proposed.timeline.find((t) => t.action === 'approval_requested')!.at), 10).date);
    expect(proposed.timeline.map((t) => t.action)).toEqual(['proposed', 'approval_requested']);

    const active = await h.mentorships.approve(org, proposed.id, {});
    expect(active.state).toBe('active');
    expect(active.obligations.find((o) => o.kind === 'mentorship_approval')!.status).toBe('satisfied');
    const started = DateTime.fromJSDate(active.startedAt!, { zone: 'Asia/Shanghai' });
    expect(active.midReviewAt!.toISOString()).toBe(started.plus({ months: 6 }).toUTC().toISO());
    expect(active.finalReviewAt!.toISOString()).toBe(started.plus({ months: 12 }).toUTC().toISO());
    // Period 0 is the month it started; due on the 5th working day after the month ends.
    const first = active.obligations.find((o) => o.kind === 'mentoring_check_in')!;
    expect(first.key).toBe(started.toFormat('yyyy-MM'));
    expect(first.dueDate).toBe(addWorkingDays(calendar, started.endOf('month').toISODate()!, 5).date);

    // Each month the pair logs its check-in: no rung ever fires.
    for (let month = 0; month < 6; month++) {
      const current = (await h.mentorships.get(org, proposed.id)).obligations.find((o) => o.kind === 'mentoring_check_in' && o.status === 'open')!;
      const logged = await h.mentorships.logCheckIn(township, proposed.id, checkIn(current.key));
      expect(logged.checkIns.map((c) => c.period)).toContain(current.key);
      await skipTo(DateTime.fromISO(`${current.key}-01`, { zone: 'Asia/Shanghai' }).plus({ months: 1 }).toISO()!);
      await eventually('next period', async () =>
        (await h.mentorships.get(org, proposed.id)).obligations.some((o) => o.kind === 'mentoring_check_in' && o.status === 'open'),
      );
    }
    await skipTo(active.midReviewAt!);
    const mid = await eventually('mid review', async () => {
      const m = await h.mentorships.get(org, proposed.id);
      return m.state === 'mid_review' ? m : undefined;
    });
    expect(mid.obligations.find((o) => o.kind === 'mid_review')).toMatchObject({ status: 'open', responsible: 'township_office' });
    expect(mid.escalations).toEqual([]);

    const continued = await h.mentorships.review(township, proposed.id, { outcome: 'continue', comment: '帮带成效明显' });
    expect(continued.state).toBe('active');
    await skipTo(active.finalReviewAt!);
    const final = await eventually('final review', async () => {
      const m = await h.mentorships.get(org, proposed.id);
      return m.state === 'final_review' ? m : undefined;
    });
    const done = await h.mentorships.review(org, final.id, { outcome: 'complete', comment: '期满考核合格' });
    expect(done.state).toBe('completed');
    expect(done.closedAt).not.toBeNull();
    expect(done.obligations.filter((o) => o.status === 'open')).toEqual([]);
    expect(done.mentorHistory).toHaveLength(1);
    expect(done.mentorHistory[0]!.to).not.toBeNull();
    // Twelve months of check-ins and reviews took more than one run.
    const runs = await h.temporal.client.workflow.getHandle(mentorshipWorkflowId(proposed.id)).fetchHistory();
    expect(runs.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();
    expect(done.timeline.map((t) => t.action)).toEqual(
      expect.arrayContaining([
        'approved',
        'check_in_logged',
        'check_in_period_opened',
        'mid_review_opened',
        'mid_review_passed',
        'final_review_opened',
        'completed',
      ]),
    );
    await expect(h.mentorships.logCheckIn(township, proposed.id, checkIn(await periodNow()))).rejects.toMatchObject({ statusCode: 409 });
  });

  test('final review extends by 6 months once, then completes; a second extension is refused', async () => {
    const m = await activeMentorship();
    await skipTo(m.midReviewAt!);
    await eventually('mid review', async () => (await h.mentorships.get(org, m.id)).state === 'mid_review');
    await h.mentorships.review(org, m.id, { outcome: 'continue' });
    await skipTo(m.finalReviewAt!);
    await eventually('final review', async () => (await h.mentorships.get(org, m.id)).state === 'final_review');
    const extended = await h.mentorships.review(township, m.id, { outcome: 'extend', comment: '仍需帮带' });
    expect(extended.state).toBe('extended');
    expect(extended.extensions).toBe(1);
    const original = DateTime.fromJSDate(m.finalReviewAt!, { zone: 'Asia/Shanghai' });
    expect(extended.finalReviewAt!.toISOString()).toBe(original.plus({ months: 6 }).toUTC().toISO());
    // Still a working pair: check-ins are owed while extended.
    await skipTo(new Date(Date.parse(extended.finalReviewAt!.toISOString()) - 60 * DAY));
    expect((await h.mentorships.get(org, m.id)).obligations.filter((o) => o.kind === 'mentoring_check_in' && o.status === 'open').length).toBeGreaterThan(0);
    await skipTo(extended.finalReviewAt!);
    await eventually('second final review', async () => (await h.mentorships.get(org, m.id)).state === 'final_review');
    await expect(h.mentorships.review(org, m.id, { outcome: 'extend' })).rejects.toMatchObject({ statusCode: 400, details: { field: 'outcome' } });
    const done = await h.mentorships.review(org, m.id, { outcome: 'complete' });
    expect(done.state).toBe('completed');
    expect(done.obligations.filter((o) => o.status === 'open')).toEqual([]);
  });

  test('a mid review may end it; so may a termination from any open state', async () => {
    const a = await activeMentorship();
    await skipTo(a.midReviewAt!);
    await eventually('mid review', async () => (await h.mentorships.get(org, a.id)).state === 'mid_review');
    await expect(h.mentorships.review(org, a.id, { outcome: 'complete' })).rejects.toMatchObject({ statusCode: 400 });
    const ended = await h.mentorships.review(township, a.id, { outcome: 'terminate', comment: '被帮带人调整出村“两委”班子' });
    expect(ended.state).toBe('terminated');
    expect(ended.outcome).toBe('被帮带人调整出村“两委”班子');

    const proposed = await h.mentorships.propose(township, { villageCode: village(), mentee: person('新任村干部'), mentor: person('导师') });
    const terminated = await h.mentorships.terminate(township, proposed.id, { reason: '误报' });
    expect(terminated.state).toBe('terminated');
    expect(terminated.obligations.every((o) => o.status === 'cancelled')).toBe(true);
    await expect(h.mentorships.approve(org, proposed.id, {})).rejects.toMatchObject({ statusCode: 409 });
  });

  test('a proposal without a mentor waits for one (township obligation), then for approval', async () => {
    const proposed = await h.mentorships.propose(township, { villageCode: village(), mentee: person('新任书记') });
    expect(proposed.obligations.map((o) => [o.kind, o.responsible])).toEqual([['mentor_assignment', 'township_office']]);
    await expect(h.mentorships.approve(org, proposed.id, {})).rejects.toMatchObject({ statusCode: 400, details: { field: 'mentor' } });
    const named = await h.mentorships.changeMentor(township, proposed.id, { mentor: person('乡镇组织委员'), reason: '乡镇党委研究确定' });
    expect(named.state).toBe('proposed');
    expect(named.obligations.find((o) => o.kind === 'mentor_assignment')!.status).toBe('satisfied');
    expect(named.obligations.find((o) => o.kind === 'mentorship_approval')!.status).toBe('open');
    expect((await h.mentorships.approve(org, proposed.id, {})).state).toBe('active');
    await h.mentorships.terminate(org, proposed.id, { reason: '测试结束' });
  });

  test('refused: wrong roles, future periods, logging twice, outside the jurisdiction', async () => {
    const m = await activeMentorship();
    const period = m.obligations.find((o) => o.kind === 'mentoring_check_in')!.key;
    await expect(h.mentorships.approve(township, m.id, {})).rejects.toMatchObject({ statusCode: 403 });
    await expect(h.mentorships.logCheckIn(org, m.id, checkIn(period))).rejects.toMatchObject({ statusCode: 403 });
    await expect(h.mentorships.logCheckIn(otherTownship, m.id, checkIn(period))).rejects.toMatchObject({ statusCode: 404 });
    const future = DateTime.fromISO(`${period}-01`).plus({ months: 2 }).toFormat('yyyy-MM');
    await expect(h.mentorships.logCheckIn(township, m.id, checkIn(future))).rejects.toMatchObject({ statusCode: 400, details: { field: 'period' } });
    await h.mentorships.logCheckIn(township, m.id, checkIn(period));
    await expect(h.mentorships.logCheckIn(township, m.id, checkIn(period))).rejects.toMatchObject({ statusCode: 400, details: { field: 'period' } });
    const before = (await h.mentorships.get(org, m.id)).timeline.length;
    await expect(h.mentorships.review(org, m.id, { outcome: 'continue' })).rejects.toMatchObject({ statusCode: 409 });
    // Refused commands leave no trace.
    expect((await h.mentorships.get(org, m.id)).timeline).toHaveLength(before);
    await h.mentorships.terminate(org, m.id, { reason: '测试结束' });
  });
});

describe('the check-in ladder', () => {
  test('a missing check-in: reminder to the mentor’s account at T−3, township at T+1, org dept at T+5, standing committee at T+10; logging late resolves', async () => {
    const mentorPerson = await h.db.sql<{ id: string }[]>`insert into people (name, division_code) values ('有账号的导师', '522731001000') returning id`;
    const mentorUser = await h.addUser('township_office', '522731001', '导师本人', { personId: mentorPerson[0]!.id });
    const m = await activeMentorship({ personId: mentorPerson[0]!.id });
    expect(m.mentorUserId).toBe(mentorUser.id);
    const due = m.obligations.find((o) => o.kind === 'mentoring_check_in')!;
    const at = (rung: string) => due.rungs.find((r) => r.rung === rung)!.at;
    expect(beijingDate(at('reminder'))).toBe(addWorkingDays(calendar, due.dueDate!, -3).date);
    expect(beijingDate(at('township_office'))).toBe(addWorkingDays(calendar, due.dueDate!, 1).date);
    expect(beijingDate(at('org_dept'))).toBe(addWorkingDays(calendar, due.dueDate!, 5).date);
    expect(beijingDate(at('standing_committee'))).toBe(addWorkingDays(calendar, due.dueDate!, 10).date);

    const escalationsOf = async () => (await h.mentorships.get(org, m.id)).escalations.filter((e) => e.obligationId === due.id);
    await skipTo(at('reminder'), -3600_000);
    expect(await escalationsOf()).toEqual([]);
    await skipTo(at('reminder'));
    const reminder = await eventually('reminder', async () => (await escalationsOf()).find((e) => e.rung === 'reminder'));
    expect(reminder.targetUserId).toBe(mentorUser.id);
    expect((await h.mentorships.get(org, m.id)).rag).toBe('yellow');
    await skipTo(at('township_office'));
    const yellow = await eventually('township rung', async () => (await escalationsOf()).find((e) => e.rung === 'township_office'));
    expect([yellow.targetRole, yellow.targetDivisionCode]).toEqual(['township_office', '522731001000']);
    await skipTo(at('org_dept'));
    const red = await eventually('org dept rung', async () => (await escalationsOf()).find((e) => e.rung === 'org_dept'));
    expect([red.targetRole, red.targetDivisionCode]).toEqual(['org_dept', '522731000000']);
    expect((await h.mentorships.get(org, m.id)).rag).toBe('red');
    await skipTo(at('standing_committee'));
    await eventually('standing committee rung', async () => (await escalationsOf()).find((e) => e.rung === 'standing_committee'));

    // Each rung once, each in the right inbox.
    const inbox = await h.db.sql<{ kind: string; recipient_role: string; recipient_user_id: string | null }[]>`
      select n.kind, n.recipient_role, n.recipient_user_id from notifications n join escalations e on e.id = n.escalation_id
      where e.obligation_id = ${due.id} order by n.created_at`;
    expect(inbox.map((n) => [n.kind, n.recipient_user_id ? 'mentor' : n.recipient_role])).toEqual([
      ['escalation.reminder', 'mentor'],
      ['escalation.township_office', 'township_office'],
      ['escalation.org_dept', 'org_dept'],
      ['escalation.standing_committee', 'org_dept'],
    ]);
    // The mentor logs it themself, late: every escalation resolves, the light turns green (if nothing else is late).
    const logged = await h.mentorships.logCheckIn(mentorUser, m.id, checkIn(due.key));
    const row = logged.checkIns.find((c) => c.period === due.key)!;
    expect(row.late).toBe(true);
    expect(row.loggedBy).toBe(mentorUser.id);
    expect(logged.escalations.filter((e) => e.obligationId === due.id).every((e) => e.resolvedAt !== null)).toBe(true);
    await h.mentorships.terminate(org, m.id, { reason: '测试结束' });
  });
});

describe('延期 and 容错 on mentoring obligations (the engine shared with cases)', () => {
  test('a check-in extended after its reminder fired: the due date moves, the reminder stays in history, later rungs re-arm; a mentor with an account may ask', async () => {
    const mentorPerson = await h.db.sql<{ id: string }[]>`insert into people (name, division_code) values ('申请延期的导师', '522731001000') returning id`;
    const mentorUser = await h.addUser('township_office', '522731001', '导师本人（延期）', { personId: mentorPerson[0]!.id });
    const m = await activeMentorship({ personId: mentorPerson[0]!.id });
    const due = m.obligations.find((o) => o.kind === 'mentoring_check_in')!;
    await skipTo(due.rungs.find((r) => r.rung === 'reminder')!.at);
    await eventually('reminder', async () => (await h.mentorships.get(org, m.id)).escalations.some((e) => e.obligationId === due.id));

    // Asked by the org dept for a mentor's check-in: not theirs to ask; the township may not decide.
    await expect(
      h.mentorships.requestClockChange(org, m.id, {
        kind: 'extension',
        obligationId: due.id,
        reason: 'x',
        newDueDate: addWorkingDays(calendar, due.dueDate!, 10).date,
      }),
    ).rejects.toMatchObject({ statusCode: 403 });
    const newDueDate = addWorkingDays(calendar, due.dueDate!, 10).date;
    const asked = await h.mentorships.requestClockChange(mentorUser, m.id, {
      kind: 'extension',
      obligationId: due.id,
      reason: '导师参加县委党校培训',
      newDueDate,
    });
    const request = asked.clockRequests.at(-1)!;
    expect(request).toMatchObject({ kind: 'extension', status: 'pending', newDueDate, requestedBy: { userId: mentorUser.id } });
    await expect(h.mentorships.decideClockChange(township, m.id, { requestId: request.id, approved: true })).rejects.toMatchObject({ statusCode: 403 });
    const approved = await h.mentorships.decideClockChange(org, m.id, { requestId: request.id, approved: true, comment: '同意' });
    const moved = approved.obligations.find((o) => o.id === due.id)!;
    expect(moved.dueDate).toBe(newDueDate);
    expect(moved.rungs.find((r) => r.rung === 'reminder')!.firedAt).not.toBeNull();
    expect(beijingDate(moved.rungs.find((r) => r.rung === 'township_office')!.at)).toBe(addWorkingDays(calendar, newDueDate, 1).date);
    expect(approved.clockRequests.at(-1)).toMatchObject({ status: 'approved', decidedBy: { userId: org.id } });
    expect(approved.timeline.map((t) => t.action).slice(-2)).toEqual(['extension_requested', 'extension_approved']);

    // Nothing fires at the old township rung; it fires at the new one.
    await skipTo(due.rungs.find((r) => r.rung === 'township_office')!.at);
    expect((await h.mentorships.get(org, m.id)).escalations.filter((e) => e.obligationId === due.id).map((e) => e.rung)).toEqual(['reminder']);
    await skipTo(moved.rungs.find((r) => r.rung === 'township_office')!.at);
    await eventually('township rung at the new date', async () =>
      (await h.mentorships.get(org, m.id)).escalations.some((e) => e.obligationId === due.id && e.rung === 'township_office'),
    );

    // Now overdue: an exemption (容错) excuses it; it stays on record and stops climbing.
    const ex = await h.mentorships.requestClockChange(township, m.id, {
      kind: 'exemption',
      obligationId: due.id,
      reason: '抗洪抢险',
      category: 'emergency_duty',
    });
    const exempted = await h.mentorships.decideClockChange(org, m.id, { requestId: ex.clockRequests.at(-1)!.id, approved: true });
    expect(exempted.obligations.find((o) => o.id === due.id)!.exemptedAt).not.toBeNull();
    await skipTo(moved.rungs.find((r) => r.rung === 'org_dept')!.at);
    expect((await h.mentorships.get(org, m.id)).escalations.filter((e) => e.obligationId === due.id).map((e) => e.rung)).toEqual([
      'reminder',
      'township_office',
    ]);
    await h.mentorships.terminate(org, m.id, { reason: '测试结束' });
  });
});

describe('naming a mentor: the township rung goes above the township office', () => {
  test('no party secretary set for the township: the township rung goes to the org dept', async () => {
    const villages = await h.villageCodes('522731002');
    const proposed = await h.mentorships.propose(otherTownship, { villageCode: villages[3]!, mentee: person('新任村干部（无书记）') });
    const assignment = proposed.obligations.find((o) => o.kind === 'mentor_assignment')!;
    expect(assignment.responsible).toBe('township_office');
    await skipTo(assignment.rungs.find((r) => r.rung === 'township_office')!.at);
    const rung = await eventually('township rung', async () =>
      (await h.mentorships.get(org, proposed.id)).escalations.find((e) => e.obligationId === assignment.id && e.rung === 'township_office'),
    );
    expect([rung.targetRole, rung.targetDivisionCode]).toEqual(['org_dept', '522731000000']);
    const notified = await h.db.sql<{ recipient_role: string; recipient_division_code: string }[]>`
      select recipient_role, recipient_division_code from notifications where mentorship_id = ${proposed.id} and kind = 'escalation.township_office'`;
    expect(notified).toEqual([{ recipient_role: 'org_dept', recipient_division_code: '522731000000' }]);
    await h.mentorships.terminate(org, proposed.id, { reason: '测试结束' });
  });

  test('the post belongs to a township_office user of a township, one holder each', async () => {
    await expect(h.addUser('sponsor', '522731001', '不是乡镇用户', { post: 'township_party_secretary' })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'post' },
    });
    await expect(h.addUser('township_office', '522731', '县级用户', { post: 'township_party_secretary' })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'post' },
    });
    await h.addUser('township_office', '522731002', '书记甲', { post: 'township_party_secretary' });
    await expect(h.addUser('township_office', '522731002', '书记乙', { post: 'township_party_secretary' })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'post' },
    });
  });
});

describe('scenario 6: mentor transferred in month 5', () => {
  test('no new mentor by working day 10 → the township party secretary; by day 15 → org dept; logs carry over; history keeps both mentors', async () => {
    const secretary = await h.addUser('township_office', '522731001', '乡镇党委书记', { post: 'township_party_secretary' });
    const m = await activeMentorship(person('原导师'));
    const oldMentor = m.mentorPersonId!;
    // Four months of check-ins.
    for (let month = 0; month < 4; month++) {
      const open = (await h.mentorships.get(org, m.id)).obligations.find((o) => o.kind === 'mentoring_check_in' && o.status === 'open')!;
      await h.mentorships.logCheckIn(township, m.id, checkIn(open.key, `第${month + 1}个月：共同处理土地流转纠纷`));
      await skipTo(DateTime.fromISO(`${open.key}-01`, { zone: 'Asia/Shanghai' }).plus({ months: 1 }).toISO()!);
      await eventually('next period', async () =>
        (await h.mentorships.get(org, m.id)).obligations.some((o) => o.kind === 'mentoring_check_in' && o.status === 'open'),
      );
    }
    // Month 5: the mentor is transferred.
    const vacant = await h.mentorships.changeMentor(org, m.id, { mentor: null, reason: '调任县直部门' });
    expect(vacant.state).toBe('mentor_vacant');
    expect(vacant.vacantFrom).toBe('active');
    const leftOn = beijingDate(vacant.timeline.at(-1)!.at);
    const assignment = vacant.obligations.find((o) => o.kind === 'mentor_assignment')!;
    expect(assignment.responsible).toBe('township_office');
    expect(assignment.dueDate).toBe(addWorkingDays(calendar, leftOn, 10).date);
    const at = (rung: string) => assignment.rungs.find((r) => r.rung === rung)!.at;
    // Past working day 10: the township's party secretary is escalated to (the office owes the step); at day 15 the org dept.
    expect(beijingDate(at('township_office'))).toBe(addWorkingDays(calendar, leftOn, 11).date);
    expect(beijingDate(at('org_dept'))).toBe(addWorkingDays(calendar, leftOn, 15).date);
    const vacancyInbox = await h.db.sql<
      { recipient_role: string }[]
    >`select recipient_role from notifications where mentorship_id = ${m.id} and kind = 'mentorship.mentor_vacant'`;
    expect(vacancyInbox.map((n) => n.recipient_role).sort()).toEqual(['org_dept', 'township_office']);

    const escalations = async () => (await h.mentorships.get(org, m.id)).escalations.filter((e) => e.obligationId === assignment.id);
    await skipTo(at('township_office'));
    const township10 = await eventually('township rung', async () => (await escalations()).find((e) => e.rung === 'township_office'));
    expect([township10.targetRole, township10.targetDivisionCode]).toEqual(['township_office', '522731001000']);
    const yellowTo = await h.db.sql<{ recipient_user_id: string | null; recipient_role: string }[]>`
      select recipient_user_id, recipient_role from notifications where mentorship_id = ${m.id} and kind = 'escalation.township_office'`;
    // Addressed to the secretary, so it is not in the inbox of the office's other users.
    expect(yellowTo).toEqual([{ recipient_user_id: secretary.id, recipient_role: 'township_office' }]);
    const [target] = await h.db.sql<
      { target_user_id: string | null }[]
    >`select target_user_id from escalations where obligation_id = ${assignment.id} and rung = 'township_office'`;
    expect(target!.target_user_id).toBe(secretary.id);
    expect((await escalations()).some((e) => e.rung === 'org_dept')).toBe(false);
    await skipTo(at('org_dept'));
    const org15 = await eventually('org dept rung', async () => (await escalations()).find((e) => e.rung === 'org_dept'));
    expect([org15.targetRole, org15.targetDivisionCode]).toEqual(['org_dept', '522731000000']);
    // No check-ins are owed while the post is vacant.
    const during = await h.mentorships.get(org, m.id);
    expect(during.state).toBe('mentor_vacant');

    const named = await h.mentorships.changeMentor(township, m.id, { mentor: person('新导师'), reason: '乡镇党委研究确定' });
    expect(named.state).toBe('active');
    expect(named.vacantFrom).toBeNull();
    expect(named.obligations.find((o) => o.id === assignment.id)!.status).toBe('satisfied');
    expect(named.escalations.filter((e) => e.obligationId === assignment.id).every((e) => e.resolvedAt !== null)).toBe(true);
    // The logs carry over: the new mentor sees the pair's four months, each saying whose it was.
    expect(named.checkIns).toHaveLength(4);
    expect(named.checkIns.every((c) => c.mentorPersonId === oldMentor)).toBe(true);
    expect(named.mentorHistory.map((t) => [t.personId === oldMentor ? 'old' : 'new', t.endReason])).toEqual([
      ['old', '调任县直部门'],
      ['new', null],
    ]);
    const period = named.obligations.find((o) => o.kind === 'mentoring_check_in' && o.status === 'open')?.key ?? (await periodNow());
    const after = await h.mentorships.logCheckIn(township, m.id, checkIn(period, '新导师：共同筹备换届'));
    expect(after.checkIns.at(-1)!.mentorPersonId).toBe(named.mentorPersonId);
    expect(after.checkIns).toHaveLength(5);
    await h.mentorships.terminate(org, m.id, { reason: '测试结束' });
  });
});
