import { and, asc, desc, eq, gt, inArray, isNull, like, lt, lte, or, sql, count, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { Tx } from './deadline-projection.js';
import { contactPoints, deliveries, escalations, notifications, obligations, officeChannels, policies } from '../schema/index.js';
import { CHANNEL_LABELS, DELIVERY_STATUSES, type DeliveryChannel, type DeliveryStatus, type NotificationCategory } from '../../domain/delivery.js';
import { jurisdictionPrefix } from '../../domain/divisions.js';
import type { DeadlinePolicy } from '../../domain/policy.js';
import { ancestorCodes } from './policies.js';
import type { DeliveryTarget } from './delivery-targets.js';

export type DeliveryRow = typeof deliveries.$inferSelect;

/** One outbox row to write with its notification (from resolveDeliveryTargets). */
export type { DeliveryTarget };

/** Writes the outbox rows in the caller's transaction; a retried projection finds them there already. */
export async function insertDeliveries(tx: Tx, targets: readonly DeliveryTarget[], at: Date): Promise<number> {
  if (targets.length === 0) return 0;
  const created = await tx
    .insert(deliveries)
    .values(targets.map((t) => ({ ...t, createdAt: at, updatedAt: at })))
    .onConflictDoNothing({ target: [deliveries.notificationId, deliveries.channel, deliveries.targetId] })
    .returning({ id: deliveries.id });
  return created.length;
}

// --- Planning: pending → scheduled ---------------------------------------------------------------

export interface PendingDelivery {
  id: string;
  divisionCode: string;
  category: NotificationCategory;
  createdAt: Date;
  /** The policy of the notification's case, mentorship or candidate; null for one about no process (a coverage alert). */
  policy: Pick<DeadlinePolicy, 'timeZone' | 'sendWindow'> | null;
}

export async function listPendingDeliveries(db: Db, limit: number): Promise<PendingDelivery[]> {
  const rows = await db.execute<{
    id: string;
    division_code: string;
    category: NotificationCategory;
    created_at: Date | string;
    policy: PendingDelivery['policy'];
  }>(sql`
    select d.id, d.division_code, d.category, d.created_at,
           coalesce(pc.body, pm.body, pr.body) as policy
      from deliveries d
      join notifications n on n.id = d.notification_id
      left join rectification_cases c on c.id = n.case_id
      left join policies pc on pc.id = c.policy_id
      left join mentorships m on m.id = n.mentorship_id
      left join policies pm on pm.id = m.policy_id
      left join reserve_candidates r on r.id = n.reserve_candidate_id
      left join policies pr on pr.id = r.policy_id
     where d.status = 'pending'
     order by d.created_at
     limit ${limit}`);
  return rows.map((r) => ({
    id: r.id,
    divisionCode: r.division_code,
    category: r.category,
    createdAt: new Date(r.created_at),
    policy: r.policy ? { timeZone: r.policy.timeZone, sendWindow: r.policy.sendWindow } : null,
  }));
}

/** The policy in force at a division (any name; the most specific level, the newest version): for notifications about no process. */
export async function policyInForceAt(db: Db, divisionCode: string): Promise<DeadlinePolicy | null> {
  const [row] = await db
    .select({ body: policies.body })
    .from(policies)
    .where(and(inArray(policies.jurisdictionCode, ancestorCodes(divisionCode)), isNull(policies.retiredAt)))
    .orderBy(desc(sql`length(rtrim(${policies.jurisdictionCode}, '0'))`), desc(policies.createdAt))
    .limit(1);
  return (row?.body as DeadlinePolicy | undefined) ?? null;
}

export async function scheduleDeliveries(db: Db, plans: ReadonlyArray<{ id: string; notBefore: Date }>, now: Date): Promise<void> {
  if (plans.length === 0) return;
  const values = sql.join(
    plans.map((p) => sql`(${p.id}::uuid, ${p.notBefore.toISOString()}::timestamptz)`),
    sql`, `,
  );
  await db.execute(sql`
    update deliveries d set status = 'scheduled', not_before = v.not_before, updated_at = ${now.toISOString()}::timestamptz
      from (values ${values}) as v(id, not_before)
     where d.id = v.id and d.status = 'pending'`);
}

// --- Dispatching: due targets → their sender workflows ------------------------------------------

/** A sender holds its target this long before the dispatcher hands it over again (its retries run meanwhile). */
const DISPATCH_LEASE_MS = 10 * 60_000;

/**
 * Targets with something to send now, marked as handed over. A claim without an outcome older than
 * the lease (a sender that died) counts too: its sender decides what to do with it.
 */
export async function takeDueTargets(db: Db, now: Date, limit: number): Promise<Array<{ targetId: string; channel: DeliveryChannel }>> {
  const lease = new Date(now.getTime() - DISPATCH_LEASE_MS).toISOString();
  const at = now.toISOString();
  const rows = await db.execute<{ target_id: string; channel: DeliveryChannel }>(sql`
    with due as (
      select distinct on (target_id) target_id, channel
        from deliveries
       where ((status = 'scheduled' and not_before <= ${at}::timestamptz) or (status = 'sending' and claimed_at < ${lease}::timestamptz))
         and (dispatched_at is null or dispatched_at < ${lease}::timestamptz)
       order by target_id
       limit ${limit}
    ), marked as (
      update deliveries d set dispatched_at = ${at}::timestamptz
        from due
       where d.target_id = due.target_id and d.status in ('scheduled', 'sending')
    )
    select target_id, channel from due`);
  return rows.map((r) => ({ targetId: r.target_id, channel: r.channel }));
}

/** When the next scheduled delivery's window opens (after `now`), if any. */
export async function nextScheduledAt(db: Db, now: Date): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | string | null>`min(${deliveries.notBefore})` })
    .from(deliveries)
    .where(and(eq(deliveries.status, 'scheduled'), gt(deliveries.notBefore, now)));
  return row?.at ? new Date(row.at) : null;
}

