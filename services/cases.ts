/**
 * Rectification cases: what the API (and the relapse activity) can do. Reads come from the Postgres
 * projection; commands go to the case's workflow as Updates and answer the projected result.
 */
import type { Db } from '../db/client.js';
import type { Metrics, ProjectionCommit } from '../lib/metrics.js';
import {
  findUnstartedCases,
  findVisibleCase,
  getCaseParts,
  getCaseRow,
  getSponsorCandidate,
  insertDesignatedCase,
  clearPendingStart,
  listCases,
  type CaseFilters,
  type NewCase,
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
import type { SupportPackageAssignment, SupportPackageState } from '../domain/support-package.js';
import { createSupportPackageService, type SupportMemberInput } from './support-package.js';
import { getCaseSubmission } from '../db/queries/cases.js';
import { peopleForPosts, supportTermsOf } from '../db/queries/support-package.js';
import { firstSecretaryFilingRefusal } from '../domain/roles.js';
import type { RelapseDesignation } from '../activities/index.js';
import { executeCaseCommand, startOpenedRectification, startRectification, type TemporalHandle } from '../temporal/client.js';
import { recordCaseChangeIn } from '../db/queries/case-projection.js';
import { createDeadlineActivities, type CalendarSource } from '../activities/deadlines.js';
import { createCalendarSource } from './calendar-source.js';
import { precomputeOpenedCase } from '../workflows/case-opening.js';
import type { Calendar } from '../domain/calendar.js';
import {
  cancelUpdate,
  changePolicyUpdate,
  changeSponsorUpdate,
  changeSupportMemberUpdate,
  recordVisitUpdate,
  submitSupportReportUpdate,
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
  RectificationInput,
  ClockDecisionArgs,
  ClockPauseArgs,
  ClockRequestArgs,
  InterruptArgs,
  PlanArgs,
  RelapseArgs,
  ReportArgs,
  SponsorChangeArgs,
  SupportReportArgs,
  VisitArgs,
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
  /**
   * When a designation is recorded: its first deadlines count from it. Default the wall clock; tests
   * on Temporal's time-skipping server give the server's time (it runs ahead after a skip).
   */
  clock?: () => Date | Promise<Date>;
  /** The calendars deadlines count on (default: Postgres, as the worker's activities read them). */
  calendars?: CalendarSource;
  /**
   * How a new case's first state is opened: here, before its workflow starts (default), or by the
   * workflow, waited for, as releases before 'designation-precomputed' did (tests that start a case
   * the way a running deployment of such a release did).
   */
  opening?: 'precomputed' | 'in-workflow';
  /** The process's figures: a designation's first change (its notice to the sponsor) is written here, not by the worker. */
  metrics?: Metrics;
  /**
   * Called after a designation committed outbox rows (its notice to the sponsor, where they chose
   * to have such notices by SMS or e-mail): wakes the delivery dispatcher, as the worker does after
   * its projections. Without it the notice waits for the dispatcher's periodic nudge.
   */
  deliveriesWritten?: () => void;
}) {
  const { db, temporal } = deps;
  const clock = async (): Promise<Date> => (deps.clock ? deps.clock() : new Date());
  const calendars = deps.calendars ?? createCalendarSource(db);
  /** The deadline functions of activities/deadlines.ts, each calendar read once per opening. */
  function openingDates() {
    const read = new Map<string, Promise<Calendar>>();
    return createDeadlineActivities({
      calendarFor(divisionCode) {
        const key = divisionCode ?? '';
        let calendar = read.get(key);
        if (!calendar) read.set(key, (calendar = calendars.calendarFor(divisionCode)));
        return calendar;
      },
    });
  }
  // Each row's next deadline in working days from today, on its village's calendar (调休 included).
  const withWorkingDays = createWorkingDaysFiller(db, deps.now);
  const support = createSupportPackageService({ db });

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

  /** The team of a stored case as its workflow starts with it (from the table; none named: not tracked). */
  async function storedPackage(caseId: string): Promise<SupportPackageState | undefined> {
    const terms = (await supportTermsOf(db, caseId)).filter((t) => t.endedAt === null);
    if (terms.length === 0) return undefined;
    const people = new Map(
      (
        await peopleForPosts(
          db,
          terms.flatMap((t) => (t.personId ? [t.personId] : [])),
        )
      ).map((p) => [p.id, p]),
    );
    const pkg: SupportPackageState = { township_cadre: [], first_secretary: [], work_team: [], paired_department: [] };
    for (const t of terms) {
      const person = t.personId ? people.get(t.personId) : undefined;
      pkg[t.post].push({
        personId: t.personId,
        name: t.personName ?? t.departmentName ?? '',
        departmentName: t.departmentName,
        userId: person?.userId ?? null,
        userRole: person?.userRole ?? null,
        since: t.startedAt.toISOString(),
      });
    }
    return pkg;
  }

  type CaseFacts = Pick<
    CaseRow,
    'id' | 'villageCode' | 'townshipCode' | 'countyCode' | 'sponsorUserId' | 'policy' | 'designatedAt' | 'parentCaseId' | 'reasons'
  >;

  function workflowInput(c: CaseFacts, team: SupportPackageState | undefined): RectificationInput {
    return {
      ...(team ? { supportPackage: team } : {}),
      version: 1,
      caseId: c.id,
      villageCode: c.villageCode,
      townshipCode: c.townshipCode,
      countyCode: c.countyCode,
      sponsorUserId: c.sponsorUserId,
      policy: c.policy,
      designatedAt: c.designatedAt.toISOString(),
      parentCaseId: c.parentCaseId,
      reasons: c.reasons,
      historyLimit: deps.workflowHistoryLimit,
    };
  }

  /** A row stored without its first state (before 'designation-precomputed'): the workflow opens it. */
  async function startWorkflowFor(stored: CaseRow, supportPackage?: SupportPackageState) {
    const team = supportPackage ?? (await storedPackage(stored.id));
    return startRectification(temporal, workflowInput(stored, team));
  }

  /** Starts the workflow of a case stored with its first state, then marks it started (both safe to repeat). */
  async function startOpened(caseId: string, input: RectificationInput): Promise<void> {
    await startOpenedRectification(temporal, input);
    await clearPendingStart(db, caseId);
  }

  /**
   * Opens a case: its first state (plan and rectification deadlines, the team's vacancies and first
   * support period) computed here from `designatedAt`, written with the case row and its first change
   * (`planning_started`, seq 1) in one transaction, then its workflow started with that state, not
   * waited for. A retry (same designation key) finds the row and starts what it stored, once.
   */
  async function openCase(row: Omit<NewCase, 'townshipCode' | 'countyCode' | 'id' | 'pendingStart'>): Promise<CaseRow> {
    const facts = { ...row, id: crypto.randomUUID(), townshipCode: townshipOf(row.villageCode), countyCode: countyOf(row.villageCode) };
    if (deps.opening === 'in-workflow') {
      const { row: stored } = await insertDesignatedCase(db, { ...facts, pendingStart: null });
      await startWorkflowFor(stored, row.supportPackage ? await storedPackageOr(stored.id, row.supportPackage) : undefined);
      return stored;
    }
    const input = workflowInput(facts, row.supportPackage);
    const { snapshot, change } = await precomputeOpenedCase(input, row.designatedAt.toISOString(), openingDates());
    const started: RectificationInput = { ...input, opened: snapshot };
    let firstCommit: ProjectionCommit | undefined;
    const { row: stored, created } = await insertDesignatedCase(db, { ...facts, pendingStart: started }, async (tx, _row, designated) => {
      const { applied, commit } = await recordCaseChangeIn(tx, change, [designated]);
      if (!applied) throw new Error(`case ${facts.id}: its first change was not written`);
      firstCommit = commit;
    });
    // Counted once committed, as the worker counts the changes its projections write.
    if (created) deps.metrics?.recordProjection('case', null, firstCommit);
    if (created && firstCommit?.deliveries) deps.deliveriesWritten?.();
    // The state as computed (the stored copy only on a retry: it is the first attempt's).
    if (stored.pendingStart) await startOpened(stored.id, created ? started : stored.pendingStart);
    // A retry of a row stored before this release and never projected: started as it was then.
    else if (!created && stored.projectionSeq === 0) {
      await startWorkflowFor(stored, row.supportPackage ? await storedPackageOr(stored.id, row.supportPackage) : undefined);
    }
    return stored;
  }

  /** The stored team of the case (a retry), or the one just named when it stored none (all posts left vacant). */
  async function storedPackageOr(caseId: string, named: SupportPackageState): Promise<SupportPackageState> {
    return (await storedPackage(caseId)) ?? named;
  }

  async function designate(user: AuthUser, input: DesignateInput, idempotencyKey?: string) {
    requireRole(user, 'designate');
    if (levelOfCode(input.villageCode) !== 'village') throw new ValidationError('须为12位村级区划代码 (must be a 12-digit village code)', 'villageCode');
    const village = await getVillage(db, input.villageCode);
    if (!village || !isWithin(input.villageCode, user.jurisdictionCode)) {
      throw new ValidationError('未找到该村，或不在您的管辖范围内 (no such village in your jurisdiction)', 'villageCode');
    }
    await checkSponsor(input.sponsorUserId, input.villageCode, 'sponsorUserId');
    const supportPackage = input.supportPackage ? await support.resolveAssignment(input.villageCode, input.supportPackage) : undefined;
    const { policyId, policy } = await resolvePolicy(input.villageCode, input.policyId);
    const stored = await openCase({
      supportPackage,
      villageCode: input.villageCode,
      organizationId: village.organizationId,
      sponsorUserId: input.sponsorUserId,
      reasons: input.reasons,
      note: input.note ?? null,
      policyId,
      policy,
      parentCaseId: input.parentCaseId ?? null,
      designatedAt: await clock(),
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
      designatedAt: await clock(),
      createdBy: input.actor.userId,
      createdByLabel: input.actor.label,
      designationKey: `relapse-of:${input.parentCaseId}`,
    });
    return { caseId: stored.id };
  }

  async function detail(row: CaseView) {
    const parts = await getCaseParts(db, row.id);
    const sponsorChange = parts.timeline.filter((e) => e.action === 'sponsor_changed').at(-1);
    const team = await support.packageOf(row, sponsorChange ? sponsorChange.at : null);
    return { ...row, ...parts, supportPackage: team.view, supportHistory: team.history };
  }

  async function get(user: AuthUser, caseId: string) {
    const row = await findVisibleCase(db, user, caseId);
    if (!row) throw new NotFoundError('未找到该案例 (case not found)');
    return detail(row);
  }

  async function list(user: AuthUser, filters: CaseFilters) {
    const page = await listCases(db, user, filters);
    const vacant = await support.vacantPostsOf(page.items);
    return { ...page, items: (await withWorkingDays(page.items)).map((item) => ({ ...item, vacantPosts: vacant.get(item.id) ?? [] })) };
  }

  const runCommand = createCommandRunner<CaseRow, CaseSnapshot, Awaited<ReturnType<typeof detail>>, CaseAction>({
    find: (user, id) => findVisibleCase(db, user, id),
    notFound: '未找到该案例 (case not found)',
    authorize(user, row, action, allowed) {
      // A per-command exception: the first secretary filing the report, the paired department's contact its report.
      if (allowed?.(row)) return;
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
    const rows = await findUnstartedCases(db, new Date((await clock()).getTime() - olderThanMs));
    // Stored with its first state: started from it, however late (rungs already due fire on its first tick).
    for (const row of rows) await (row.pendingStart ? startOpened(row.id, row.pendingStart) : startWorkflowFor(row));
    return rows.length;
  }

  return {
    designate,
    designateRelapse,
    startUnstarted,
    get,
    list,
    submitPlan: (user: AuthUser, id: string, args: WithoutActor<PlanArgs>, key?: string) => runCommand(user, id, 'submitPlan', submitPlanUpdate, args, key),
    submitReport: async (user: AuthUser, id: string, args: WithoutActor<ReportArgs>, key?: string) => {
      const row = await findVisibleCase(db, user, id);
      if (row?.policy.supportPackage?.monthlyReportBy === 'first_secretary') {
        // The policy gives the report to the first secretary: their account files (the workflow checks it again).
        const current = (await supportTermsOf(db, id)).find((t) => t.post === 'first_secretary' && t.endedAt === null);
        const account = current?.personId ? ((await peopleForPosts(db, [current.personId]))[0]?.userId ?? null) : null;
        const refusal = firstSecretaryFilingRefusal(actorOf(user), account);
        if (refusal) throw new ForbiddenError(refusal);
        return runCommand(user, id, 'submitReport', submitReportUpdate, args, key, () => true);
      }
      return runCommand(user, id, 'submitReport', submitReportUpdate, args, key);
    },
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
    /** 认定反弹, optionally from a 回头看 visit: its findings become the note when none is given. */
    relapse: async (user: AuthUser, id: string, args: Omit<WithoutActor<RelapseArgs>, 'note'> & { note?: string }, key?: string) => {
      let note = args.note;
      if (args.visitId) {
        const visit = await getCaseSubmission(db, id, 'follow_up_visit', args.visitId);
        if (!visit) {
          if (!(await findVisibleCase(db, user, id))) throw new NotFoundError('未找到该案例 (case not found)');
          throw new ValidationError(`没有该回头看走访记录 (no such visit): ${args.visitId}`, 'visitId');
        }
        note ??= String(visit.content.findings ?? '');
      }
      if (!note) throw new ValidationError('请说明反弹情况，或给出回头看走访记录 (note, or a visitId)', 'note');
      return runCommand(user, id, 'relapse', relapseUpdate, { ...args, note }, key);
    },

    /** 包保责任体系: names (or vacates) one post of the team, with a reason. */
    changeSupportMember: async (user: AuthUser, id: string, input: SupportMemberInput, key?: string) => {
      const row = await findVisibleCase(db, user, id);
      if (!row) throw new NotFoundError('未找到该案例 (case not found)');
      requireRole(user, 'changeSupportMember');
      const holders = await support.resolveChange(row.villageCode, id, input);
      return runCommand(user, id, 'changeSupportMember', changeSupportMemberUpdate, { post: input.post, holders, reason: input.reason }, key);
    },

    /** The paired department's support-measures report: by its contact's account, or the township office / org dept for it. */
    submitSupportReport: async (user: AuthUser, id: string, args: WithoutActor<SupportReportArgs>, key?: string) => {
      const contact = (await supportTermsOf(db, id)).find((t) => t.post === 'paired_department' && t.endedAt === null && t.personId);
      const account = contact?.personId ? ((await peopleForPosts(db, [contact.personId]))[0]?.userId ?? null) : null;
      return runCommand(user, id, 'submitSupportReport', submitSupportReportUpdate, args, key, () => account !== null && account === user.id);
    },

    /** 回头看: the township office records a follow-up visit. */
    recordVisit: (user: AuthUser, id: string, args: WithoutActor<VisitArgs>, key?: string) => runCommand(user, id, 'recordVisit', recordVisitUpdate, args, key),

    /** The 一乡一表-style sheet of who holds which post where, and how many open cases miss each post. */
    supportSheet: (user: AuthUser, division: string | undefined) => support.sheet(user, division),
    /** People within the caller's jurisdiction, to name for a post. */
    pickPeople: (user: AuthUser, q: { division?: string; name?: string; limit: number }) => support.people(user, q),
  };
}

export type CaseService = ReturnType<typeof createCaseService>;
