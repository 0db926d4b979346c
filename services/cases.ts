/**
 * Rectification cases: what the API (and the relapse activity) can do. Reads come from the Postgres
 * projection; commands go to the case's workflow as Updates and answer the projected result.
 */
import type { Db } from '../db/client.js';
import {
  findUnstartedCases,
  findVisibleCase,
  getCaseParts,
  getCaseRow,
  getSponsorCandidate,
  insertDesignatedCase,
  listCases,
  type CaseFilters,
  type CaseRow,
  type CaseView,
} from '../db/queries/cases.js';
import { getVillage } from '../db/queries/divisions.js';
import { actorOf, createCommandRunner } from './command-runner.js';
import { createWorkingDaysFiller } from './next-due.js';
import { DEFAULT_POLICY_NAME, resolveVillagePolicy } from './policies.js';
import { countyOf, isWithin, levelOfCode, townshipOf } from '../domain/divisions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { getProcessObligation } from '../db/queries/deadline-projection.js';
import { checkClockDecider, checkClockRequester } from './clock-requests.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import { ALLOWED_ROLES, filingRefusal, isFilingAction, type AuthUser, type CaseAction } from '../domain/roles.js';
import type { DesignationReason } from '../domain/cases.js';
import type { SupportPackageAssignment } from '../domain/support-package.js';
import type { RelapseDesignation } from '../activities/index.js';
import { executeCaseCommand, startRectification, type TemporalHandle } from '../temporal/client.js';
import {
  cancelUpdate,
  changePolicyUpdate,
  changeSponsorUpdate,
  decideClockChangeUpdate,
  interruptClockUpdate,
  requestClockChangeUpdate,
  resumeClockUpdate,
  suspendClockUpdate,
  relapseUpdate,
  requestAcceptanceUpdate,
  reviewAcceptanceUpdate,
  submitPlanUpdate,
  submitReportUpdate,
} from '../workflows/rectification-messages.js';
import type {
  AcceptanceRequestArgs,
  AcceptanceReviewArgs,
  CancelArgs,
  CaseSnapshot,
  ClockDecisionArgs,
  ClockPauseArgs,
  ClockRequestArgs,
  InterruptArgs,
  PlanArgs,
  RelapseArgs,
  ReportArgs,
  SponsorChangeArgs,
} from '../domain/contracts/rectification.js';

export { DEFAULT_POLICY_NAME };

export interface DesignateInput {
  villageCode: string;
  reasons: DesignationReason[];
  sponsorUserId: string;
  policyId?: string;
  note?: string;
  /** The team (包保责任体系) besides the sponsor; posts left out are vacant. */
  supportPackage?: SupportPackageAssignment;
  /** The village's earlier (closed or relapsed) case, when a screening campaign lists it again. */
  parentCaseId?: string | null;
}

type WithoutActor<T> = Omit<T, 'actor'>;

export type CaseDetail = Awaited<ReturnType<ReturnType<typeof createCaseService>['get']>>;

