/**
 * Reserve candidates (后备力量): what the API can do. Reads come from the Postgres projection;
 * commands go to the candidate's workflow as Updates. The township office nominates, files training
 * records and does the half-yearly reviews; the org dept qualifies, inspects, publicizes, reviews
 * yearly, places, exits and transfers. Sponsors see none (404) and may do nothing (403).
 */
import type { Db } from '../db/client.js';
import { divisionExists, getVillage } from '../db/queries/divisions.js';
import { getPerson, type PersonInput } from '../db/queries/people.js';
import {
  countReservesByState,
  findUnstartedReserves,
  findVisibleReserve,
  getNomination,
  getReserveParts,
  getReserveRow,
  insertNominatedReserve,
  insertTransferredReserve,
  listReserves,
  reserveCoverage,
  type ReserveFilters,
  type ReserveRow,
  type ReserveView,
} from '../db/queries/reserves.js';
import { isWithin, jurisdictionPrefix, levelOfCode, toFullCode } from '../domain/divisions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { ReserveSource } from '../domain/people.js';
import { reservePolicyOf } from '../domain/policy.js';
import { ageOn, reserveCoverage as coverageRate, warningsForAge } from '../domain/reserves.js';
import { RESERVE_ROLES, type AuthUser, type ReserveAction } from '../domain/roles.js';
import { executeReserveCommand, startReserve, type TemporalHandle } from '../temporal/client.js';
import {
  annualReviewUpdate,
  exitReserveUpdate,
  fileTrainingRecordUpdate,
  inspectReserveUpdate,
  periodicReviewUpdate,
  placeReserveUpdate,
  publicizeReserveUpdate,
  qualifyReserveUpdate,
  startTrainingUpdate,
  transferReserveUpdate,
  requestReserveClockChangeUpdate,
  decideReserveClockChangeUpdate,
} from '../workflows/reserve-messages.js';
import type {
  AnnualReviewArgs,
  ClockDecisionArgs,
  ClockRequestArgs,
  ExitArgs,
  PeriodicReviewArgs,
  PlaceArgs,
  PublicizeArgs,
  ReserveSnapshot,
  ReviewResultArgs,
  StartTrainingArgs,
  TrainingRecordArgs,
  TransferArgs,
  TransferContinuation,
} from '../domain/contracts/reserve.js';
import { resolveVillagePolicy } from './policies.js';
import { createWorkingDaysFiller } from './next-due.js';
import { checkClockDecider, checkClockRequester } from './clock-requests.js';
import { getProcessObligation } from '../db/queries/deadline-projection.js';
import { createCommandRunner } from './command-runner.js';

export interface NominateInput {
  villageCode: string;
  /** The nominee: an existing person, a new one, or (with `nominationId`) the imported nomination's. */
  person?: PersonInput;
  source?: ReserveSource;
  /** Start the pipeline from an imported nomination row (reserve_nominations). */
  nominationId?: string;
  note?: string;
  policyId?: string;
}

type WithoutActor<T> = Omit<T, 'actor'>;

export type ReserveDetail = Awaited<ReturnType<ReturnType<typeof createReserveService>['get']>>;

/** Today's civil date in Beijing: ages are counted on it. */
function beijingToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