// --- Sending: one target's due batch --------------------------------------------------------------

/** A target's deliveries to send now (due, or claimed by an attempt that left no outcome), oldest first. */
export async function dueForTarget(db: Db, targetId: string, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(
      and(eq(deliveries.targetId, targetId), or(and(eq(deliveries.status, 'scheduled'), lte(deliveries.notBefore, now)), eq(deliveries.status, 'sending'))),
    )
    .orderBy(asc(deliveries.createdAt), asc(deliveries.id))
    .limit(limit);
  return rows.map((r) => r.id);
}

export interface BatchItem {
  id: string;
  status: DeliveryStatus;
  channel: DeliveryChannel;
  category: NotificationCategory;
  divisionCode: string;
  notificationId: string;
  kind: string;
  title: string;
  body: string;
  claimedAt: Date | null;
  sentAt: Date | null;
  attempts: number;
  /** The obligation was met (or exempted) or the escalation resolved: a reminder of it is moot. */
  moot: boolean;
}

export async function loadBatch(db: Db, ids: readonly string[]): Promise<BatchItem[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      id: deliveries.id,
      status: deliveries.status,
      channel: deliveries.channel,
      category: deliveries.category,
      divisionCode: deliveries.divisionCode,
      notificationId: notifications.id,
      kind: notifications.kind,
      title: notifications.title,
      body: notifications.body,
      claimedAt: deliveries.claimedAt,
      sentAt: deliveries.sentAt,
      attempts: deliveries.attempts,
      resolvedAt: escalations.resolvedAt,
      obligationStatus: obligations.status,
    })
    .from(deliveries)
    .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
    .leftJoin(escalations, eq(escalations.id, notifications.escalationId))
    .leftJoin(obligations, eq(obligations.id, escalations.obligationId))
    .where(inArray(deliveries.id, [...ids]))
    .orderBy(asc(deliveries.createdAt), asc(deliveries.id));
  return rows.map(({ resolvedAt, obligationStatus, ...r }) => ({
    ...r,
    moot: resolvedAt !== null || (obligationStatus !== null && obligationStatus !== 'open'),
  }));
}

