import { and, count, desc, eq, gte, inArray, isNotNull, isNull, like, lt, or, sql, type SQL } from 'drizzle-orm';
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

/** What an inbox list may be narrowed by (all optional; they combine with AND). */
export interface InboxFilter {
  caseId?: string;
  mentorshipId?: string;
  reserveCandidateId?: string;
  /** Notification kinds (`escalation.org_dept`, `acceptance.failed`…): any of them. */
  kinds?: string[];
  /** true: acknowledged only; false: not yet acknowledged only. */
  acked?: boolean;
  /** Created at or after / before these instants. */
  from?: Date;
  to?: Date;
}

function filterConditions(filter: InboxFilter, except: 'kinds' | 'acked' | null = null): SQL[] {
  const c: SQL[] = [];
  if (filter.caseId) c.push(eq(notifications.caseId, filter.caseId));
  if (filter.mentorshipId) c.push(eq(notifications.mentorshipId, filter.mentorshipId));
  if (filter.reserveCandidateId) c.push(eq(notifications.reserveCandidateId, filter.reserveCandidateId));
  if (filter.kinds && except !== 'kinds') c.push(inArray(notifications.kind, filter.kinds.length ? filter.kinds : ['']));
  if (filter.acked !== undefined && except !== 'acked') c.push(filter.acked ? isNotNull(notifications.ackedAt) : isNull(notifications.ackedAt));
  if (filter.from) c.push(gte(notifications.createdAt, filter.from));
  if (filter.to) c.push(lt(notifications.createdAt, filter.to));
  return c;
}

/**
 * A page of a user's inbox under a filter, its total, and the counts a filter bar shows: per kind
 * (under every filter but the kinds) and acknowledged / not (under every filter but that one).
 */
export async function listInbox(db: Db, user: AuthUser, options: InboxFilter & { limit: number; offset: number }) {
  const where = and(inboxOf(user), ...filterConditions(options));
  const [items, [totalRow], byKindRows, ackRows] = await Promise.all([
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
    db
      .select({ kind: notifications.kind, n: count() })
      .from(notifications)
      .where(and(inboxOf(user), ...filterConditions(options, 'kinds')))
      .groupBy(notifications.kind),
    db
      .select({ acked: sql<boolean>`${notifications.ackedAt} is not null`, n: count() })
      .from(notifications)
      .where(and(inboxOf(user), ...filterConditions(options, 'acked')))
      .groupBy(sql`${notifications.ackedAt} is not null`),
  ]);
  const byKind = Object.fromEntries(byKindRows.sort((a, b) => a.kind.localeCompare(b.kind)).map((r) => [r.kind, r.n]));
  const acked = ackRows.find((r) => r.acked)?.n ?? 0;
  const unacked = ackRows.find((r) => !r.acked)?.n ?? 0;
  return { items, total: totalRow?.total ?? 0, counts: { byKind, acked, unacked } };
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
