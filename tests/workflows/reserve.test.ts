/**
 * Process C (reserve candidates) on the time-skipping server with the default policy: the pipeline
 * to the pool (publicity: 5 working days), training obligations and their ladder, the half-yearly
 * and annual reviews, placement (a new secretary gets a mentorship proposed, once), exits and
 * transfers, scenario 5 (coverage 75 %, 3 alerts; a nominee aged 36 is warned, not refused), alerts
 * clearing and re-raising, a calendar override re-timing a candidate's deadlines, and
 * continue-as-new (a small history limit) keeping a candidate's state.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { startTimeSkippingEnv } from '../support/servers.js';
import { beijingDate, endOfBeijingDay, eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { addWorkingDays, type Calendar } from '../../domain/calendar.js';
import { createCalendarService } from '../../services/calendar.js';
import type { ReserveDetail } from '../../services/reserves.js';
import { reserveWorkflowId } from '../../temporal/client.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let calendar: Calendar;
let org: TestUser;
let township: TestUser;
let pingtangOrg: TestUser;
let pingtangTownship: TestUser;
let villages: string[];
let next = 0;
const village = () => villages[next++ % villages.length]!;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  // A small history limit: the training year below continues as new, state intact.
  h = await startHarness({ env }, { workflowHistoryLimit: 100 });
  calendar = await h.calendarFor();
  org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  township = await h.addUser('township_office', '522731001', '乡镇党委');
  pingtangOrg = await h.addUser('org_dept', '522727', '平塘县委组织部');
  pingtangTownship = await h.addUser('township_office', '522727001', '金盆街道党工委');
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
const young = () => ({ name: `后备人选${++people}`, gender: 'female' as const, birthDate: '1996-05-01', education: 'bachelor' as const, partyMember: true });

/** Nominated, qualified, inspected and publicized: in the pool once publicity ends. */
async function throughPublicity(office: TestUser, dept: TestUser, villageCode: string, person: object = young()): Promise<ReserveDetail> {
  const c = await h.reserves.nominate(office, { villageCode, person: person as never, source: 'returnee' });
  await h.reserves.qualify(dept, c.id, { passed: true, comment: '符合条件' });
  await h.reserves.inspect(dept, c.id, { passed: true, comment: '考察合格' });
  return h.reserves.publicize(dept, c.id, {});
}

/** `n` candidates in the pool (publicity run side by side, then one skip past its end). */
async function pooledMany(n: number): Promise<ReserveDetail[]> {
  const publicized = await Promise.all(Array.from({ length: n }, () => throughPublicity(township, org, village())));
  await skipTo(new Date(Math.max(...publicized.map((c) => c.publicityEndsAt!.getTime()))));
  return Promise.all(
    publicized.map((c) =>
      eventually('in pool', async () => {
        const r = await h.reserves.get(org, c.id);
        return r.state === 'in_pool' ? r : undefined;
      }),
    ),
  );
}

async function pooled(): Promise<ReserveDetail> {
  return (await pooledMany(1))[0]!;
}

