/** Plain-JSON shapes shared by the reserve workflow, its activities and the API. */
import type { Obligation, Rag } from '../escalation.js';
import type { ReserveSource } from '../people.js';
import type { ReservePolicy } from '../policy.js';
import type { AnnualReviewOutcome, PeriodicReviewOutcome, PlacementPost, ReserveState, TrainingRecordKind } from '../reserves.js';
import type { Actor, ClockRequest, EscalationSpec, NotificationSpec, ProcessEvent } from './deadlines.js';

export type { Actor, ClockDecisionArgs, ClockRequest, ClockRequestArgs } from './deadlines.js';

export type ReserveOutcome =
  | { kind: 'placed'; post: PlacementPost; newInPost: boolean; mentorshipId: string | null }
  | { kind: 'exited'; reason: string }
  | { kind: 'transferred'; toVillageCode: string; reason: string; continuedAsId?: string };

export interface ReserveSnapshot {
  candidateId: string;
  personId: string;
  personName: string;
  villageCode: string;
  townshipCode: string;
  countyCode: string;
  source: ReserveSource;
  state: ReserveState;
  rag: Rag;
  /** Number of changes so far; orders projections. */
  seq: number;
  nominatedAt: string;
  qualifiedAt: string | null;
  inspectedAt: string | null;
  publicityEndsAt: string | null;
  pooledAt: string | null;
  trainingStartedAt: string | null;
  closedAt: string | null;
  ageWarning: boolean;
  outcome: ReserveOutcome | null;
  /** 动态调整: the next half-yearly review (H1, H2…) opens at `nextAt`. */
  periodicReview: { index: number; nextAt: string } | null;
  /** 跟岗实训: quarters (Q1…) counted from its start, and the training year under way. */
  training: {
    anchor: string;
    currentPeriod: { key: string; index: number; endsAt: string } | null;
    year: number;
    annualReviewAt: string;
  } | null;
  /** "written_report:Q1", "talk:Q1"…: what has been filed. */
  filed: string[];
  obligations: Obligation[];
  /** Extension (延期) and exemption (容错) requests, pending and decided. */
  clockRequests?: ClockRequest[];
  policy: ReservePolicy;
  policyId: string | null;
}

export interface ReserveInput {
  version: 1;
  candidateId: string;
  personId: string;
  personName: string;
  villageCode: string;
  townshipCode: string;
  countyCode: string;
  source: ReserveSource;
  nominatedAt: string;
  ageWarning: boolean;
  policy: ReservePolicy;
  policyId: string | null;
  /** 调入: continues a candidate transferred from another village; starts in the pool. */
  transferredFrom?: { candidateId: string; villageCode: string; reason: string };
  carried?: ReserveSnapshot;
  /** Update IDs of the last commands earlier runs applied (a retry with one of them is not applied again). */
  recentUpdateIds?: string[];
  historyLimit?: number;
}

export interface ReserveRecordSpec {
  kind: 'qualification' | 'inspection' | 'publicity' | 'written_report' | 'talk' | 'periodic_review' | 'annual_review' | 'placement';
  key: string;
  content: Record<string, unknown>;
  late: boolean;
}

/** One change of a candidate, projected to Postgres in a single idempotent transaction. */
export interface ReserveChange {
  snapshot: ReserveSnapshot;
  event: ProcessEvent;
  escalation?: EscalationSpec;
  record?: ReserveRecordSpec;
  notifications: NotificationSpec[];
}

// Command arguments (Update payloads).
export interface ReviewResultArgs {
  actor: Actor;
  passed: boolean;
  comment: string;
}
export interface PublicizeArgs {
  actor: Actor;
  note?: string;
}
export interface StartTrainingArgs {
  actor: Actor;
  /** 跟岗 post and arrangement. */
  arrangement: string;
}
export interface TrainingRecordArgs {
  actor: Actor;
  kind: TrainingRecordKind;
  /** The training quarter (Q1, Q2…). */
  period: string;
  summary: string;
  /** For a talk: who talked with the candidate. */
  talkedWith?: string;
}
export interface PeriodicReviewArgs {
  actor: Actor;
  outcome: PeriodicReviewOutcome;
  comment: string;
}
export interface AnnualReviewArgs {
  actor: Actor;
  outcome: AnnualReviewOutcome;
  /** 民主测评: share of representatives satisfied, if taken. */
  satisfaction?: number;
  comment: string;
}
export interface PlaceArgs {
  actor: Actor;
  post: PlacementPost;
  /** New in the post (not re-appointed): a new secretary gets a 1+1 mentorship proposed. */
  newInPost: boolean;
  note?: string;
}
export interface ExitArgs {
  actor: Actor;
  reason: string;
}
export interface TransferArgs {
  actor: Actor;
  toVillageCode: string;
  reason: string;
}

/** What the placement activity needs to propose the automatic mentorship. */
/** The candidate a transfer continues at the target village (an activity keyed by the original). */
export interface TransferContinuation {
  fromCandidateId: string;
  toVillageCode: string;
  reason: string;
  actor: Actor;
}

export interface PlacementMentorship {
  candidateId: string;
  personId: string;
  villageCode: string;
  actor: Actor;
}
