import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  varchar,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import type { DeadlinePolicy } from '../../domain/policy.js';
import type { PreviousDue, ScheduledRung } from '../../domain/escalation.js';
import type { ClockRequest } from '../../domain/contracts/deadlines.js';
import type { RectificationInput } from '../../domain/contracts/rectification.js';
import { caseStateEnum, obligationKindEnum, obligationStatusEnum, ragEnum, responsiblePartyEnum, roleEnum, rungEnum } from './enums.js';
import { divisions } from './divisions.js';
import { villagePartyOrganizations } from './people.js';
import { users } from './users.js';
import { policies } from './policies.js';
import { mentorships } from './mentorships.js';
import { reserveCandidates } from './reserves.js';
import { screeningCampaigns } from './screening.js';

/** Obligations and escalations belong to exactly one process: a case, a mentorship, a reserve candidate or a screening campaign. */
const exactlyOneOwner = (t: { caseId: unknown; mentorshipId: unknown; reserveCandidateId: unknown; screeningCampaignId: unknown }) =>
  sql`num_nonnulls(${t.caseId}, ${t.mentorshipId}, ${t.reserveCandidateId}, ${t.screeningCampaignId}) = 1`;

/**
 * A rectification case as projected from its workflow (the workflow is the source of truth;
 * `projectionSeq` orders projections so a late retry never overwrites newer state).
 */
