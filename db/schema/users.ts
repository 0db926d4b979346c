import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import type { UserPost } from '../../domain/roles.js';
import { loginOutcomeEnum, roleEnum } from './enums.js';
import { divisions } from './divisions.js';
import { people } from './people.js';
import { chainColumns } from './chain.js';

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Lower case (domain/accounts.ts USERNAME_PATTERN); what people sign in with. */
    username: text('username').notNull().unique(),
    name: text('name').notNull(),
    role: roleEnum('role').notNull(),
    jurisdictionCode: varchar('jurisdiction_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    personId: uuid('person_id').references(() => people.id),
    /** sha256 of the bearer token; the token itself is shown once. Null: no token (revoked, or never issued). */
    tokenHash: text('token_hash').unique(),
    /** `scrypt$<params>$<salt>$<hash>` (lib/password-hash.ts); null: the account cannot sign in with a password. */
    passwordHash: text('password_hash'),
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }),
    /** Set at creation and by a reset: the next session may only change the password. */
    mustChangePassword: boolean('must_change_password').notNull().default(true),
    /** The hashes of the previous passwords, newest first (the policy's history size). */
    passwordHistory: jsonb('password_history').$type<string[]>().notNull().default([]),
    active: boolean('active').notNull().default(true),
    /** A post beside the role (domain/roles.ts USER_POSTS); one active holder per division. */
    post: text('post').$type<UserPost>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('users_jurisdiction_code_idx').on(t.jurisdictionCode),
    index('users_person_id_idx').on(t.personId),
    uniqueIndex('users_post_holder_uq')
      .on(t.jurisdictionCode, t.post)
      .where(sql`${t.post} is not null and ${t.active}`),
  ],
);

/**
 * Failed sign-ins in a row and the lock they lead to, keyed by the username as typed (normalised):
 * a name nobody holds locks exactly as an account does, so a 423 never tells that a username exists.
 */
export const loginThrottle = pgTable('login_throttle', {
  username: text('username').primaryKey(),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  lastFailedAt: timestamp('last_failed_at', { withTimezone: true }),
});

/** A browser session: only the sha256 of its cookie is kept. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull().unique(),
    /** Sent back in X-CSRF-Token by every change made with this session's cookie. */
    csrfToken: text('csrf_token').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    /** The absolute end; the idle end is last_seen_at + the idle timeout. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** logout, idle_timeout, expired, session_revoked, password_changed, password_reset. */
    endReason: loginOutcomeEnum('end_reason'),
    endedBy: uuid('ended_by').references(() => users.id),
  },
  (t) => [
    index('sessions_user_id_idx').on(t.userId),
    index('sessions_ended_by_idx').on(t.endedBy),
    index('sessions_open_idx')
      .on(t.expiresAt)
      .where(sql`${t.endedAt} is null`),
  ],
);

/** The login log (append-only and hash-chained like audit_events; kept at least 180 days): every sign-in, failure, lock and session end. */
export const loginEvents = pgTable(
  'login_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** As typed, normalised and cut to 64 characters. */
    username: text('username').notNull(),
    userId: uuid('user_id').references(() => users.id),
    sessionId: uuid('session_id').references(() => sessions.id),
    ip: text('ip'),
    userAgent: text('user_agent'),
    outcome: loginOutcomeEnum('outcome').notNull(),
    reason: text('reason'),
    /** Who did it when it was not the user (a reset, a revoked session). */
    actorUserId: uuid('actor_user_id').references(() => users.id),
    ...chainColumns(),
  },
  (t) => [
    index('login_events_at_idx').on(t.at),
    index('login_events_user_id_idx').on(t.userId, t.at),
    index('login_events_session_id_idx').on(t.sessionId),
    index('login_events_actor_user_id_idx').on(t.actorUserId),
  ],
);
