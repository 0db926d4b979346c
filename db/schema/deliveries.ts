import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, varchar, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { contactKindEnum, deliveryChannelEnum, deliveryStatusEnum, notificationCategoryEnum, officeChannelKindEnum, roleEnum } from './enums.js';
import { divisions } from './divisions.js';
import { users } from './users.js';
import { notifications } from './notifications.js';

/**
 * A person's SMS number or e-mail address. The address is stored sealed (AES-256-GCM,
 * lib/secret-box.ts) with a keyed digest to find duplicates without opening it; the API shows only
 * the hint (138****0000). Only a verified contact point receives deliveries.
 */
export const contactPoints = pgTable(
  'contact_points',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    kind: contactKindEnum('kind').notNull(),
    addressSealed: text('address_sealed').notNull(),
    addressDigest: text('address_digest').notNull(),
    addressHint: text('address_hint').notNull(),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    /** The digest of the code last sent, when it expires, and the wrong tries against it. */
    verificationDigest: text('verification_digest'),
    verificationExpiresAt: timestamp('verification_expires_at', { withTimezone: true }),
    verificationSentAt: timestamp('verification_sent_at', { withTimezone: true }),
    verificationAttempts: integer('verification_attempts').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: uuid('created_by').references(() => users.id),
    removedAt: timestamp('removed_at', { withTimezone: true }),
    removedBy: uuid('removed_by').references(() => users.id),
  },
  (t) => [
    index('contact_points_user_id_idx').on(t.userId),
    index('contact_points_created_by_idx').on(t.createdBy),
    index('contact_points_removed_by_idx').on(t.removedBy),
    uniqueIndex('contact_points_live_uq')
      .on(t.userId, t.kind, t.addressDigest)
      .where(sql`${t.removedAt} is null`),
  ],
);

/** An office's group robot or webhook: a role at a division, like an office's notifications. URL and secret sealed. */
export const officeChannels = pgTable(
  'office_channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    officeRole: roleEnum('office_role').notNull(),
    officeDivisionCode: varchar('office_division_code', { length: 12 })
      .notNull()
      .references(() => divisions.code),
    kind: officeChannelKindEnum('kind').notNull(),
    label: text('label').notNull(),
    urlSealed: text('url_sealed').notNull(),
    urlHint: text('url_hint').notNull(),
    secretSealed: text('secret_sealed'),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: uuid('created_by').references(() => users.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    lastTestAt: timestamp('last_test_at', { withTimezone: true }),
    lastTestResult: text('last_test_result'),
  },
  (t) => [
    index('office_channels_office_idx').on(t.officeRole, t.officeDivisionCode),
    index('office_channels_division_idx').on(t.officeDivisionCode),
    index('office_channels_created_by_idx').on(t.createdBy),
  ],
);

/**
 * A preference differing from the default (domain/delivery.ts defaultEnabled): a user's for their
 * own contact points, or an office's for its channels. No row: the default.
 */
export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').references(() => users.id),
    officeRole: roleEnum('office_role'),
    officeDivisionCode: varchar('office_division_code', { length: 12 }).references(() => divisions.code),
    category: notificationCategoryEnum('category').notNull(),
    channel: deliveryChannelEnum('channel').notNull(),
    enabled: boolean('enabled').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    updatedBy: uuid('updated_by').references(() => users.id),
  },
  (t) => [
    uniqueIndex('notification_preferences_user_uq')
      .on(t.userId, t.category, t.channel)
      .where(sql`${t.userId} is not null`),
    uniqueIndex('notification_preferences_office_uq')
      .on(t.officeRole, t.officeDivisionCode, t.category, t.channel)
      .where(sql`${t.officeRole} is not null`),
    index('notification_preferences_division_idx').on(t.officeDivisionCode),
    index('notification_preferences_updated_by_idx').on(t.updatedBy),
    check('notification_preferences_owner_ck', sql`(${t.userId} is null) <> (${t.officeRole} is null and ${t.officeDivisionCode} is null)`),
  ],
);

/**
 * The outbox: one row per notification × channel × target, written in the transaction that writes
 * the notification. It names its target (a contact point or an office channel), never an address.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    notificationId: uuid('notification_id')
      .notNull()
      .references(() => notifications.id),
    channel: deliveryChannelEnum('channel').notNull(),
    contactPointId: uuid('contact_point_id').references(() => contactPoints.id),
    officeChannelId: uuid('office_channel_id').references(() => officeChannels.id),
    /** The contact point's or the office channel's id (the uniqueness key). */
    targetId: uuid('target_id').notNull(),
    /** The recipient's division: its calendar opens the send window; the org dept's filters read it. */
    divisionCode: varchar('division_code', { length: 12 }).notNull(),
    category: notificationCategoryEnum('category').notNull(),
    status: deliveryStatusEnum('status').notNull().default('pending'),
    /** When the send window opens for it (set when scheduled). */
    notBefore: timestamp('not_before', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    /** When the dispatcher last handed its target to a sender workflow (not again for a while: the sender is on it). */
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    providerMessageId: text('provider_message_id'),
    lastErrorCode: text('last_error_code'),
    /** The delivery whose merged message carried this one (status `digested`). */
    digestOf: uuid('digest_of').references((): AnyPgColumn => deliveries.id),
    /** Times a person resent it (each audited). */
    resends: integer('resends').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('deliveries_notification_channel_target_uq').on(t.notificationId, t.channel, t.targetId),
    index('deliveries_due_idx')
      .on(t.status, t.notBefore)
      .where(sql`${t.status} in ('pending', 'scheduled', 'sending')`),
    index('deliveries_contact_point_id_idx').on(t.contactPointId),
    index('deliveries_office_channel_sent_idx').on(t.officeChannelId, t.sentAt),
    index('deliveries_division_idx').on(t.divisionCode.op('varchar_pattern_ops'), t.createdAt),
    index('deliveries_digest_of_idx').on(t.digestOf),
    check('deliveries_one_target_ck', sql`num_nonnulls(${t.contactPointId}, ${t.officeChannelId}) = 1`),
  ],
);
