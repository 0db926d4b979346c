/**
 * Records workflow histories for the replay test: `npx tsx tests/replay/record-histories.ts`.
 * Run it when a workflow is released (not on every change): the committed histories are what
 * older running cases look like, and every later version of the code must replay them. Files
 * already committed are never overwritten (they are the older versions); only missing ones are
 * recorded.
 *
 * calendar-change-v1-cases.json was recorded from the released calendar-change workflow (before it
 * went on to mentorships and reserves behind `patched('recompute-mentorships-and-reserves')`), with
 * that version of workflows/calendar-change.ts in place; this script records the current versions.
 */
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness } from '../support/harness.js';
import { TerminatedFailure, WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createCalendarService } from '../../services/calendar.js';
import { addCalendarDays } from '../../domain/calendar.js';
import { mentorshipWorkflowId, rectificationWorkflowId, reserveWorkflowId } from '../../temporal/client.js';
import { calendarChangeWorkflowId } from '../../workflows/ids.js';
import { createPolicyVersion } from '../../db/queries/policies.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { asBeforePerDateProvisional, RELEASE_BEFORE_PER_DATE_PROVISIONAL, releasedWorkflowBundle } from '../support/released-bundle.js';

const HISTORIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');
const DAY = 24 * 3600_000;

const env = await startTimeSkippingEnv();
const h = await startHarness({ env });
try {
  const org = await h.addUser('org_dept', '522731', '组织部');
  const sponsor = await h.addUser('sponsor', '522731', '包保领导');
  const township = await h.addUser('township_office', '522731001', '乡镇党委');
  const prefecture = await h.addUser('org_dept', '5227', '州委组织部');
  const [v1, v2, v3] = await h.villageCodes('522731001');
  const calendar = createCalendarService({ db: h.db.db, temporal: h.temporal });

  // 1. A case through its whole life: rungs fire on a late plan, reports, a failed and a passed
  //    review, sponsor vacancy and reassignment, follow-up, relapse.
  const c = await h.cases.designate(org, { villageCode: v1!, reasons: ['leadership_incomplete', 'poor_service'], sponsorUserId: sponsor.id });
  const firstPlan = c.obligations.find((o) => o.kind === 'plan')!;
  await env.sleep(Date.parse(firstPlan.rungs.find((r) => r.rung === 'township_office')!.at) + 60_000 - (await env.currentTimeMs()));
  await eventually('township rung', async () => (await h.cases.get(org, c.id)).escalations.length >= 2);
  const d = await h.cases.submitPlan(sponsor, c.id, { plan: { summary: '方案', issues: ['班子'], measures: [{ measure: '配强', owner: '乡镇' }] } });
  await h.cases.submitReport(sponsor, c.id, { period: d.obligations.find((o) => o.kind === 'monthly_report')!.key, report: { progress: '进展' } });
  await h.cases.changeSponsor(org, c.id, { sponsorUserId: null, reason: '调离' });
  await h.cases.changeSponsor(org, c.id, { sponsorUserId: sponsor.id, reason: '明确' });
  await env.sleep(40 * DAY);
  await h.cases.requestAcceptance(sponsor, c.id, { summary: '完成' });
  await h.cases.reviewAcceptance(org, c.id, { score: 68, representativesTotal: 20, representativesDissatisfied: 2 });
  await h.cases.requestAcceptance(sponsor, c.id, { summary: '再次申请' });
  await h.cases.reviewAcceptance(org, c.id, { score: 88, representativesTotal: 20, representativesDissatisfied: 1 });
  await env.sleep(30 * DAY);
  await h.cases.relapse(township, c.id, { reasons: ['secretary_vacant_3_months'], note: '书记空缺' });

  // 2. A case cancelled early.
  const c2 = await h.cases.designate(org, { villageCode: v2!, reasons: ['affairs_disorder'], sponsorUserId: sponsor.id });
  await h.cases.cancel(org, c2.id, { reason: '村撤并' });

  // 3. The clock (v2): an extension, a suspension and resumption, an interruption, an exemption,
  //    a recompute after a year's notice is imported, then cancellation.
  const c3 = await h.cases.designate(org, { villageCode: v3!, reasons: ['rules_not_kept'], sponsorUserId: sponsor.id });
  const plan = c3.obligations.find((o) => o.kind === 'plan')!;
  const ext = await h.cases.requestClockChange(sponsor, c3.id, {
    kind: 'extension',
    obligationId: plan.id,
    reason: '延期',
    newDueDate: addCalendarDays(plan.dueDate!, 10),
  });
  await h.cases.decideClockChange(org, c3.id, { requestId: ext.clockRequests.at(-1)!.id, approved: true });
  await h.cases.suspendClock(org, c3.id, { reason: '暂停' });
  await env.sleep(3 * DAY);
  await h.cases.resumeClock(org, c3.id, { reason: '恢复' });
  await h.cases.interruptClock(org, c3.id, { obligationId: plan.id, reason: '重新计时' });
  const rect = c3.obligations.find((o) => o.kind === 'rectification')!;
  await calendar.importVersion({ userId: null, label: 'record' }, { source: 'record', days: [{ date: rect.dueDate!, workday: false, name: '假日' }] });
  await eventually('recomputed', async () => (await h.cases.get(org, c3.id)).timeline.some((t) => t.action === 'deadlines_recomputed'));
  await env.sleep(40 * DAY);
  const ex = await h.cases.requestClockChange(sponsor, c3.id, { kind: 'exemption', obligationId: plan.id, reason: '防汛', category: 'emergency_duty' });
  await h.cases.decideClockChange(org, c3.id, { requestId: ex.clockRequests.at(-1)!.id, approved: true });
  await h.cases.cancel(org, c3.id, { reason: '村撤并' });

  // 4. A mentorship through its whole life (Process B): a check-in missed up the ladder, the mentor
  //    transferred (vacancy escalated) and replaced, mid review, final review extended, completed.
  //    Since patched('mentor-assignment-to-secretary') the vacancy's township rung goes to the
  //    township's party secretary (mentorship-v5-secretary-full-life).
  await h.addUser('township_office', '522731001', '乡镇党委书记', { post: 'township_party_secretary' });
  const skipTo = async (at: Date | string) => env.sleep(Math.max(1, new Date(at).getTime() + 60_000 - (await env.currentTimeMs())));
  const person = (name: string) => ({ name, gender: 'male' as const, birthDate: '1994-04-04', education: 'bachelor' as const });
  // Quarterly check-ins keep the committed history small (each change carries the snapshot); the code paths are the monthly ones.
  const quarterly = await createPolicyVersion(h.db.db, org, {
    jurisdictionCode: '522731000000',
    name: 'replay-quarterly',
    body: { ...DEFAULT_POLICY, mentorship: { checkInPeriod: 'P3M' } },
  });
  const m = await h.mentorships.propose(township, { villageCode: v1!, mentee: person('新任村干部'), mentor: person('乡镇副书记'), policyId: quarterly.id });
  const ma = await h.mentorships.approve(org, m.id, { comment: '同意' });
  const firstCheckIn = ma.obligations.find((o) => o.kind === 'mentoring_check_in')!;
  await skipTo(firstCheckIn.rungs.find((r) => r.rung === 'township_office')!.at);
  await eventually('check-in rung', async () => (await h.mentorships.get(org, m.id)).escalations.length >= 2);
  await h.mentorships.logCheckIn(township, m.id, { period: firstCheckIn.key, metOn: `${firstCheckIn.key}-20`, handled: '共同调解纠纷' });
  const vacant = await h.mentorships.changeMentor(org, m.id, { mentor: null, reason: '调任' });
  await skipTo(vacant.obligations.find((o) => o.kind === 'mentor_assignment')!.rungs.find((r) => r.rung === 'org_dept')!.at);
  await eventually('vacancy rung', async () => (await h.mentorships.get(org, m.id)).escalations.some((e) => e.rung === 'org_dept'));
  await h.mentorships.changeMentor(township, m.id, { mentor: person('乡镇组织委员'), reason: '明确新导师' });
  await skipTo(ma.midReviewAt!);
  await eventually('mid review', async () => (await h.mentorships.get(org, m.id)).state === 'mid_review');
  await h.mentorships.review(township, m.id, { outcome: 'continue' });
  await skipTo(ma.finalReviewAt!);
  await eventually('final review', async () => (await h.mentorships.get(org, m.id)).state === 'final_review');
  const extended = await h.mentorships.review(org, m.id, { outcome: 'extend' });
  await skipTo(extended.finalReviewAt!);
  await eventually('final review again', async () => (await h.mentorships.get(org, m.id)).state === 'final_review');
  await h.mentorships.review(org, m.id, { outcome: 'complete' });

  // 5. A reserve candidate through the whole pipeline (Process C): publicity, training records (one
  //    late, up the ladder), the half-yearly and annual reviews, placement as a new secretary
  //    (which proposes a mentorship); and one that fails its qualification.
  const r = await h.reserves.nominate(township, { villageCode: v2!, person: person('后备人选'), source: 'returnee' });
  await h.reserves.qualify(org, r.id, { passed: true, comment: '符合' });
  await h.reserves.inspect(org, r.id, { passed: true, comment: '合格' });
  const pub = await h.reserves.publicize(org, r.id, {});
  await skipTo(pub.publicityEndsAt!);
  await eventually('pooled', async () => (await h.reserves.get(org, r.id)).state === 'in_pool');
  const tr = await h.reserves.startTraining(township, r.id, { arrangement: '跟岗' });
  await h.reserves.fileTrainingRecord(township, r.id, { kind: 'written_report', period: 'Q1', summary: '报告' });
  const q1 = tr.obligations.find((o) => o.kind === 'training_talk' && o.key === 'Q1')!;
  await skipTo(q1.rungs.find((x) => x.rung === 'township_office')!.at);
  await eventually('talk rung', async () => (await h.reserves.get(org, r.id)).escalations.length >= 2);
  await h.reserves.fileTrainingRecord(township, r.id, { kind: 'talk', period: 'Q1', summary: '谈话' });
  await eventually(
    'half-yearly review',
    async () => {
      await env.sleep(30 * DAY);
      return (await h.reserves.get(org, r.id)).obligations.some((o) => o.kind === 'periodic_review' && o.status === 'open');
    },
    60_000,
  );
  await h.reserves.periodicReview(township, r.id, { outcome: 'keep', comment: '保留' });
  await eventually(
    'annual review',
    async () => {
      await env.sleep(30 * DAY);
      return (await h.reserves.get(org, r.id)).state === 'annual_review';
    },
    60_000,
  );
  await h.reserves.annualReview(org, r.id, { outcome: 'continue', comment: '继续培养' });
  const placed = await h.reserves.place(org, r.id, { post: 'secretary', newInPost: true });
  await h.mentorships.terminate(org, placed.mentorshipId!, { reason: '记录结束' });
  const r2 = await h.reserves.nominate(township, { villageCode: v3!, person: person('后备人选'), source: 'local_talent' });
  await h.reserves.qualify(org, r2.id, { passed: false, comment: '不符合' });

  // 6. A calendar override after mentorships and reserves exist: the fan-out goes on to them (v2).
  const r3 = await h.reserves.nominate(township, { villageCode: v3!, person: person('后备人选'), source: 'local_talent' });
  const override = await calendar.createOverride(org, { divisionCode: '522731001', date: r3.obligations[0]!.dueDate!, workday: false, reason: '防汛' });
  await eventually('re-timed', async () => (await h.reserves.get(org, r3.id)).timeline.some((t) => t.action === 'deadlines_recomputed'));
  await h.reserves.exit(org, r3.id, { reason: '记录结束' });

  // 7. Delisted while the clock is suspended, past the end of follow-up. Before
  //    patched('follow-up-ends-while-suspended') the suspended clock kept the case from closing and
  //    its loop woke again at once, without end: that run was recorded terminated while spinning
  //    (rectification-v2-follow-up-while-suspended-spinning). The current code closes the case.
  const v4 = (await h.villageCodes('522731001'))[3]!;
  const c7 = await h.cases.designate(org, { villageCode: v4, reasons: ['rules_not_kept'], sponsorUserId: sponsor.id });
  await h.cases.submitPlan(sponsor, c7.id, { plan: { summary: '方案', issues: ['制度'], measures: [{ measure: '建章立制', owner: '村党组织' }] } });
  await h.cases.suspendClock(org, c7.id, { reason: '暂停' });
  await h.cases.requestAcceptance(sponsor, c7.id, { summary: '完成' });
  const delisted = await h.cases.reviewAcceptance(org, c7.id, { score: 90, representativesTotal: 20, representativesDissatisfied: 0 });
  await skipTo(delisted.followUpEndsAt!);
  const closedAfterFollowUp = await eventually('closed after follow-up', async () => (await h.cases.get(org, c7.id)).state === 'closed', 5_000).then(
    () => true,
    () => false,
  );
  if (!closedAfterFollowUp) await h.temporal.client.workflow.getHandle(rectificationWorkflowId(c7.id)).terminate('recorded before the patch: the loop spins');
  const followUpHistory = closedAfterFollowUp ? 'rectification-v3-follow-up-while-suspended' : 'rectification-v2-follow-up-while-suspended-spinning';

  // 8. A candidate in the pool transferred to another village. Since
  //    patched('transfer-continues-at-target') the candidate continues in the target village's pool
  //    as a new candidate (its own workflow, started in the pool); before, the transfer only closed it.
  const r8 = await h.reserves.nominate(township, { villageCode: v4, person: person('调动的后备人选'), source: 'returnee' });
  await h.reserves.qualify(org, r8.id, { passed: true, comment: '符合' });
  await h.reserves.inspect(org, r8.id, { passed: true, comment: '合格' });
  const pub8 = await h.reserves.publicize(org, r8.id, {});
  await skipTo(pub8.publicityEndsAt!);
  await eventually('pooled', async () => (await h.reserves.get(org, r8.id)).state === 'in_pool');
  const moved = await h.reserves.transfer(org, r8.id, { toVillageCode: v3!, reason: '工作需要' });
  const continuedAs = (moved as { transferredToCandidateId?: string | null }).transferredToCandidateId ?? null;
  if (continuedAs) await h.reserves.exit(org, continuedAs, { reason: '记录结束' });

  // 9. 延期 and 容错 on a mentorship and a reserve candidate (v2: the shared clock-request commands).
  const m9 = await h.mentorships.propose(township, { villageCode: v4, mentee: person('延期记录的村干部'), mentor: person('乡镇宣传委员') });
  const m9a = await h.mentorships.approve(org, m9.id, {});
  const m9due = m9a.obligations.find((o) => o.kind === 'mentoring_check_in')!;
  const m9ext = await h.mentorships.requestClockChange(township, m9.id, {
    kind: 'extension',
    obligationId: m9due.id,
    reason: '培训',
    newDueDate: addCalendarDays(m9due.dueDate!, 14),
  });
  await h.mentorships.decideClockChange(org, m9.id, { requestId: m9ext.clockRequests.at(-1)!.id, approved: true });
  await h.mentorships.terminate(org, m9.id, { reason: '记录结束' });
  const r9 = await h.reserves.nominate(township, { villageCode: v4, person: person('容错记录的后备人选'), source: 'local_talent' });
  const r9due = r9.obligations.find((o) => o.kind === 'qualification_review')!;
  await skipTo(r9due.dueAt);
  const r9ex = await h.reserves.requestClockChange(org, r9.id, { kind: 'exemption', obligationId: r9due.id, reason: '防汛', category: 'emergency_duty' });
  await h.reserves.decideClockChange(prefecture, r9.id, { requestId: r9ex.clockRequests.at(-1)!.id, approved: false, comment: '不予容错' });
  await h.reserves.exit(org, r9.id, { reason: '记录结束' });

  // 10. A case started by the release before patched('per-date-provisional') (its workflow code and
  //     its activities' answers: no flag on rungs), then deployed onto this code: at its next wake-up
  //     it re-flags its rungs per date and re-times once; then cancelled.
  await h.replaceWorker({
    workflowBundle: await releasedWorkflowBundle(RELEASE_BEFORE_PER_DATE_PROVISIONAL),
    wrapActivities: asBeforePerDateProvisional,
    maxCachedWorkflows: 0,
  });
  const c10 = await h.cases.designate(org, { villageCode: v4, reasons: ['poor_service'], sponsorUserId: sponsor.id });
  await h.replaceWorker({});
  await skipTo(c10.obligations.find((o) => o.kind === 'plan')!.rungs.find((x) => x.rung === 'reminder')!.at);
  // The upgrade runs in the tick that fires the reminder (it records a change only if a flag moved).
  await eventually('reminder after the upgrade', async () => (await h.cases.get(org, c10.id)).escalations.length >= 1);
  await h.cases.cancel(org, c10.id, { reason: '记录结束' });

  // 11. The support package and 回头看 (patched 'support-package' and 'follow-up-visits'): a case
  //     designated with its team, the paired department named late (its vacancy climbed a rung), its
  //     quarterly report, the first secretary replaced, the whole rectification, a missed and a
  //     relapse-risk visit, and the relapse from that visit.
  const v5 = (await h.villageCodes('522731001'))[4]!;
  const newPerson = async (name: string) =>
    (await h.db.sql<{ id: string }[]>`insert into people (name, division_code) values (${name}, '522731001000') returning id`)[0]!.id;
  const [cadre11, secretary11, secretary11b, member11, contact11] = [
    await newPerson('包村干部'),
    await newPerson('第一书记'),
    await newPerson('第一书记（接任）'),
    await newPerson('工作队员'),
    await newPerson('帮扶单位联系人'),
  ];
  const c11 = await h.cases.designate(org, {
    villageCode: v5,
    reasons: ['poor_service'],
    sponsorUserId: sponsor.id,
    supportPackage: { townshipCadrePersonId: cadre11, firstSecretaryPersonId: secretary11, workTeamPersonIds: [member11] },
  });
  const vacancy11 = c11.obligations.find((o) => o.kind === 'support_reassignment')!;
  await skipTo(vacancy11.rungs.find((x) => x.rung === 'township_office')!.at);
  await eventually('vacancy rung', async () => (await h.cases.get(org, c11.id)).escalations.some((e) => e.obligationId === vacancy11.id));
  const d11 = await h.cases.changeSupportMember(org, c11.id, {
    post: 'paired_department',
    department: { name: '县财政局', contactPersonId: contact11 },
    reason: '明确',
  });
  await h.cases.submitPlan(sponsor, c11.id, { plan: { summary: '方案', issues: ['班子'], measures: [{ measure: '配强', owner: '乡镇' }] } });
  await skipTo(d11.obligations.find((o) => o.kind === 'support_measures_report')!.dueAt);
  await h.cases.submitSupportReport(township, c11.id, { measures: '帮扶措施' });
  await h.cases.changeSupportMember(org, c11.id, { post: 'first_secretary', personId: null, reason: '调回' });
  await h.cases.changeSupportMember(org, c11.id, { post: 'first_secretary', personId: secretary11b, reason: '选派' });
  await h.cases.requestAcceptance(sponsor, c11.id, { summary: '完成' });
  const f11 = await h.cases.reviewAcceptance(org, c11.id, { score: 90, representativesTotal: 20, representativesDissatisfied: 1 });
  const visit11 = f11.obligations.find((o) => o.kind === 'follow_up_visit')!;
  await skipTo(visit11.rungs.find((x) => x.rung === 'township_office')!.at);
  await eventually('visit rung', async () => (await h.cases.get(org, c11.id)).escalations.some((e) => e.obligationId === visit11.id));
  const r11 = await h.cases.recordVisit(township, c11.id, {
    visitedOn: new Date(await env.currentTimeMs()).toISOString().slice(0, 10),
    visitors: ['组织委员'],
    visitorPersonIds: [],
    findings: '班子不团结',
    risk: 'relapse_risk',
  });
  await h.cases.relapse(org, c11.id, { reasons: ['team_infighting'], visitId: r11.submissions.find((x) => x.kind === 'follow_up_visit')!.key });

  for (const [name, workflowId, run] of [
    ['rectification-v1-full-life', rectificationWorkflowId(c.id)],
    ['rectification-v1-cancelled', rectificationWorkflowId(c2.id)],
    ['rectification-v2-clock', rectificationWorkflowId(c3.id)],
    ['mentorship-v1-full-life', mentorshipWorkflowId(m.id)],
    ['reserve-v1-full-life', reserveWorkflowId(r.id)],
    ['reserve-v1-failed-qualification', reserveWorkflowId(r2.id)],
    // The run that pages the cases and (patched) continues as new into the other processes, then that run.
    ['calendar-change-v2-cases', calendarChangeWorkflowId(`override-${override.id}`), 'previous'],
    ['calendar-change-v2-processes', calendarChangeWorkflowId(`override-${override.id}`)],
    [followUpHistory, rectificationWorkflowId(c7.id)],
    [continuedAs ? 'reserve-v2-transferred' : 'reserve-v1-transferred', reserveWorkflowId(r8.id)],
    ...(continuedAs ? [['reserve-v2-transferred-in', reserveWorkflowId(continuedAs)]] : []),
    // The full lives again since patched('local-date-arithmetic'): date activities run locally.
    ['rectification-v4-local-dates-full-life', rectificationWorkflowId(c.id)],
    ['mentorship-v3-local-dates-full-life', mentorshipWorkflowId(m.id)],
    ['reserve-v3-local-dates-full-life', reserveWorkflowId(r.id)],
    ['rectification-v5-per-date-provisional-upgrade', rectificationWorkflowId(c10.id)],
    // The full lives again since patched('per-date-provisional'): every rung carries its own flag.
    ['rectification-v5-per-date-full-life', rectificationWorkflowId(c.id)],
    ['mentorship-v4-per-date-full-life', mentorshipWorkflowId(m.id)],
    // The mentorship's full life again since patched('mentor-assignment-to-secretary').
    ['mentorship-v5-secretary-full-life', mentorshipWorkflowId(m.id)],
    ['reserve-v4-per-date-full-life', reserveWorkflowId(r.id)],
    ['mentorship-v2-clock-requests', mentorshipWorkflowId(m9.id)],
    ['reserve-v2-clock-requests', reserveWorkflowId(r9.id)],
    ['rectification-v6-support-package-full-life', rectificationWorkflowId(c11.id)],
    // The full lives again since patched('local-projection'): changes projected by local activities.
    ['rectification-v7-local-projection-full-life', rectificationWorkflowId(c11.id)],
    ['rectification-v7-local-projection-clock', rectificationWorkflowId(c3.id)],
    ['mentorship-v6-local-projection-full-life', mentorshipWorkflowId(m.id)],
    ['reserve-v5-local-projection-full-life', reserveWorkflowId(r.id)],
    // The same life since patched('designation-precomputed'): the service opened the case (its first
    // deadlines computed and projected with the row) and started the workflow plainly with it.
    ['rectification-v7-precomputed-full-life', rectificationWorkflowId(c11.id)],
    // Both since patched('designation-precomputed') and patched('local-projection'), as released now.
    ['rectification-v8-precomputed-local-projection-full-life', rectificationWorkflowId(c11.id)],
    // Since patched('light-state') and patched('follow-up-fresh-run'): closed obligations leave the
    // state, and the case continues as new on entering follow-up: the run until then, and the follow-up run.
    ['rectification-v9-light-state-until-follow-up', rectificationWorkflowId(c11.id), 'previous'],
    ['rectification-v9-light-state-follow-up-run', rectificationWorkflowId(c11.id)],
  ] as Array<[string, string, 'previous'?]>) {
    const file = path.join(HISTORIES_DIR, `${name}.json`);
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    ) {
      console.log(`kept ${name} (already committed)`);
      continue;
    }
    const latest = h.temporal.client.workflow.getHandle(workflowId);
    // A run recorded terminated (a pre-patch defect) has no result; its history is what counts.
    await latest.result().catch((error: unknown) => {
      if (!(error instanceof WorkflowFailedError && error.cause instanceof TerminatedFailure)) throw error;
    });
    let handle = latest;
    if (run === 'previous') {
      const started = (await latest.fetchHistory()).events?.[0]?.workflowExecutionStartedEventAttributes;
      handle = h.temporal.client.workflow.getHandle(workflowId, started!.continuedExecutionRunId!);
    }
    const history = await handle.fetchHistory();
    await writeFile(file, historyToJSON(history));
    console.log(`recorded ${name}: ${history.events?.length} events`);
  }
} finally {
  await h.close();
  await env.teardown();
}
