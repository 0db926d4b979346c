/** Plain-JSON shapes shared by the mentorship workflow, its activities and the API. */
import type { Obligation, Rag } from '../escalation.js';
import type { MentorshipReviewOutcome, MentorshipState } from '../mentorships.js';
import type { MentorshipPolicy } from '../policy.js';
import type { Role } from '../roles.js';
import type { Actor, ClockRequest, EscalationSpec, NotificationSpec, ProcessEvent } from './deadlines.js';

export type { Actor, ClockDecisionArgs, ClockRequest, ClockRequestArgs } from './deadlines.js';

/** A mentor as the workflow knows them: a person, and their user account if they have one. */
export interface MentorRef {
  personId: string;
  name: string;
  userId: string | null;
  userRole: Role | null;
}

/** One mentor's time with the pair; a mentor who leaves keeps their term in history. */
export interface MentorTerm {
  personId: string;
  name: string;
  userId: string | null;
  from: string;
  to: string | null;
  /** Why the term ended (transfer, removal), once it has. */
  endReason: string | null;
}

export interface MentorshipSnapshot {
  mentorshipId: string;
  villageCode: string;
  townshipCode: string;
  countyCode: string;
  menteePersonId: string;
  menteeName: string;
  mentor: MentorRef | null;
  state: MentorshipState;
  /** While the mentor post is vacant: the state to return to once a new mentor is named. */
  vacantFrom: MentorshipState | null;
  rag: Rag;
  /** Number of changes so far; orders projections. */
  seq: number;
  proposedAt: string;
  startedAt: string | null;
  midReviewAt: string | null;
  finalReviewAt: string | null;
  /** The review whose time comes next, and when. */
  nextReview: 'mid' | 'final' | null;
  closedAt: string | null;
  outcome: string | null;
  extensions: number;
  mentorHistory: MentorTerm[];
  /** Check-in periods count from the start of the mentorship. */
  checkInAnchor: string | null;
  currentPeriod: { period: string; index: number; endsAt: string } | null;
  loggedPeriods: string[];
  obligations: Obligation[];
  /** Extension (延期) and exemption (容错) requests, pending and decided. */
  clockRequests?: ClockRequest[];
  policy: MentorshipPolicy;
  policyId: string | null;
  sourceCandidateId: string | null;
}

export interface MentorshipInput {
  version: 1;
  mentorshipId: string;
  villageCode: string;
  townshipCode: string;
  countyCode: string;
  menteePersonId: string;
  menteeName: string;
  mentor: MentorRef | null;
  policy: MentorshipPolicy;
  policyId: string | null;
  proposedAt: string;
  /** The placed reserve this mentorship was proposed for (automatically), if any. */
  sourceCandidateId: string | null;
  carried?: MentorshipSnapshot;
  /** Update IDs of the last commands earlier runs applied (a retry with one of them is not applied again). */
  recentUpdateIds?: string[];
  historyLimit?: number;
}

export interface CheckInSpec {
  period: string;
  metOn: string;
  handled: string;
  problems: string | null;
  nextSteps: string | null;
  /** The mentor at the time. */
  mentorPersonId: string | null;
  late: boolean;
}

/** One change of a mentorship, projected to Postgres in a single idempotent transaction. */
export interface MentorshipChange {
  snapshot: MentorshipSnapshot;
  event: ProcessEvent;
  escalation?: EscalationSpec;
  checkIn?: CheckInSpec;
  notifications: NotificationSpec[];
}

// Command arguments (Update payloads).
export interface ApproveArgs {
  actor: Actor;
  comment?: string;
}
export interface MentorChangeArgs {
  actor: Actor;
  /** null: the mentor has left (transfer, removal) and nobody is named yet. */
  mentor: MentorRef | null;
  reason: string;
}
export interface CheckInArgs {
  actor: Actor;
  period: string;
  metOn: string;
  handled: string;
  problems?: string;
  nextSteps?: string;
}
export interface MentorshipReviewArgs {
  actor: Actor;
  outcome: MentorshipReviewOutcome;
  comment?: string;
}
export interface TerminateArgs {
  actor: Actor;
  reason: string;
}
