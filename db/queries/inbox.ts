import { and, count, desc, eq, gte, inArray, isNotNull, isNull, like, lt, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../client.js';
import { divisions, escalations, mentorships, notifications, obligations, people, rectificationCases, reserveCandidates } from '../schema/index.js';
import { jurisdictionPrefix } from '../../domain/divisions.js';
import type { AuthUser } from '../../domain/roles.js';
import type { ObligationProcess } from './obligations.js';
import { appendAuditEvents } from './audit-chain.js';

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
  /**
   * What it is about: a case, a mentorship or a reserve candidate. A coverage alert names no
   * candidate (it is about a village's pool) and counts as reserve.
   */
  process?: ObligationProcess;
}

/** The condition an item about `process` meets. */
function ofProcess(process: ObligationProcess): SQL {
  if (process === 'case') return isNotNull(notifications.caseId);
  if (process === 'mentorship') return isNotNull(notifications.mentorshipId);
  if (process === 'screening') return or(isNotNull(notifications.screeningCampaignId), like(notifications.kind, 'screening.%'))!;
  return or(isNotNull(notifications.reserveCandidateId), like(notifications.kind, 'reserve.%'))!;
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
  if (filter.process) c.push(ofProcess(filter.process));
  return c;
}

const villageDivision = alias(divisions, 'inbox_village');
const townshipDivision = alias(divisions, 'inbox_township');
const subjectVillageCode = sql<string | null>`coalesce(${rectificationCases.villageCode}, ${mentorships.villageCode}, ${reserveCandidates.villageCode})`;
// A coverage alert names no process: its township is the office it went to.
const subjectTownshipCode = sql<string | null>`coalesce(${rectificationCases.townshipCode}, ${mentorships.townshipCode}, ${reserveCandidates.townshipCode},
  case when ${notifications.recipientRole} = 'township_office' then ${notifications.recipientDivisionCode} end)`;

/** An inbox item with what it is about: village, township, subject, and the obligation its escalation is for. */
export interface InboxItemRow {
  id: string;
  kind: string;
  title: string;
  body: string;
  caseId: string | null;
  mentorshipId: string | null;
  reserveCandidateId: string | null;
  escalationId: string | null;
  recipientRole: typeof notifications.$inferSelect.recipientRole;
  recipientDivisionCode: string;
  createdAt: Date;
  ackedAt: Date | null;
  ackedBy: string | null;
  process: ObligationProcess | null;
  villageCode: string | null;
  villageName: string | null;
  townshipName: string | null;
  /** The case's village, the mentorship's mentee, the reserve candidate. */
  subjectName: string | null;
  /** The obligation an escalation is about (none for other notices). */
  obligation: {
    id: string;
    kind: typeof obligations.$inferSelect.kind;
    key: string;
    dueAt: Date;
    dueDate: string | null;
    provisional: boolean;
    status: typeof obligations.$inferSelect.status;
    exemptedAt: Date | null;
  } | null;
}

/**
 * Inbox items with their subject joined in: the notification's case, mentorship or reserve
 * candidate (by primary key, so one row per notification), its village and township, the mentee
 * or candidate, and through the escalation the obligation that fell due. Who may see a row is
 * decided by `where` on the notification alone (inboxOf).
 */
