import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/client.js';
import { findCasesToRecompute, recordCaseChange } from '../db/queries/case-projection.js';
import { recordMentorshipChange } from '../db/queries/mentorship-projection.js';
import { findProcessesToRecompute, recordReserveChange } from '../db/queries/reserve-projection.js';
import { DomainError } from '../domain/errors.js';
import { findTownshipSecretary } from '../db/queries/users.js';
import type { Actor, CaseChange } from '../workflows/rectification-types.js';
import type { MentorshipChange } from '../workflows/mentorship-types.js';
import type { PlacementMentorship, ReserveChange, TransferContinuation } from '../workflows/reserve-types.js';
import { createDeadlineActivities, type CalendarSource } from './deadlines.js';

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
      return recordCaseChange(deps.db, change);
    },

    async recordMentorshipChange(change: MentorshipChange): Promise<{ applied: boolean }> {
      return recordMentorshipChange(deps.db, change);
    },

    async recordReserveChange(change: ReserveChange): Promise<{ applied: boolean }> {
      return recordReserveChange(deps.db, change);
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
