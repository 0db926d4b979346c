/**
 * Process C: one reserve candidate for village party secretary (后备力量).
 *
 * nominated → qualification_review → inspected → publicized (5 working days) → in_pool →
 * in_training ⇄ annual_review → placed | exited | transferred. Each step the org dept owes
 * (qualification, inspection, publicity) is an obligation; in training, a quarterly written report and
 * a talk (≥4 a year) are obligations of the candidate (filed by the township office); the
 * half-yearly review (动态调整) is the township office's; all on the shared deadline engine with the
 * county's ladder. Placing a new village secretary proposes a 1+1 mentorship for them.
 */
import { condition, continueAsNew, log, patched, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { ResponsibleParty } from '../domain/escalation.js';
import { PLACEMENT_POST_LABELS, POOL_STATES, checkReserveCommand, isOpenReserve, type ReserveCommand, type ReserveState } from '../domain/reserves.js';
import { SYSTEM_ACTOR, type Recipient } from '../domain/contracts/deadlines.js';
import { createClockRequests } from './clock-requests.js';
import { PROCESS_ACTIVITY_OPTIONS, createDeadlineEngine, dateActivities, type PeriodSchedule } from './deadline-engine.js';
import { recomputeDeadlinesSignal } from './deadline-messages.js';
import { clone, createCommitter, createProcessKit, handleUpdate, invalid, notify, projectionOf } from './process-kit.js';
import {
  annualReviewUpdate,
  exitReserveUpdate,
  fileTrainingRecordUpdate,
  inspectReserveUpdate,
  periodicReviewUpdate,
  placeReserveUpdate,
  publicizeReserveUpdate,
  qualifyReserveUpdate,
  reserveReadyUpdate,
  reserveSnapshotQuery,
  startTrainingUpdate,
  transferReserveUpdate,
  requestReserveClockChangeUpdate,
  decideReserveClockChangeUpdate,
} from './reserve-messages.js';
import type {
  AnnualReviewArgs,
  ExitArgs,
  PeriodicReviewArgs,
  PlaceArgs,
  PublicizeArgs,
  ReserveInput,
  ReserveRecordSpec,
  ReserveSnapshot,
  ReviewResultArgs,
  StartTrainingArgs,
  TrainingRecordArgs,
  TransferArgs,
} from '../domain/contracts/reserve.js';

const { recordReserveChange, proposeMentorshipForPlacement, continueReserveAtVillage } =
  proxyActivities<ReturnType<typeof createActivities>>(PROCESS_ACTIVITY_OPTIONS);
const localProjections = proxyLocalActivities<Pick<ReturnType<typeof createActivities>, 'recordReserveChange'>>(PROCESS_ACTIVITY_OPTIONS);

/** Patch: a transfer continues the candidate in the target village's pool (see the transfer command). */
export const TRANSFER_CONTINUES_AT_TARGET = 'transfer-continues-at-target';

const QUARTER_PATTERN = /^Q[1-9]\d{0,2}$/;
const quarterKey = (index: number): string => `Q${index + 1}`;

export async function reserveWorkflow(input: ReserveInput): Promise<ReserveSnapshot> {
  let initialized = input.carried !== undefined;
  const s: ReserveSnapshot = input.carried ?? {
    candidateId: input.candidateId,
    personId: input.personId,
    personName: input.personName,
    villageCode: input.villageCode,
    townshipCode: input.townshipCode,
    countyCode: input.countyCode,
    source: input.source,
    state: 'nominated',
    rag: 'green',
    seq: 0,
    nominatedAt: input.nominatedAt,
    qualifiedAt: null,
    inspectedAt: null,
    publicityEndsAt: null,
    pooledAt: null,
    trainingStartedAt: null,
    closedAt: null,
    ageWarning: input.ageWarning,
    outcome: null,
    periodicReview: null,
    training: null,
    filed: [],
    obligations: [],
    policy: input.policy,
    policyId: input.policyId,
  };
  const kit = createProcessKit<ReserveCommand, ReserveSnapshot>({
    state: () => s,
    check: (c) => checkReserveCommand(c, s.state),
    carriedUpdateIds: input.recentUpdateIds,
  });
  const now = (): string => new Date(Date.now()).toISOString();
  const summary = (): Record<string, unknown> => ({ state: s.state, rag: s.rag });
  const after = (from: string, duration: string) => dateActivities().computeInstant({ from, after: duration, timeZone: s.policy.timeZone });

  const township: Recipient = { userId: null, role: 'township_office', divisionCode: s.townshipCode };
  const orgDept: Recipient = { userId: null, role: 'org_dept', divisionCode: s.countyCode };

  /** A candidate has no account: the township office files for them and hears of their deadlines. */
  function recipientsFor(party: ResponsibleParty): Recipient[] {
    return party === 'org_dept' ? [orgDept] : [township];
  }

  const commit = createCommitter<ReserveSnapshot, { record: ReserveRecordSpec }>({
    state: s,
    eventKey: `reserve:${s.candidateId}`,
    summary,
    rag: () => engine.rag(),
    project: projectionOf(recordReserveChange, localProjections.recordReserveChange),
  });

  const engine = createDeadlineEngine({
    state: s,
    obligationId: (kind, key) => `${s.candidateId}:${kind}:${key}`,
    clock: () => ({ ladder: s.policy.ladder, timeZone: s.policy.timeZone, officeHour: s.policy.officeHour, divisionCode: s.villageCode }),
    recipientsFor,
    summary,
    commitRung: (before, change) => commit('escalation_raised', SYSTEM_ACTOR, before, change),
  });

  function setState(next: ReserveState): void {
    log.info('reserve state change', { candidateId: s.candidateId, from: s.state, to: next });
    s.state = next;
  }

  const inPool = (): boolean => POOL_STATES.includes(s.state);
  const training = () => s.training!;

  function close(state: 'placed' | 'exited' | 'transferred', outcome: NonNullable<ReserveSnapshot['outcome']>): void {
    engine.cancelAllOpen();
    s.closedAt = now();
    s.outcome = outcome;
    s.periodicReview = null;
    setState(state);
  }

  const trainingSchedule = (): PeriodSchedule => ({
    timeZone: s.policy.timeZone,
    officeHour: s.policy.officeHour,
    ladder: s.policy.ladder,
    reportPeriod: s.policy.trainingPeriod,
    reportDue: s.policy.trainingRecordDue,
  });

  /** A training quarter: a written report and a talk are owed while in training (not during the annual review). */
  async function openTrainingPeriod(index: number): Promise<void> {
    const p = await engine.schedulePeriod(trainingSchedule(), training().anchor, index);
    const key = quarterKey(index);
    training().currentPeriod = { key, index, endsAt: p.endsAt };
    if (s.state !== 'in_training') return;
    for (const kind of ['training_report', 'training_talk'] as const) {
      const filedAs = kind === 'training_report' ? 'written_report' : 'talk';
      if (!s.filed.includes(`${filedAs}:${key}`) && !engine.find(kind, key)) engine.addPeriodObligation(kind, key, 'candidate', p);
    }
  }

  /** Into the pool: the half-yearly review (动态调整) is counted from here. */
  async function enterPool(): Promise<void> {
    setState('in_pool');
    s.pooledAt = now();
    s.periodicReview = { index: 1, nextAt: await after(s.pooledAt, s.policy.periodicReviewEvery) };
  }

  // --- Timer work ---------------------------------------------------------------------------------

  async function tick(): Promise<void> {
    await engine.tick(async (reason) => {
      const before = summary();
      const changes = await engine.retime((o) => o.basis);
      if (changes.length > 0) await commit('deadlines_recomputed', SYSTEM_ACTOR, before, { details: { reason, changes } });
    });
    // Publicity ran its 5 working days without the org dept withdrawing the candidate: into the pool.
    if (s.state === 'publicized' && Date.parse(s.publicityEndsAt!) <= Date.now()) {
      const before = summary();
      await enterPool();
      await commit('pooled', SYSTEM_ACTOR, before, {
        notifications: notify([township], 'reserve.pooled', '后备力量入库', `${s.personName}公示期满，已纳入村党组织书记后备力量库。`),
      });
    }
    while (s.training && (s.state === 'in_training' || s.state === 'annual_review') && Date.parse(training().currentPeriod!.endsAt) <= Date.now()) {
      const before = summary();
      await openTrainingPeriod(training().currentPeriod!.index + 1);
      await commit('training_period_opened', SYSTEM_ACTOR, before, { details: { period: training().currentPeriod!.key } });
    }
    if (s.state === 'in_training' && Date.parse(training().annualReviewAt) <= Date.now()) {
      const before = summary();
      setState('annual_review');
      await engine.open('annual_review', `Y${training().year}`, 'org_dept', now(), s.policy.annualReviewDue);
      await commit('annual_review_opened', SYSTEM_ACTOR, before, {
        notifications: notify([orgDept, township], 'reserve.annual_review', '后备力量年度考评', `${s.personName}跟岗实训满一年，请组织年度考评（民主测评）。`),
      });
    }
    if (inPool() && s.periodicReview && Date.parse(s.periodicReview.nextAt) <= Date.now()) {
      const before = summary();
      const key = `H${s.periodicReview.index}`;
      await engine.open('periodic_review', key, 'township_office', now(), s.policy.periodicReviewDue);
      s.periodicReview = { index: s.periodicReview.index + 1, nextAt: await after(s.periodicReview.nextAt, s.policy.periodicReviewEvery) };
      await commit('periodic_review_opened', SYSTEM_ACTOR, before, {
        details: { review: key },
        notifications: notify([township], 'reserve.periodic_review', '后备力量动态调整', `请对${s.personName}进行半年动态调整（${key}）。`),
      });
    }
  }

  function nextWakeAt(): number | null {
    const running: number[] = [];
    if (s.state === 'publicized') running.push(Date.parse(s.publicityEndsAt!));
    if (inPool() && s.periodicReview) running.push(Date.parse(s.periodicReview.nextAt));
    if (s.training && (s.state === 'in_training' || s.state === 'annual_review') && s.training.currentPeriod)
      running.push(Date.parse(s.training.currentPeriod.endsAt));
    if (s.state === 'in_training' && s.training) running.push(Date.parse(s.training.annualReviewAt));
    return engine.nextWake(running);
  }

  // --- Commands: the pipeline to the pool ------------------------------------------------------------

  /** Qualification and inspection: passed moves on to the next step the org dept owes, failed ends it. */
  function reviewStep(
    command: 'qualify' | 'inspect',
    done: 'qualification_review' | 'inspection',
    next: { state: ReserveState; obligation: 'inspection' | 'publicity'; due: () => string; mark: (at: string) => void },
  ) {
    return kit.command<ReviewResultArgs>(command, async ({ actor, passed, comment }) => {
      const before = summary();
      const obligation = engine.openOf(done)[0];
      const record: ReserveRecordSpec = {
        kind: command === 'qualify' ? 'qualification' : 'inspection',
        key: '1',
        content: { passed, comment },
        late: engine.isLate(obligation),
      };
      engine.close(obligation, 'satisfied');
      const label = command === 'qualify' ? '资格审查' : '组织考察';
      if (!passed) {
        close('exited', { kind: 'exited', reason: `${label}未通过：${comment}` });
        await commit('exited', actor, before, {
          record,
          details: { step: command, passed, comment },
          notifications: notify([township], 'reserve.exited', `${label}未通过`, `${s.personName}${label}未通过（${comment}），不纳入后备力量。`),
        });
        return;
      }
      next.mark(now());
      setState(next.state);
      await engine.open(next.obligation, '1', 'org_dept', now(), next.due());
      await commit(command === 'qualify' ? 'qualified' : 'inspected', actor, before, { record, details: { step: command, passed, comment } });
    });
  }

  const qualify = reviewStep('qualify', 'qualification_review', {
    state: 'qualification_review',
    obligation: 'inspection',
    due: () => s.policy.inspectionDue,
    mark: (at) => (s.qualifiedAt = at),
  });
  handleUpdate(qualifyReserveUpdate, qualify);

  const inspect = reviewStep('inspect', 'inspection', {
    state: 'inspected',
    obligation: 'publicity',
    due: () => s.policy.publicityDue,
    mark: (at) => (s.inspectedAt = at),
  });
  handleUpdate(inspectReserveUpdate, inspect);

  const publicize = kit.command<PublicizeArgs>('publicize', async ({ actor, note }) => {
    const before = summary();
    const obligation = engine.openOf('publicity')[0];
    const late = engine.isLate(obligation);
    engine.close(obligation, 'satisfied');
    setState('publicized');
    s.publicityEndsAt = await engine.dueInstant(now(), s.policy.publicityLength);
    await commit('publicized', actor, before, {
      record: { kind: 'publicity', key: '1', content: { note: note ?? null, endsAt: s.publicityEndsAt }, late },
      details: { publicityEndsAt: s.publicityEndsAt },
      notifications: notify([township], 'reserve.publicized', '后备力量公示', `${s.personName}拟纳入后备力量，公示至${s.publicityEndsAt}。`),
    });
  });
  handleUpdate(publicizeReserveUpdate, publicize);

  // --- Commands: training and reviews ---------------------------------------------------------------

  const startTraining = kit.command<StartTrainingArgs>('startTraining', async ({ actor, arrangement }) => {
    const before = summary();
    setState('in_training');
    s.trainingStartedAt = now();
    s.training = { anchor: s.trainingStartedAt, currentPeriod: null, year: 1, annualReviewAt: await after(s.trainingStartedAt, s.policy.annualReviewAfter) };
    await openTrainingPeriod(0);
    await commit('training_started', actor, before, { details: { arrangement, annualReviewAt: s.training.annualReviewAt } });
  });
  handleUpdate(startTrainingUpdate, startTraining);

  const trainingRecord = kit.command<TrainingRecordArgs>(
    'fileTrainingRecord',
    async ({ actor, kind, period, summary: text, talkedWith }) => {
      const before = summary();
      const obligationKind = kind === 'written_report' ? 'training_report' : 'training_talk';
      const obligation = s.obligations.find((o) => o.kind === obligationKind && o.key === period && o.status === 'open');
      const late = engine.isLate(obligation);
      engine.close(obligation, 'satisfied');
      s.filed.push(`${kind}:${period}`);
      await commit(kind === 'written_report' ? 'written_report_filed' : 'talk_filed', actor, before, {
        record: { kind, key: period, content: { summary: text, talkedWith: talkedWith ?? null }, late },
        details: { period, late },
      });
    },
    ({ kind, period }) => {
      if (!QUARTER_PATTERN.test(period)) invalid('period', `季度须为Q1、Q2…（从跟岗实训开始计） (period must be Q1, Q2…): ${period}`);
      const current = s.training?.currentPeriod;
      if (!current || Number(period.slice(1)) - 1 > current.index) invalid('period', `${period}尚未开始 (the quarter has not started yet)`);
      if (s.filed.includes(`${kind}:${period}`)) invalid('period', `${period}的${kind === 'written_report' ? '书面报告' : '谈心谈话'}已登记 (already filed)`);
    },
  );
  handleUpdate(fileTrainingRecordUpdate, trainingRecord);

  const periodicReview = kit.command<PeriodicReviewArgs>(
    'periodicReview',
    async ({ actor, outcome, comment }) => {
      const before = summary();
      const obligation = engine.openOf('periodic_review')[0]!;
      const record: ReserveRecordSpec = { kind: 'periodic_review', key: obligation.key, content: { outcome, comment }, late: engine.isLate(obligation) };
      engine.close(obligation, 'satisfied');
      if (outcome === 'remove') {
        close('exited', { kind: 'exited', reason: `动态调整出库：${comment}` });
        await commit('exited', actor, before, { record, details: { step: 'periodicReview', outcome, comment } });
        return;
      }
      await commit('periodic_review_done', actor, before, { record, details: { review: obligation.key, outcome, comment } });
    },
    () => {
      if (engine.openOf('periodic_review').length === 0) invalid('outcome', '当前没有待进行的半年动态调整 (no half-yearly review is due)');
    },
  );
  handleUpdate(periodicReviewUpdate, periodicReview);

  const annualReview = kit.command<AnnualReviewArgs>('annualReview', async ({ actor, outcome, satisfaction, comment }) => {
    const before = summary();
    const obligation = engine.openOf('annual_review')[0];
    const key = obligation?.key ?? `Y${training().year}`;
    const record: ReserveRecordSpec = {
      kind: 'annual_review',
      key,
      content: { outcome, satisfaction: satisfaction ?? null, comment },
      late: engine.isLate(obligation),
    };
    engine.close(obligation, 'satisfied');
    if (outcome === 'exit') {
      close('exited', { kind: 'exited', reason: `年度考评出库：${comment}` });
      await commit('exited', actor, before, { record, details: { step: 'annualReview', outcome, comment } });
      return;
    }
    // Another training year; the quarter under way is owed again.
    setState('in_training');
    training().year += 1;
    training().annualReviewAt = await after(training().annualReviewAt, s.policy.annualReviewAfter);
    await openTrainingPeriod(training().currentPeriod!.index);
    await commit('annual_review_passed', actor, before, { record, details: { outcome, comment, nextAnnualReviewAt: training().annualReviewAt } });
  });
  handleUpdate(annualReviewUpdate, annualReview);

  // --- Commands: leaving the pool -----------------------------------------------------------------

  const place = kit.command<PlaceArgs>('place', async ({ actor, post, newInPost, note }) => {
    const before = summary();
    close('placed', { kind: 'placed', post, newInPost, mentorshipId: null });
    await commit('placed', actor, before, {
      record: { kind: 'placement', key: '1', content: { post, newInPost, note: note ?? null }, late: false },
      details: { post, newInPost },
      notifications: notify([township], 'reserve.placed', '后备力量使用', `${s.personName}已任${PLACEMENT_POST_LABELS[post]}。`),
    });
    if (post !== 'secretary' || !newInPost) return;
    // 新任村党组织书记: a 1+1 mentorship, proposed once (keyed by the candidate), the mentor to be named.
    const { mentorshipId } = await proposeMentorshipForPlacement({ candidateId: s.candidateId, personId: s.personId, villageCode: s.villageCode, actor });
    const beforeLink = summary();
    s.outcome = { kind: 'placed', post, newInPost, mentorshipId };
    await commit('mentorship_proposed', actor, beforeLink, { details: { mentorshipId } });
  });
  handleUpdate(placeReserveUpdate, place);

  const exit = kit.command<ExitArgs>('exit', async ({ actor, reason }) => {
    const before = summary();
    close('exited', { kind: 'exited', reason });
    await commit('exited', actor, before, { details: { reason } });
  });
  handleUpdate(exitReserveUpdate, exit);

  const transfer = kit.command<TransferArgs>(
    'transfer',
    async ({ actor, toVillageCode, reason }) => {
      const before = summary();
      close('transferred', { kind: 'transferred', toVillageCode, reason });
      await commit('transferred', actor, before, { details: { toVillageCode, reason } });
      // Released without this: a transfer only closed the candidate, and the target village's pool
      // never gained them (its coverage alert stayed open).
      if (!patched(TRANSFER_CONTINUES_AT_TARGET)) return;
      const { candidateId } = await continueReserveAtVillage({ fromCandidateId: s.candidateId, toVillageCode, reason, actor });
      const beforeLink = summary();
      s.outcome = { kind: 'transferred', toVillageCode, reason, continuedAsId: candidateId };
      await commit('continued_at_village', actor, beforeLink, { details: { toVillageCode, candidateId } });
    },
    ({ toVillageCode }) => {
      if (toVillageCode === s.villageCode) invalid('toVillageCode', '须为另一个村 (must be another village)');
    },
  );
  handleUpdate(transferReserveUpdate, transfer);

  // 延期/容错 on any open obligation (the org dept's steps, training records, reviews), as for cases.
  const clockRequests = createClockRequests({ state: s, engine, command: kit.command, commit, summary, recipientsFor });
  handleUpdate(requestReserveClockChangeUpdate, clockRequests.request);
  handleUpdate(decideReserveClockChangeUpdate, clockRequests.decide);

  setHandler(recomputeDeadlinesSignal, ({ reason }) => {
    engine.requestRecompute(reason);
    kit.markChanged();
  });
  setHandler(reserveReadyUpdate, async () => {
    await condition(() => initialized);
    return clone(s);
  });
  setHandler(reserveSnapshotQuery, () => s);

  // --- Start and main loop ------------------------------------------------------------------------

  if (!initialized && input.transferredFrom) {
    // 调入: qualified, inspected and publicized at the village it came from; straight into this pool.
    const from = input.transferredFrom;
    await kit.exclusive(async () => {
      const before = summary();
      await enterPool();
      await commit('pooled', SYSTEM_ACTOR, before, {
        details: { transferredFrom: from.candidateId, fromVillageCode: from.villageCode, reason: from.reason },
        notifications: notify([township], 'reserve.transferred_in', '后备力量调入', `${s.personName}由其他村调入，已纳入本村党组织书记后备力量库。`),
      });
      initialized = true;
    });
  }
  if (!initialized) {
    await kit.exclusive(async () => {
      const before = summary();
      await engine.open('qualification_review', '1', 'org_dept', now(), s.policy.qualificationReviewDue);
      await commit('qualification_review_requested', SYSTEM_ACTOR, before, {
        details: { ageWarning: s.ageWarning },
        notifications: notify(
          [orgDept],
          'reserve.nominated',
          '后备力量提名待资格审查',
          `${s.personName}被提名为村党组织书记后备力量，请进行资格审查。${s.ageWarning ? '（提示：年龄超过35岁）' : ''}`,
        ),
      });
      initialized = true;
    });
  }

  await kit.run({
    isOpen: () => isOpenReserve(s.state),
    tick,
    nextWake: nextWakeAt,
    pending: () => engine.recomputePending,
    historyLimit: input.historyLimit,
    continueAsNew: () => continueAsNew<typeof reserveWorkflow>({ ...input, carried: s, recentUpdateIds: kit.recentUpdateIds() }),
  });
  return s;
}