/** The sealed address, URL and secret of a target (opened by the activity, never returned further). */
export async function sealedTarget(
  db: Db,
  targetId: string,
): Promise<
  | { kind: 'contact'; channel: DeliveryChannel; addressSealed: string; live: boolean }
  | { kind: 'office'; channel: DeliveryChannel; urlSealed: string; secretSealed: string | null; live: boolean }
  | null
> {
  const [contact] = await db
    .select({
      channel: contactPoints.kind,
      addressSealed: contactPoints.addressSealed,
      removedAt: contactPoints.removedAt,
      verifiedAt: contactPoints.verifiedAt,
    })
    .from(contactPoints)
    .where(eq(contactPoints.id, targetId));
  if (contact)
    return { kind: 'contact', channel: contact.channel, addressSealed: contact.addressSealed, live: contact.removedAt === null && contact.verifiedAt !== null };
  const [office] = await db
    .select({ channel: officeChannels.kind, urlSealed: officeChannels.urlSealed, secretSealed: officeChannels.secretSealed, enabled: officeChannels.enabled })
    .from(officeChannels)
    .where(eq(officeChannels.id, targetId));
  if (office) return { kind: 'office', channel: office.channel, urlSealed: office.urlSealed, secretSealed: office.secretSealed, live: office.enabled };
  return null;
}

/** Sets a status on deliveries still in one of `from` (so a late writer never overwrites an outcome). */
export async function setDeliveryStatus(
  db: Db | Tx,
  ids: readonly string[],
  from: readonly DeliveryStatus[],
  set: Partial<
    Pick<DeliveryRow, 'status' | 'lastErrorCode' | 'notBefore' | 'sentAt' | 'deliveredAt' | 'finishedAt' | 'providerMessageId' | 'digestOf' | 'claimedAt'>
  >,
  now: Date,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .update(deliveries)
    .set({ ...set, updatedAt: now })
    .where(and(inArray(deliveries.id, [...ids]), inArray(deliveries.status, [...from])))
    .returning({ id: deliveries.id });
  return rows.map((r) => r.id);
}

/** The claim, in its own transaction before the provider is called: the send may now have happened. */
export async function claimDeliveries(db: Db, ids: readonly string[], now: Date): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .update(deliveries)
    .set({ status: 'sending', claimedAt: now, attempts: sql`${deliveries.attempts} + 1`, updatedAt: now })
    .where(and(inArray(deliveries.id, [...ids]), eq(deliveries.status, 'scheduled')))
    .returning({ id: deliveries.id });
  return rows.map((r) => r.id);
}

/**
 * Failed for good: the org dept of the recipient's county gets "送达失败" in its inbox (once per
 * delivery), in the same transaction.
 */
export async function failDeliveries(
  db: Db,
  items: ReadonlyArray<Pick<BatchItem, 'id' | 'channel' | 'divisionCode' | 'title'>>,
  code: string,
  now: Date,
): Promise<void> {
  if (items.length === 0) return;
  await db.transaction(async (tx) => {
    const failed = new Set(
      await setDeliveryStatus(
        tx,
        items.map((i) => i.id),
        ['pending', 'scheduled', 'sending', 'unknown'],
        { status: 'failed', lastErrorCode: code, finishedAt: now },
        now,
      ),
    );
    const notices = items.filter((i) => failed.has(i.id));
    if (notices.length === 0) return;
    await tx
      .insert(notifications)
      .values(
        notices.map((i) => ({
          dedupeKey: `delivery-failed:${i.id}`,
          recipientUserId: null,
          recipientRole: 'org_dept' as const,
          recipientDivisionCode: `${i.divisionCode.slice(0, 6)}000000`,
          kind: 'delivery.failed',
          title: '送达失败',
          body: `「${i.title}」经${CHANNEL_LABELS[i.channel]}发送失败（${code}），请核实联系方式或群机器人设置后重发。`,
          createdAt: now,
        })),
      )
      .onConflictDoNothing({ target: notifications.dedupeKey });
  });
}

