/**
 * The first state of a rectification case (plan and rectification deadlines; for a team named at
 * designation, the vacant single posts' reassignments and the paired department's first period)
 * and its first change (`planning_started`, seq 1). One code path for both places that open a case:
 *
 * - the designating service (services/cases.ts), since `DESIGNATION_PRECOMPUTED_PATCH`: it computes
 *   this state with the deadline functions of activities/deadlines.ts over the calendar in Postgres,
 *   writes it with the case in one transaction and starts the workflow with it in its input;
 * - the workflow itself, for starts without it (runs released before, rows stored before it): the
 *   same calls through its date activities, recorded in history as before.
 *
 * Workflow code: pure, no I/O; the engine is handed its date functions by the caller.
 */
import { CASE_STATE_LABELS } from '../domain/cases.js';
import { caseRag, type ObligationKind, type ResponsibleParty } from '../domain/escalation.js';
import { supportPackagePolicyOf } from '../domain/policy.js';
import { SINGLE_HOLDER_POSTS, emptySupportPackage, type SupportHolder, type SupportPost } from '../domain/support-package.js';
import { SYSTEM_ACTOR, type CaseChange, type CaseSnapshot, type NotificationSpec, type RectificationInput } from '../domain/contracts/rectification.js';
import type { Notice } from '../domain/contracts/deadlines.js';
import { createDeadlineEngine, type DateActivities, type DeadlineEngine, type DeadlineHost } from './deadline-engine.js';
import { clone, keyNotifications, notify } from './process-kit.js';

type Recipient = NotificationSpec['recipient'];

