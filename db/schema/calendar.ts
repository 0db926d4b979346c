import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, pgTable, primaryKey, serial, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { divisions } from './divisions.js';
import { users } from './users.js';

/**
 * National calendar versions: each import (the npm package, or a year's State Council notice from a
 * file) is a new version; for each year the newest version covering it is in force. Earlier versions
 * stay, so what a deadline was computed from can always be told.
 */
export const calendarVersions = pgTable(
  'calendar_versions',
  {
    id: serial('id').primaryKey(),
    source: text('source').notNull(),
    years: integer('years').array().notNull(),
    note: text('note'),
    importedBy: uuid('imported_by').references(() => users.id),
    importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('calendar_versions_imported_by_idx').on(t.importedBy)],
);

/** The days of a version that differ from the weekend rule: holidays (rest) and make-up workdays (调休). */
export const calendarDays = pgTable(
  'calendar_days',
  {
    versionId: integer('version_id')
      .notNull()
      .references(() => calendarVersions.id),
    date: date('date', { mode: 'string' }).notNull(),
    workday: boolean('workday').notNull(),
    name: text('name'),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.date] }), index('calendar_days_date_idx').on(t.date)],
);

/** A jurisdiction's own days (a typhoon closure, a local holiday), inherited by every code under it. */
export const calendarOverrides = pgTable(
  'calendar_overrides',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    divisionCode: varchar('division_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    date: date('date', { mode: 'string' }).notNull(),
    workday: boolean('workday').notNull(),
    reason: text('reason').notNull(),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: uuid('revoked_by').references(() => users.id),
  },
  (t) => [
    uniqueIndex('calendar_overrides_active_uq')
      .on(t.divisionCode, t.date)
      .where(sql`${t.revokedAt} is null`),
    index('calendar_overrides_created_by_idx').on(t.createdBy),
    index('calendar_overrides_revoked_by_idx').on(t.revokedBy),
  ],
);
