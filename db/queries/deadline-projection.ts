/**
 * The parts of a projection every process shares: its obligations, a fired rung, resolving the
 * escalations of met obligations, the audit event and the notifications. Each helper runs inside the
 * process's own transaction and is idempotent by a unique key, so a retried activity changes nothing
 * twice. `recordProcessChange` runs them in the order every process's change is written.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { insertDeliveries } from './deliveries.js';
import { resolveDeliveryTargets } from './delivery-targets.js';
import { escalations, notifications, obligations } from '../schema/index.js';
import type { Obligation } from '../../domain/escalation.js';
import type { EscalationSpec, NotificationSpec, ProcessEvent } from '../../domain/contracts/deadlines.js';
import type { ProjectionCommit } from '../../lib/metrics.js';
import { appendAuditEvents, type AuditEventInput } from './audit-chain.js';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** What obligations, escalations and notifications belong to: exactly one process. */
export type ProcessOwner = { caseId: string } | { mentorshipId: string } | { reserveCandidateId: string } | { screeningCampaignId: string };

function ownerColumns(owner: ProcessOwner) {
  return {
    caseId: 'caseId' in owner ? owner.caseId : null,
    mentorshipId: 'mentorshipId' in owner ? owner.mentorshipId : null,
    reserveCandidateId: 'reserveCandidateId' in owner ? owner.reserveCandidateId : null,
    screeningCampaignId: 'screeningCampaignId' in owner ? owner.screeningCampaignId : null,
  };
}

/**
 * An obligation (alias `o`) with a date that may move when a year's notice is loaded: its due date, or
 * any of its rungs (a rung after a certain due date can reach into an unpublished year).
 */
export const HAS_PROVISIONAL_DATE = sql`(o.provisional or o.rungs @> '[{"provisional": true}]'::jsonb)`;

/** One obligation of one process (null if the process has no such obligation). */
export async function getProcessObligation(db: Db, owner: ProcessOwner, obligationId: string) {
  const ownedBy =
    'caseId' in owner
      ? eq(obligations.caseId, owner.caseId)
      : 'mentorshipId' in owner
        ? eq(obligations.mentorshipId, owner.mentorshipId)
        : 'reserveCandidateId' in owner
          ? eq(obligations.reserveCandidateId, owner.reserveCandidateId)
          : eq(obligations.screeningCampaignId, owner.screeningCampaignId);
  const [row] = await db
    .select()
    .from(obligations)
    .where(and(ownedBy, eq(obligations.id, obligationId)));
  return row ?? null;
}

/** Inserts or updates every obligation the process holds (the workflow's list is the truth). */
async function upsertObligations(tx: Tx, owner: ProcessOwner, list: readonly Obligation[]): Promise<void> {
  if (list.length === 0) return;
  const columns = ownerColumns(owner);
  await tx
    .insert(obligations)
    .values(
      list.map((o) => ({
        id: o.id,
        ...columns,
        kind: o.kind,
        key: o.key,
        responsible: o.responsible,
        dueAt: new Date(o.dueAt),
        dueDate: o.dueDate ?? null,
        provisional: o.provisional ?? false,
        status: o.status,
        closedAt: o.closedAt ? new Date(o.closedAt) : null,
        exemptedAt: o.exemptedAt ? new Date(o.exemptedAt) : null,
        rungs: o.rungs,
      })),
    )
    .onConflictDoUpdate({
      target: obligations.id,
      set: {
        // A re-timed deadline (延期, 暂停/恢复, 重新计时) keeps the one it replaces, for the console to strike through.
        previousDues: sql`case when ${obligations.dueAt} is distinct from excluded.due_at
          then ${obligations.previousDues} || jsonb_build_array(jsonb_build_object('dueAt', ${obligations.dueAt}, 'dueDate', ${obligations.dueDate}, 'rungs', ${obligations.rungs}, 'replacedAt', now()))
          else ${obligations.previousDues} end`,
        dueAt: sql`excluded.due_at`,
        dueDate: sql`excluded.due_date`,
        provisional: sql`excluded.provisional`,
        exemptedAt: sql`excluded.exempted_at`,
        status: sql`excluded.status`,
        closedAt: sql`excluded.closed_at`,
        rungs: sql`excluded.rungs`,
      },
    });
}

