/** Plain-JSON shapes shared by the rectification workflow, its activities and the API. */
import type { CaseState } from '../cases.js';
import type { Obligation, Rag } from '../escalation.js';
import type { DeadlinePolicy } from '../policy.js';
import type { FollowUpVisit, SupportHolder, SupportPackageState, SupportPost, VisitRisk } from '../support-package.js';
import type { Actor, ClockRequest, EscalationSpec, NotificationSpec, ProcessEvent, Suspension } from './deadlines.js';

export { SYSTEM_ACTOR } from './deadlines.js';
export type { Actor, ClockDecisionArgs, ClockRequest, ClockRequestArgs, EscalationSpec, NotificationSpec, RecomputeArgs, Suspension } from './deadlines.js';

export interface CaseSnapshot {
  caseId: string;
  villageCode: string;
  townshipCode: string;
  countyCode: string;
  sponsorUserId: string | null;
  state: CaseState;
  rag: Rag;
  /** Number of changes so far; orders projections. */
  seq: number;
  designatedAt: string;
  delistedAt: string | null;
  followUpEndsAt: string | null;
  closedAt: string | null;
  cancelReason: string | null;
  acceptanceAttempts: number;
  parentCaseId: string | null;
  relapseCaseId: string | null;
  /** When rectification began (plan filed): period 0 of the monthly reports. */
  reportAnchor: string | null;
  /** The reporting period under way. */
  currentPeriod: { period: string; index: number; endsAt: string } | null;
  submittedPeriods: string[];
  /**
   * The live obligations, and closed ones until the change that closed them is projected; since
   * LIGHT_STATE_PATCH closed ones then leave the state (their rows in Postgres stay as projected).
   */
  obligations: Obligation[];
  /** The first monthly report's period, kept when closed obligations leave the state. */
  firstReportPeriod?: string;
  /** `kind:key` of each closed obligation that left the state (an obligation is opened once per key). */
  closedKeys?: string[];
  /** The policy in force (absent in snapshots from before policies could change: then the input's). */
  policy?: DeadlinePolicy;
  /** Set when the org dept moved the case to another policy version. */
  policyId?: string | null;
  /** 暂停计时: while set, no rung fires and no report falls due; remaining time kept per obligation. */
  suspension?: Suspension | null;
  /** Extension (延期) and exemption (容错) requests, pending and decided. */
  clockRequests?: ClockRequest[];
  /**
   * The team (包保责任体系) besides the sponsor. Absent: not tracked (cases designated before it, or
   * without a team): every post reads vacant and no obligation opens until a member is named.
   */
  supportPackage?: SupportPackageState;
  /** The paired department's support-measures period under way (from designation). */
  supportPeriod?: { key: string; index: number; anchor: string; endsAt: string } | null;
  /** 回头看: the visit period under way (from delisting) and the visits recorded. */
  visitPeriod?: { key: string; index: number; anchor: string; endsAt: string } | null;
  visits?: FollowUpVisit[];
}

export interface RectificationInput {
  /** Input schema version, so later releases can tell old starts apart. */
  version: 1;
  caseId: string;
  villageCode: string;
  townshipCode: string;
  countyCode: string;
  sponsorUserId: string | null;
  policy: DeadlinePolicy;
  designatedAt: string;
  parentCaseId: string | null;
  reasons: string[];
  /** The team named at designation (resolved holders), absent when none was named. */
  supportPackage?: SupportPackageState;
  /**
   * The case as the designating service opened it (seq 1, first deadlines, already projected with the
   * case row); the workflow starts from it (patched 'designation-precomputed'). Absent: the workflow
   * opens the case itself (starts before it, rows stored before it).
   */
  opened?: CaseSnapshot;
  /** State carried across continue-as-new. */
  carried?: CaseSnapshot;
  /** Update IDs of the last commands earlier runs applied (a retry with one of them is not applied again). */
  recentUpdateIds?: string[];
  /** Continue-as-new beyond this many history events (Temporal's own suggestion also counts). */
  historyLimit?: number;
}

export type CaseEvent = ProcessEvent;

export interface SubmissionSpec {
  kind: 'plan' | 'report' | 'acceptance_request' | 'acceptance_review' | 'support_report' | 'follow_up_visit';
  key: string;
  content: Record<string, unknown>;
  late: boolean;
}

/** One change of a case, projected to Postgres in a single idempotent transaction. */
export interface CaseChange {
  snapshot: CaseSnapshot;
  event: CaseEvent;
  escalation?: EscalationSpec;
  submission?: SubmissionSpec;
  /** A post's holders replaced (the support assignments table keeps the history). */
  support?: SupportChangeSpec;
  notifications: NotificationSpec[];
}

export interface SupportChangeSpec {
  post: SupportPost;
  holders: SupportHolder[];
  reason: string;
}

// Command arguments (Update payloads).
export interface PlanArgs {
  actor: Actor;
  plan: { summary: string; issues: string[]; measures: Array<{ measure: string; owner: string; dueDate?: string }> };
}
export interface ReportArgs {
  actor: Actor;
  period: string;
  report: { progress: string; problems?: string; nextSteps?: string };
}
export interface AcceptanceRequestArgs {
  actor: Actor;
  summary: string;
}
export interface AcceptanceReviewArgs {
  actor: Actor;
  score: number;
  representativesTotal: number;
  representativesDissatisfied: number;
  comments?: string;
}
export interface SponsorChangeArgs {
  actor: Actor;
  /** null: the sponsor has left (transfer) and nobody is named yet. */
  sponsorUserId: string | null;
  reason: string;
}
export interface CancelArgs {
  actor: Actor;
  reason: string;
}
export interface RelapseArgs {
  actor: Actor;
  reasons: string[];
  note: string;
  /** The 回头看 visit the relapse was found at (linked in the timeline). */
  visitId?: string;
}
export interface SupportMemberArgs {
  actor: Actor;
  post: SupportPost;
  /** The new holders, resolved by the service (empty: the post falls vacant). */
  holders: Array<Omit<SupportHolder, 'since'>>;
  reason: string;
}
export interface SupportReportArgs {
  actor: Actor;
  /** The period key (Q1, Q2…); absent: the oldest one still owed. */
  period?: string;
  measures: string;
}
export interface VisitArgs {
  actor: Actor;
  visitedOn: string;
  visitors: string[];
  visitorPersonIds: string[];
  findings: string;
  risk: VisitRisk;
}

export interface ClockPauseArgs {
  actor: Actor;
  reason: string;
}
export interface InterruptArgs {
  actor: Actor;
  /** One obligation, or every live one when absent. */
  obligationId?: string;
  reason: string;
}
export interface PolicyChangeArgs {
  actor: Actor;
  policyId: string;
  policy: DeadlinePolicy;
}
