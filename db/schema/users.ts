import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import type { UserPost } from '../../domain/roles.js';
import { roleEnum } from './enums.js';
import { divisions } from './divisions.js';
import { people } from './people.js';

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    role: roleEnum('role').notNull(),
    jurisdictionCode: varchar('jurisdiction_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    personId: uuid('person_id').references(() => people.id),
    /** sha256 of the bearer token; the token itself is shown once. */
    tokenHash: text('token_hash').notNull().unique(),
    active: boolean('active').notNull().default(true),
    /** A post beside the role (domain/roles.ts USER_POSTS); one active holder per division. */
    post: text('post').$type<UserPost>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('users_jurisdiction_code_idx').on(t.jurisdictionCode),
    index('users_person_id_idx').on(t.personId),
    uniqueIndex('users_post_holder_uq').on(t.jurisdictionCode, t.post).where(sql`${t.post} is not null and ${t.active}`),
  ],
);