describe('the pipeline to the pool', () => {
  test('nominated → qualification → inspected → publicized (5 working days) → in pool; each step the org dept owes is an obligation', async () => {
    const c = await h.reserves.nominate(township, { villageCode: village(), person: young(), source: 'local_graduate', note: '本村大学生' });
    expect(c.state).toBe('nominated');
    expect(c.warnings).toEqual([]);
    expect(c.person.education).toBe('bachelor');
    const review = c.obligations.find((o) => o.kind === 'qualification_review')!;
    expect(review).toMatchObject({ responsible: 'org_dept', status: 'open' });
    expect(review.dueDate).toBe(addWorkingDays(calendar, beijingDate(c.timeline.at(-1)!.at), 15).date);

    const qualified = await h.reserves.qualify(org, c.id, { passed: true, comment: '符合条件' });
    expect(qualified.state).toBe('qualification_review');
    expect(qualified.obligations.find((o) => o.kind === 'inspection')).toMatchObject({ responsible: 'org_dept', status: 'open' });
    const inspected = await h.reserves.inspect(org, c.id, { passed: true, comment: '群众公认' });
    expect(inspected.state).toBe('inspected');
    expect(inspected.obligations.find((o) => o.kind === 'publicity')).toMatchObject({ status: 'open' });

    const publicized = await h.reserves.publicize(org, c.id, { note: '村务公开栏公示' });
    expect(publicized.state).toBe('publicized');
    const publicizedOn = beijingDate(publicized.timeline.at(-1)!.at);
    expect(publicized.publicityEndsAt!.toISOString()).toBe(endOfBeijingDay(addWorkingDays(calendar, publicizedOn, 5).date));
    expect(publicized.records.map((r) => r.kind)).toEqual(['qualification', 'inspection', 'publicity']);

    await skipTo(publicized.publicityEndsAt!, -3600_000);
    expect((await h.reserves.get(org, c.id)).state).toBe('publicized');
    await skipTo(publicized.publicityEndsAt!);
    const inPool = await eventually('pooled', async () => {
      const r = await h.reserves.get(org, c.id);
      return r.state === 'in_pool' ? r : undefined;
    });
    expect(inPool.pooledAt).not.toBeNull();
    expect(inPool.obligations.filter((o) => o.status === 'open')).toEqual([]);
    expect(inPool.timeline.map((t) => t.action)).toEqual(['nominated', 'qualification_review_requested', 'qualified', 'inspected', 'publicized', 'pooled']);
    await h.reserves.exit(org, c.id, { reason: '测试结束' });
  });

  test('a failed qualification or inspection exits; so does an objection during publicity', async () => {
    const a = await h.reserves.nominate(township, { villageCode: village(), person: young(), source: 'local_talent' });
    const failed = await h.reserves.qualify(org, a.id, { passed: false, comment: '不是中共党员且无入党意愿' });
    expect(failed.state).toBe('exited');
    expect(failed.exitReason).toContain('资格审查未通过');
    expect(failed.obligations.every((o) => o.status !== 'open')).toBe(true);

    const b = await h.reserves.nominate(township, { villageCode: village(), person: young(), source: 'local_talent' });
    await h.reserves.qualify(org, b.id, { passed: true, comment: '符合' });
    expect((await h.reserves.inspect(org, b.id, { passed: false, comment: '群众认可度低' })).state).toBe('exited');

    const c = await throughPublicity(township, org, village());
    const objected = await h.reserves.exit(org, c.id, { reason: '公示期间收到实名举报，经核实' });
    expect(objected.state).toBe('exited');
    await skipTo(c.publicityEndsAt!);
    expect((await h.reserves.get(org, c.id)).state).toBe('exited');
  });

  test('refused: out-of-order steps (409), the wrong role (403), outside the jurisdiction (404), a person already in a pipeline (409)', async () => {
    const c = await h.reserves.nominate(township, { villageCode: village(), person: young(), source: 'returnee' });
    await expect(h.reserves.inspect(org, c.id, { passed: true, comment: 'x' })).rejects.toMatchObject({ statusCode: 409 });
    await expect(h.reserves.place(org, c.id, { post: 'secretary', newInPost: true })).rejects.toMatchObject({ statusCode: 409 });
    await expect(h.reserves.qualify(township, c.id, { passed: true, comment: 'x' })).rejects.toMatchObject({ statusCode: 403 });
    await expect(h.reserves.qualify(pingtangOrg, c.id, { passed: true, comment: 'x' })).rejects.toMatchObject({ statusCode: 404 });
    await expect(h.reserves.nominate(township, { villageCode: village(), person: { personId: c.personId }, source: 'returnee' })).rejects.toMatchObject({
      statusCode: 409,
    });
    await expect(h.reserves.nominate(org, { villageCode: village(), person: young(), source: 'returnee' })).rejects.toMatchObject({ statusCode: 403 });
    expect((await h.reserves.get(org, c.id)).timeline).toHaveLength(2);
    await h.reserves.exit(org, c.id, { reason: '测试结束' });
  });
});