/** Unknown SMS sends younger than `since`, not checked for `every`: to ask the provider about again. */
export async function unknownToReconcile(
  db: Db,
  since: Date,
  checkedBefore: Date,
  limit: number,
): Promise<Array<{ id: string; targetId: string; claimedAt: Date }>> {
  const rows = await db
    .select({ id: deliveries.id, targetId: deliveries.targetId, claimedAt: deliveries.claimedAt })
    .from(deliveries)
    .where(and(eq(deliveries.status, 'unknown'), eq(deliveries.channel, 'sms'), gt(deliveries.claimedAt, since), lt(deliveries.updatedAt, checkedBefore)))
    .orderBy(asc(deliveries.updatedAt))
    .limit(limit);
  return rows.map((r) => ({ id: r.id, targetId: r.targetId, claimedAt: r.claimedAt! }));
}

export async function touchDeliveries(db: Db, ids: readonly string[], now: Date): Promise<void> {
  if (ids.length)
    await db
      .update(deliveries)
      .set({ updatedAt: now })
      .where(inArray(deliveries.id, [...ids]));
}

// --- Reading and retrying (the API) ---------------------------------------------------------------

export interface DeliveryFilter {
  status?: DeliveryStatus;
  channel?: DeliveryChannel;
  /** A division prefix within the caller's jurisdiction. */
  division?: string;
  notificationIds?: string[];
}

