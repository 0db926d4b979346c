import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.js';
import { chainColumns } from './chain.js';

/**
 * Every state change: who, what, before/after, when. Append-only: a trigger refuses UPDATE and
 * DELETE (retention deletes only below a recorded checkpoint), and each row is hash-chained.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Unique per change (e.g. "case:<id>:<seq>"), so a retried projection records it once. */
    dedupeKey: text('dedupe_key').notNull().unique(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    action: text('action').notNull(),
    actorUserId: uuid('actor_user_id').references(() => users.id),
    /** "system" for timers, or the user's name at the time. */
    actorLabel: text('actor_label').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    before: jsonb('before').$type<Record<string, unknown> | null>(),
    after: jsonb('after').$type<Record<string, unknown> | null>(),
    details: jsonb('details').$type<Record<string, unknown> | null>(),
    ...chainColumns(),
  },
  (t) => [index('audit_events_entity_idx').on(t.entityType, t.entityId, t.at), index('audit_events_actor_user_id_idx').on(t.actorUserId)],
);

/** Stored answers to POSTs carrying an Idempotency-Key: the same key replays the same answer. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code').notNull(),
    response: jsonb('response'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);