describe('training, reviews and placement', () => {
  test('training quarters owe a written report and a talk on the usual ladder; half-yearly review; annual review ⇄ training; placement as a new secretary proposes a mentorship once', async () => {
    const c = await pooled();
    const training = await h.reserves.startTraining(township, c.id, { arrangement: '跟岗村党支部书记，参与村务管理' });
    expect(training.state).toBe('in_training');
    const started = DateTime.fromJSDate(training.trainingStartedAt!, { zone: 'Asia/Shanghai' });
    const q1 = training.obligations.filter((o) => o.key === 'Q1');
    expect(q1.map((o) => [o.kind, o.responsible]).sort()).toEqual([
      ['training_report', 'candidate'],
      ['training_talk', 'candidate'],
    ]);
    // Due 10 working days after the quarter ends.
    const q1End = started.plus({ months: 3 });
    expect(q1[0]!.dueDate).toBe(addWorkingDays(calendar, q1End.toISODate()!, 10).date);

    await h.reserves.fileTrainingRecord(township, c.id, { kind: 'written_report', period: 'Q1', summary: '参与村集体经济项目管理' });
    const talked = await h.reserves.fileTrainingRecord(township, c.id, {
      kind: 'talk',
      period: 'Q1',
      summary: '谈心谈话：思想稳定',
      talkedWith: '乡镇组织委员',
    });
    expect(talked.obligations.filter((o) => o.key === 'Q1').every((o) => o.status === 'satisfied')).toBe(true);
    await expect(h.reserves.fileTrainingRecord(township, c.id, { kind: 'talk', period: 'Q1', summary: '重复' })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'period' },
    });
    await expect(h.reserves.fileTrainingRecord(township, c.id, { kind: 'talk', period: 'Q3', summary: '未到' })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'period' },
    });

    // Q2 goes unfiled: its report climbs the ladder (reminder and yellow to the township office, red to the org dept).
    await skipTo(q1End.toISO()!);
    const q2 = await eventually('Q2 opened', async () =>
      (await h.reserves.get(org, c.id)).obligations.find((o) => o.kind === 'training_report' && o.key === 'Q2'),
    );
    const rung = (r: string) => q2.rungs.find((x) => x.rung === r)!.at;
    await skipTo(rung('org_dept'));
    const escalated = await eventually('Q2 report escalated to the org dept', async () => {
      const e = (await h.reserves.get(org, c.id)).escalations.filter((x) => x.obligationId === q2.id);
      return e.length >= 3 ? e : undefined;
    });
    expect(escalated.map((e) => [e.rung, e.targetRole, e.targetDivisionCode])).toEqual([
      ['reminder', 'township_office', '522731001000'],
      ['township_office', 'township_office', '522731001000'],
      ['org_dept', 'org_dept', '522731000000'],
    ]);
    expect((await h.reserves.get(org, c.id)).rag).toBe('red');
    const late = await h.reserves.fileTrainingRecord(township, c.id, { kind: 'written_report', period: 'Q2', summary: '补报' });
    expect(late.records.find((r) => r.kind === 'written_report' && r.key === 'Q2')!.late).toBe(true);
    expect(late.escalations.filter((e) => e.obligationId === q2.id).every((e) => e.resolvedAt)).toBe(true);

    // Half a year after entering the pool: the township office's 动态调整.
    const pooledAt = DateTime.fromJSDate(c.pooledAt!, { zone: 'Asia/Shanghai' });
    await skipTo(pooledAt.plus({ months: 6 }).toISO()!);
    const h1 = await eventually('half-yearly review', async () => (await h.reserves.get(org, c.id)).obligations.find((o) => o.kind === 'periodic_review'));
    expect([h1.key, h1.responsible, h1.status]).toEqual(['H1', 'township_office', 'open']);
    await expect(h.reserves.periodicReview(org, c.id, { outcome: 'keep', comment: 'x' })).rejects.toMatchObject({ statusCode: 403 });
    const kept = await h.reserves.periodicReview(township, c.id, { outcome: 'keep', comment: '表现良好，继续培养' });
    expect(kept.state).toBe('in_training');
    expect(kept.obligations.find((o) => o.id === h1.id)!.status).toBe('satisfied');

    // A training year ends in the annual review; passing it starts another year.
    await skipTo(started.plus({ months: 12 }).toISO()!);
    const annual = await eventually('annual review', async () => {
      const r = await h.reserves.get(org, c.id);
      return r.state === 'annual_review' ? r : undefined;
    });
    expect(annual.obligations.find((o) => o.kind === 'annual_review')).toMatchObject({ key: 'Y1', responsible: 'org_dept', status: 'open' });
    const again = await h.reserves.annualReview(org, c.id, { outcome: 'continue', satisfaction: 0.92, comment: '民主测评优秀' });
    expect(again.state).toBe('in_training');
    expect(again.timeline.at(-1)!.details).toMatchObject({ nextAnnualReviewAt: started.plus({ months: 24 }).toUTC().toISO() });

    // A training year took more than one run (continue-as-new), its quarters and reviews intact.
    const latestRun = await h.temporal.client.workflow.getHandle(reserveWorkflowId(c.id)).fetchHistory();
    expect(latestRun.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();

    // Placed as a new village secretary: closes the pipeline and proposes a 1+1 mentorship.
    const placed = await h.reserves.place(org, c.id, { post: 'secretary', newInPost: true, note: '换届当选村党支部书记' });
    expect(placed.state).toBe('placed');
    expect([placed.placedPost, placed.newInPost]).toEqual(['secretary', true]);
    expect(placed.obligations.every((o) => o.status !== 'open')).toBe(true);
    expect(placed.mentorshipId).not.toBeNull();
    expect(placed.timeline.map((t) => t.action).slice(-2)).toEqual(['placed', 'mentorship_proposed']);
    const mentorship = await h.mentorships.get(township, placed.mentorshipId!);
    expect(mentorship).toMatchObject({
      state: 'proposed',
      menteePersonId: c.personId,
      mentorPersonId: null,
      sourceReserveCandidateId: c.id,
      villageCode: c.villageCode,
    });
    expect(mentorship.obligations.map((o) => [o.kind, o.responsible, o.status])).toEqual([['mentor_assignment', 'township_office', 'open']]);
    const inbox = await h.db.sql<{ kind: string }[]>`select kind from notifications where mentorship_id = ${mentorship.id}`;
    expect(inbox.map((n) => n.kind)).toContain('mentorship.mentor_needed');
    // Keyed by the candidate: asking again (a retried activity) finds the same mentorship.
    const retried = await h.mentorships.proposeForPlacement({
      candidateId: c.id,
      personId: c.personId,
      villageCode: c.villageCode,
      actor: { userId: org.id, label: org.name, role: 'org_dept' },
    });
    expect(retried.mentorshipId).toBe(mentorship.id);
    const [count] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from mentorships where mentee_person_id = ${c.personId}`;
    expect(count!.n).toBe(1);
    await h.mentorships.terminate(org, mentorship.id, { reason: '测试结束' });
  });

  test('a committee member, or a re-appointed secretary, gets no mentorship; a transfer to an unknown or the same village is refused; a half-yearly removal exits', async () => {
    const [a, b, c] = (await pooledMany(3)) as [ReserveDetail, ReserveDetail, ReserveDetail];
    const member = await h.reserves.place(org, a.id, { post: 'committee_member', newInPost: true });
    expect([member.state, member.mentorshipId]).toEqual(['placed', null]);
    const reappointed = await h.reserves.place(org, b.id, { post: 'secretary', newInPost: false });
    expect([reappointed.state, reappointed.mentorshipId]).toEqual(['placed', null]);

    await expect(h.reserves.transfer(org, c.id, { toVillageCode: c.villageCode, reason: 'x' })).rejects.toMatchObject({ statusCode: 400 });
    await expect(h.reserves.transfer(org, c.id, { toVillageCode: '522727001200', reason: 'x' })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'toVillageCode' },
    });
    const other = villages.find((v) => v !== c.villageCode)!;
    const moved = await h.reserves.transfer(org, c.id, { toVillageCode: other, reason: '跨村任职需要' });
    expect([moved.state, moved.transferredTo]).toEqual(['transferred', other]);

    const d = await pooled();
    await skipTo(DateTime.fromJSDate(d.pooledAt!, { zone: 'Asia/Shanghai' }).plus({ months: 6 }).toISO()!);
    await eventually('half-yearly review', async () =>
      (await h.reserves.get(org, d.id)).obligations.some((o) => o.kind === 'periodic_review' && o.status === 'open'),
    );
    const removed = await h.reserves.periodicReview(township, d.id, { outcome: 'remove', comment: '外出务工，不再适合' });
    expect(removed.state).toBe('exited');
    expect(removed.exitReason).toContain('动态调整');
  });
});

describe('延期 and 容错 on reserve obligations (the engine shared with cases)', () => {
  test('the org dept’s own qualification review: asked by the county, decided only by the level above; a refusal leaves the date', async () => {
    const prefecture = await h.addUser('org_dept', '5227', '黔南州委组织部');
    const c = await h.reserves.nominate(township, { villageCode: village(), person: young(), source: 'returnee' });
    const review = c.obligations.find((o) => o.kind === 'qualification_review')!;
    expect(review.responsible).toBe('org_dept');
    const later = addWorkingDays(calendar, review.dueDate!, 5).date;
    // Only the side that answers for it asks: here the org dept, not the township office.
    await expect(
      h.reserves.requestClockChange(township, c.id, { kind: 'extension', obligationId: review.id, reason: 'x', newDueDate: later }),
    ).rejects.toMatchObject({ statusCode: 403 });
    await expect(h.reserves.requestClockChange(org, c.id, { kind: 'extension', obligationId: 'nope', reason: 'x', newDueDate: later })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'obligationId' },
    });
    const asked = await h.reserves.requestClockChange(org, c.id, { kind: 'extension', obligationId: review.id, reason: '档案调取中', newDueDate: later });
    const first = asked.clockRequests.at(-1)!;
    // The county org dept cannot approve its own deadline.
    await expect(h.reserves.decideClockChange(org, c.id, { requestId: first.id, approved: true })).rejects.toMatchObject({ statusCode: 403 });
    const refused = await h.reserves.decideClockChange(prefecture, c.id, { requestId: first.id, approved: false, comment: '请按期完成' });
    expect(refused.obligations.find((o) => o.id === review.id)!.dueDate).toBe(review.dueDate);
    expect(refused.clockRequests.at(-1)).toMatchObject({ status: 'refused', comment: '请按期完成' });
    // Asked again, approved by the prefecture: the date moves; the inbox of the asker hears both answers.
    const again = await h.reserves.requestClockChange(org, c.id, {
      kind: 'extension',
      obligationId: review.id,
      reason: '档案调取中（补充说明）',
      newDueDate: later,
    });
    const approved = await h.reserves.decideClockChange(prefecture, c.id, { requestId: again.clockRequests.at(-1)!.id, approved: true });
    expect(approved.obligations.find((o) => o.id === review.id)!.dueDate).toBe(later);
    const [answers] = await h.db.sql<{ n: number }[]>`
      select count(*)::int as n from notifications where reserve_candidate_id = ${c.id} and kind in ('extension.refused', 'extension.approved') and recipient_user_id = ${org.id}`;
    expect(answers!.n).toBe(2);
    await h.reserves.exit(org, c.id, { reason: '测试结束' });
  });
});

describe('transfer to another village (调入)', () => {
  test('the candidate continues in the target village’s pool: one new candidate, linked both ways, seen by the target township only', async () => {
    const [origin] = (await pooledMany(1)) as [ReserveDetail];
    const townshipCode = (
      await h.db.sql<{ code: string }[]>`
      select code from divisions where level = 'township' and code like '522731%' and code <> '522731001000' order by code limit 1`
    )[0]!.code;
    const target = (await h.villageCodes(townshipCode.slice(0, 9)))[0]!;
    const targetTownship = await h.addUser('township_office', townshipCode.slice(0, 9), '调入乡镇党委');

    const moved = await h.reserves.transfer(org, origin.id, { toVillageCode: target, reason: '跨村任职需要' });
    expect([moved.state, moved.transferredTo]).toEqual(['transferred', target]);
    expect(moved.timeline.map((t) => t.action).slice(-2)).toEqual(['transferred', 'continued_at_village']);
    const continuedId = moved.transferredToCandidateId!;
    expect(continuedId).toBeTruthy();

    const continued = await eventually('in the target pool', async () => {
      const r = await h.reserves.get(targetTownship, continuedId);
      return r.state === 'in_pool' ? r : null;
    });
    expect(continued).toMatchObject({
      villageCode: target,
      townshipCode,
      personId: origin.personId,
      source: origin.source,
      transferredFromId: origin.id,
      note: '跨村任职需要',
    });
    expect(continued.pooledAt).not.toBeNull();
    expect(continued.obligations.filter((o) => o.status === 'open')).toEqual([]);
    expect(continued.timeline.map((t) => [t.action, t.actorLabel])).toEqual([
      ['transferred_in', org.name],
      ['pooled', expect.any(String)],
    ]);
    const [notice] = await h.db.sql<{ n: number }[]>`
      select count(*)::int as n from notifications where reserve_candidate_id = ${continuedId} and kind = 'reserve.transferred_in' and recipient_division_code = ${townshipCode}`;
    expect(notice!.n).toBe(1);
    // Jurisdiction follows the village: the old township no longer sees the candidate's new record.
    await expect(h.reserves.get(township, continuedId)).rejects.toMatchObject({ statusCode: 404 });
    const coverage = await h.reserves.coverage(org, { division: target, belowTargetOnly: false, limit: 10, offset: 0 });
    expect(coverage.villages.find((v) => v.villageCode === target)!.inPool).toBe(1);

    // The activity may be retried: it finds the candidate it made.
    const again = await h.reserves.continueTransferred({
      fromCandidateId: origin.id,
      toVillageCode: target,
      reason: '跨村任职需要',
      actor: { userId: org.id, label: org.name, role: 'org_dept' },
    });
    expect(again.candidateId).toBe(continuedId);
    const [rows] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from reserve_candidates where person_id = ${origin.personId}`;
    expect(rows!.n).toBe(2);
  });
});