async function selectInboxItems(db: Pick<Db, 'select'>, where: SQL | undefined, page?: { limit: number; offset: number }): Promise<InboxItemRow[]> {
  const query = db
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
      villageCode: subjectVillageCode,
      villageName: villageDivision.name,
      townshipName: townshipDivision.name,
      personName: people.name,
      obligationId: obligations.id,
      obligationKind: obligations.kind,
      obligationKey: obligations.key,
      dueAt: obligations.dueAt,
      dueDate: obligations.dueDate,
      provisional: obligations.provisional,
      obligationStatus: obligations.status,
      exemptedAt: obligations.exemptedAt,
    })
    .from(notifications)
    .leftJoin(rectificationCases, eq(rectificationCases.id, notifications.caseId))
    .leftJoin(mentorships, eq(mentorships.id, notifications.mentorshipId))
    .leftJoin(reserveCandidates, eq(reserveCandidates.id, notifications.reserveCandidateId))
    .leftJoin(people, eq(people.id, sql`coalesce(${mentorships.menteePersonId}, ${reserveCandidates.personId})`))
    .leftJoin(villageDivision, eq(villageDivision.code, subjectVillageCode))
    .leftJoin(townshipDivision, eq(townshipDivision.code, subjectTownshipCode))
    .leftJoin(escalations, eq(escalations.id, notifications.escalationId))
    .leftJoin(obligations, eq(obligations.id, escalations.obligationId))
    .where(where)
    .orderBy(desc(notifications.createdAt), desc(notifications.id));
  const rows = page ? await query.limit(page.limit).offset(page.offset) : await query;
  return rows.map(
    ({
      villageCode,
      villageName,
      townshipName,
      personName,
      obligationId,
      obligationKind,
      obligationKey,
      dueAt,
      dueDate,
      provisional,
      obligationStatus,
      exemptedAt,
      ...n
    }) => {
      const process: ObligationProcess | null = n.caseId
        ? 'case'
        : n.mentorshipId
          ? 'mentorship'
          : n.reserveCandidateId || n.kind.startsWith('reserve.')
            ? 'reserve'
            : n.kind.startsWith('screening.') || obligationKind?.startsWith('screening_')
              ? 'screening'
              : null;
      return {
        ...n,
        process,
        villageCode,
        villageName,
        townshipName,
        subjectName: n.caseId ? villageName : personName,
        obligation:
          obligationId && obligationKind && obligationKey !== null && dueAt && obligationStatus
            ? {
                id: obligationId,
                kind: obligationKind,
                key: obligationKey,
                dueAt,
                dueDate,
                provisional: provisional ?? false,
                status: obligationStatus,
                exemptedAt,
              }
            : null,
      };
    },
  );
}

/**
 * A page of a user's inbox under a filter, its total, and the counts a filter bar shows: per kind
 * (under every filter but the kinds) and acknowledged / not (under every filter but that one).
 */
export async function listInbox(db: Db, user: AuthUser, options: InboxFilter & { limit: number; offset: number }) {
  const where = and(inboxOf(user), ...filterConditions(options));
  const [items, [totalRow], byKindRows, ackRows] = await Promise.all([
    selectInboxItems(db, where, options),
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

/** One item of a user's inbox, with its subject; null when it is not in their inbox. */
export async function findInboxItem(db: Db, user: AuthUser, id: string): Promise<InboxItemRow | null> {
  const [item] = await selectInboxItems(db, and(eq(notifications.id, id), inboxOf(user)));
  return item ?? null;
}

/** Acknowledges an inbox item; repeating it is harmless. Null when the item is not in the user's inbox. */
export async function ackNotification(db: Db, user: AuthUser, id: string, at: Date) {
  return db.transaction(async (tx) => {
    const [item] = await tx
      .select()
      .from(notifications)
      .where(and(eq(notifications.id, id), inboxOf(user)));
    if (!item) return null;
    if (item.ackedAt) return item;
    const [acked] = await tx.update(notifications).set({ ackedAt: at, ackedBy: user.id }).where(eq(notifications.id, id)).returning();
    await appendAuditEvents(
      tx,
      [
        {
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
        },
      ],
      { ignoreDuplicates: true },
    );
    return acked!;
  });
}

/** Unacknowledged items of a user's inbox per kind (for the menu badges). */
export async function unackedByKind(db: Db, user: AuthUser): Promise<Record<string, number>> {
  const rows = await db
    .select({ kind: notifications.kind, n: count() })
    .from(notifications)
    .where(and(inboxOf(user), isNull(notifications.ackedAt)))
    .groupBy(notifications.kind);
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}
