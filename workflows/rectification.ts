/**
 * Process A: one rectification case (包保整顿), from designation to closing.
 *
 * The workflow is the source of truth for a case's state and deadlines; every change is projected
 * to Postgres by `recordCaseChange` before the command that caused it answers. Dates are computed
 * by activities (recorded in history), so this code stays deterministic. Deadlines run on the
 * shared engine (deadline-engine.ts), commands and the main loop on the shared kit (process-kit.ts).
 */
import { condition, continueAsNew, log, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import {
  CASE_STATE_LABELS,
  checkCommand,
  evaluateAcceptance,
  isOpenState,
  validateAcceptanceInput,
  type CaseCommand,
  type CaseState,
} from '../domain/cases.js';
import { describeDue, type Obligation, type ResponsibleParty, type DueBasis } from '../domain/escalation.js';
import { DUE_AFTER_KEY, type DeadlinePolicy } from '../domain/policy.js';
import { filingRefusal } from '../domain/roles.js';
import {
  cancelUpdate,
  changePolicyUpdate,
  changeSponsorUpdate,
  decideClockChangeUpdate,
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
  type CaseSnapshot,
  type NotificationSpec,
  type RectificationInput,
  type SubmissionSpec,
} from '../domain/contracts/rectification.js';
import type { Notice } from '../domain/contracts/deadlines.js';
import { createClockRequests } from './clock-requests.js';
import { PROCESS_ACTIVITY_OPTIONS, createDeadlineEngine, dateActivities } from './deadline-engine.js';
import { clone, conflict, createCommitter, createProcessKit, forbidden, handleUpdate, invalid, notify } from './process-kit.js';

// Projections must land eventually (Postgres may be down for a while): retry without limit.
const { recordCaseChange, designateRelapseCase } = proxyActivities<ReturnType<typeof createActivities>>(PROCESS_ACTIVITY_OPTIONS);

/** Patch: the end of follow-up closes a case whose clock is still suspended (see tick()). */
export const FOLLOW_UP_ENDS_WHILE_SUSPENDED = 'follow-up-ends-while-suspended';

const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export async function rectificationWorkflow(input: RectificationInput): Promise<CaseSnapshot> {
  let initialized = input.carried !== undefined;

  const s: CaseSnapshot = input.carried ?? {
    caseId: input.caseId,
    villageCode: input.villageCode,
    townshipCode: input.townshipCode,
    countyCode: input.countyCode,
    sponsorUserId: input.sponsorUserId,
    state: 'designated',
    rag: 'green',
    seq: 0,
    designatedAt: input.designatedAt,
    delistedAt: null,
    followUpEndsAt: null,
    closedAt: null,
    cancelReason: null,
    acceptanceAttempts: 0,
    parentCaseId: input.parentCaseId,
    relapseCaseId: null,
    reportAnchor: null,
    currentPeriod: null,
    submittedPeriods: [],
    obligations: [],
    policy: input.policy,
  };
  // Snapshots carried from before policies could change hold none: the input's is the one in force.
  s.policy ??= input.policy;
  /** The policy in force (the org dept may move a running case to another version). */
  const policy = (): DeadlinePolicy => s.policy!;
  const kit = createProcessKit<CaseCommand, CaseSnapshot>({ state: () => s, check: (c) => checkCommand(c, s.state) });

  const now = (): string => new Date(Date.now()).toISOString();
  const summary = (): Record<string, unknown> => ({ state: s.state, rag: s.rag, sponsorUserId: s.sponsorUserId });

  /** Who must be told about an obligation of this party; a vacant sponsor routes to township + org dept. */
  function recipientsFor(party: ResponsibleParty): NotificationSpec['recipient'][] {
    if (party === 'sponsor') {
      if (s.sponsorUserId) return [{ userId: s.sponsorUserId, role: 'sponsor', divisionCode: s.countyCode }];
      return [
        { userId: null, role: 'township_office', divisionCode: s.townshipCode },
        { userId: null, role: 'org_dept', divisionCode: s.countyCode },
      ];
    }
    if (party === 'township_office') return [{ userId: null, role: 'township_office', divisionCode: s.townshipCode }];
    return [{ userId: null, role: 'org_dept', divisionCode: s.countyCode }];
  }

  /** Records one change: bumps seq, recomputes RAG, and projects it before returning. */
  const commit = createCommitter<CaseSnapshot, { submission: SubmissionSpec }>({
    state: s,
    eventKey: `case:${s.caseId}`,
    summary,
    rag: () => engine.rag(),
    project: recordCaseChange,
  });

  const engine = createDeadlineEngine({
    state: s,
    obligationId: (kind, key) => `${s.caseId}:${kind}:${key}`,
    clock: () => {
      const p = policy();
      return { ladder: p.ladder, timeZone: p.timeZone, officeHour: p.officeHour, divisionCode: s.villageCode };
    },
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
    const first = s.reportAnchor ? s.obligations.find((o) => o.kind === 'monthly_report')?.key : undefined;
    if (first && period < first) invalid('period', `报告期${period}早于整顿开始 (period precedes the rectification)`);
    if (s.submittedPeriods.includes(period)) invalid('period', `报告期${period}的报告已提交 (report already submitted)`);
  }

  async function openReportPeriod(index: number, owed: (p: { endsAt: string }) => boolean = () => true): Promise<void> {
    const p = await engine.schedulePeriod(policy(), s.reportAnchor!, index);
    s.currentPeriod = { period: p.period, index: p.index, endsAt: p.endsAt };
    // Reports are expected only while rectifying, not while an acceptance review is pending.
    if (s.state === 'rectifying' && !s.submittedPeriods.includes(p.period) && owed(p)) {
      engine.addPeriodObligation('monthly_report', p.period, 'sponsor', p);
    }
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
    if (followUpOver()) await closeAfterFollowUp();
  }

  function nextWakeAt(): number | null {
    // Report periods stop with the clock; the end of follow-up does not.
    const running = (s.state === 'rectifying' || s.state === 'acceptance_pending') && s.currentPeriod ? [Date.parse(s.currentPeriod.endsAt)] : [];
    const always = s.state === 'follow_up' && s.followUpEndsAt ? [Date.parse(s.followUpEndsAt)] : [];
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
  handleUpdate(submitReportUpdate, report, filedBy);

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

  const relapse = command<RelapseArgs>('relapse', async ({ actor, reasons, note }) => {
    const before = summary();
    cancelAllOpen();
    s.closedAt = now();
    setState('relapsed');
    await commit('relapsed', actor, before, { details: { reasons, note } });
    // The old case is projected as relapsed first, so the village is free for its new case.
    const { caseId } = await designateRelapseCase({ parentCaseId: s.caseId, villageCode: s.villageCode, sponsorUserId: s.sponsorUserId, reasons, note, actor });
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
  });
  handleUpdate(relapseUpdate, relapse);

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
      setState('planning');
      // The case's clock starts when its workflow does (a moment after designation is recorded).
      const startedAt = now();
      await openObligation('plan', '1', 'sponsor', startedAt, policy().planDue);
      await openObligation('rectification', '1', 'sponsor', startedAt, policy().rectificationDue);
      await commit('planning_started', SYSTEM_ACTOR, before, {
        notifications: notify(
          recipientsFor('sponsor'),
          'case.designated',
          '包保整顿任务',
          `村党组织已列为软弱涣散党组织，请在期限内制定整顿方案（${CASE_STATE_LABELS.planning}）。`,
        ),
      });
      initialized = true;
    });
  }

  await kit.run({
    isOpen: () => isOpenState(s.state),
    tick,
    nextWake: nextWakeAt,
    pending: () => engine.recomputePending,
    historyLimit: input.historyLimit,
    continueAsNew: () => continueAsNew<typeof rectificationWorkflow>({ ...input, carried: s }),
  });
  return s;
}
