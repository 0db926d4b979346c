import { date, index, integer, pgEnum, pgTable, text, timestamp, unique, uuid, varchar } from 'drizzle-orm/pg-core';
import { RESERVE_NOMINATION_STATUSES, RESERVE_SOURCES, TEAM_KINDS } from '../../domain/people.js';
import { divisions } from './divisions.js';
import { people } from './people.js';
import { users } from './users.js';

export const teamKindEnum = pgEnum('team_kind', TEAM_KINDS);
export const reserveSourceEnum = pgEnum('reserve_source', RESERVE_SOURCES);
export const reserveNominationStatusEnum = pgEnum('reserve_nomination_status', RESERVE_NOMINATION_STATUSES);

/** One accepted spreadsheet import (rejected files write nothing, not even this). */
export const peopleImports = pgTable(
  'people_imports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: ['people', 'reserve_nominations', 'annual_assessments'] }).notNull(),
    fileName: text('file_name'),
    /** sha256 of the file as received. */
    fileSha256: text('file_sha256').notNull(),
    rows: integer('rows').notNull(),
    /** null when run from the admin CLI. */
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('people_imports_created_by_idx').on(t.createdBy)],
);

/** Membership of a leadership team: 乡镇领导班子 at a township code, 村“两委”班子 at a village code. */
export const leadershipTeamMembers = pgTable(
  'leadership_team_members',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id),
    teamKind: teamKindEnum('team_kind').notNull(),
    divisionCode: varchar('division_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    /** 职务, e.g. 党委书记, 村党支部书记、村委会主任. */
    post: text('post').notNull(),
    importId: uuid('import_id').references(() => peopleImports.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('leadership_team_members_uq').on(t.teamKind, t.divisionCode, t.personId),
    // Structure sheets select a jurisdiction by code prefix (LIKE '522731%'), whatever the collation.
    index('leadership_team_members_division_idx').on(t.divisionCode.op('varchar_pattern_ops'), t.teamKind),
    index('leadership_team_members_person_id_idx').on(t.personId),
    index('leadership_team_members_import_id_idx').on(t.importId),
  ],
);

/**
 * 后备力量 nominations for village party secretary, as offices keep them (imported). The reserve
 * process itself (Process C) is not built yet: `status` is what the spreadsheet said.
 */
export const reserveNominations = pgTable(
  'reserve_nominations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id')
      .notNull()
      .references(() => people.id),
    villageCode: varchar('village_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    source: reserveSourceEnum('source').notNull(),
    status: reserveNominationStatusEnum('status').notNull().default('nominated'),
    nominatedOn: date('nominated_on', { mode: 'string' }).notNull(),
    note: text('note'),
    importId: uuid('import_id').references(() => peopleImports.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('reserve_nominations_uq').on(t.villageCode, t.personId),
    index('reserve_nominations_village_idx').on(t.villageCode.op('varchar_pattern_ops')),
    index('reserve_nominations_person_id_idx').on(t.personId),
    index('reserve_nominations_import_id_idx').on(t.importId),
  ],
);
