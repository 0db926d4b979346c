import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, type AnyPgColumn, text, timestamp, unique, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import type { ReservePolicy } from '../../domain/policy.js';
import type { ClockRequest } from '../../domain/contracts/deadlines.js';
import { placementPostEnum, ragEnum, reserveStateEnum } from './enums.js';
import { divisions } from './divisions.js';
import { people } from './people.js';
import { reserveNominations, reserveSourceEnum } from './people-import.js';
import { policies } from './policies.js';
import { users } from './users.js';

/**
 * A reserve candidate (后备力量) as projected from its workflow: the tracked pipeline from nomination
 * to placement. `nominationId` links an imported nomination row (people-import) when the office
 * started the pipeline from one.
 */
export const reserveCandidates = pgTable(
  'reserve_candidates',
  {
    id: uuid('id').primaryKey(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id),
    villageCode: varchar('village_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    townshipCode: varchar('township_code', { length: 12 }).notNull(),
    countyCode: varchar('county_code', { length: 12 }).notNull(),
    /** 五个一批. */
    source: reserveSourceEnum('source').notNull(),
    nominationId: uuid('nomination_id').references(() => reserveNominations.id),
    state: reserveStateEnum('state').notNull(),
    rag: ragEnum('rag').notNull().default('green'),
    ageAtNomination: integer('age_at_nomination'),
    /** Over 35 at nomination: a warning, never a refusal. */
    ageWarning: boolean('age_warning').notNull().default(false),
    note: text('note'),
    policyId: uuid('policy_id').references(() => policies.id),
    policy: jsonb('policy').$type<ReservePolicy>().notNull(),
    nominatedAt: timestamp('nominated_at', { withTimezone: true }).notNull(),
    qualifiedAt: timestamp('qualified_at', { withTimezone: true }),
    inspectedAt: timestamp('inspected_at', { withTimezone: true }),
    publicityEndsAt: timestamp('publicity_ends_at', { withTimezone: true }),
    pooledAt: timestamp('pooled_at', { withTimezone: true }),
    trainingStartedAt: timestamp('training_started_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    placedPost: placementPostEnum('placed_post'),
    newInPost: boolean('new_in_post'),
    transferredTo: varchar('transferred_to', { length: 12 }).references(() => divisions.code),
    /** 调入: the candidate this one continues after a transfer from another village (one at most). */
    transferredFromId: uuid('transferred_from_id').references((): AnyPgColumn => reserveCandidates.id),
    exitReason: text('exit_reason'),
    /** Extension (延期) and exemption (容错) requests, pending and decided (from the workflow). */
    clockRequests: jsonb('clock_requests').$type<ClockRequest[]>().notNull().default([]),
    projectionSeq: integer('projection_seq').notNull().default(0),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    /** The nominating request's Idempotency-Key: a retry finds this row. */
    nominationKey: text('nomination_key').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('reserve_candidates_nomination_key_uq').on(t.createdBy, t.nominationKey),
    // A person is a candidate in one pipeline at a time.
    uniqueIndex('reserve_candidates_one_open_per_person_uq')
      .on(t.personId)
      .where(sql`${t.state} not in ('placed', 'exited', 'transferred')`),
    index('reserve_candidates_village_code_idx').on(t.villageCode.op('varchar_pattern_ops'), t.state),
    index('reserve_candidates_nomination_id_idx').on(t.nominationId),
    index('reserve_candidates_policy_id_idx').on(t.policyId),
    index('reserve_candidates_created_by_idx').on(t.createdBy),
    index('reserve_candidates_transferred_to_idx').on(t.transferredTo),
    unique('reserve_candidates_transferred_from_uq').on(t.transferredFromId),
  ],
);

/**
 * What is filed for a candidate: qualification and inspection results, quarterly written reports
 * and talks, half-yearly and annual reviews. (candidate, kind, key) is unique.
 */
export const reserveRecords = pgTable(
  'reserve_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    candidateId: uuid('candidate_id')
      .notNull()
      .references(() => reserveCandidates.id),
    kind: text('kind', {
      enum: ['qualification', 'inspection', 'publicity', 'written_report', 'talk', 'periodic_review', 'annual_review', 'placement'],
    }).notNull(),
    /** The quarter (Q1…), the half-year (H1…), the training year (Y1…), or "1". */
    key: text('key').notNull(),
    content: jsonb('content').$type<Record<string, unknown>>().notNull(),
    late: boolean('late').notNull().default(false),
    submittedBy: uuid('submitted_by').references(() => users.id),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('reserve_records_uq').on(t.candidateId, t.kind, t.key), index('reserve_records_submitted_by_idx').on(t.submittedBy)],
);

/**
 * Coverage alerts: a village with fewer than 2 reserves in its pool. Raised (and the township office
 * notified) when it falls short, cleared when it recovers; one open alert per village.
 */
export const reserveCoverageAlerts = pgTable(
  'reserve_coverage_alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    villageCode: varchar('village_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    townshipCode: varchar('township_code', { length: 12 }).notNull(),
    inPoolAtRaise: integer('in_pool_at_raise').notNull(),
    raisedAt: timestamp('raised_at', { withTimezone: true }).notNull(),
    inPoolAtClear: integer('in_pool_at_clear'),
    clearedAt: timestamp('cleared_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('reserve_coverage_alerts_open_uq')
      .on(t.villageCode)
      .where(sql`${t.clearedAt} is null`),
    index('reserve_coverage_alerts_village_idx').on(t.villageCode.op('varchar_pattern_ops'), t.raisedAt),
  ],
);