describe('scenario 5: coverage of a township', () => {
  test('12 villages, 20 reserves, 3 villages with fewer than 2 → coverage 75 %, 3 alerts to the township office; a nominee aged 36 is warned, not refused; alerts clear and re-raise', async () => {
    const jinpen = await h.villageCodes('522727001');
    expect(jinpen).toHaveLength(12);
    // 2 in each of 9 villages, 1 in two more, none in the last: 20 reserves.
    const plan = [...jinpen.slice(0, 9).flatMap((v) => [v, v]), jinpen[9]!, jinpen[10]!];
    expect(plan).toHaveLength(20);
    const older = {
      name: '三十六岁的提名人',
      gender: 'male' as const,
      birthDate: DateTime.now().setZone('Asia/Shanghai').minus({ years: 36, days: 10 }).toISODate()! /* ages count on the wall clock */,
      education: 'associate' as const,
    };
    const candidates = await Promise.all(plan.map((v, i) => throughPublicity(pingtangTownship, pingtangOrg, v, i === 19 ? older : young())));
    const aged = candidates[19]!;
    expect(aged.ageWarning).toBe(true);
    expect(aged.ageAtNomination).toBe(36);
    expect(aged.warnings.map((w) => w.code)).toEqual(['age_over_35']);
    expect(aged.state).toBe('publicized'); // warned, never blocked

    await skipTo(new Date(Math.max(...candidates.map((c) => c.publicityEndsAt!.getTime()))));
    await eventually('all pooled', async () => {
      const rows = await h.db.sql<
        { n: number }[]
      >`select count(*)::int as n from reserve_candidates where township_code = '522727001000' and state = 'in_pool'`;
      return rows[0]!.n === 20;
    });
    const coverage = await eventually('coverage settled', async () => {
      const c = await h.reserves.coverage(pingtangOrg, { division: '522727001', belowTargetOnly: false, limit: 100, offset: 0 });
      return c.totals.openAlerts === 3 ? c : undefined;
    });
    expect(coverage.totals).toEqual({ villages: 12, covered: 9, belowTarget: 3, inPool: 20, openAlerts: 3, coverage: 0.75 });
    const below = coverage.villages.filter((v) => v.belowTarget);
    expect(below.map((v) => [v.villageCode, v.inPool])).toEqual([
      [jinpen[9], 1],
      [jinpen[10], 1],
      [jinpen[11], 0],
    ]);
    expect(below.every((v) => v.alertId !== null && v.alertRaisedAt !== null)).toBe(true);
    const openAlerts = await h.db.sql<
      { village_code: string }[]
    >`select village_code from reserve_coverage_alerts where cleared_at is null and township_code = '522727001000' order by village_code`;
    expect(openAlerts.map((a) => a.village_code)).toEqual([jinpen[9], jinpen[10], jinpen[11]]);
    // The township office was told of each, once.
    const told = await h.db.sql<{ body: string }[]>`
      select body from notifications where kind = 'reserve.coverage_alert' and recipient_role = 'township_office' and recipient_division_code = '522727001000'`;
    const inbox = await h.db.sql<
      { n: number }[]
    >`select count(*)::int as n from notifications where kind = 'reserve.coverage_alert' and body like '%522727001%' and recipient_division_code <> '522727001000'`;
    expect(inbox[0]!.n).toBe(0);
    for (const v of [jinpen[9]!, jinpen[10]!, jinpen[11]!]) expect(told.filter((n) => n.body.includes(v))).toHaveLength(1);
    // The org dept's list.
    const orgList = await h.reserves.coverage(pingtangOrg, { belowTargetOnly: true, limit: 100, offset: 0 });
    expect(orgList.villages.map((v) => v.villageCode)).toEqual(expect.arrayContaining([jinpen[9], jinpen[10], jinpen[11]]));

    // Coverage recovers in one village: its alert clears (the row stays, with cleared_at).
    const second = await throughPublicity(pingtangTownship, pingtangOrg, jinpen[9]!);
    await skipTo(second.publicityEndsAt!);
    await eventually('alert cleared', async () => {
      const [row] = await h.db.sql<{ cleared_at: Date | null; in_pool_at_clear: number | null }[]>`
        select cleared_at, in_pool_at_clear from reserve_coverage_alerts where village_code = ${jinpen[9]!} order by raised_at desc limit 1`;
      return row?.cleared_at ? row : undefined;
    });
    // A village drops below 2 (a reserve placed): a new alert is raised.
    await h.reserves.place(pingtangOrg, candidates[0]!.id, { post: 'committee_member', newInPost: true });
    await eventually(
      'alert raised',
      async () => (await h.db.sql`select 1 from reserve_coverage_alerts where village_code = ${jinpen[0]!} and cleared_at is null`).length === 1,
    );
    const after = await h.reserves.coverage(pingtangOrg, { division: '522727001', belowTargetOnly: false, limit: 100, offset: 0 });
    expect(after.totals).toMatchObject({ covered: 9, belowTarget: 3, openAlerts: 3, inPool: 20, coverage: 0.75 });
  });
});

describe('calendar changes', () => {
  test('a local override re-times a candidate’s open deadline, like a case’s', async () => {
    const c = await h.reserves.nominate(township, { villageCode: village(), person: young(), source: 'sent_down_cadre' });
    const due = c.obligations.find((o) => o.kind === 'qualification_review')!;
    const calendarService = createCalendarService({ db: h.db.db, temporal: h.temporal });
    await calendarService.createOverride(org, { divisionCode: '522731001', date: due.dueDate!, workday: false, reason: '防汛应急' });
    const moved = await eventually('re-timed', async () => {
      const r = await h.reserves.get(org, c.id);
      return r.timeline.some((t) => t.action === 'deadlines_recomputed') ? r : undefined;
    });
    const now = moved.obligations.find((o) => o.id === due.id)!;
    expect(now.dueDate! > due.dueDate!).toBe(true);
    await h.reserves.exit(org, c.id, { reason: '测试结束' });
  });
});