/** A new commit's tally, filled by the helpers below as they write (rows new in this transaction only). */
function emptyCommit(): ProjectionCommit {
  return { escalation: null, notifications: [], deliveries: 0 };
}

/**
 * Records a fired rung once per (obligation, rung); answers its id for the notifications. When this
 * call created the row, `commit` gets its rung and lateness (committed_at − scheduled_at).
 */
async function insertEscalation(tx: Tx, owner: ProcessOwner, e: EscalationSpec, commit?: ProjectionCommit): Promise<string | null> {
  const [inserted] = await tx
    .insert(escalations)
    .values({
      obligationId: e.obligationId,
      ...ownerColumns(owner),
      rung: e.rung,
      targetRole: e.target.role,
      targetDivisionCode: e.target.divisionCode,
      targetUserId: e.target.userId,
      scheduledAt: new Date(e.scheduledAt),
      raisedAt: new Date(e.raisedAt),
    })
    .onConflictDoNothing({ target: [escalations.obligationId, escalations.rung] })
    .returning({ id: escalations.id, scheduledAt: escalations.scheduledAt, committedAt: escalations.committedAt });
  if (inserted) {
    if (commit) commit.escalation = { rung: e.rung, latenessMs: inserted.committedAt.getTime() - inserted.scheduledAt.getTime() };
    return inserted.id;
  }
  const [row] = await tx
    .select({ id: escalations.id })
    .from(escalations)
    .where(and(eq(escalations.obligationId, e.obligationId), eq(escalations.rung, e.rung)));
  return row?.id ?? null;
}

/** Meeting, dropping or excusing (容错) an obligation resolves its open escalations; they stay in history. */
async function resolveEscalationsOfClosed(tx: Tx, list: readonly Obligation[], at: Date): Promise<void> {
  const closedIds = list.filter((o) => o.status !== 'open' || o.exemptedAt).map((o) => o.id);
  if (closedIds.length === 0) return;
  await tx
    .update(escalations)
    .set({ resolvedAt: at })
    .where(and(inArray(escalations.obligationId, closedIds), isNull(escalations.resolvedAt)));
}

/** The change's audit event, once per (entity, seq), after `preceding` (events of the same transaction that come first). */
export async function insertAuditEvent(
  tx: Tx,
  entity: { type: string; id: string; keyPrefix: string },
  event: ProcessEvent,
  preceding: readonly AuditEventInput[] = [],
): Promise<void> {
  await appendAuditEvents(
    tx,
    [
      ...preceding,
      {
        dedupeKey: `${entity.keyPrefix}:${entity.id}:${event.seq}`,
        entityType: entity.type,
        entityId: entity.id,
        action: event.action,
        actorUserId: event.actor.userId,
        actorLabel: event.actor.label,
        at: new Date(event.at),
        before: event.before,
        after: event.after,
        details: event.details,
      },
    ],
    { ignoreDuplicates: true },
  );
}

