/**
 * Reading the audit trail for an inspector: who did what, within a jurisdiction. A row belongs to
 * the division of what it is about (a case's, mentorship's or reserve candidate's village; an
 * escalation's or notification's process's village, else the office it went to; an account's, a
 * policy's or a calendar override's own division; a spreadsheet import's importer's). System-wide
 * records (national calendar versions, retention checkpoints) concern every org dept.
 */
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { auditEvents } from '../schema/index.js';

/** Audit rows of these entity types have no division and are shown to every org dept. */
export const SYSTEM_ENTITY_TYPES = ['calendar_version', 'audit_chain'] as const;

const UUID = `'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`;
/** The row's entity id as a uuid when it is one (a lookup by primary key), else null. */
const entityUuid = sql.raw(`(case when a.entity_id ~ ${UUID} then a.entity_id::uuid end)`);
const processVillage = (alias: string) =>
  sql.raw(`
  coalesce((select village_code from rectification_cases where id = ${alias}.case_id),
           (select village_code from mentorships where id = ${alias}.mentorship_id),
           (select village_code from reserve_candidates where id = ${alias}.reserve_candidate_id),
           (select county_code from screening_campaigns where id = ${alias}.screening_campaign_id))`);

/** The division code an audit row belongs to (null: none). */
const scopeCode = sql`(case a.entity_type
  when 'case' then (select village_code from rectification_cases where id = ${entityUuid})
  when 'mentorship' then (select village_code from mentorships where id = ${entityUuid})
  when 'reserve_candidate' then (select village_code from reserve_candidates where id = ${entityUuid})
  when 'screening_campaign' then (select county_code from screening_campaigns where id = ${entityUuid})
  when 'escalation' then (select ${processVillage('e')} from escalations e where e.id = ${entityUuid})
  when 'notification' then (select coalesce(${processVillage('n')}, n.recipient_division_code) from notifications n where n.id = ${entityUuid})
  when 'user' then (select jurisdiction_code from users where id = ${entityUuid})
  when 'policy' then (select jurisdiction_code from policies where id = ${entityUuid})
  when 'calendar_override' then (select division_code from calendar_overrides where id = ${entityUuid})
  when 'village_secretary' then a.entity_id
  when 'people_import' then (select u.jurisdiction_code from people_imports p join users u on u.id = p.created_by where p.id = ${entityUuid})
end)`;

export interface AuditFilter {
  /** The caller's jurisdiction prefix. */
  prefix: string;
  entityType?: string;
  entityId?: string;
  actorUserId?: string;
  actorLabel?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

export interface AuditRowView {
  id: number;
  at: Date;
  entityType: string;
  entityId: string;
  action: string;
  actorUserId: string | null;
  actorLabel: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  details: Record<string, unknown> | null;
  hash: string | null;
  prevHash: string | null;
  hashAlg: string | null;
}

/** Audit rows within the jurisdiction, newest first (chain order), paged, with the total. */
export async function listAuditEvents(db: Db, filter: AuditFilter): Promise<{ total: number; items: AuditRowView[] }> {
  const conditions: Array<SQL | undefined> = [
    sql`(${scopeCode} like ${`${filter.prefix}%`} or a.entity_type in (${sql.join(
      SYSTEM_ENTITY_TYPES.map((t) => sql`${t}`),
      sql`, `,
    )}))`,
    filter.entityType !== undefined ? sql`a.entity_type = ${filter.entityType}` : undefined,
    filter.entityId !== undefined ? sql`a.entity_id = ${filter.entityId}` : undefined,
    filter.actorUserId !== undefined ? sql`a.actor_user_id = ${filter.actorUserId}::uuid` : undefined,
    filter.actorLabel !== undefined ? sql`a.actor_label = ${filter.actorLabel}` : undefined,
    filter.from ? sql`a.at >= ${filter.from.toISOString()}::timestamptz` : undefined,
    filter.to ? sql`a.at <= ${filter.to.toISOString()}::timestamptz` : undefined,
  ];
  const where = and(...conditions);
  // The alias `a` is what scopeCode's correlated lookups name.
  const a = sql`${auditEvents} a`;
  const columns = sql`a.id::bigint as id, a.at, a.entity_type, a.entity_id, a.action, a.actor_user_id, a.actor_label, a.before, a.after, a.details, a.hash, a.prev_hash, a.hash_alg`;
  const [rows, [count]] = await Promise.all([
    db.execute<Record<string, unknown>>(sql`select ${columns} from ${a} where ${where} order by a.id desc limit ${filter.limit} offset ${filter.offset}`),
    db.execute<{ n: number }>(sql`select count(*)::int as n from ${a} where ${where}`),
  ]);
  const items = [...rows].map((r) => ({
    id: Number(r.id),
    at: new Date(r.at as string | Date),
    entityType: r.entity_type as string,
    entityId: r.entity_id as string,
    action: r.action as string,
    actorUserId: (r.actor_user_id as string | null) ?? null,
    actorLabel: r.actor_label as string,
    before: (r.before as Record<string, unknown> | null) ?? null,
    after: (r.after as Record<string, unknown> | null) ?? null,
    details: (r.details as Record<string, unknown> | null) ?? null,
    hash: (r.hash as string | null) ?? null,
    prevHash: (r.prev_hash as string | null) ?? null,
    hashAlg: (r.hash_alg as string | null) ?? null,
  }));
  return { total: count?.n ?? 0, items };
}

/** One entity's audit events, oldest first: the timeline of a case, mentorship or reserve candidate. */
export function timelineOf(db: Db, entityType: string, entityId: string) {
  return db
    .select({
      id: auditEvents.id,
      action: auditEvents.action,
      actorUserId: auditEvents.actorUserId,
      actorLabel: auditEvents.actorLabel,
      at: auditEvents.at,
      before: auditEvents.before,
      after: auditEvents.after,
      details: auditEvents.details,
    })
    .from(auditEvents)
    .where(and(eq(auditEvents.entityType, entityType), eq(auditEvents.entityId, entityId)))
    .orderBy(asc(auditEvents.id));
}
