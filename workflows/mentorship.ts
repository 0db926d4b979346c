/**
 * Process B: one 1+1 mentorship (帮带): a township leadership member mentors a new village cadre.
 *
 * proposed → active → mid_review (6 months) → active → final_review (12 months) → completed |
 * extended (+6 months, then final_review again) | terminated; any paired state → mentor_vacant when
 * the mentor leaves, and back once a new mentor is named. Monthly joint check-ins, the approval,
 * naming a mentor and each review are obligations on the shared deadline engine, with the county's
 * ladder. The workflow is the source of truth; every change is projected before a command answers.
 */
import { condition, continueAsNew, log, patched, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import {
  MAX_MENTORSHIP_EXTENSIONS,
  MENTORSHIP_STATE_LABELS,
  OUTCOMES_BY_STATE,
  PAIRED_STATES,
  checkMentorshipCommand,
  isOpenMentorship,
  type MentorshipCommand,
  type MentorshipState,
} from '../domain/mentorships.js';
import type { ResponsibleParty } from '../domain/escalation.js';
import { SYSTEM_ACTOR, type Recipient } from '../domain/contracts/deadlines.js';
import { createClockRequests } from './clock-requests.js';
import { PROCESS_ACTIVITY_OPTIONS, createDeadlineEngine, dateActivities, type PeriodSchedule } from './deadline-engine.js';
import { clone, createCommitter, createProcessKit, handleUpdate, invalid, notify, projectionOf } from './process-kit.js';
import { recomputeDeadlinesSignal } from './deadline-messages.js';
import {
  approveMentorshipUpdate,
  changeMentorUpdate,
  logCheckInUpdate,
  mentorshipReadyUpdate,
  mentorshipSnapshotQuery,
  reviewMentorshipUpdate,
  terminateMentorshipUpdate,
  requestMentorshipClockChangeUpdate,
  decideMentorshipClockChangeUpdate,
} from './mentorship-messages.js';
import type {
  ApproveArgs,
  CheckInArgs,
  CheckInSpec,
  MentorChangeArgs,
  MentorshipInput,
  MentorshipReviewArgs,
  MentorshipSnapshot,
  TerminateArgs,
} from '../domain/contracts/mentorship.js';

const { recordMentorshipChange, findTownshipSecretary } = proxyActivities<ReturnType<typeof createActivities>>(PROCESS_ACTIVITY_OPTIONS);
const localProjections = proxyLocalActivities<Pick<ReturnType<typeof createActivities>, 'recordMentorshipChange'>>(PROCESS_ACTIVITY_OPTIONS);

/** Released 2026-12: the township rung of "name a mentor" goes to the township's party secretary, not the office that owes it. */
export const MENTOR_ASSIGNMENT_TO_SECRETARY_PATCH = 'mentor-assignment-to-secretary';

const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export async function mentorshipWorkflow(input: MentorshipInput): Promise<MentorshipSnapshot> {
  let initialized = input.carried !== undefined;
  const s: MentorshipSnapshot = input.carried ?? {
    mentorshipId: input.mentorshipId,
    villageCode: input.villageCode,
    townshipCode: input.townshipCode,
    countyCode: input.countyCode,
    menteePersonId: input.menteePersonId,
    menteeName: input.menteeName,
    mentor: input.mentor,
    state: 'proposed',
    vacantFrom: null,
    rag: 'green',
    seq: 0,
    proposedAt: input.proposedAt,
    startedAt: null,
    midReviewAt: null,
    finalReviewAt: null,
    nextReview: null,
    closedAt: null,
    outcome: null,
    extensions: 0,
    mentorHistory: [],
    checkInAnchor: null,
    currentPeriod: null,
    loggedPeriods: [],
    obligations: [],
    policy: input.policy,
    policyId: input.policyId,
    sourceCandidateId: input.sourceCandidateId,
  };
  const kit = createProcessKit<MentorshipCommand, MentorshipSnapshot>({
    state: () => s,
    check: (c) => checkMentorshipCommand(c, s.state),
    carriedUpdateIds: input.recentUpdateIds,
  });
  const now = (): string => new Date(Date.now()).toISOString();
  const summary = (): Record<string, unknown> => ({ state: s.state, rag: s.rag, mentorPersonId: s.mentor?.personId ?? null });

  const township: Recipient = { userId: null, role: 'township_office', divisionCode: s.townshipCode };
  const orgDept: Recipient = { userId: null, role: 'org_dept', divisionCode: s.countyCode };

  /** The pair's obligations go to the mentor's account if they have one, else to the township office. */
  function recipientsFor(party: ResponsibleParty): Recipient[] {
    if (party === 'org_dept') return [orgDept];
    if (party === 'mentor' && s.mentor?.userId)
      return [{ userId: s.mentor.userId, role: s.mentor.userRole ?? 'township_office', divisionCode: s.townshipCode }];
    return [township];
  }

  const commit = createCommitter<MentorshipSnapshot, { checkIn: CheckInSpec }>({
    state: s,
    eventKey: `mentorship:${s.mentorshipId}`,
    summary,
    rag: () => engine.rag(),
    project: projectionOf(recordMentorshipChange, localProjections.recordMentorshipChange),
  });

  const engine = createDeadlineEngine({
    state: s,
    obligationId: (kind, key) => `${s.mentorshipId}:${kind}:${key}`,
    clock: () => ({ ladder: s.policy.ladder, timeZone: s.policy.timeZone, officeHour: s.policy.officeHour, divisionCode: s.villageCode }),
    recipientsFor,
    // The township office owes "name a (new) mentor"; its own rung would land in its own inbox.
    // Escalate to the township's party secretary, or to the org dept when none is set (scenario 6).
    // patched() only here, so histories that never reach this rung replay without a marker.
    escalationRecipients: async (obligation, rung) => {
      if (obligation.kind !== 'mentor_assignment' || rung.rung !== 'township_office' || !patched(MENTOR_ASSIGNMENT_TO_SECRETARY_PATCH)) return null;
      const secretary = await findTownshipSecretary({ townshipCode: s.townshipCode });
      return [secretary ? { userId: secretary.userId, role: 'township_office', divisionCode: s.townshipCode } : orgDept];
    },
    summary,
    commitRung: (before, change) => commit('escalation_raised', SYSTEM_ACTOR, before, change),
  });

  function setState(next: MentorshipState): void {
    log.info('mentorship state change', { mentorshipId: s.mentorshipId, from: s.state, to: next });
    s.state = next;
  }

  /** The state that counts for timers: a vacant post keeps the phase it interrupted. */
  const phase = (): MentorshipState => (s.state === 'mentor_vacant' ? s.vacantFrom! : s.state);

  const checkInSchedule = (): PeriodSchedule => ({
    timeZone: s.policy.timeZone,
    officeHour: s.policy.officeHour,
    ladder: s.policy.ladder,
    reportPeriod: s.policy.checkInPeriod,
    reportDue: s.policy.checkInDue,
  });

  async function openCheckInPeriod(index: number): Promise<void> {
    const p = await engine.schedulePeriod(checkInSchedule(), s.checkInAnchor!, index);
    s.currentPeriod = { period: p.period, index: p.index, endsAt: p.endsAt };
    // Owed while the pair works together; a vacant mentor post owes none (the new pair starts afresh).
    if (PAIRED_STATES.includes(s.state) && !s.loggedPeriods.includes(p.period)) engine.addPeriodObligation('mentoring_check_in', p.period, 'mentor', p);
  }

  function startTerm(mentor: NonNullable<MentorshipSnapshot['mentor']>): void {
    s.mentorHistory.push({ personId: mentor.personId, name: mentor.name, userId: mentor.userId, from: now(), to: null, endReason: null });
  }

  function endTerm(reason: string): void {
    const current = s.mentorHistory.at(-1);
    if (current && current.to === null) Object.assign(current, { to: now(), endReason: reason });
  }

  function close(outcome: 'completed' | 'terminated', reason: string): void {
    endTerm(reason);
    engine.cancelAllOpen();
    s.closedAt = now();
    s.outcome = reason;
    setState(outcome);
  }

  // --- Timer work: rungs, check-in periods, reviews ---------------------------------------------

  /** The review timer is armed only when its phase has come (a pending mid review holds the final one). */
  function reviewDue(): boolean {
    if (!s.nextReview) return false;
    const p = phase();
    return s.nextReview === 'mid' ? p === 'active' : p === 'active' || p === 'extended';
  }

  async function openReview(kind: 'mid' | 'final'): Promise<void> {
    const before = summary();
    const next: MentorshipState = kind === 'mid' ? 'mid_review' : 'final_review';
    if (s.state === 'mentor_vacant') s.vacantFrom = next;
    else setState(next);
    await engine.open(
      kind === 'mid' ? 'mid_review' : 'final_review',
      String(kind === 'mid' ? 1 : s.extensions + 1),
      'township_office',
      now(),
      s.policy.reviewDue,
    );
    s.nextReview = kind === 'mid' ? 'final' : null;
    const label = kind === 'mid' ? '中期评估' : '期满考核';
    await commit(kind === 'mid' ? 'mid_review_opened' : 'final_review_opened', SYSTEM_ACTOR, before, {
      notifications: notify([township], `mentorship.${next}`, `帮带${label}`, `${s.menteeName}的1+1帮带已到${label}时间，请组织评估。`),
    });
  }

  async function tick(): Promise<void> {
    await engine.tick(async (reason) => {
      const before = summary();
      const changes = await engine.retime((o) => o.basis);
      if (changes.length > 0) await commit('deadlines_recomputed', SYSTEM_ACTOR, before, { details: { reason, changes } });
    });
    while (isOpenMentorship(s.state) && s.currentPeriod && Date.parse(s.currentPeriod.endsAt) <= Date.now()) {
      const before = summary();
      await openCheckInPeriod(s.currentPeriod.index + 1);
      await commit('check_in_period_opened', SYSTEM_ACTOR, before, { details: { period: s.currentPeriod.period } });
    }
    if (reviewDue() && s.nextReview === 'mid' && Date.parse(s.midReviewAt!) <= Date.now()) await openReview('mid');
    if (reviewDue() && s.nextReview === 'final' && Date.parse(s.finalReviewAt!) <= Date.now()) await openReview('final');
  }

  function nextWakeAt(): number | null {
    const running: number[] = [];
    if (isOpenMentorship(s.state) && s.currentPeriod) running.push(Date.parse(s.currentPeriod.endsAt));
    if (reviewDue()) running.push(Date.parse(s.nextReview === 'mid' ? s.midReviewAt! : s.finalReviewAt!));
    return engine.nextWake(running);
  }

  // --- Commands ------------------------------------------------------------------------------------

  const approve = kit.command<ApproveArgs>(
    'approve',
    async ({ actor, comment }) => {
      const before = summary();
      engine.close(engine.openOf('mentorship_approval')[0], 'satisfied');
      setState('active');
      s.startedAt = now();
      s.midReviewAt = await dateActivities().computeInstant({ from: s.startedAt, after: s.policy.midReviewAfter, timeZone: s.policy.timeZone });
      s.finalReviewAt = await dateActivities().computeInstant({ from: s.startedAt, after: s.policy.finalReviewAfter, timeZone: s.policy.timeZone });
      s.nextReview = 'mid';
      s.checkInAnchor = s.startedAt;
      await openCheckInPeriod(0);
      await commit('approved', actor, before, {
        details: { comment: comment ?? null, midReviewAt: s.midReviewAt, finalReviewAt: s.finalReviewAt },
        notifications: notify(
          [township, ...recipientsFor('mentor').filter((r) => r.userId)],
          'mentorship.active',
          '1+1帮带结对已审核',
          `${s.mentor!.name}帮带${s.menteeName}，自即日起开展帮带，每月填写帮带记录。`,
        ),
      });
    },
    () => {
      if (!s.mentor) invalid('mentor', '尚未明确帮带导师，不能审核 (name a mentor first)');
    },
  );
  handleUpdate(approveMentorshipUpdate, approve);

  const changeMentor = kit.command<MentorChangeArgs>(
    'changeMentor',
    async ({ actor, mentor, reason }) => {
      const before = summary();
      const previous = s.mentor;
      if (previous) endTerm(reason);
      s.mentor = mentor;
      if (mentor === null) {
        // The mentor left: a new one within the policy's time (10 working days), else the ladder.
        if (s.state === 'proposed') engine.close(engine.openOf('mentorship_approval')[0], 'cancelled');
        else {
          s.vacantFrom = s.state;
          setState('mentor_vacant');
        }
        if (engine.openOf('mentor_assignment').length === 0)
          await engine.open('mentor_assignment', String(s.seq + 1), 'township_office', now(), s.policy.mentorAssignmentDue);
        await commit('mentor_left', actor, before, {
          details: { from: previous?.personId ?? null, reason },
          notifications: notify(
            [township, orgDept],
            'mentorship.mentor_vacant',
            '帮带导师空缺',
            `${s.menteeName}的帮带导师${previous?.name ?? ''}已调离（${reason}），请尽快明确新的帮带导师。`,
          ),
        });
        return;
      }
      startTerm(mentor);
      for (const o of engine.openOf('mentor_assignment')) engine.close(o, 'satisfied');
      if (s.state === 'mentor_vacant') {
        setState(s.vacantFrom!);
        s.vacantFrom = null;
      } else if (s.state === 'proposed' && engine.openOf('mentorship_approval').length === 0) {
        await engine.open('mentorship_approval', String(s.seq + 1), 'org_dept', now(), s.policy.approvalDue);
      }
      const recipients = s.state === 'proposed' ? [orgDept] : [township, ...recipientsFor('mentor').filter((r) => r.userId)];
      await commit('mentor_assigned', actor, before, {
        details: { from: previous?.personId ?? null, to: mentor.personId, reason },
        notifications: notify(recipients, 'mentorship.mentor_assigned', '明确帮带导师', `${mentor.name}为${s.menteeName}的帮带导师（${reason}）。`),
      });
    },
    ({ mentor }) => {
      if (mentor === null && !s.mentor) invalid('mentor', '当前没有帮带导师 (there is no mentor to remove)');
      if (mentor && mentor.personId === s.mentor?.personId) invalid('mentor', '已是该帮带导师 (already the mentor)');
      if (mentor && mentor.personId === s.menteePersonId) invalid('mentor', '导师不能是被帮带人本人 (the mentee cannot mentor themself)');
    },
  );
  handleUpdate(changeMentorUpdate, changeMentor);

  function validateCheckIn({ period, metOn }: CheckInArgs): void {
    if (!PERIOD_PATTERN.test(period)) invalid('period', `帮带期须为YYYY-MM格式 (period must be YYYY-MM): ${period}`);
    const current = s.currentPeriod;
    if (!current || period > current.period) invalid('period', `帮带期${period}尚未开始 (period has not started yet)`);
    const first = s.obligations.find((o) => o.kind === 'mentoring_check_in')?.key;
    if (first && period < first) invalid('period', `帮带期${period}早于帮带开始 (period precedes the mentorship)`);
    if (s.loggedPeriods.includes(period)) invalid('period', `帮带期${period}已有记录 (already logged)`);
    if (!DATE_PATTERN.test(metOn)) invalid('metOn', '须为 YYYY-MM-DD (metOn must be YYYY-MM-DD)');
  }

  const checkIn = kit.command<CheckInArgs>(
    'logCheckIn',
    async ({ actor, period, metOn, handled, problems, nextSteps }) => {
      const before = summary();
      const obligation = s.obligations.find((o) => o.kind === 'mentoring_check_in' && o.key === period && o.status === 'open');
      const late = engine.isLate(obligation);
      engine.close(obligation, 'satisfied');
      s.loggedPeriods.push(period);
      await commit('check_in_logged', actor, before, {
        details: { period, late },
        checkIn: { period, metOn, handled, problems: problems ?? null, nextSteps: nextSteps ?? null, mentorPersonId: s.mentor?.personId ?? null, late },
      });
    },
    validateCheckIn,
  );
  handleUpdate(logCheckInUpdate, checkIn);

  const review = kit.command<MentorshipReviewArgs>(
    'review',
    async ({ actor, outcome, comment }) => {
      const before = summary();
      const kind = s.state === 'mid_review' ? 'mid_review' : 'final_review';
      engine.close(engine.openOf(kind)[0], 'satisfied');
      const details = { review: kind, outcome, comment: comment ?? null };
      if (outcome === 'terminate') {
        close('terminated', comment ?? `${kind === 'mid_review' ? '中期评估' : '期满考核'}：终止帮带`);
        await commit('terminated', actor, before, {
          details,
          notifications: notify([township], 'mentorship.terminated', '帮带终止', `${s.menteeName}的1+1帮带已终止。`),
        });
        return;
      }
      if (outcome === 'complete') {
        close('completed', comment ?? '期满考核合格');
        await commit('completed', actor, before, {
          details,
          notifications: notify([township], 'mentorship.completed', '帮带期满结业', `${s.menteeName}的1+1帮带期满结业。`),
        });
        return;
      }
      if (outcome === 'extend') {
        s.extensions += 1;
        s.finalReviewAt = await dateActivities().computeInstant({ from: s.finalReviewAt!, after: s.policy.extensionLength, timeZone: s.policy.timeZone });
        s.nextReview = 'final';
        setState('extended');
        await commit('extended', actor, before, { details: { ...details, finalReviewAt: s.finalReviewAt } });
        return;
      }
      // A mid review that continues: the final review comes at its time (at once if it has passed).
      setState('active');
      await commit('mid_review_passed', actor, before, { details });
    },
    ({ outcome }) => {
      const allowed = OUTCOMES_BY_STATE[s.state] ?? [];
      if (!allowed.includes(outcome))
        invalid('outcome', `${MENTORSHIP_STATE_LABELS[s.state]}的结论须为：${allowed.join('、')} (outcome must be one of ${allowed.join(', ')})`);
      if (outcome === 'extend' && s.extensions >= MAX_MENTORSHIP_EXTENSIONS) invalid('outcome', '帮带只能延长一次 (a mentorship is extended at most once)');
    },
  );
  handleUpdate(reviewMentorshipUpdate, review);

  const terminate = kit.command<TerminateArgs>('terminate', async ({ actor, reason }) => {
    const before = summary();
    close('terminated', reason);
    await commit('terminated', actor, before, {
      details: { reason },
      notifications: notify([township], 'mentorship.terminated', '帮带终止', `${s.menteeName}的1+1帮带已终止（${reason}）。`),
    });
  });
  handleUpdate(terminateMentorshipUpdate, terminate);

  // 延期/容错 on any open obligation (check-ins, reviews, naming a mentor), as for cases.
  const clockRequests = createClockRequests({ state: s, engine, command: kit.command, commit, summary, recipientsFor });
  handleUpdate(requestMentorshipClockChangeUpdate, clockRequests.request);
  handleUpdate(decideMentorshipClockChangeUpdate, clockRequests.decide);

  setHandler(recomputeDeadlinesSignal, ({ reason }) => {
    engine.requestRecompute(reason);
    kit.markChanged();
  });
  setHandler(mentorshipReadyUpdate, async () => {
    await condition(() => initialized);
    return clone(s);
  });
  setHandler(mentorshipSnapshotQuery, () => s);

  // --- Start and main loop ------------------------------------------------------------------------

  if (!initialized) {
    await kit.exclusive(async () => {
      const before = summary();
      const startedAt = now();
      if (s.mentor) {
        startTerm(s.mentor);
        await engine.open('mentorship_approval', '1', 'org_dept', startedAt, s.policy.approvalDue);
        await commit('approval_requested', SYSTEM_ACTOR, before, {
          notifications: notify([orgDept], 'mentorship.proposed', '1+1帮带结对待审核', `乡镇党委提出由${s.mentor.name}帮带${s.menteeName}，请审核。`),
        });
      } else {
        await engine.open('mentor_assignment', '1', 'township_office', startedAt, s.policy.mentorAssignmentDue);
        await commit('mentor_requested', SYSTEM_ACTOR, before, {
          notifications: notify(
            [township],
            'mentorship.mentor_needed',
            '请明确帮带导师',
            `${s.menteeName}${s.sourceCandidateId ? '新任村党组织书记，' : ''}需要1+1帮带，请在期限内明确帮带导师。`,
          ),
        });
      }
      initialized = true;
    });
  }

  await kit.run({
    isOpen: () => isOpenMentorship(s.state),
    tick,
    nextWake: nextWakeAt,
    pending: () => engine.recomputePending,
    historyLimit: input.historyLimit,
    continueAsNew: () => continueAsNew<typeof mentorshipWorkflow>({ ...input, carried: s, recentUpdateIds: kit.recentUpdateIds() }),
  });
  return s;
}
