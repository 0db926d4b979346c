import { index, integer, jsonb, pgTable, text, timestamp, unique, uuid, varchar } from 'drizzle-orm/pg-core';
import type { DeadlinePolicy } from '../../domain/policy.js';
import { divisions } from './divisions.js';
import { users } from './users.js';

/** Deadline policies, versioned per jurisdiction; a case snapshots the one it starts with. */
export const policies = pgTable(
  'policies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    jurisdictionCode: varchar('jurisdiction_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    body: jsonb('body').$type<DeadlinePolicy>().notNull(),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** What the version was derived from: another policy's id, 'defaults', or null (stated whole). */
    basedOn: text('based_on'),
    /** Retired: kept for the processes that run on it, offered to no new one. */
    retiredAt: timestamp('retired_at', { withTimezone: true }),
    retiredBy: uuid('retired_by').references(() => users.id),
    retiredReason: text('retired_reason'),
  },
  (t) => [unique('policies_jurisdiction_name_version_uq').on(t.jurisdictionCode, t.name, t.version), index('policies_created_by_idx').on(t.createdBy)],
);
