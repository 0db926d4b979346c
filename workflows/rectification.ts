/**
 * Process A: one rectification case (包保整顿), from designation to closing.
 *
 * The workflow is the source of truth for a case's state and deadlines; every change is projected
 * to Postgres by `recordCaseChange` before the command that caused it answers. Dates are computed
 * by activities (recorded in history), so this code stays deterministic. Deadlines run on the
 * shared engine (deadline-engine.ts), commands and the main loop on the shared kit (process-kit.ts).
 */
import { condition, continueAsNew, log, patched, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { checkCommand, evaluateAcceptance, isOpenState, validateAcceptanceInput, type CaseCommand, type CaseState } from '../domain/cases.js';
import { describeDue, type Obligation, type ResponsibleParty, type DueBasis } from '../domain/escalation.js';
import { DUE_AFTER_KEY, supportPackagePolicyOf, type DeadlinePolicy } from '../domain/policy.js';
import { filingRefusal, firstSecretaryFilingRefusal } from '../domain/roles.js';
import {
  SINGLE_HOLDER_POSTS,
  SUPPORT_POST_LABELS,
  VISIT_RISK_LABELS,
  emptySupportPackage,
  type SupportHolder,
  type SupportPost,
} from '../domain/support-package.js';
import {
  cancelUpdate,
  changePolicyUpdate,
  changeSponsorUpdate,
  changeSupportMemberUpdate,
  decideClockChangeUpdate,
  recordVisitUpdate,
  submitSupportReportUpdate,
  interruptClockUpdate,
  recomputeDeadlinesSignal,
  requestClockChangeUpdate,
  resumeClockUpdate,
  suspendClockUpdate,
  readyUpdate,
  relapseUpdate,
  requestAcceptanceUpdate,
  reviewAcceptanceUpdate,
  snapshotQuery,
  submitPlanUpdate,
  submitReportUpdate,
} from './rectification-messages.js';
import {
  SYSTEM_ACTOR,
  type AcceptanceRequestArgs,
  type AcceptanceReviewArgs,
  type Actor,
  type CancelArgs,
  type ClockPauseArgs,
  type InterruptArgs,
  type PolicyChangeArgs,
  type PlanArgs,
  type RelapseArgs,
  type ReportArgs,
  type SponsorChangeArgs,
  type SupportMemberArgs,
  type SupportReportArgs,
  type VisitArgs,
  type CaseSnapshot,
  type NotificationSpec,
  type RectificationInput,
  type SubmissionSpec,
  type SupportChangeSpec,
} from '../domain/contracts/rectification.js';
import type { Notice } from '../domain/contracts/deadlines.js';
import { createClockRequests } from './clock-requests.js';
import {
  caseDeadlineHost,
  caseRecipients,
  caseSupportRunning,
  holderRecipients as holderRecipients_,
  newCaseSnapshot,
  openFirstDeadlines,
  openSupportPeriod as openCaseSupportPeriod,
  planningStartedNotices,
} from './case-opening.js';
import { PROCESS_ACTIVITY_OPTIONS, createDeadlineEngine, dateActivities } from './deadline-engine.js';
import { clone, conflict, createCommitter, createProcessKit, forbidden, handleUpdate, invalid, notify, projectionOf } from './process-kit.js';

// Projections must land eventually (Postgres may be down for a while): retry without limit.
const { recordCaseChange, designateRelapseCase } = proxyActivities<ReturnType<typeof createActivities>>(PROCESS_ACTIVITY_OPTIONS);
const localProjections = proxyLocalActivities<Pick<ReturnType<typeof createActivities>, 'recordCaseChange'>>(PROCESS_ACTIVITY_OPTIONS);

/**
 * Patch: the support package (包保责任体系): a team named at designation sets the case's posts, a
 * vacant post opens a reassignment obligation, the paired department reports quarterly, and the
 * policy may give the monthly report to the first secretary. Cases without a team never reach it.
 */
export const SUPPORT_PACKAGE_PATCH = 'support-package';
/** Patch: 回头看 visits: each visit period of the follow-up year owes the township office a visit. */
export const FOLLOW_UP_VISITS_PATCH = 'follow-up-visits';

/**
 * Patch: a lighter cached state. Closed obligations (and their rungs) leave the workflow's state once
 * the change that closed them is projected (Postgres keeps their rows: later projections upsert
 * only what the state holds); the state remembers only their `kind:key` and the first report period.
 * A case a year old then holds what is live, not every monthly report it ever filed.
 */
export const LIGHT_STATE_PATCH = 'light-state';

/**
 * Patch: a case that enters its follow-up year with a long history continues as new: the year is
 * mostly waiting, and a cached run holds its whole past (the SDK core keeps a state machine per
 * timer, activity and Update of the run) while the new one starts from the snapshot alone.
 */
export const FOLLOW_UP_FRESH_RUN_PATCH = 'follow-up-fresh-run';
/** History length above which a run in follow-up starts afresh (a designation to delisting in days is below it). */
const FOLLOW_UP_FRESH_RUN_EVENTS = 100;

/** Patch: the end of follow-up closes a case whose clock is still suspended (see tick()). */
export const FOLLOW_UP_ENDS_WHILE_SUSPENDED = 'follow-up-ends-while-suspended';

/**
 * Patch: the designating service computes the case's first state and projects it with the case row
 * (workflows/case-opening.ts); the workflow, started plainly with it in `input.opened`, takes it as
 * given (no date activity, no projection on its first task). Its deadlines count from when
 * designation was recorded, on the service's clock: a start later than that (the reconciler) fires
 * the rungs already due on its first tick, as a late timer would.
 */
export const DESIGNATION_PRECOMPUTED_PATCH = 'designation-precomputed';

const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export async function rectificationWorkflow(input: RectificationInput): Promise<CaseSnapshot> {
  // Since DESIGNATION_PRECOMPUTED_PATCH the designating service opens the case (its first deadlines,
  // projected with the case row) and hands it over: this run starts from it, at seq 1. Starts without
  // it (runs released before, rows stored before it) open the case below, as before.
  const opened = input.carried === undefined && input.opened !== undefined && patched(DESIGNATION_PRECOMPUTED_PATCH);
  let initialized = input.carried !== undefined || opened;

  const s: CaseSnapshot = input.carried ?? (opened ? clone(input.opened!) : newCaseSnapshot(input));
  // Snapshots carried from before policies could change hold none: the input's is the one in force.
  s.policy ??= input.policy;
  /** The policy in force (the org dept may move a running case to another version). */
  const policy = (): DeadlinePolicy => s.policy!;
  const kit = createProcessKit<CaseCommand, CaseSnapshot>({ state: () => s, check: (c) => checkCommand(c, s.state), carriedUpdateIds: input.recentUpdateIds });

  const now = (): string => new Date(Date.now()).toISOString();
  const summary = (): Record<string, unknown> => ({ state: s.state, rag: s.rag, sponsorUserId: s.sponsorUserId });

  const holderRecipients = (holders: readonly SupportHolder[]): NotificationSpec['recipient'][] => holderRecipients_(s, holders);
  const recipientsFor = (party: ResponsibleParty): NotificationSpec['recipient'][] => caseRecipients(s, party);

  /** Records one change: bumps seq, recomputes RAG, and projects it before returning. */
  const record = createCommitter<CaseSnapshot, { submission: SubmissionSpec; support: SupportChangeSpec }>({
    state: s,
    eventKey: `case:${s.caseId}`,
    summary,
    rag: () => engine.rag(),
    project: projectionOf(recordCaseChange, localProjections.recordCaseChange),
  });
  const commit: typeof record = async (...change) => {
    // Closed before this change: the snapshot it projects carries them with their final status.
    const closed = s.obligations.filter((o) => o.status !== 'open');
    await record(...change);
    if (closed.length > 0 && patched(LIGHT_STATE_PATCH)) {
      s.firstReportPeriod ??= s.obligations.find((o) => o.kind === 'monthly_report')?.key;
      (s.closedKeys ??= []).push(...closed.map((o) => `${o.kind}:${o.key}`));
      s.obligations = s.obligations.filter((o) => !closed.includes(o));
    }
  };
  /** An obligation of this kind and key was opened, whether it is still held or has left the state. */
  const everOpened = (kind: Obligation['kind'], key: string): boolean => !!engine.find(kind, key) || (s.closedKeys ?? []).includes(`${kind}:${key}`);

  const engine = createDeadlineEngine({
    ...caseDeadlineHost(s),
    recipientsFor,
    summary,
    commitRung: (before, change) => commit('escalation_raised', SYSTEM_ACTOR, before, change),
  });
  const openObligation = engine.open;
  const closeObligation = engine.close;
  const openOf = engine.openOf;
  const cancelAllOpen = engine.cancelAllOpen;

  function setState(next: CaseState): void {
    log.info('case state change', { caseId: s.caseId, from: s.state, to: next });
    s.state = next;
  }

  function validateReportPeriod(period: string): void {
    if (!PERIOD_PATTERN.test(period)) invalid('period', `报告期须为YYYY-MM格式 (period must be YYYY-MM): ${period}`);
    const current = s.currentPeriod;
    if (!current || period > current.period) invalid('period', `报告期${period}尚未开始 (period has not started yet)`);
    const first = s.reportAnchor ? (s.firstReportPeriod ?? s.obligations.find((o) => o.kind === 'monthly_report')?.key) : undefined;
    if (first && period < first) invalid('period', `报告期${period}早于整顿开始 (period precedes the rectification)`);
    if (s.submittedPeriods.includes(period)) invalid('period', `报告期${period}的报告已提交 (report already submitted)`);
  }

  /** The policy gives the monthly report to the first secretary (checked only when it says so). */
  const firstSecretaryFiles = (): boolean => policy().supportPackage?.monthlyReportBy === 'first_secretary';

  async function openReportPeriod(index: number, owed: (p: { endsAt: string }) => boolean = () => true): Promise<void> {
    const p = await engine.schedulePeriod(policy(), s.reportAnchor!, index);
    s.currentPeriod = { period: p.period, index: p.index, endsAt: p.endsAt };
    // Reports are expected only while rectifying, not while an acceptance review is pending.
    if (s.state === 'rectifying' && !s.submittedPeriods.includes(p.period) && owed(p)) {
      const filer: ResponsibleParty = firstSecretaryFiles() && patched(SUPPORT_PACKAGE_PATCH) ? 'first_secretary' : 'sponsor';
      engine.addPeriodObligation('monthly_report', p.period, filer, p);
    }
  }

  // --- The support package: posts, the paired department's reports, 回头看 visits ---------------

  const supportTimings = () => supportPackagePolicyOf(policy());
  const supportRunning = (): boolean => caseSupportRunning(s);
  const openSupportPeriod = (anchor: string, index: number): Promise<void> => openCaseSupportPeriod(s, engine, anchor, index);

  /** 回头看 visit period `index`: the township office visits within it (due at its end). */
  async function openVisitPeriod(anchor: string, from: string, index: number): Promise<void> {
    const every = supportTimings().followUpVisitEvery;
    const key = `V${index + 1}`;
    const endsAt = await dateActivities().computeInstant({ from, after: every, timeZone: policy().timeZone });
    if (Date.parse(endsAt) <= Date.parse(from)) {
      s.visitPeriod = null;
      return;
    }
    s.visitPeriod = { key, index, anchor, endsAt };
    if (!everOpened('follow_up_visit', key)) await openObligation('follow_up_visit', key, 'township_office', from, every);
  }

  /** A post's new holders (empty: vacant): opens or closes its reassignment obligation. Answers the notices. */
  async function fillPost(post: SupportPost, holders: readonly Omit<SupportHolder, 'since'>[], reason: string): Promise<Notice[]> {
    const pkg = (s.supportPackage ??= emptySupportPackage());
    const since = now();
    pkg[post] = holders.map((h) => ({ ...h, since }));
    const open = s.obligations.filter((o) => o.kind === 'support_reassignment' && o.status === 'open' && o.key.startsWith(`${post}:`));
    const label = SUPPORT_POST_LABELS[post];
    if (holders.length === 0) {
      if ((SINGLE_HOLDER_POSTS as readonly SupportPost[]).includes(post) && open.length === 0) {
        await openObligation('support_reassignment', `${post}:${s.seq + 1}`, 'org_dept', since, supportTimings().reassignmentDue);
      }
      return notify(
        [...recipientsFor('township_office'), ...recipientsFor('org_dept')],
        'support.vacant',
        `${label}空缺`,
        `${label}空缺（${reason}），请尽快明确。`,
      );
    }
    for (const o of open) closeObligation(o, 'satisfied');
    // Periods start once, with the first department (null: stopped, see openSupportPeriod).
    if (post === 'paired_department' && s.supportPeriod === undefined && supportRunning()) await openSupportPeriod(since, 0);
    return notify(
      holderRecipients(holders.map((h) => ({ ...h, since }))),
      'support.assigned',
      '包保任务',
      `您已被明确为该村党组织整顿的${label}（${reason}）。`,
    );
  }

  // --- Timer work: rungs, report periods, end of follow-up ---------------------------------------

  const followUpOver = (): boolean => s.state === 'follow_up' && !!s.followUpEndsAt && Date.parse(s.followUpEndsAt) <= Date.now();

  async function closeAfterFollowUp(): Promise<void> {
    const before = summary();
    setState('closed');
    s.closedAt = now();
    // A clock still suspended when the case closes has nothing left to pause.
    const suspendedSince = s.suspension?.since ?? null;
    s.suspension = null;
    cancelAllOpen();
    await commit('closed', SYSTEM_ACTOR, before, {
      details: suspendedSince ? { reason: 'follow_up_completed', suspendedSince } : { reason: 'follow_up_completed' },
    });
  }

  async function tick(): Promise<void> {
    // The end of follow-up does not stop with the clock. Before this patch a case delisted while
    // its clock was suspended woke at that instant, skipped the closing below and woke again at
    // once, without end (history rectification-v2-follow-up-while-suspended-spinning).
    if (s.suspension && followUpOver() && patched(FOLLOW_UP_ENDS_WHILE_SUSPENDED)) {
      await closeAfterFollowUp();
      return;
    }
    // A pending recompute (a suspended clock is re-timed when it resumes), then due rungs; a
    // suspended clock (暂停计时) raises nothing and opens no report period.
    if (!(await engine.tick((reason) => retimeAll('deadlines_recomputed', SYSTEM_ACTOR, reason, (o) => o.basis)))) return;
    while ((s.state === 'rectifying' || s.state === 'acceptance_pending') && s.currentPeriod && Date.parse(s.currentPeriod.endsAt) <= Date.now()) {
      const before = summary();
      await openReportPeriod(s.currentPeriod.index + 1);
      await commit('report_period_opened', SYSTEM_ACTOR, before, { details: { period: s.currentPeriod.period } });
    }
    // Set only by runs under SUPPORT_PACKAGE_PATCH / FOLLOW_UP_VISITS_PATCH: older runs never enter.
    while (supportRunning() && s.supportPeriod && Date.parse(s.supportPeriod.endsAt) <= Date.now()) {
      const before = summary();
      await openSupportPeriod(s.supportPeriod.anchor, s.supportPeriod.index + 1);
      await commit('support_period_opened', SYSTEM_ACTOR, before, { details: { period: s.supportPeriod?.key ?? null } });
    }
    while (
      s.state === 'follow_up' &&
      s.visitPeriod &&
      s.followUpEndsAt &&
      Date.parse(s.visitPeriod.endsAt) < Date.parse(s.followUpEndsAt) &&
      Date.parse(s.visitPeriod.endsAt) <= Date.now()
    ) {
      const before = summary();
      await openVisitPeriod(s.visitPeriod.anchor, s.visitPeriod.endsAt, s.visitPeriod.index + 1);
      await commit('visit_period_opened', SYSTEM_ACTOR, before, { details: { period: s.visitPeriod?.key ?? null } });
    }
    if (followUpOver()) await closeAfterFollowUp();
  }

  function nextWakeAt(): number | null {
    // Report periods stop with the clock; the end of follow-up does not.
    const running = (s.state === 'rectifying' || s.state === 'acceptance_pending') && s.currentPeriod ? [Date.parse(s.currentPeriod.endsAt)] : [];
    if (supportRunning() && s.supportPeriod) running.push(Date.parse(s.supportPeriod.endsAt));
    const always = s.state === 'follow_up' && s.followUpEndsAt ? [Date.parse(s.followUpEndsAt)] : [];
    if (s.state === 'follow_up' && s.visitPeriod && s.followUpEndsAt && Date.parse(s.visitPeriod.endsAt) < Date.parse(s.followUpEndsAt)) {
      running.push(Date.parse(s.visitPeriod.endsAt));
    }
    return engine.nextWake(running, always);
  }

  // --- Commands ------------------------------------------------------------------------------------

  const command = kit.command;

  /**
   * Who files (`filingRefusal`, the rule the service applies too), checked as the Update arrives:
   * the sponsor in post, or an office while the post is vacant. Validator only, so it leaves no
   * history and running cases replay as before; the service has refused a wrong filer already.
   */
  function filedBy<A extends { actor: Actor }>(validator: (args: A) => void): (args: A) => void {
    return (args) => {
      const refusal = filingRefusal(args.actor, s.sponsorUserId);
      if (refusal) forbidden(refusal);
      validator(args);
    };
  }

  const plan = command<PlanArgs>('submitPlan', async ({ actor, plan: content }) => {
    const before = summary();
    const obligation = openOf('plan')[0];
    const late = obligation ? Date.now() > Date.parse(obligation.dueAt) : false;
    closeObligation(obligation, 'satisfied');
    setState('rectifying');
    s.reportAnchor = now();
    await openReportPeriod(0);
    await commit('plan_submitted', actor, before, {
      submission: { kind: 'plan', key: '1', content, late },
      details: { late },
    });
  });
  handleUpdate(submitPlanUpdate, plan, filedBy);

  /** The monthly report: the sponsor files, or the first secretary when the policy says so. */
  function reportFiledBy<A extends { actor: Actor }>(validator: (args: A) => void): (args: A) => void {
    if (!firstSecretaryFiles()) return filedBy(validator);
    return (args) => {
      const refusal = firstSecretaryFilingRefusal(args.actor, s.supportPackage?.first_secretary[0]?.userId ?? null);
      if (refusal) forbidden(refusal);
      validator(args);
    };
  }

  const report = command<ReportArgs>(
    'submitReport',
    async ({ actor, period, report: content }) => {
      const before = summary();
      const obligation = s.obligations.find((o) => o.kind === 'monthly_report' && o.key === period && o.status === 'open');
      const late = obligation ? Date.now() > Date.parse(obligation.dueAt) : false;
      closeObligation(obligation, 'satisfied');
      s.submittedPeriods.push(period);
      await commit('report_submitted', actor, before, {
        submission: { kind: 'report', key: period, content, late },
        details: { period, late },
      });
    },
    ({ period }) => validateReportPeriod(period),
  );
  handleUpdate(submitReportUpdate, report, (validator) => (args) => reportFiledBy(validator)(args));

  const acceptanceRequest = command<AcceptanceRequestArgs>('requestAcceptance', async ({ actor, summary: text }) => {
    const before = summary();
    const rectification = openOf('rectification')[0];
    const late = rectification ? Date.now() > Date.parse(rectification.dueAt) : false;
    closeObligation(rectification, 'satisfied');
    setState('acceptance_pending');
    s.acceptanceAttempts += 1;
    await openObligation('acceptance_review', String(s.acceptanceAttempts), 'org_dept', now(), policy().acceptanceReviewDue);
    await commit('acceptance_requested', actor, before, {
      submission: { kind: 'acceptance_request', key: String(s.acceptanceAttempts), content: { summary: text }, late },
      details: { attempt: s.acceptanceAttempts, late },
      notifications: notify(
        recipientsFor('org_dept'),
        'acceptance.requested',
        '验收申请',
        `村党组织整顿已申请验收（第${s.acceptanceAttempts}次），请组织验收。`,
      ),
    });
  });
  handleUpdate(requestAcceptanceUpdate, acceptanceRequest, filedBy);

  const review = command<AcceptanceReviewArgs>(
    'reviewAcceptance',
    async (args) => {
      const before = summary();
      const outcome = evaluateAcceptance(args);
      closeObligation(openOf('acceptance_review')[0], 'satisfied');
      const content = {
        score: args.score,
        representativesTotal: args.representativesTotal,
        representativesDissatisfied: args.representativesDissatisfied,
        comments: args.comments ?? null,
        passed: outcome.passed,
        reason: outcome.passed ? null : outcome.reason,
      };
      const submission: SubmissionSpec = { kind: 'acceptance_review', key: String(s.acceptanceAttempts), content, late: false };
      if (outcome.passed) {
        s.delistedAt = now();
        setState('delisted');
        // Monthly reports end with delisting; the township leads the 12-month follow-up (回头看).
        for (const o of openOf('monthly_report')) closeObligation(o, 'cancelled');
        await commit('delisted', args.actor, before, { submission, details: content });
        const beforeFollowUp = summary();
        s.followUpEndsAt = await dateActivities().computeInstant({ from: s.delistedAt, after: policy().followUpLength, timeZone: policy().timeZone });
        setState('follow_up');
        // Support-measures reports end with delisting; the township office visits instead.
        for (const o of openOf('support_measures_report')) closeObligation(o, 'cancelled');
        if (patched(FOLLOW_UP_VISITS_PATCH)) {
          s.visits ??= [];
          await openVisitPeriod(s.delistedAt, s.delistedAt, 0);
        }
        await commit('follow_up_started', SYSTEM_ACTOR, beforeFollowUp, {
          details: { followUpEndsAt: s.followUpEndsAt },
          notifications: notify(
            [...recipientsFor('sponsor'), ...recipientsFor('township_office')],
            'case.delisted',
            '验收通过，已销号',
            `验收得分${args.score}，已销号，进入为期一年的回头看。`,
          ),
        });
        return;
      }
      setState('rectifying');
      const retry = await openObligation('rectification', String(s.acceptanceAttempts + 1), 'sponsor', now(), policy().retryRectificationDue);
      const why = outcome.reason === 'majority_dissatisfied' ? '过半数代表不满意' : `得分${args.score}低于70分`;
      await commit('acceptance_failed', args.actor, before, {
        submission,
        details: content,
        notifications: notify(
          recipientsFor('sponsor'),
          'acceptance.failed',
          '验收未通过',
          `验收未通过（${why}），继续整顿，新的完成期限为${describeDue(retry, policy().timeZone)}。`,
        ),
      });
    },
    (args) => {
      const problem = validateAcceptanceInput(args);
      if (problem) invalid(problem.field, problem.message);
    },
  );
  handleUpdate(reviewAcceptanceUpdate, review);

  const sponsor = command<SponsorChangeArgs>('changeSponsor', async ({ actor, sponsorUserId, reason }) => {
    const before = summary();
    const previous = s.sponsorUserId;
    s.sponsorUserId = sponsorUserId;
    const notifications: Notice[] = [];
    if (sponsorUserId === null) {
      // Post vacant: a new sponsor is due; meanwhile the case's obligations route to township + org dept.
      if (openOf('sponsor_reassignment').length === 0) {
        await openObligation('sponsor_reassignment', String(s.seq + 1), 'org_dept', now(), policy().sponsorReassignmentDue);
      }
      notifications.push(
        ...notify(
          [...recipientsFor('township_office'), ...recipientsFor('org_dept')],
          'sponsor.vacant',
          '包保领导空缺',
          `包保领导已调离（${reason}），请尽快明确新的包保领导；期间各项督办转乡镇党委和县委组织部。`,
        ),
      );
    } else {
      for (const o of openOf('sponsor_reassignment')) closeObligation(o, 'satisfied');
      notifications.push(...notify(recipientsFor('sponsor'), 'sponsor.assigned', '包保任务', `您已被确定为该村党组织整顿的包保领导（${reason}）。`));
    }
    await commit('sponsor_changed', actor, before, { details: { from: previous, to: sponsorUserId, reason }, notifications });
  });
  handleUpdate(changeSponsorUpdate, sponsor);

  const cancel = command<CancelArgs>('cancel', async ({ actor, reason }) => {
    const before = summary();
    cancelAllOpen();
    s.cancelReason = reason;
    s.closedAt = now();
    setState('cancelled');
    await commit('cancelled', actor, before, { details: { reason } });
  });
  handleUpdate(cancelUpdate, cancel);

  const relapse = command<RelapseArgs>(
    'relapse',
    async ({ actor, reasons, note, visitId }) => {
      const before = summary();
      cancelAllOpen();
      s.closedAt = now();
      setState('relapsed');
      // From a 回头看 visit: linked in the timeline (the detail only when given, so older runs record as before).
      await commit('relapsed', actor, before, { details: visitId ? { reasons, note, visitId } : { reasons, note } });
      // The old case is projected as relapsed first, so the village is free for its new case.
      const { caseId } = await designateRelapseCase({
        parentCaseId: s.caseId,
        villageCode: s.villageCode,
        sponsorUserId: s.sponsorUserId,
        reasons,
        note,
        actor,
      });
      const beforeLink = summary();
      s.relapseCaseId = caseId;
      await commit('relapse_case_opened', actor, beforeLink, {
        details: { relapseCaseId: caseId },
        notifications: notify(
          [...recipientsFor('sponsor'), ...recipientsFor('township_office')],
          'case.relapsed',
          '整顿对象反弹',
          `已销号的村党组织出现反弹（${note}），已重新列为整顿对象。`,
        ),
      });
    },
    ({ visitId }) => {
      if (visitId && !(s.visits ?? []).some((v) => v.id === visitId)) invalid('visitId', `没有该回头看走访记录 (no such visit): ${visitId}`);
    },
  );
  handleUpdate(relapseUpdate, relapse);

  const supportMember = command<SupportMemberArgs>('changeSupportMember', async ({ actor, post, holders, reason }) => {
    const before = summary();
    const previous = s.supportPackage?.[post] ?? [];
    const notifications = await fillPost(post, holders, reason);
    await commit('support_member_changed', actor, before, {
      details: {
        post,
        from: previous.map((h) => h.personId ?? h.departmentName ?? h.name),
        to: holders.map((h) => h.personId ?? h.departmentName ?? h.name),
        reason,
      },
      support: { post, holders: s.supportPackage![post], reason },
      notifications,
    });
  });
  handleUpdate(changeSupportMemberUpdate, supportMember);

  const supportReport = command<SupportReportArgs>(
    'submitSupportReport',
    async ({ actor, period, measures }) => {
      const before = summary();
      const obligation = openOf('support_measures_report').find((o) => (period ? o.key === period : true))!;
      const late = engine.isLate(obligation);
      closeObligation(obligation, 'satisfied');
      await commit('support_report_submitted', actor, before, {
        submission: {
          kind: 'support_report',
          key: obligation.key,
          content: { measures, department: s.supportPackage?.paired_department[0]?.departmentName ?? null },
          late,
        },
        details: { period: obligation.key, late },
      });
    },
    ({ period }) => {
      const open = openOf('support_measures_report');
      if (open.length === 0 || (period && !open.some((o) => o.key === period)))
        invalid('period', `没有待提交的结对帮扶措施报告${period ? `（${period}）` : ''} (no support-measures report owed)`);
    },
  );
  handleUpdate(submitSupportReportUpdate, supportReport);

  const visit = command<VisitArgs>('recordVisit', async (args) => {
    const before = summary();
    const obligation = openOf('follow_up_visit')[0];
    const late = engine.isLate(obligation);
    closeObligation(obligation, 'satisfied');
    const record = {
      id: `visit-${s.seq + 1}`,
      period: obligation?.key ?? null,
      visitedOn: args.visitedOn,
      visitors: args.visitors,
      visitorPersonIds: args.visitorPersonIds,
      findings: args.findings,
      risk: args.risk,
      recordedAt: now(),
      recordedBy: args.actor.userId,
    };
    (s.visits ??= []).push(record);
    const { id, ...content } = record;
    await commit('visit_recorded', args.actor, before, {
      submission: { kind: 'follow_up_visit', key: id, content: { ...content }, late },
      details: { visitId: id, period: record.period, risk: args.risk, late },
      // A relapse risk alerts the org dept (the relapse command can start from this visit).
      notifications:
        args.risk === 'relapse_risk'
          ? notify(
              [...recipientsFor('org_dept'), ...recipientsFor('sponsor')],
              'visit.relapse_risk',
              '回头看发现反弹风险',
              `回头看走访（${args.visitedOn}）评定为“${VISIT_RISK_LABELS.relapse_risk}”：${args.findings}`,
            )
          : [],
    });
  });
  handleUpdate(recordVisitUpdate, visit);

  // --- The clock: recompute, extensions, exemptions, suspension, interruption, policy ------------

  /** The basis a deadline has under the policy in force (a new version re-times by kind). */
  function basisUnderPolicy(o: Obligation): DueBasis | undefined {
    if (!o.basis || 'fixedDate' in o.basis) return o.basis;
    const p = policy();
    const key = o.kind === 'rectification' && o.key !== '1' ? 'retryRectificationDue' : DUE_AFTER_KEY[o.kind];
    return key ? { ...o.basis, after: p[key] } : o.basis;
  }

  /**
   * Re-times live obligations from the basis `pick` gives; fired rungs stay (history), unfired ones
   * take their new instants. Records one change listing what moved, if anything did.
   */
  async function retimeAll(
    action: string,
    actor: Actor,
    reason: string,
    pick: (o: Obligation) => DueBasis | undefined,
    only?: (o: Obligation) => boolean,
    extraDetails: Record<string, unknown> = {},
  ): Promise<void> {
    const before = summary();
    const changes = await engine.retime(pick, only);
    if (changes.length > 0 || Object.keys(extraDetails).length > 0) await commit(action, actor, before, { details: { reason, changes, ...extraDetails } });
  }

  const clockRequests = createClockRequests({ state: s, engine, command, commit, summary, recipientsFor });
  const liveObligation = clockRequests.liveObligation;
  handleUpdate(requestClockChangeUpdate, clockRequests.request);
  handleUpdate(decideClockChangeUpdate, clockRequests.decide);

  const suspend = command<ClockPauseArgs>(
    'suspendClock',
    async ({ actor, reason }) => {
      const before = summary();
      const since = now();
      const remaining = await engine.measureAll(since);
      s.suspension = { since, reason, remaining };
      await commit('clock_suspended', actor, before, { details: { reason, remaining } });
    },
    () => {
      if (s.suspension) conflict('计时已暂停 (the clock is already suspended)');
    },
  );
  handleUpdate(suspendClockUpdate, suspend);

  const resume = command<ClockPauseArgs>(
    'resumeClock',
    async ({ actor, reason }) => {
      const suspension = s.suspension!;
      s.suspension = null;
      const at = now();
      // Periods that ended while the clock stood still are skipped; the current one is owed.
      while (s.currentPeriod && (s.state === 'rectifying' || s.state === 'acceptance_pending') && Date.parse(s.currentPeriod.endsAt) <= Date.now()) {
        await openReportPeriod(s.currentPeriod.index + 1, (p) => Date.parse(p.endsAt) > Date.now());
      }
      await retimeAll('clock_resumed', actor, reason, engine.resumeBasis(suspension, at), undefined, {
        suspendedSince: suspension.since,
        suspensionReason: suspension.reason,
      });
    },
    () => {
      if (!s.suspension) conflict('计时未暂停 (the clock is not suspended)');
    },
  );
  handleUpdate(resumeClockUpdate, resume);

  const interrupt = command<InterruptArgs>(
    'interruptClock',
    async ({ actor, reason, obligationId: only }) => {
      const at = now();
      // 重新计时: the full duration again, from now.
      await retimeAll(
        'clock_interrupted',
        actor,
        reason,
        (o) => {
          const basis = basisUnderPolicy(o);
          return basis && 'after' in basis ? { from: at, after: basis.after } : undefined;
        },
        only ? (o) => o.id === only : undefined,
        { obligationId: only ?? null },
      );
    },
    ({ obligationId: only }) => {
      if (s.suspension) conflict('计时暂停期间不能重新计时 (resume the clock first)');
      if (only) liveObligation(only);
    },
  );
  handleUpdate(interruptClockUpdate, interrupt);

  const policyChange = command<PolicyChangeArgs>('changePolicy', async ({ actor, policyId, policy: next }) => {
    const previous = s.policyId ?? null;
    s.policy = next;
    s.policyId = policyId;
    await retimeAll('policy_changed', actor, '期限策略调整', basisUnderPolicy, undefined, { fromPolicyId: previous, toPolicyId: policyId });
  });
  handleUpdate(changePolicyUpdate, policyChange);

  setHandler(recomputeDeadlinesSignal, ({ reason }) => {
    engine.requestRecompute(reason);
    kit.markChanged();
  });

  setHandler(readyUpdate, async () => {
    await condition(() => initialized);
    return clone(s);
  });
  setHandler(snapshotQuery, () => s);

  // --- Main loop -----------------------------------------------------------------------------------

  if (!initialized) {
    await kit.exclusive(async () => {
      const before = summary();
      // The case's clock starts when its workflow does (a moment after designation is recorded).
      await openFirstDeadlines(s, input, now(), engine, () => patched(SUPPORT_PACKAGE_PATCH));
      log.info('case state change', { caseId: s.caseId, from: 'designated', to: s.state });
      await commit('planning_started', SYSTEM_ACTOR, before, { notifications: planningStartedNotices(s) });
      initialized = true;
    });
  }

  await kit.run({
    isOpen: () => isOpenState(s.state),
    tick,
    nextWake: nextWakeAt,
    pending: () => engine.recomputePending,
    historyLimit: input.historyLimit,
    freshRun: () => s.state === 'follow_up' && workflowInfo().historyLength > FOLLOW_UP_FRESH_RUN_EVENTS && patched(FOLLOW_UP_FRESH_RUN_PATCH),
    continueAsNew: () => continueAsNew<typeof rectificationWorkflow>({ ...input, opened: undefined, carried: s, recentUpdateIds: kit.recentUpdateIds() }),
  });
  return s;
}
