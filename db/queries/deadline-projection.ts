/**
 * The parts of a projection every process shares: its obligations, a fired rung, resolving the
 * escalations of met obligations, the audit event and the notifications. Each helper runs inside the
 * process's own transaction and is idempotent by a unique key, so a retried activity changes nothing
 * twice.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { auditEvents, escalations, notifications, obligations } from '../schema/index.js';
import type { Obligation } from '../../domain/escalation.js';
import type { EscalationSpec, NotificationSpec, ProcessEvent } from '../../workflows/deadline-types.js';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** What obligations, escalations and notifications belong to: exactly one process. */
export type ProcessOwner = { caseId: string } | { mentorshipId: string } | { reserveCandidateId: string };

function ownerColumns(owner: ProcessOwner) {
  return {
    caseId: 'caseId' in owner ? owner.caseId : null,
    mentorshipId: 'mentorshipId' in owner ? owner.mentorshipId : null,
    reserveCandidateId: 'reserveCandidateId' in owner ? owner.reserveCandidateId : null,
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
        : eq(obligations.reserveCandidateId, owner.reserveCandidateId);
  const [row] = await db.select().from(obligations).where(and(ownedBy, eq(obligations.id, obligationId)));
  return row ?? null;
}

/** Inserts or updates every obligation the process holds (the workflow's list is the truth). */
export async function upsertObligations(tx: Tx, owner: ProcessOwner, list: readonly Obligation[]): Promise<void> {
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

/** Records a fired rung once per (obligation, rung); answers its id for the notifications. */
export async function insertEscalation(tx: Tx, owner: ProcessOwner, e: EscalationSpec): Promise<string | null> {
  await tx
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
    .onConflictDoNothing({ target: [escalations.obligationId, escalations.rung] });
  const [row] = await tx
    .select({ id: escalations.id })
    .from(escalations)
    .where(and(eq(escalations.obligationId, e.obligationId), eq(escalations.rung, e.rung)));
  return row?.id ?? null;
}

/** Meeting, dropping or excusing (容错) an obligation resolves its open escalations; they stay in history. */
export async function resolveEscalationsOfClosed(tx: Tx, list: readonly Obligation[], at: Date): Promise<void> {
  const closedIds = list.filter((o) => o.status !== 'open' || o.exemptedAt).map((o) => o.id);
  if (closedIds.length === 0) return;
  await tx
    .update(escalations)
    .set({ resolvedAt: at })
    .where(and(inArray(escalations.obligationId, closedIds), isNull(escalations.resolvedAt)));
}

/** The change's audit event, once per (entity, seq). */
export async function insertAuditEvent(tx: Tx, entity: { type: string; id: string; keyPrefix: string }, event: ProcessEvent): Promise<void> {
  await tx
    .insert(auditEvents)
    .values({
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
    })
    .onConflictDoNothing();
}

/** The change's notifications, once per dedupe key (event or rung, and recipient). */
export async function insertNotifications(
  tx: Tx,
  subject: ProcessOwner | null,
  escalationId: string | null,
  list: readonly NotificationSpec[],
  at: Date,
): Promise<void> {
  if (list.length === 0) return;
  const columns = subject ? ownerColumns(subject) : { caseId: null, mentorshipId: null, reserveCandidateId: null };
  await tx
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
    .onConflictDoNothing({ target: notifications.dedupeKey });
}
