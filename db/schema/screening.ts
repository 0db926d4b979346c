import { date, index, integer, jsonb, numeric, pgTable, text, timestamp, unique, uuid, varchar } from 'drizzle-orm/pg-core';
import type { ScreeningPolicy } from '../../domain/policy.js';
import type { AmendmentSpec, DesignationResult, JudgmentDecisionSpec } from '../../domain/contracts/screening.js';
import { ragEnum, screeningProposalEnum, screeningStateEnum } from './enums.js';
import { divisions } from './divisions.js';
import { policies } from './policies.js';
import { users } from './users.js';

/** One village's finding on one criterion: yes/no, the evidence, attachments by reference. */
export interface ScreeningFinding {
  found: boolean;
  evidence?: string | null;
  attachments?: string[];
}

/**
 * An annual screening campaign (排查研判) of a county, as projected from its workflow: one per
 * county and year. 研判 decisions, the approval (date, meeting, 文号), amendments and the cases
 * designated are the workflow's and kept here as it holds them.
 */
export const screeningCampaigns = pgTable(
  'screening_campaigns',
  {
    id: uuid('id').primaryKey(),
    countyCode: varchar('county_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    year: integer('year').notNull(),
    /** The criteria screened: designation reasons incl. the local hard triggers. */
    criteria: text('criteria').array().notNull(),
    approvingBody: text('approving_body').notNull(),
    state: screeningStateEnum('state').notNull(),
    rag: ragEnum('rag').notNull().default('green'),
    policyId: uuid('policy_id').references(() => policies.id),
    policy: jsonb('policy').$type<ScreeningPolicy>().notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    screeningClosedAt: timestamp('screening_closed_at', { withTimezone: true }),
    judgedAt: timestamp('judged_at', { withTimezone: true }),
    decisions: jsonb('decisions').$type<JudgmentDecisionSpec[]>().notNull().default([]),
    /** The proposed list after 研判 (and amendments once approved): village codes. */
    list: text('list').array().notNull().default([]),
    approvalDate: date('approval_date', { mode: 'string' }),
    approvalMeeting: text('approval_meeting'),
    approvalDocumentNumber: text('approval_document_number'),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    amendments: jsonb('amendments').$type<AmendmentSpec[]>().notNull().default([]),
    designations: jsonb('designations').$type<DesignationResult[]>().notNull().default([]),
    designatedAt: timestamp('designated_at', { withTimezone: true }),
    projectionSeq: integer('projection_seq').notNull().default(0),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('screening_campaigns_county_year_uq').on(t.countyCode, t.year),
    index('screening_campaigns_policy_id_idx').on(t.policyId),
    index('screening_campaigns_created_by_idx').on(t.createdBy),
  ],
);

/** A township's sheet: owed by its township office, submitted once. */
export const screeningSheets = pgTable(
  'screening_sheets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => screeningCampaigns.id),
    townshipCode: varchar('township_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    submittedBy: uuid('submitted_by').references(() => users.id),
    late: text('late', { enum: ['on_time', 'late'] }),
  },
  (t) => [
    unique('screening_sheets_campaign_township_uq').on(t.campaignId, t.townshipCode),
    index('screening_sheets_township_code_idx').on(t.townshipCode),
    index('screening_sheets_submitted_by_idx').on(t.submittedBy),
  ],
);

/** One village on a township's sheet: a finding per criterion and a proposal. */
export const screeningEntries = pgTable(
  'screening_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => screeningCampaigns.id),
    sheetId: uuid('sheet_id')
      .notNull()
      .references(() => screeningSheets.id),
    villageCode: varchar('village_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    findings: jsonb('findings').$type<Record<string, ScreeningFinding>>().notNull(),
    proposal: screeningProposalEnum('proposal').notNull(),
    note: text('note'),
    updatedBy: uuid('updated_by').references(() => users.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    unique('screening_entries_campaign_village_uq').on(t.campaignId, t.villageCode),
    index('screening_entries_sheet_id_idx').on(t.sheetId),
    index('screening_entries_village_code_idx').on(t.villageCode),
    index('screening_entries_updated_by_idx').on(t.updatedBy),
  ],
);

/**
 * A hard trigger Rectify found in its own data when the campaign opened (pre-filled); the township
 * answers each: confirmed, or dismissed with a reason.
 */
export const screeningTriggers = pgTable(
  'screening_triggers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => screeningCampaigns.id),
    villageCode: varchar('village_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    trigger: text('trigger').notNull(),
    /** What the data showed (since when vacant, the earlier case, the assessment figures). */
    facts: jsonb('facts').$type<Record<string, unknown>>().notNull(),
    answer: text('answer', { enum: ['confirmed', 'dismissed'] }),
    answerReason: text('answer_reason'),
    answeredBy: uuid('answered_by').references(() => users.id),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
  },
  (t) => [
    unique('screening_triggers_uq').on(t.campaignId, t.villageCode, t.trigger),
    index('screening_triggers_village_code_idx').on(t.villageCode),
    index('screening_triggers_answered_by_idx').on(t.answeredBy),
  ],
);

/** 年度考核: a village's rank in its township's annual assessment and its satisfaction, imported per year. */
export const annualAssessments = pgTable(
  'annual_assessments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    year: integer('year').notNull(),
    villageCode: varchar('village_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    /** 1 = first; `rankOf` villages ranked. */
    rank: integer('rank').notNull(),
    rankOf: integer('rank_of').notNull(),
    /** 群众满意度, percent (0–100). */
    satisfaction: numeric('satisfaction', { precision: 5, scale: 2, mode: 'number' }),
    importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('annual_assessments_year_village_uq').on(t.year, t.villageCode), index('annual_assessments_village_code_idx').on(t.villageCode)],
);