/** A case before its first change: designated, nothing owed yet. */
export function newCaseSnapshot(input: RectificationInput): CaseSnapshot {
  return {
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
}

/** The case summary recorded as `before`/`after` of each change. */
export const caseSummary = (s: CaseSnapshot): Record<string, unknown> => ({ state: s.state, rag: s.rag, sponsorUserId: s.sponsorUserId });

/** The holder's account, if any, else the township office (whoever holds the post at the time). */
export function holderRecipients(s: CaseSnapshot, holders: readonly SupportHolder[]): Recipient[] {
  const accounts = holders.filter((h) => h.userId).map((h) => ({ userId: h.userId, role: h.userRole ?? 'township_office', divisionCode: s.townshipCode }));
  return accounts.length > 0 ? accounts : [{ userId: null, role: 'township_office', divisionCode: s.townshipCode }];
}

/** Who must be told about an obligation of this party; a vacant sponsor routes to township + org dept. */
export function caseRecipients(s: CaseSnapshot, party: ResponsibleParty): Recipient[] {
  if (party === 'first_secretary' || party === 'paired_department') return holderRecipients(s, s.supportPackage?.[party] ?? []);
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

/** How a case names its obligations and counts its days (the policy in force, the village's calendar). */
export function caseDeadlineHost(s: CaseSnapshot): Pick<DeadlineHost, 'state' | 'obligationId' | 'clock'> {
  return {
    state: s,
    obligationId: (kind: ObligationKind, key: string) => `${s.caseId}:${kind}:${key}`,
    clock: () => {
      const p = s.policy!;
      return { ladder: p.ladder, timeZone: p.timeZone, officeHour: p.officeHour, divisionCode: s.villageCode };
    },
  };
}

/** The paired department reports while the case is being rectified (its periods stop after). */
export const caseSupportRunning = (s: CaseSnapshot): boolean =>
  s.state === 'designated' || s.state === 'planning' || s.state === 'rectifying' || s.state === 'acceptance_pending';

/** The paired department's support-measures quarter `index` (from `anchor`), owed while the case is rectified. */
export async function openSupportPeriod(s: CaseSnapshot, engine: DeadlineEngine, anchor: string, index: number): Promise<void> {
  const policy = s.policy!;
  const t = supportPackagePolicyOf(policy);
  const p = await engine.schedulePeriod(
    {
      timeZone: policy.timeZone,
      officeHour: policy.officeHour,
      ladder: policy.ladder,
      reportPeriod: t.pairedDepartmentReportEvery,
      reportDue: t.pairedDepartmentReportDue,
    },
    anchor,
    index,
  );
  const key = `Q${index + 1}`;
  // A period that does not move time forward (a zero length) would open periods without end: stop.
  if (Date.parse(p.endsAt) <= Date.parse(s.supportPeriod?.endsAt ?? anchor)) {
    s.supportPeriod = null;
    return;
  }
  s.supportPeriod = { key, index, anchor, endsAt: p.endsAt };
  // A quarter closed and dropped from the state (LIGHT_STATE_PATCH) is remembered by its key.
  if (caseSupportRunning(s) && !engine.find('support_measures_report', key) && !(s.closedKeys ?? []).includes(`support_measures_report:${key}`))
    engine.addPeriodObligation('support_measures_report', key, 'paired_department', p);
}

/**
 * Moves a designated case to planning with its first deadlines counted from `startedAt`, in the order
 * the released workflow scheduled them (its histories replay). `supportPackage` says whether this run
 * tracks the team (the workflow asks `patched(SUPPORT_PACKAGE_PATCH)`; it is asked only when a team
 * was named, as before).
 */
export async function openFirstDeadlines(
  s: CaseSnapshot,
  input: Pick<RectificationInput, 'supportPackage'>,
  startedAt: string,
  engine: DeadlineEngine,
  supportPackage: () => boolean,
): Promise<void> {
  const policy = s.policy!;
  s.state = 'planning';
  await engine.open('plan', '1', 'sponsor', startedAt, policy.planDue);
  await engine.open('rectification', '1', 'sponsor', startedAt, policy.rectificationDue);
  // The team named at designation: vacant single posts are due to be filled.
  if (input.supportPackage && supportPackage()) {
    s.supportPackage = emptySupportPackage();
    for (const post of Object.keys(s.supportPackage) as SupportPost[]) {
      const holders = input.supportPackage[post] ?? [];
      if (holders.length > 0) s.supportPackage[post] = holders.map((h) => ({ ...h, since: startedAt }));
      else if ((SINGLE_HOLDER_POSTS as readonly SupportPost[]).includes(post)) {
        await engine.open('support_reassignment', `${post}:0`, 'org_dept', startedAt, supportPackagePolicyOf(policy).reassignmentDue);
      }
    }
    if (s.supportPackage.paired_department.length > 0) await openSupportPeriod(s, engine, startedAt, 0);
  }
}

/** The first change's notice: the sponsor (or, vacant, the offices) is told to plan. */
export function planningStartedNotices(s: CaseSnapshot): Notice[] {
  return notify(
    caseRecipients(s, 'sponsor'),
    'case.designated',
    '包保整顿任务',
    `村党组织已列为软弱涣散党组织，请在期限内制定整顿方案（${CASE_STATE_LABELS.planning}）。`,
  );
}

/**
 * Outside a workflow (the designating service): the opened case at seq 1 and its first change, for
 * the projection (recordCaseChange) in the designation's transaction and for the workflow's input.
 * `dates` are the deadline functions of activities/deadlines.ts over the calendar in Postgres;
 * `startedAt` is when designation is recorded, on the service's clock.
 */
export async function precomputeOpenedCase(
  input: RectificationInput,
  startedAt: string,
  dates: DateActivities,
): Promise<{ snapshot: CaseSnapshot; change: CaseChange }> {
  const s = newCaseSnapshot(input);
  const engine = createDeadlineEngine({
    ...caseDeadlineHost(s),
    dates,
    recipientsFor: (party) => caseRecipients(s, party),
    summary: () => caseSummary(s),
    commitRung: () => Promise.reject(new Error('no rung fires while a case is opened')),
  });
  const before = caseSummary(s);
  await openFirstDeadlines(s, input, startedAt, engine, () => true);
  // What the workflow's committer does for a change (seq, colour, keyed notices), at `startedAt`.
  s.seq = 1;
  s.rag = caseRag(s.obligations);
  const change: CaseChange = {
    snapshot: clone(s),
    event: { seq: 1, action: 'planning_started', actor: SYSTEM_ACTOR, at: startedAt, before, after: caseSummary(s), details: null },
    notifications: keyNotifications(`case:${s.caseId}:1`, undefined, planningStartedNotices(s)),
  };
  return { snapshot: clone(s), change };
}
