import { date, index, integer, pgTable, varchar } from 'drizzle-orm/pg-core';
import { reserveSourceEnum, teamKindEnum } from './people-import.js';

/*
 * Summaries the statistics read instead of joining reserves and team members to their 4.5 million
 * person rows per request (issue 14). Both are kept exact by statement-level triggers on every table
 * they derive from (reserve_nominations, reserve_candidates, leadership_team_members, people),
 * inside the writing transaction, so no writer can forget them; migration 0016 defines the triggers
 * and `stats_rebuild_summaries()`, which recounts everything (backfill, bulk loads).
 *
 * Ages are counted on the date a request asks for, so the counts are kept per birth date: a
 * summary row is a group of people alike in everything a statistic reads. No foreign keys: these
 * rows are derived, and rewritten wholesale by a rebuild.
 */

/**
 * 后备力量 per village, source and (for reserves in the pool) birth date: the reserves on record
 * (candidates not placed, exited or transferred, and nominations no candidate was started from),
 * how many of them are in the pool, and the pool's composition.
 */
export const reserveVillageCounts = pgTable(
  'reserve_village_counts',
  {
    villageCode: varchar('village_code', { length: 12 }).notNull(),
    source: reserveSourceEnum('source').notNull(),
    /** The birth date of reserves in the pool; null for the others (and for unknown dates). */
    birthDate: date('birth_date', { mode: 'string' }),
    onRecord: integer('on_record').notNull(),
    inPool: integer('in_pool').notNull(),
    /** In the pool with college education (大专及以上). */
    college: integer('college').notNull(),
    female: integer('female').notNull(),
    partyMembers: integer('party_members').notNull(),
  },
  (t) => [index('reserve_village_counts_village_idx').on(t.villageCode.op('varchar_pattern_ops'), t.source, t.birthDate)],
);

/** 一乡一表 per team (division and kind) and members' birth date: the make-up of each team. */
export const teamStructureCounts = pgTable(
  'team_structure_counts',
  {
    divisionCode: varchar('division_code', { length: 12 }).notNull(),
    teamKind: teamKindEnum('team_kind').notNull(),
    birthDate: date('birth_date', { mode: 'string' }),
    members: integer('members').notNull(),
    women: integer('women').notNull(),
    college: integer('college').notNull(),
    minority: integer('minority').notNull(),
    partyMembers: integer('party_members').notNull(),
  },
  (t) => [index('team_structure_counts_division_idx').on(t.divisionCode.op('varchar_pattern_ops'), t.teamKind, t.birthDate)],
);
