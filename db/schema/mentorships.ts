import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, jsonb, pgTable, text, timestamp, unique, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import type { MentorshipPolicy } from '../../domain/policy.js';
import type { MentorTerm } from '../../domain/contracts/mentorship.js';
import type { ClockRequest } from '../../domain/contracts/deadlines.js';
import { mentorshipStateEnum, ragEnum } from './enums.js';
import { divisions } from './divisions.js';
import { people } from './people.js';
import { policies } from './policies.js';
import { reserveCandidates } from './reserves.js';
import { users } from './users.js';

/**
 * A 1+1 mentorship (帮带) as projected from its workflow (the source of truth); `projectionSeq`
 * orders projections. The village is the mentee's (a new village cadre); the mentor is a township
 * leadership member. Mentor changes are kept in `mentorHistory` (both mentors stay on record).
 */
export const mentorships = pgTable(
  'mentorships',
  {
    id: uuid('id').primaryKey(),
    menteePersonId: uuid('mentee_person_id')
      .notNull()
      .references(() => people.id),
    mentorPersonId: uuid('mentor_person_id').references(() => people.id),
    /** The mentor's user account, if any: their reminders, and they may log check-ins. */
    mentorUserId: uuid('mentor_user_id').references(() => users.id),
    villageCode: varchar('village_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    townshipCode: varchar('township_code', { length: 12 }).notNull(),
    countyCode: varchar('county_code', { length: 12 }).notNull(),
    state: mentorshipStateEnum('state').notNull(),
    rag: ragEnum('rag').notNull().default('green'),
    /** While the mentor post is vacant: the state the mentorship returns to. */
    vacantFrom: mentorshipStateEnum('vacant_from'),
    note: text('note'),
    policyId: uuid('policy_id').references(() => policies.id),
    policy: jsonb('policy').$type<MentorshipPolicy>().notNull(),
    /** Set when a reserve placed as a new village secretary got this mentorship automatically. */
    sourceReserveCandidateId: uuid('source_reserve_candidate_id').references(() => reserveCandidates.id),
    proposedAt: timestamp('proposed_at', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    midReviewAt: timestamp('mid_review_at', { withTimezone: true }),
    finalReviewAt: timestamp('final_review_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** Why it ended: completed, terminated (with the reason). */
    outcome: text('outcome'),
    extensions: integer('extensions').notNull().default(0),
    mentorHistory: jsonb('mentor_history').$type<MentorTerm[]>().notNull().default([]),
    /** Extension (延期) and exemption (容错) requests, pending and decided (from the workflow). */
    clockRequests: jsonb('clock_requests').$type<ClockRequest[]>().notNull().default([]),
    projectionSeq: integer('projection_seq').notNull().default(0),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    /** The proposing request's Idempotency-Key (or the placed candidate): a retry finds this row. */
    proposalKey: text('proposal_key').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('mentorships_proposal_key_uq').on(t.createdBy, t.proposalKey),
    uniqueIndex('mentorships_source_candidate_uq').on(t.sourceReserveCandidateId),
    // A new cadre has one open mentorship at a time.
    uniqueIndex('mentorships_one_open_per_mentee_uq')
      .on(t.menteePersonId)
      .where(sql`${t.state} not in ('completed', 'terminated')`),
    index('mentorships_village_code_idx').on(t.villageCode.op('varchar_pattern_ops')),
    index('mentorships_mentor_person_id_idx').on(t.mentorPersonId),
    index('mentorships_mentor_user_id_idx').on(t.mentorUserId),
    index('mentorships_policy_id_idx').on(t.policyId),
    index('mentorships_created_by_idx').on(t.createdBy),
    index('mentorships_state_rag_idx').on(t.state, t.rag),
  ],
);

/** The monthly joint check-in log (帮带记录) of a pair; it stays with the mentorship when the mentor changes. */
export const mentorshipCheckIns = pgTable(
  'mentorship_check_ins',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mentorshipId: uuid('mentorship_id')
      .notNull()
      .references(() => mentorships.id),
    /** The period (YYYY-MM) it accounts for. */
    period: text('period').notNull(),
    metOn: date('met_on', { mode: 'string' }).notNull(),
    /** 共同处理的事项. */
    handled: text('handled').notNull(),
    problems: text('problems'),
    nextSteps: text('next_steps'),
    /** The mentor at the time (logs carry over to a new mentor; this says whose they were). */
    mentorPersonId: uuid('mentor_person_id').references(() => people.id),
    late: boolean('late').notNull().default(false),
    loggedBy: uuid('logged_by').references(() => users.id),
    loggedAt: timestamp('logged_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    unique('mentorship_check_ins_uq').on(t.mentorshipId, t.period),
    index('mentorship_check_ins_mentor_person_id_idx').on(t.mentorPersonId),
    index('mentorship_check_ins_logged_by_idx').on(t.loggedBy),
  ],
);