export function createReserveService(deps: {
  db: Db;
  temporal: TemporalHandle;
  workflowHistoryLimit?: number;
  /** Today, for "N working days left" in lists (tests inject it). */
  now?: () => Date;
}) {
  const { db, temporal } = deps;
  const withWorkingDays = createWorkingDaysFiller(db, deps.now);

  function requireRole(user: AuthUser, action: ReserveAction): void {
    if (!RESERVE_ROLES[action].includes(user.role)) {
      throw new ForbiddenError(`角色“${user.role}”无权执行此操作 (role ${user.role} may not ${action} reserves)`);
    }
  }

  async function startWorkflowFor(row: ReserveRow): Promise<void> {
    const person = await getPerson(db, row.personId);
    const from = row.transferredFromId ? await getReserveRow(db, row.transferredFromId) : null;
    await startReserve(temporal, {
      version: 1,
      candidateId: row.id,
      personId: row.personId,
      personName: person?.name ?? '',
      villageCode: row.villageCode,
      townshipCode: row.townshipCode,
      countyCode: row.countyCode,
      source: row.source,
      nominatedAt: row.nominatedAt.toISOString(),
      ageWarning: row.ageWarning,
      policy: row.policy,
      policyId: row.policyId,
      ...(from && { transferredFrom: { candidateId: from.id, villageCode: from.villageCode, reason: row.note ?? '' } }),
      historyLimit: deps.workflowHistoryLimit,
    });
  }

  /**
   * 调入: the transfer command's activity. The candidate continues in the target village's pool as a
   * new candidate (same person, source and nomination), with its own workflow; at most one per
   * transferred candidate, so a retried activity finds the first.
   */
  async function continueTransferred(input: TransferContinuation): Promise<{ candidateId: string }> {
    const from = await getReserveRow(db, input.fromCandidateId);
    if (!from) throw new NotFoundError('未找到该后备力量 (reserve candidate not found)');
    const village = await getVillage(db, input.toVillageCode);
    if (!village) throw new ValidationError('未找到该村 (no such village)', 'toVillageCode');
    const { policyId, policy } = await resolveVillagePolicy(db, input.toVillageCode, undefined);
    const row = await insertTransferredReserve(db, {
      from,
      villageCode: input.toVillageCode,
      townshipCode: village.townshipCode,
      countyCode: village.countyCode,
      reason: input.reason,
      policyId,
      policy: reservePolicyOf(policy),
      at: new Date(),
      actor: input.actor,
    });
    await startWorkflowFor(row);
    return { candidateId: row.id };
  }

  async function nominate(user: AuthUser, input: NominateInput, idempotencyKey?: string) {
    requireRole(user, 'nominate');
    if (levelOfCode(input.villageCode) !== 'village') throw new ValidationError('须为12位村级区划代码 (must be a 12-digit village code)', 'villageCode');
    const village = await getVillage(db, input.villageCode);
    if (!village || !isWithin(input.villageCode, user.jurisdictionCode)) {
      throw new ValidationError('未找到该村，或不在您的管辖范围内 (no such village in your jurisdiction)', 'villageCode');
    }
    let person = input.person;
    let source = input.source;
    if (input.nominationId) {
      const nomination = await getNomination(db, input.nominationId);
      if (!nomination || nomination.villageCode !== input.villageCode)
        throw new ValidationError('该村没有此提名记录 (no such nomination for this village)', 'nominationId');
      if (person && (!('personId' in person) || person.personId !== nomination.personId)) {
        throw new ValidationError('提名记录已指明人员，不能另填 (the nomination names its person)', 'person');
      }
      person = { personId: nomination.personId };
      source ??= nomination.source;
    }
    if (!person) throw new ValidationError('须填写被提名人或提名记录 (person or nominationId is required)', 'person');
    if (!source) throw new ValidationError('须填写来源（五个一批） (source is required)', 'source');
    let birthDate: string | null = 'personId' in person ? null : (person.birthDate ?? null);
    if ('personId' in person) {
      const existing = await getPerson(db, person.personId);
      if (!existing || (existing.divisionCode && !isWithin(existing.divisionCode, user.jurisdictionCode))) {
        throw new ValidationError('未找到此人，或不在您的管辖范围内 (no such person in your jurisdiction)', 'person.personId');
      }
      birthDate = existing.birthDate;
    }
    // ≤35 preferred: older is a warning on record, never a refusal.
    const ageAtNomination = birthDate ? ageOn(birthDate, beijingToday()) : null;
    const warnings = warningsForAge(ageAtNomination);
    const { policyId, policy } = await resolveVillagePolicy(db, input.villageCode, input.policyId);
    const { row } = await insertNominatedReserve(db, {
      villageCode: input.villageCode,
      townshipCode: village.townshipCode,
      countyCode: village.countyCode,
      person,
      source,
      nominationId: input.nominationId ?? null,
      ageAtNomination,
      ageWarning: warnings.length > 0,
      note: input.note ?? null,
      policyId,
      policy: reservePolicyOf(policy),
      nominatedAt: new Date(),
      createdBy: user.id,
      createdByLabel: user.name,
      nominationKey: idempotencyKey ?? crypto.randomUUID(),
      warnings,
    });
    await startWorkflowFor(row);
    return get(user, row.id);
  }

  async function detail(row: ReserveView) {
    const [person, parts] = await Promise.all([getPerson(db, row.personId), getReserveParts(db, row.id)]);
    return { ...row, person: person!, warnings: row.ageWarning ? warningsForAge(row.ageAtNomination) : [], ...parts };
  }

  async function get(user: AuthUser, id: string) {
    const row = await findVisibleReserve(db, user, id);
    if (!row) throw new NotFoundError('未找到该后备力量 (reserve candidate not found)');
    return detail(row);
  }

  async function list(user: AuthUser, filters: ReserveFilters) {
    requireRole(user, 'view');
    const page = await listReserves(db, user, filters);
    return { ...page, items: await withWorkingDays(page.items) };
  }

  const runCommand = createCommandRunner<ReserveRow, ReserveSnapshot, Awaited<ReturnType<typeof detail>>, ReserveAction>({
    find: (user, id) => findVisibleReserve(db, user, id),
    notFound: '未找到该后备力量 (reserve candidate not found)',
    authorize: (user, _row, action) => requireRole(user, action),
    execute: (id, update, args, updateId) => executeReserveCommand(temporal, id, update, args, updateId),
    reload: async (id) => detail((await getReserveRow(db, id))!),
  });

  /** Per village of a division inside the caller's jurisdiction: reserves in pool, alert; totals and coverage. */
  async function coverage(user: AuthUser, query: { division?: string; belowTargetOnly: boolean; limit: number; offset: number }) {
    requireRole(user, 'view');
    const code = query.division ?? user.jurisdictionCode;
    if (!isWithin(code, user.jurisdictionCode) || !(await divisionExists(db, code))) throw new NotFoundError('未找到该区划 (division not found)');
    const { villages, totals } = await reserveCoverage(db, {
      prefix: jurisdictionPrefix(code),
      belowTargetOnly: query.belowTargetOnly,
      limit: query.limit,
      offset: query.offset,
    });
    return {
      division: toFullCode(code),
      villages,
      totals: {
        villages: totals.villages,
        covered: totals.covered,
        belowTarget: totals.villages - totals.covered,
        inPool: totals.inPool,
        openAlerts: totals.openAlerts,
        coverage: coverageRate(totals.covered, totals.villages),
      },
    };
  }

  /** The funnel: candidates per pipeline state under a division inside the caller's jurisdiction. */
  async function pipeline(user: AuthUser, division: string | undefined) {
    requireRole(user, 'view');
    const code = division ?? user.jurisdictionCode;
    if (!isWithin(code, user.jurisdictionCode) || !(await divisionExists(db, code))) throw new NotFoundError('未找到该区划 (division not found)');
    const states = await countReservesByState(db, jurisdictionPrefix(code));
    return { division: toFullCode(code), total: states.reduce((n, s) => n + s.count, 0), states };
  }

  async function startUnstarted(olderThanMs = 60_000): Promise<number> {
    const rows = await findUnstartedReserves(db, new Date(Date.now() - olderThanMs));
    for (const row of rows) await startWorkflowFor(row);
    return rows.length;
  }

  return {
    nominate,
    get,
    list,
    coverage,
    pipeline,
    startUnstarted,
    continueTransferred,
    qualify: (user: AuthUser, id: string, args: WithoutActor<ReviewResultArgs>, key?: string) =>
      runCommand(user, id, 'qualify', qualifyReserveUpdate, args, key),
    inspect: (user: AuthUser, id: string, args: WithoutActor<ReviewResultArgs>, key?: string) =>
      runCommand(user, id, 'inspect', inspectReserveUpdate, args, key),
    publicize: (user: AuthUser, id: string, args: WithoutActor<PublicizeArgs>, key?: string) =>
      runCommand(user, id, 'publicize', publicizeReserveUpdate, args, key),
    startTraining: (user: AuthUser, id: string, args: WithoutActor<StartTrainingArgs>, key?: string) =>
      runCommand(user, id, 'startTraining', startTrainingUpdate, args, key),
    fileTrainingRecord: (user: AuthUser, id: string, args: WithoutActor<TrainingRecordArgs>, key?: string) =>
      runCommand(user, id, 'fileTrainingRecord', fileTrainingRecordUpdate, args, key),
    periodicReview: (user: AuthUser, id: string, args: WithoutActor<PeriodicReviewArgs>, key?: string) =>
      runCommand(user, id, 'periodicReview', periodicReviewUpdate, args, key),
    annualReview: (user: AuthUser, id: string, args: WithoutActor<AnnualReviewArgs>, key?: string) =>
      runCommand(user, id, 'annualReview', annualReviewUpdate, args, key),
    place: (user: AuthUser, id: string, args: WithoutActor<PlaceArgs>, key?: string) => runCommand(user, id, 'place', placeReserveUpdate, args, key),
    exit: (user: AuthUser, id: string, args: WithoutActor<ExitArgs>, key?: string) => runCommand(user, id, 'exit', exitReserveUpdate, args, key),
    /** 延期/容错 of a step the org dept owes, a training record or a review: asked by the side that answers for it. */
    requestClockChange: async (user: AuthUser, id: string, args: WithoutActor<ClockRequestArgs>, key?: string) => {
      const row = await findVisibleReserve(db, user, id);
      if (!row) throw new NotFoundError('未找到该后备力量 (reserve candidate not found)');
      checkClockRequester(user, await getProcessObligation(db, { reserveCandidateId: id }, args.obligationId));
      return runCommand(user, id, 'requestClockChange', requestReserveClockChangeUpdate, args, key);
    },
    decideClockChange: async (user: AuthUser, id: string, args: WithoutActor<ClockDecisionArgs>, key?: string) => {
      const row = await findVisibleReserve(db, user, id);
      if (!row) throw new NotFoundError('未找到该后备力量 (reserve candidate not found)');
      const request = row.clockRequests.find((r) => r.id === args.requestId);
      checkClockDecider(user, request, request ? await getProcessObligation(db, { reserveCandidateId: id }, request.obligationId) : null);
      return runCommand(user, id, 'decideClockChange', decideReserveClockChangeUpdate, args, key);
    },
    transfer: async (user: AuthUser, id: string, args: WithoutActor<TransferArgs>, key?: string) => {
      if (
        levelOfCode(args.toVillageCode) !== 'village' ||
        !(await getVillage(db, args.toVillageCode)) ||
        !isWithin(args.toVillageCode, user.jurisdictionCode)
      ) {
        // Only a visible candidate gets a field error; anything else is the usual 404 below.
        if (await findVisibleReserve(db, user, id))
          throw new ValidationError('未找到该村，或不在您的管辖范围内 (no such village in your jurisdiction)', 'toVillageCode');
      }
      return runCommand(user, id, 'transfer', transferReserveUpdate, args, key);
    },
  };
}

export type ReserveService = ReturnType<typeof createReserveService>;
