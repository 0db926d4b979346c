/**
 * What people set up for delivery (issue 12): their contact points, their offices' robot channels,
 * and preferences that differ from the defaults. Explicit columns: a sealed address, URL or secret
 * leaves this module only through the functions that say so (`sealedAddressOf`, `sealedChannelOf`),
 * for the code that sends.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNotNull, isNull, like, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { contactPoints, notificationPreferences, officeChannels } from '../schema/index.js';
import type { ContactKind, DeliveryChannel, NotificationCategory, OfficeChannelKind } from '../../domain/delivery.js';
import type { Role } from '../../domain/roles.js';
import { appendAuditEvents } from './audit-chain.js';
import type { Tx } from './deadline-projection.js';
import type { AuditActor } from './users.js';

type DbOrTx = Db | Tx;

// --- Contact points -------------------------------------------------------------------------------

export interface ContactPoint {
  id: string;
  userId: string;
  kind: ContactKind;
  hint: string;
  verifiedAt: Date | null;
  createdAt: Date;
}

/** The verification state, for the service that checks a code (never leaves the service). */
export interface ContactPointVerification extends ContactPoint {
  removedAt: Date | null;
  verificationDigest: string | null;
  verificationExpiresAt: Date | null;
  verificationSentAt: Date | null;
  verificationAttempts: number;
}

const contactPointColumns = {
  id: contactPoints.id,
  userId: contactPoints.userId,
  kind: contactPoints.kind,
  hint: contactPoints.addressHint,
  verifiedAt: contactPoints.verifiedAt,
  createdAt: contactPoints.createdAt,
};

export async function listContactPoints(db: DbOrTx, userId: string): Promise<ContactPoint[]> {
  return db
    .select(contactPointColumns)
    .from(contactPoints)
    .where(and(eq(contactPoints.userId, userId), isNull(contactPoints.removedAt)))
    .orderBy(asc(contactPoints.createdAt), asc(contactPoints.id));
}