export function createCaseService(deps: {
  db: Db;
  temporal: TemporalHandle;
  /** Continue-as-new threshold handed to new case workflows (tests use a small one). */
  workflowHistoryLimit?: number;
  /** Today, for "N working days left" in lists (tests inject it). */
  now?: () => Date;
}) {
  const { db, temporal } = deps;
  // Each row's next deadline in working days from today, on its village's calendar (调休 included).
  const withWorkingDays = createWorkingDaysFiller(db, deps.now);

  function requireRole(user: AuthUser, action: CaseAction): void {
    if (!ALLOWED_ROLES[action].includes(user.role)) {
      throw new ForbiddenError(`角色“${user.role}”无权执行此操作 (role ${user.role} may not ${action})`);
    }
  }

  async function checkSponsor(sponsorUserId: string, villageCode: string, field: string): Promise<void> {
    const sponsor = await getSponsorCandidate(db, sponsorUserId);
    if (!sponsor || !sponsor.active || sponsor.role !== 'sponsor') {
      throw new ValidationError('包保领导须为有效的“包保县级领导”用户 (sponsor must be an active user with role sponsor)', field);
    }
    if (!isWithin(villageCode, sponsor.jurisdictionCode)) {
      throw new ValidationError('包保领导的管辖范围不包含该村 (the sponsor’s jurisdiction does not include this village)', field);
    }
  }

  const resolvePolicy = (villageCode: string, policyId: string | undefined) => resolveVillagePolicy(db, villageCode, policyId);

  function startWorkflowFor(stored: CaseRow) {
    return startRectification(temporal, {
      version: 1,
      caseId: stored.id,
      villageCode: stored.villageCode,
      townshipCode: stored.townshipCode,
      countyCode: stored.countyCode,
      sponsorUserId: stored.sponsorUserId,
      policy: stored.policy,
      designatedAt: stored.designatedAt.toISOString(),
      parentCaseId: stored.parentCaseId,
      reasons: stored.reasons,
      historyLimit: deps.workflowHistoryLimit,
    });
  }

  /** Inserts the case (or finds the earlier attempt's) and starts its workflow; both steps are safe to repeat. */
  async function openCase(row: Omit<Parameters<typeof insertDesignatedCase>[1], 'townshipCode' | 'countyCode'>): Promise<CaseRow> {
    const { row: stored } = await insertDesignatedCase(db, {
      ...row,
      townshipCode: townshipOf(row.villageCode),
      countyCode: countyOf(row.villageCode),
    });
    await startWorkflowFor(stored);
    return stored;
  }

  async function designate(user: AuthUser, input: DesignateInput, idempotencyKey?: string) {
    requireRole(user, 'designate');
    if (levelOfCode(input.villageCode) !== 'village') throw new ValidationError('须为12位村级区划代码 (must be a 12-digit village code)', 'villageCode');
    const village = await getVillage(db, input.villageCode);
    if (!village || !isWithin(input.villageCode, user.jurisdictionCode)) {
      throw new ValidationError('未找到该村，或不在您的管辖范围内 (no such village in your jurisdiction)', 'villageCode');
    }
    await checkSponsor(input.sponsorUserId, input.villageCode, 'sponsorUserId');
    const { policyId, policy } = await resolvePolicy(input.villageCode, input.policyId);
    const stored = await openCase({
      villageCode: input.villageCode,
      organizationId: village.organizationId,
      sponsorUserId: input.sponsorUserId,
      reasons: input.reasons,
      note: input.note ?? null,
      policyId,
      policy,
      parentCaseId: input.parentCaseId ?? null,
      designatedAt: new Date(),
      createdBy: user.id,
      createdByLabel: user.name,
      designationKey: idempotencyKey ?? crypto.randomUUID(),
    });
    return get(user, stored.id);
  }

  /** The new case of a relapse: same village, linked to the old case, keyed by it so it opens once. */
  async function designateRelapse(input: RelapseDesignation): Promise<{ caseId: string }> {
    if (!input.actor.userId) throw new ValidationError('反弹认定须由用户作出 (a relapse needs a user)', 'actor');
    const village = await getVillage(db, input.villageCode);
    const parent = await getCaseRow(db, input.parentCaseId);
    const stored = await openCase({
      villageCode: input.villageCode,
      organizationId: village?.organizationId ?? null,
      sponsorUserId: input.sponsorUserId,
      reasons: input.reasons,
      note: input.note,
      policyId: parent?.policyId ?? null,
      policy: parent?.policy ?? DEFAULT_POLICY,
      parentCaseId: input.parentCaseId,
      designatedAt: new Date(),
      createdBy: input.actor.userId,
      createdByLabel: input.actor.label,
      designationKey: `relapse-of:${input.parentCaseId}`,
    });
    return { caseId: stored.id };
  }

  async function detail(row: CaseView) {
    return { ...row, ...(await getCaseParts(db, row.id)) };
  }

  async function get(user: AuthUser, caseId: string) {
    const row = await findVisibleCase(db, user, caseId);
    if (!row) throw new NotFoundError('未找到该案例 (case not found)');
    return detail(row);
  }

  async function list(user: AuthUser, filters: CaseFilters) {
    const page = await listCases(db, user, filters);
    return { ...page, items: await withWorkingDays(page.items) };
  }

  const runCommand = createCommandRunner<CaseRow, CaseSnapshot, Awaited<ReturnType<typeof detail>>, CaseAction>({
    find: (user, id) => findVisibleCase(db, user, id),
    notFound: '未找到该案例 (case not found)',
    authorize(user, row, action) {
      requireRole(user, action);
      if (isFilingAction(action)) {
        // The sponsor files; an office only while the post is vacant (the workflow checks it again).
        const refusal = filingRefusal(actorOf(user), row.sponsorUserId);
        if (refusal) throw new ForbiddenError(refusal);
      }
    },
    execute: (id, update, args, updateId) => executeCaseCommand(temporal, id, update, args, updateId),
    reload: async (id) => detail((await getCaseRow(db, id))!),
  });

  /**
   * Starts the workflows of cases whose designation was stored but whose start never happened (a
   * crash or a Temporal outage between the two). Starting is idempotent, so this is always safe.
   */
  async function startUnstarted(olderThanMs = 60_000): Promise<number> {
    const rows = await findUnstartedCases(db, new Date(Date.now() - olderThanMs));
    for (const row of rows) await startWorkflowFor(row);
    return rows.length;
  }

  return {
    designate,
    designateRelapse,
    startUnstarted,
    get,
    list,
    submitPlan: (user: AuthUser, id: string, args: WithoutActor<PlanArgs>, key?: string) => runCommand(user, id, 'submitPlan', submitPlanUpdate, args, key),
    submitReport: (user: AuthUser, id: string, args: WithoutActor<ReportArgs>, key?: string) =>
      runCommand(user, id, 'submitReport', submitReportUpdate, args, key),
    requestAcceptance: (user: AuthUser, id: string, args: WithoutActor<AcceptanceRequestArgs>, key?: string) =>
      runCommand(user, id, 'requestAcceptance', requestAcceptanceUpdate, args, key),
    reviewAcceptance: (user: AuthUser, id: string, args: WithoutActor<AcceptanceReviewArgs>, key?: string) =>
      runCommand(user, id, 'reviewAcceptance', reviewAcceptanceUpdate, args, key),
    changeSponsor: async (user: AuthUser, id: string, args: WithoutActor<SponsorChangeArgs>, key?: string) => {
      const row = await findVisibleCase(db, user, id);
      if (row && args.sponsorUserId) await checkSponsor(args.sponsorUserId, row.villageCode, 'sponsorUserId');
      return runCommand(user, id, 'changeSponsor', changeSponsorUpdate, args, key);
    },
    cancel: (user: AuthUser, id: string, args: WithoutActor<CancelArgs>, key?: string) => runCommand(user, id, 'cancel', cancelUpdate, args, key),

    /** 延期/容错 requests: asked by whoever answers for the obligation. */
    requestClockChange: async (user: AuthUser, id: string, args: WithoutActor<ClockRequestArgs>, key?: string) => {
      const row = await findVisibleCase(db, user, id);
      if (!row) throw new NotFoundError('未找到该案例 (case not found)');
      checkClockRequester(user, await getProcessObligation(db, { caseId: id }, args.obligationId));
      return runCommand(user, id, 'requestClockChange', requestClockChangeUpdate, args, key);
    },

    /** Decided by the level above: the org dept, or for the org dept's own obligations the level above it. */
    decideClockChange: async (user: AuthUser, id: string, args: WithoutActor<ClockDecisionArgs>, key?: string) => {
      const row = await findVisibleCase(db, user, id);
      if (!row) throw new NotFoundError('未找到该案例 (case not found)');
      requireRole(user, 'decideClockChange');
      const request = row.clockRequests.find((r) => r.id === args.requestId);
      checkClockDecider(user, request, request ? await getProcessObligation(db, { caseId: id }, request.obligationId) : null);
      return runCommand(user, id, 'decideClockChange', decideClockChangeUpdate, args, key);
    },

    suspendClock: (user: AuthUser, id: string, args: WithoutActor<ClockPauseArgs>, key?: string) =>
      runCommand(user, id, 'pauseClock', suspendClockUpdate, args, key),
    resumeClock: (user: AuthUser, id: string, args: WithoutActor<ClockPauseArgs>, key?: string) =>
      runCommand(user, id, 'pauseClock', resumeClockUpdate, args, key),
    interruptClock: (user: AuthUser, id: string, args: WithoutActor<InterruptArgs>, key?: string) =>
      runCommand(user, id, 'pauseClock', interruptClockUpdate, args, key),

    /** Moves a running case to another policy version, explicitly and on record. */
    changePolicy: async (user: AuthUser, id: string, args: { policyId: string }, key?: string) => {
      const row = await findVisibleCase(db, user, id);
      if (!row) throw new NotFoundError('未找到该案例 (case not found)');
      requireRole(user, 'changeCasePolicy');
      const { policyId, policy } = await resolvePolicy(row.villageCode, args.policyId);
      return runCommand(user, id, 'changeCasePolicy', changePolicyUpdate, { policyId: policyId!, policy }, key);
    },
    relapse: (user: AuthUser, id: string, args: WithoutActor<RelapseArgs>, key?: string) => runCommand(user, id, 'relapse', relapseUpdate, args, key),
  };
}

export type CaseService = ReturnType<typeof createCaseService>;