export interface DeliveryView {
  id: string;
  notificationId: string;
  notificationTitle: string;
  notificationKind: string;
  channel: DeliveryChannel;
  targetHint: string;
  targetLabel: string | null;
  divisionCode: string;
  category: NotificationCategory;
  status: DeliveryStatus;
  attempts: number;
  resends: number;
  notBefore: Date | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  finishedAt: Date | null;
  providerMessageId: string | null;
  lastErrorCode: string | null;
  digestOf: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const deliveryViewColumns = {
  id: deliveries.id,
  notificationId: deliveries.notificationId,
  notificationTitle: notifications.title,
  notificationKind: notifications.kind,
  channel: deliveries.channel,
  targetHint: sql<string>`coalesce(${contactPoints.addressHint}, ${officeChannels.urlHint}, '')`,
  targetLabel: officeChannels.label,
  divisionCode: deliveries.divisionCode,
  category: deliveries.category,
  status: deliveries.status,
  attempts: deliveries.attempts,
  resends: deliveries.resends,
  notBefore: deliveries.notBefore,
  sentAt: deliveries.sentAt,
  deliveredAt: deliveries.deliveredAt,
  finishedAt: deliveries.finishedAt,
  providerMessageId: deliveries.providerMessageId,
  lastErrorCode: deliveries.lastErrorCode,
  digestOf: deliveries.digestOf,
  createdAt: deliveries.createdAt,
  updatedAt: deliveries.updatedAt,
};

function deliveryConditions(jurisdictionCode: string, filter: DeliveryFilter): SQL[] {
  const c: SQL[] = [like(deliveries.divisionCode, `${jurisdictionPrefix(jurisdictionCode)}%`)];
  if (filter.status) c.push(eq(deliveries.status, filter.status));
  if (filter.channel) c.push(eq(deliveries.channel, filter.channel));
  if (filter.division) c.push(like(deliveries.divisionCode, `${jurisdictionPrefix(filter.division)}%`));
  if (filter.notificationIds)
    c.push(inArray(deliveries.notificationId, filter.notificationIds.length ? filter.notificationIds : ['00000000-0000-0000-0000-000000000000']));
  return c;
}

export async function listDeliveries(
  db: Db,
  jurisdictionCode: string,
  filter: DeliveryFilter,
  page: { limit: number; offset: number },
): Promise<{ total: number; items: DeliveryView[]; byStatus: Record<DeliveryStatus, number> }> {
  const where = and(...deliveryConditions(jurisdictionCode, filter));
  const base = () =>
    db
      .select(deliveryViewColumns)
      .from(deliveries)
      .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
      .leftJoin(contactPoints, eq(contactPoints.id, deliveries.contactPointId))
      .leftJoin(officeChannels, eq(officeChannels.id, deliveries.officeChannelId));
  const statusWhere = and(...deliveryConditions(jurisdictionCode, { ...filter, status: undefined }));
  const [items, [total], counts] = await Promise.all([
    base().where(where).orderBy(desc(deliveries.createdAt), asc(deliveries.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(deliveries).where(where),
    db.select({ status: deliveries.status, n: count() }).from(deliveries).where(statusWhere).groupBy(deliveries.status),
  ]);
  const byStatus = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const row of counts) byStatus[row.status] = row.n;
  return { total: total?.n ?? 0, items, byStatus };
}

/** The deliveries of some notifications (an inbox page, a detail page), by notification. */
export async function deliveriesOfNotifications(db: Db, notificationIds: readonly string[]): Promise<Map<string, DeliveryView[]>> {
  const out = new Map<string, DeliveryView[]>();
  if (notificationIds.length === 0) return out;
  const rows = await db
    .select(deliveryViewColumns)
    .from(deliveries)
    .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
    .leftJoin(contactPoints, eq(contactPoints.id, deliveries.contactPointId))
    .leftJoin(officeChannels, eq(officeChannels.id, deliveries.officeChannelId))
    .where(inArray(deliveries.notificationId, [...notificationIds]))
    .orderBy(asc(deliveries.createdAt), asc(deliveries.id));
  for (const row of rows) out.set(row.notificationId, [...(out.get(row.notificationId) ?? []), row]);
  return out;
}

export async function getDeliveryView(db: Db, id: string): Promise<DeliveryView | null> {
  const [row] = await db
    .select(deliveryViewColumns)
    .from(deliveries)
    .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
    .leftJoin(contactPoints, eq(contactPoints.id, deliveries.contactPointId))
    .leftJoin(officeChannels, eq(officeChannels.id, deliveries.officeChannelId))
    .where(eq(deliveries.id, id));
  return row ?? null;
}

/** A person's resend: back to scheduled now, counted; only from failed or unknown. */
export async function rescheduleDelivery(db: Db | Tx, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({
      status: 'scheduled',
      notBefore: now,
      dispatchedAt: null,
      lastErrorCode: null,
      finishedAt: null,
      resends: sql`${deliveries.resends} + 1`,
      updatedAt: now,
    })
    .where(and(eq(deliveries.id, id), inArray(deliveries.status, ['failed', 'unknown'])))
    .returning({ id: deliveries.id });
  return rows.length === 1;
}

/** Every delivery of the notifications about one case, mentorship or reserve candidate, oldest first. */
export async function deliveriesAbout(db: Db, owner: { caseId: string } | { mentorshipId: string } | { reserveCandidateId: string }): Promise<DeliveryView[]> {
  const about =
    'caseId' in owner
      ? eq(notifications.caseId, owner.caseId)
      : 'mentorshipId' in owner
        ? eq(notifications.mentorshipId, owner.mentorshipId)
        : eq(notifications.reserveCandidateId, owner.reserveCandidateId);
  return db
    .select(deliveryViewColumns)
    .from(deliveries)
    .innerJoin(notifications, eq(notifications.id, deliveries.notificationId))
    .leftJoin(contactPoints, eq(contactPoints.id, deliveries.contactPointId))
    .leftJoin(officeChannels, eq(officeChannels.id, deliveries.officeChannelId))
    .where(about)
    .orderBy(asc(deliveries.createdAt), asc(deliveries.id))
    .limit(500);
}