/** A live contact point of this user (null when it is another's, removed, or missing). */
export async function getContactPoint(db: DbOrTx, userId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<ContactPointVerification | null> {
  const query = db
    .select({
      ...contactPointColumns,
      removedAt: contactPoints.removedAt,
      verificationDigest: contactPoints.verificationDigest,
      verificationExpiresAt: contactPoints.verificationExpiresAt,
      verificationSentAt: contactPoints.verificationSentAt,
      verificationAttempts: contactPoints.verificationAttempts,
    })
    .from(contactPoints)
    .where(and(eq(contactPoints.id, id), eq(contactPoints.userId, userId), isNull(contactPoints.removedAt)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

export async function countLiveContactPoints(db: DbOrTx, userId: string, kind: ContactKind): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(contactPoints)
    .where(and(eq(contactPoints.userId, userId), eq(contactPoints.kind, kind), isNull(contactPoints.removedAt)));
  return row?.n ?? 0;
}

/** Whether this user has a live contact point of this kind with this address digest. */
export async function hasLiveContactPoint(db: DbOrTx, userId: string, kind: ContactKind, digest: string): Promise<boolean> {
  const rows = await db
    .select({ id: contactPoints.id })
    .from(contactPoints)
    .where(and(eq(contactPoints.userId, userId), eq(contactPoints.kind, kind), eq(contactPoints.addressDigest, digest), isNull(contactPoints.removedAt)))
    .limit(1);
  return rows.length > 0;
}

/**
 * When a code last went to any of this user's contact points of this kind, removed ones included
 * (removing and adding a number again must not send a code more often than a resend may).
 */
export async function lastCodeSentAt(db: DbOrTx, userId: string, kind: ContactKind): Promise<Date | null> {
  const [row] = await db
    .select({ at: contactPoints.verificationSentAt })
    .from(contactPoints)
    .where(and(eq(contactPoints.userId, userId), eq(contactPoints.kind, kind), isNotNull(contactPoints.verificationSentAt)))
    .orderBy(desc(contactPoints.verificationSentAt))
    .limit(1);
  return row?.at ?? null;
}

export interface NewContactPoint {
  /** Chosen by the caller: a code's digest is bound to it. */
  id: string;
  userId: string;
  kind: ContactKind;
  addressSealed: string;
  addressDigest: string;
  addressHint: string;
  createdBy: string;
  /** Set when the org dept has checked the number in person (no code is sent). */
  verifiedAt: Date | null;
  verification: { digest: string; expiresAt: Date; sentAt: Date } | null;
}

/** Inserts it; a live duplicate (same user, kind and address) violates `contact_points_live_uq`. */
export async function insertContactPoint(db: DbOrTx, input: NewContactPoint): Promise<ContactPoint> {
  const [row] = await db
    .insert(contactPoints)
    .values({
      id: input.id,
      userId: input.userId,
      kind: input.kind,
      addressSealed: input.addressSealed,
      addressDigest: input.addressDigest,
      addressHint: input.addressHint,
      createdBy: input.createdBy,
      verifiedAt: input.verifiedAt,
      verificationDigest: input.verification?.digest ?? null,
      verificationExpiresAt: input.verification?.expiresAt ?? null,
      verificationSentAt: input.verification?.sentAt ?? null,
      verificationAttempts: 0,
    })
    .returning(contactPointColumns);
  return row!;
}

/**
 * A new code for an unverified contact point, only if none was sent to it since `notSince` (two
 * resends at once send one code). False: too soon, or it is gone or verified.
 */
export async function setVerificationCode(db: DbOrTx, id: string, code: { digest: string; expiresAt: Date; sentAt: Date; notSince: Date }): Promise<boolean> {
  const rows = await db
    .update(contactPoints)
    .set({ verificationDigest: code.digest, verificationExpiresAt: code.expiresAt, verificationSentAt: code.sentAt, verificationAttempts: 0 })
    .where(
      and(
        eq(contactPoints.id, id),
        isNull(contactPoints.removedAt),
        isNull(contactPoints.verifiedAt),
        sql`(${contactPoints.verificationSentAt} is null or ${contactPoints.verificationSentAt} <= ${code.notSince.toISOString()}::timestamptz)`,
      ),
    )
    .returning({ id: contactPoints.id });
  return rows.length > 0;
}

export async function recordWrongCode(db: DbOrTx, id: string): Promise<number> {
  const [row] = await db
    .update(contactPoints)
    .set({ verificationAttempts: sql`${contactPoints.verificationAttempts} + 1` })
    .where(eq(contactPoints.id, id))
    .returning({ attempts: contactPoints.verificationAttempts });
  return row?.attempts ?? 0;
}

export async function markContactPointVerified(db: DbOrTx, id: string, at: Date): Promise<ContactPoint> {
  const [row] = await db
    .update(contactPoints)
    .set({ verifiedAt: at, verificationDigest: null, verificationExpiresAt: null, verificationAttempts: 0 })
    .where(eq(contactPoints.id, id))
    .returning(contactPointColumns);
  return row!;
}

export async function removeContactPoint(db: DbOrTx, id: string, by: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(contactPoints)
    .set({ removedAt: at, removedBy: by, verificationDigest: null, verificationExpiresAt: null })
    .where(and(eq(contactPoints.id, id), isNull(contactPoints.removedAt)))
    .returning({ id: contactPoints.id });
  return rows.length > 0;
}

/** The sealed address, for the code that sends to it. */
export async function sealedAddressOf(db: DbOrTx, id: string): Promise<string | null> {
  const [row] = await db.select({ sealed: contactPoints.addressSealed }).from(contactPoints).where(eq(contactPoints.id, id));
  return row?.sealed ?? null;
}

// --- Office channels ------------------------------------------------------------------------------

export interface OfficeChannel {
  id: string;
  officeRole: Role;
  officeDivisionCode: string;
  kind: OfficeChannelKind;
  label: string;
  urlHint: string;
  hasSecret: boolean;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
  lastTestAt: Date | null;
  lastTestResult: string | null;
}

const officeChannelColumns = {
  id: officeChannels.id,
  officeRole: officeChannels.officeRole,
  officeDivisionCode: officeChannels.officeDivisionCode,
  kind: officeChannels.kind,
  label: officeChannels.label,
  urlHint: officeChannels.urlHint,
  hasSecret: sql<boolean>`${officeChannels.secretSealed} is not null`,
  enabled: officeChannels.enabled,
  createdAt: officeChannels.createdAt,
  updatedAt: officeChannels.updatedAt,
  lastTestAt: officeChannels.lastTestAt,
  lastTestResult: officeChannels.lastTestResult,
};

/** Channels of offices whose division starts with the prefix, optionally of one role or one office. */
export async function listOfficeChannels(db: DbOrTx, filter: { divisionPrefix: string; roles: Role[]; divisionCode?: string }): Promise<OfficeChannel[]> {
  if (filter.roles.length === 0) return [];
  return db
    .select(officeChannelColumns)
    .from(officeChannels)
    .where(
      and(
        like(officeChannels.officeDivisionCode, `${filter.divisionPrefix}%`),
        inArray(officeChannels.officeRole, filter.roles),
        filter.divisionCode ? eq(officeChannels.officeDivisionCode, filter.divisionCode) : undefined,
      ),
    )
    .orderBy(asc(officeChannels.officeDivisionCode), asc(officeChannels.officeRole), asc(officeChannels.createdAt), asc(officeChannels.id));
}

export async function getOfficeChannel(db: DbOrTx, id: string): Promise<OfficeChannel | null> {
  const [row] = await db.select(officeChannelColumns).from(officeChannels).where(eq(officeChannels.id, id));
  return row ?? null;
}

export async function insertOfficeChannel(
  db: DbOrTx,
  input: {
    officeRole: Role;
    officeDivisionCode: string;
    kind: OfficeChannelKind;
    label: string;
    urlSealed: string;
    urlHint: string;
    secretSealed: string | null;
    createdBy: string;
    at: Date;
  },
): Promise<OfficeChannel> {
  const { at, ...values } = input;
  const [row] = await db
    .insert(officeChannels)
    .values({ ...values, createdAt: at, updatedAt: at })
    .returning(officeChannelColumns);
  return row!;
}

export async function updateOfficeChannel(db: DbOrTx, id: string, change: { label?: string; enabled?: boolean; at: Date }): Promise<OfficeChannel> {
  const [row] = await db
    .update(officeChannels)
    .set({
      ...(change.label !== undefined ? { label: change.label } : {}),
      ...(change.enabled !== undefined ? { enabled: change.enabled } : {}),
      updatedAt: change.at,
    })
    .where(eq(officeChannels.id, id))
    .returning(officeChannelColumns);
  return row!;
}

export async function recordOfficeChannelTest(db: DbOrTx, id: string, at: Date, result: string): Promise<OfficeChannel> {
  const [row] = await db
    .update(officeChannels)
    .set({ lastTestAt: at, lastTestResult: result })
    .where(eq(officeChannels.id, id))
    .returning(officeChannelColumns);
  return row!;
}

/** The sealed URL and secret, for the code that sends to the channel. */
export async function sealedChannelOf(db: DbOrTx, id: string): Promise<{ urlSealed: string; secretSealed: string | null } | null> {
  const [row] = await db
    .select({ urlSealed: officeChannels.urlSealed, secretSealed: officeChannels.secretSealed })
    .from(officeChannels)
    .where(eq(officeChannels.id, id));
  return row ?? null;
}

// --- Preferences ----------------------------------------------------------------------------------

export type PreferenceOwner = { userId: string } | { officeRole: Role; officeDivisionCode: string };

export interface StoredPreference {
  category: NotificationCategory;
  channel: DeliveryChannel;
  enabled: boolean;
}

const ownerCondition = (owner: PreferenceOwner) =>
  'userId' in owner
    ? eq(notificationPreferences.userId, owner.userId)
    : and(eq(notificationPreferences.officeRole, owner.officeRole), eq(notificationPreferences.officeDivisionCode, owner.officeDivisionCode));

/** The rows that differ from the defaults. */
export async function listPreferences(db: DbOrTx, owner: PreferenceOwner): Promise<StoredPreference[]> {
  return db
    .select({ category: notificationPreferences.category, channel: notificationPreferences.channel, enabled: notificationPreferences.enabled })
    .from(notificationPreferences)
    .where(ownerCondition(owner));
}

/** Stores a preference differing from the default, or (`enabled === null`) deletes it: back to the default. */
export async function setPreference(
  db: DbOrTx,
  owner: PreferenceOwner,
  pref: { category: NotificationCategory; channel: DeliveryChannel; enabled: boolean | null; by: string; at: Date },
): Promise<void> {
  const where = and(ownerCondition(owner), eq(notificationPreferences.category, pref.category), eq(notificationPreferences.channel, pref.channel));
  if (pref.enabled === null) {
    await db.delete(notificationPreferences).where(where);
    return;
  }
  const updated = await db
    .update(notificationPreferences)
    .set({ enabled: pref.enabled, updatedAt: pref.at, updatedBy: pref.by })
    .where(where)
    .returning({ id: notificationPreferences.id });
  if (updated.length > 0) return;
  await db
    .insert(notificationPreferences)
    .values({
      ...('userId' in owner ? { userId: owner.userId } : { officeRole: owner.officeRole, officeDivisionCode: owner.officeDivisionCode }),
      category: pref.category,
      channel: pref.channel,
      enabled: pref.enabled,
      updatedAt: pref.at,
      updatedBy: pref.by,
    })
    .onConflictDoNothing();
}

// --- Audit ----------------------------------------------------------------------------------------

/**
 * An audit row for a delivery setting. Callers pass hints and flags only: no address, URL, secret
 * or code ever goes into before/after/details.
 */
export async function recordDeliveryAudit(
  db: DbOrTx,
  event: {
    entityType: 'contact_point' | 'office_channel' | 'notification_preference' | 'delivery';
    entityId: string;
    action: string;
    actor: AuditActor;
    at: Date;
    before?: Record<string, unknown> | null;
    after?: Record<string, unknown> | null;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await appendAuditEvents(db, [
    {
      dedupeKey: `${event.entityType}:${event.entityId}:${event.action}:${randomUUID()}`,
      entityType: event.entityType,
      entityId: event.entityId,
      action: event.action,
      actorUserId: event.actor.actorUserId ?? null,
      actorLabel: event.actor.actorLabel,
      at: event.at,
      before: event.before ?? null,
      after: event.after ?? null,
      details: event.details ?? null,
    },
  ]);
}
