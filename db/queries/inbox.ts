import { and, count, desc, eq, isNull, like, or, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { auditEvents, notifications } from '../schema/index.js';
import { jurisdictionPrefix } from '../../domain/divisions.js';
import type { AuthUser } from '../../domain/roles.js';

/** A user's inbox: items addressed to them, or to their office (their role within their jurisdiction). */
function inboxOf(user: AuthUser): SQL {
  const office = and(
    eq(notifications.recipientRole, user.role),
    isNull(notifications.recipientUserId),
    like(notifications.recipientDivisionCode, `${jurisdictionPrefix(user.jurisdictionCode)}%`),
  )!;
  return or(eq(notifications.recipientUserId, user.id), office)!;
}

export async function listInbox(db: Db, user: AuthUser, options: { unackedOnly: boolean; limit: number; offset: number }) {
  const conditions = [inboxOf(user)];
  if (options.unackedOnly) conditions.push(isNull(notifications.ackedAt));
  const where = and(...conditions);
  const [items, [totalRow]] = await Promise.all([
    db
      .select({
        id: notifications.id,
        kind: notifications.kind,
        title: notifications.title,
        body: notifications.body,
        caseId: notifications.caseId,
        mentorshipId: notifications.mentorshipId,
        reserveCandidateId: notifications.reserveCandidateId,
        escalationId: notifications.escalationId,
        recipientRole: notifications.recipientRole,
        recipientDivisionCode: notifications.recipientDivisionCode,
        createdAt: notifications.createdAt,
        ackedAt: notifications.ackedAt,
        ackedBy: notifications.ackedBy,
      })
      .from(notifications)
      .where(where)
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(options.limit)
      .offset(options.offset),
    db.select({ total: count() }).from(notifications).where(where),
  ]);
  return { items, total: totalRow?.total ?? 0 };
}

/** Acknowledges an inbox item; repeating it is harmless. Null when the item is not in the user's inbox. */
export async function ackNotification(db: Db, user: AuthUser, id: string, at: Date) {
  return db.transaction(async (tx) => {
    const [item] = await tx.select().from(notifications).where(and(eq(notifications.id, id), inboxOf(user)));
    if (!item) return null;
    if (item.ackedAt) return item;
    const [acked] = await tx.update(notifications).set({ ackedAt: at, ackedBy: user.id }).where(eq(notifications.id, id)).returning();
    await tx.insert(auditEvents).values({
      dedupeKey: `notification:${id}:ack`,
      entityType: 'notification',
      entityId: id,
      action: 'acknowledged',
      actorUserId: user.id,
      actorLabel: user.name,
      at,
      before: { ackedAt: null },
      after: { ackedAt: at.toISOString() },
      details: { caseId: item.caseId, mentorshipId: item.mentorshipId, reserveCandidateId: item.reserveCandidateId },
    }).onConflictDoNothing();
    return acked!;
  });
}