export const rectificationCases = pgTable(
  'rectification_cases',
  {
    id: uuid('id').primaryKey(),
    villageCode: varchar('village_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    townshipCode: varchar('township_code', { length: 12 }).notNull(),
    countyCode: varchar('county_code', { length: 12 }).notNull(),
    organizationId: uuid('organization_id').references(() => villagePartyOrganizations.id),
    sponsorUserId: uuid('sponsor_user_id').references(() => users.id),
    state: caseStateEnum('state').notNull(),
    rag: ragEnum('rag').notNull().default('green'),
    reasons: text('reasons').array().notNull(),
    note: text('note'),
    policyId: uuid('policy_id').references(() => policies.id),
    policy: jsonb('policy').$type<DeadlinePolicy>().notNull(),
    parentCaseId: uuid('parent_case_id').references((): AnyPgColumn => rectificationCases.id),
    designatedAt: timestamp('designated_at', { withTimezone: true }).notNull(),
    delistedAt: timestamp('delisted_at', { withTimezone: true }),
    followUpEndsAt: timestamp('follow_up_ends_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    cancelReason: text('cancel_reason'),
    /** The case's clock is paused (暂停计时) since then, for the reason given. */
    suspendedSince: timestamp('suspended_since', { withTimezone: true }),
    suspensionReason: text('suspension_reason'),
    /** 延期/容错 requests, pending and decided, as the workflow holds them. */
    clockRequests: jsonb('clock_requests').$type<ClockRequest[]>().notNull().default([]),
    acceptanceAttempts: integer('acceptance_attempts').notNull().default(0),
    projectionSeq: integer('projection_seq').notNull().default(0),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    /** The designating request's Idempotency-Key (or the parent case for a relapse): a retry finds this row. */
    designationKey: text('designation_key').notNull(),
    /**
     * The workflow input of a case written with its first state (its deadlines computed and projected
     * at designation) until its workflow is known to be started; the reconciler starts what is left.
     */
    // json, not jsonb: the text is kept as written, key order included (the deadline engine compares rungs as JSON text).
    pendingStart: json('pending_start').$type<RectificationInput>(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('cases_designation_key_uq').on(t.createdBy, t.designationKey),
    // One open case per village at a time.
    uniqueIndex('cases_one_open_per_village_uq')
      .on(t.villageCode)
      .where(sql`${t.state} not in ('closed', 'relapsed', 'cancelled')`),
    index('cases_village_code_idx').on(t.villageCode),
    index('cases_township_code_idx').on(t.townshipCode),
    index('cases_organization_id_idx').on(t.organizationId),
    index('cases_sponsor_user_id_idx').on(t.sponsorUserId),
    index('cases_policy_id_idx').on(t.policyId),
    index('cases_parent_case_id_idx').on(t.parentCaseId),
    index('cases_created_by_idx').on(t.createdBy),
    index('cases_state_rag_idx').on(t.state, t.rag),
    index('cases_pending_start_idx')
      .on(t.updatedAt)
      .where(sql`${t.pendingStart} is not null`),
  ],
);

/**
 * Each deadline of a process (a case, a mentorship, a reserve candidate: exactly one is set): kind,
 * due instant, the ladder of rungs, when it was met. Case statistics read `case_id` (null for the
 * other processes, so joins on it keep counting cases only).
 */
export const obligations = pgTable(
  'obligations',
  {
    id: text('id').primaryKey(),
    caseId: uuid('case_id').references(() => rectificationCases.id),
    mentorshipId: uuid('mentorship_id').references(() => mentorships.id),
    reserveCandidateId: uuid('reserve_candidate_id').references(() => reserveCandidates.id),
    screeningCampaignId: uuid('screening_campaign_id').references(() => screeningCampaigns.id),
    kind: obligationKindEnum('kind').notNull(),
    key: text('key').notNull(),
    responsible: responsiblePartyEnum('responsible').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    /** The civil due date of a day-level deadline (null for exact ones). */
    dueDate: date('due_date', { mode: 'string' }),
    /** Computed over a year whose holiday notice is not loaded yet: will be recomputed when it is. */
    provisional: boolean('provisional').notNull().default(false),
    status: obligationStatusEnum('status').notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** 容错: an approved exemption; the obligation counts apart from overdue in every statistic. */
    exemptedAt: timestamp('exempted_at', { withTimezone: true }),
    rungs: jsonb('rungs').$type<ScheduledRung[]>().notNull(),
    /**
     * The deadlines it had before (延期, 暂停/恢复, 重新计时 re-time it): the console strikes them
     * through beside the new ones. Kept by the projection, oldest first.
     */
    previousDues: jsonb('previous_dues').$type<PreviousDue[]>().notNull().default([]),
  },
  (t) => [
    index('obligations_case_id_idx').on(t.caseId),
    index('obligations_mentorship_id_idx').on(t.mentorshipId),
    index('obligations_reserve_candidate_id_idx').on(t.reserveCandidateId),
    index('obligations_screening_campaign_id_idx').on(t.screeningCampaignId),
    index('obligations_status_due_idx').on(t.status, t.dueAt),
    check('obligations_one_owner_ck', exactlyOneOwner(t)),
  ],
);

/** A fired rung. (obligation, rung) is unique: a retried activity never raises it twice. */
export const escalations = pgTable(
  'escalations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    obligationId: text('obligation_id')
      .notNull()
      .references(() => obligations.id),
    caseId: uuid('case_id').references(() => rectificationCases.id),
    mentorshipId: uuid('mentorship_id').references(() => mentorships.id),
    reserveCandidateId: uuid('reserve_candidate_id').references(() => reserveCandidates.id),
    screeningCampaignId: uuid('screening_campaign_id').references(() => screeningCampaigns.id),
    rung: rungEnum('rung').notNull(),
    targetRole: roleEnum('target_role').notNull(),
    targetDivisionCode: varchar('target_division_code', { length: 12 }).notNull(),
    targetUserId: uuid('target_user_id').references(() => users.id),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }).notNull(),
    raisedAt: timestamp('raised_at', { withTimezone: true }).notNull(),
    /**
     * When the row reached Postgres: lateness = committedAt − scheduledAt. clock_timestamp(), not
     * now(): now() is the start of the transaction, which a slow projection would flatter.
     */
    committedAt: timestamp('committed_at', { withTimezone: true })
      .notNull()
      .default(sql`clock_timestamp()`),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    unique('escalations_obligation_rung_uq').on(t.obligationId, t.rung),
    index('escalations_case_id_idx').on(t.caseId),
    index('escalations_mentorship_id_idx').on(t.mentorshipId),
    index('escalations_reserve_candidate_id_idx').on(t.reserveCandidateId),
    index('escalations_screening_campaign_id_idx').on(t.screeningCampaignId),
    index('escalations_target_user_id_idx').on(t.targetUserId),
    check('escalations_one_owner_ck', exactlyOneOwner(t)),
    index('escalations_open_idx')
      .on(t.targetDivisionCode)
      .where(sql`${t.resolvedAt} is null`),
  ],
);

/** 整顿方案 versions and 月度报告: the content users file. */
export const caseSubmissions = pgTable(
  'case_submissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => rectificationCases.id),
    kind: text('kind', { enum: ['plan', 'report', 'acceptance_request', 'acceptance_review', 'support_report', 'follow_up_visit'] }).notNull(),
    /** The report period (YYYY-MM), the plan version, the review attempt. */
    key: text('key').notNull(),
    content: jsonb('content').$type<Record<string, unknown>>().notNull(),
    late: boolean('late').notNull().default(false),
    submittedBy: uuid('submitted_by').references(() => users.id),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('case_submissions_uq').on(t.caseId, t.kind, t.key), index('case_submissions_submitted_by_idx').on(t.submittedBy)],
);
