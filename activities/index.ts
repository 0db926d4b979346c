import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/client.js';
import { findCasesToRecompute, recordCaseChange } from '../db/queries/case-projection.js';
import { recordMentorshipChange } from '../db/queries/mentorship-projection.js';
import { findProcessesToRecompute, recordReserveChange } from '../db/queries/reserve-projection.js';
import { recordScreeningChange } from '../db/queries/screening-projection.js';
import { prefillTriggers } from '../db/queries/screening.js';
import type { ScreeningChange } from '../domain/contracts/screening.js';
import { DomainError } from '../domain/errors.js';
import { findTownshipSecretary } from '../db/queries/users.js';
import type { Actor, CaseChange } from '../domain/contracts/rectification.js';
import type { MentorshipChange } from '../domain/contracts/mentorship.js';
import type { PlacementMentorship, ReserveChange, TransferContinuation } from '../domain/contracts/reserve.js';
import { createDeadlineActivities, type CalendarSource } from './deadlines.js';
import type { EscalationRung } from '../domain/escalation.js';
import type { Metrics, ProcessKind, ProjectionCommit } from '../lib/metrics.js';

export interface RelapseDesignation {
  parentCaseId: string;
  villageCode: string;
  sponsorUserId: string | null;
  reasons: string[];
  note: string;
  actor: Actor;
}

export interface ActivityDeps {
  db: Db;
  calendars: CalendarSource;
  /** Opens the new case of a relapse (the same path as a designation through the API). */
  designateRelapse(input: RelapseDesignation): Promise<{ caseId: string }>;
  /**
   * Proposes the 1+1 mentorship of a reserve placed as a new village secretary (the same path as a
   * proposal through the API, keyed by the candidate). A worker without it cannot place secretaries.
   */
  proposeMentorship?(input: PlacementMentorship): Promise<{ mentorshipId: string }>;
  /**
   * Continues a transferred reserve candidate in the target village's pool (调入), once per
   * original candidate. A worker without it cannot transfer candidates.
   */
  continueTransferredReserve?(input: TransferContinuation): Promise<{ candidateId: string }>;
  /** The process's figures (escalations fired and committed, their lateness, notifications); none: not counted. */
  metrics?: Metrics;
  /** Called after a projection committed outbox rows (SMS, e-mail, robots): wakes the delivery dispatcher. */
  deliveriesWritten?: () => void;
}

/** The running activity's logger (its lines carry workflowId and workflowRunId); null when called outside an activity. */
function activityLogger() {
  try {
    return Context.current().log;
  } catch {
    return null;
  }
}

/** Business failures must not be retried; everything else (a database outage) is. */
async function businessFailuresFinal<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DomainError) throw ApplicationFailure.nonRetryable(err.message, err.code, err.details);
    throw err;
  }
}

export function createActivities(deps: ActivityDeps) {
  /**
   * Counts a projection once its transaction has committed, and logs a committed escalation (the
   * activity logger adds the workflow and run id). The workflow gets `{ applied }` only, as before:
   * the activity's result, in history, is unchanged.
   */
  const projected = async (
    process: ProcessKind,
    fired: EscalationRung | null,
    write: () => Promise<{ applied: boolean; commit?: ProjectionCommit }>,
  ): Promise<{ applied: boolean }> => {
    let result: { applied: boolean; commit?: ProjectionCommit } | undefined;
    try {
      result = await write();
      if (result.commit?.deliveries) deps.deliveriesWritten?.();
      return { applied: result.applied };
    } finally {
      // A failed attempt still fired: fired − committed shows retries and duplicates.
      deps.metrics?.recordProjection(process, fired, result?.commit);
      const escalation = result?.commit?.escalation;
      if (escalation) activityLogger()?.debug('escalation committed', { process, rung: escalation.rung, latenessMs: escalation.latenessMs });
    }
  };

  return {
    ...createDeadlineActivities(deps.calendars),

    /** A page of cases with open obligations under a division, for recomputing their deadlines. */
    async findCasesToRecompute(input: { divisionPrefix: string; onlyProvisional: boolean; afterCaseId: string | null; limit: number }): Promise<string[]> {
      return findCasesToRecompute(deps.db, input);
    },

    /** The same for mentorships and reserve candidates, paged by (kind, id). */
    async findProcessesToRecompute(input: {
      divisionPrefix: string;
      onlyProvisional: boolean;
      after: { kind: 'mentorship' | 'reserve'; id: string } | null;
      limit: number;
    }): Promise<Array<{ kind: 'mentorship' | 'reserve'; id: string }>> {
      return findProcessesToRecompute(deps.db, input);
    },

    /** The township's party secretary (a user holding the post), or null when the post is not set. */
    async findTownshipSecretary(input: { townshipCode: string }): Promise<{ userId: string } | null> {
      return findTownshipSecretary(deps.db, input.townshipCode);
    },

    async recordCaseChange(change: CaseChange): Promise<{ applied: boolean }> {
      return projected('case', change.escalation?.rung ?? null, () => recordCaseChange(deps.db, change));
    },

    async recordMentorshipChange(change: MentorshipChange): Promise<{ applied: boolean }> {
      return projected('mentorship', change.escalation?.rung ?? null, () => recordMentorshipChange(deps.db, change));
    },

    async recordReserveChange(change: ReserveChange): Promise<{ applied: boolean }> {
      return projected('reserve', change.escalation?.rung ?? null, () => recordReserveChange(deps.db, change));
    },

    async recordScreeningChange(change: ScreeningChange): Promise<{ applied: boolean }> {
      return projected('screening', change.escalation?.rung ?? null, () => recordScreeningChange(deps.db, change));
    },

    /** Pre-fills the hard triggers Rectify finds in its own data when a campaign opens (idempotent). */
    async prefillScreeningTriggers(input: { campaignId: string; countyCode: string; year: number; at: string }): Promise<{ found: number }> {
      return { found: await prefillTriggers(deps.db, { ...input, at: new Date(input.at) }) };
    },

    async designateRelapseCase(input: RelapseDesignation): Promise<{ caseId: string }> {
      return businessFailuresFinal(() => deps.designateRelapse(input));
    },

    async proposeMentorshipForPlacement(input: PlacementMentorship): Promise<{ mentorshipId: string }> {
      const propose = deps.proposeMentorship;
      if (!propose) throw ApplicationFailure.nonRetryable('this worker was built without proposeMentorship', 'Misconfigured');
      return businessFailuresFinal(() => propose(input));
    },

    async continueReserveAtVillage(input: TransferContinuation): Promise<{ candidateId: string }> {
      const proceed = deps.continueTransferredReserve;
      if (!proceed) throw ApplicationFailure.nonRetryable('this worker was built without continueTransferredReserve', 'Misconfigured');
      return businessFailuresFinal(() => proceed(input));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