/** The change's notifications, once per dedupe key (event or rung, and recipient). */
export async function insertNotifications(
  tx: Tx,
  subject: ProcessOwner | null,
  escalationId: string | null,
  list: readonly NotificationSpec[],
  at: Date,
  commit?: ProjectionCommit,
): Promise<void> {
  if (list.length === 0) return;
  const columns = subject ? ownerColumns(subject) : { caseId: null, mentorshipId: null, reserveCandidateId: null, screeningCampaignId: null };
  const created = await tx
    .insert(notifications)
    .values(
      list.map((n) => ({
        dedupeKey: n.dedupeKey,
        recipientUserId: n.recipient.userId,
        recipientRole: n.recipient.role,
        recipientDivisionCode: n.recipient.divisionCode,
        ...columns,
        escalationId,
        kind: n.kind,
        title: n.title,
        body: n.body,
        createdAt: at,
      })),
    )
    .onConflictDoNothing({ target: notifications.dedupeKey })
    .returning({
      id: notifications.id,
      kind: notifications.kind,
      recipientUserId: notifications.recipientUserId,
      recipientRole: notifications.recipientRole,
      recipientDivisionCode: notifications.recipientDivisionCode,
    });
  // Only rows this call created: a retried activity's notifications already exist and are not returned.
  commit?.notifications.push(...created.map((n) => n.kind));
  // Their outbox rows in the same transaction: a notification never exists without its deliveries.
  const written = await insertDeliveries(
    tx,
    await resolveDeliveryTargets(
      tx,
      created.map(({ id, ...n }) => ({ notificationId: id, ...n })),
    ),
    at,
  );
  if (commit) commit.deliveries += written;
}

/** The shared part of one process's change: its obligations, a fired rung, the notifications and the audit event. */
export interface ProcessChange {
  snapshot: { obligations: readonly Obligation[] };
  event: ProcessEvent;
  escalation?: EscalationSpec;
  notifications: readonly NotificationSpec[];
}

/** What a process says of its own in `recordProcessChange`; the rest is the same for every process. */
export interface ProcessProjection {
  owner: ProcessOwner;
  /** The audit entity (`case`, …) and the prefix of its events' dedupe keys. */
  auditEntity: { type: string; id: string; keyPrefix: string };
  /**
   * Moves the process's row to the snapshot only if its `projection_seq` is behind; answers the rows
   * moved (none: a retried or late change, and nothing else is written).
   */
  advance: (tx: Tx) => Promise<readonly unknown[]>;
  /** The change's own record (a submission, a check-in, a training record), before the notifications. */
  extra?: (tx: Tx, at: Date) => Promise<void>;
  /** After the notifications, before the audit event (a reserve's pool coverage). */
  afterNotifications?: (tx: Tx, at: Date, commit: ProjectionCommit) => Promise<void>;
  /**
   * Audit events of the same transaction that come before this change's (a case's designation,
   * written with its first change): appended together, last, so the chain's lock is held briefly.
   */
  precedingAudit?: readonly AuditEventInput[];
}

/**
 * Writes one change of a process in a single transaction. Idempotent: every insert has a unique key
 * (audit dedupe key, (obligation, rung), notification dedupe key), and the process row only moves
 * forward in `projection_seq`, so a retried or late activity changes nothing twice.
 */
export async function recordProcessChange(db: Db, p: ProcessProjection, change: ProcessChange): Promise<{ applied: boolean; commit?: ProjectionCommit }> {
  return db.transaction((tx) => writeProcessChange(tx, p, change));
}

/** `recordProcessChange` inside the caller's transaction (a case opened with its designation). */
export async function writeProcessChange(tx: Tx, p: ProcessProjection, change: ProcessChange): Promise<{ applied: boolean; commit?: ProjectionCommit }> {
  const commit = emptyCommit();
  if ((await p.advance(tx)).length === 0) return { applied: false };

  const { owner } = p;
  const at = new Date(change.event.at);
  await upsertObligations(tx, owner, change.snapshot.obligations);
  const escalationId = change.escalation ? await insertEscalation(tx, owner, change.escalation, commit) : null;
  await resolveEscalationsOfClosed(tx, change.snapshot.obligations, at);
  await p.extra?.(tx, at);
  await insertNotifications(tx, owner, escalationId, change.notifications, at, commit);
  await p.afterNotifications?.(tx, at, commit);
  // Last: appending holds the audit chain's lock until commit.
  await insertAuditEvent(tx, p.auditEntity, change.event, p.precedingAudit);
  return { applied: true, commit };
}
