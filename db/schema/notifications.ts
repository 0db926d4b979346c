import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { roleEnum } from './enums.js';
import { users } from './users.js';
import { rectificationCases, escalations } from './cases.js';
import { mentorships } from './mentorships.js';
import { reserveCandidates } from './reserves.js';
import { screeningCampaigns } from './screening.js';

/**
 * The inbox. A notification goes to one user (a sponsor) or to an office: a role at a division
 * (every township office user of that township sees it; one acknowledgement serves the office).
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Unique per event and recipient, so a retried activity never notifies twice. */
    dedupeKey: text('dedupe_key').notNull().unique(),
    recipientUserId: uuid('recipient_user_id').references(() => users.id),
    recipientRole: roleEnum('recipient_role').notNull(),
    recipientDivisionCode: varchar('recipient_division_code', { length: 12 }).notNull(),
    /** What it is about: a case, a mentorship or a reserve candidate (at most one; none for a coverage alert). */
    caseId: uuid('case_id').references(() => rectificationCases.id),
    mentorshipId: uuid('mentorship_id').references(() => mentorships.id),
    reserveCandidateId: uuid('reserve_candidate_id').references(() => reserveCandidates.id),
    screeningCampaignId: uuid('screening_campaign_id').references(() => screeningCampaigns.id),
    escalationId: uuid('escalation_id').references(() => escalations.id),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    ackedAt: timestamp('acked_at', { withTimezone: true }),
    ackedBy: uuid('acked_by').references(() => users.id),
  },
  (t) => [
    index('notifications_recipient_user_idx').on(t.recipientUserId, t.createdAt),
    index('notifications_office_idx').on(t.recipientRole, t.recipientDivisionCode, t.createdAt),
    index('notifications_case_id_idx').on(t.caseId),
    index('notifications_mentorship_id_idx').on(t.mentorshipId),
    index('notifications_reserve_candidate_id_idx').on(t.reserveCandidateId),
    index('notifications_screening_campaign_id_idx').on(t.screeningCampaignId),
    check('notifications_at_most_one_subject_ck', sql`num_nonnulls(${t.caseId}, ${t.mentorshipId}, ${t.reserveCandidateId}, ${t.screeningCampaignId}) <= 1`),
    index('notifications_escalation_id_idx').on(t.escalationId),
    index('notifications_acked_by_idx').on(t.ackedBy),
  ],
);
