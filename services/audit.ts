/**
 * The audit trail for an inspector (issue 15): the org dept reads who did what within its
 * jurisdiction (db/queries/audit.ts says which rows belong where); nobody else reads it.
 */
import type { Db } from '../db/client.js';
import { listAuditEvents, type AuditRowView } from '../db/queries/audit.js';
import { jurisdictionPrefix } from '../domain/divisions.js';
import { ForbiddenError, ValidationError } from '../domain/errors.js';
import type { AuthUser } from '../domain/roles.js';

export interface AuditQuery {
  /** An entity type (`case`), or a type and id (`case:<id>`). */
  entity?: string;
  /** A user's id, or an actor label such as `system` or `admin-cli`. */
  actor?: string;
  from?: Date;
  to?: Date;
}

/** More rows than an export writes: narrow the filter instead. */
export const AUDIT_EXPORT_MAX_ROWS = 50_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createAuditService(deps: { db: Db }) {
  const { db } = deps;

  function filterOf(user: AuthUser, q: AuditQuery) {
    if (user.role !== 'org_dept') throw new ForbiddenError('只有县委组织部可以查阅审计记录 (only the org dept reads the audit trail)');
    if (q.from && q.to && q.from > q.to) throw new ValidationError('开始时间不能晚于结束时间 (from is after to)', 'query.from');
    const [entityType, ...rest] = q.entity?.split(':') ?? [];
    const entityId = rest.length > 0 ? rest.join(':') : undefined;
    const actor = q.actor !== undefined && UUID.test(q.actor) ? { actorUserId: q.actor.toLowerCase() } : q.actor !== undefined ? { actorLabel: q.actor } : {};
    return {
      prefix: jurisdictionPrefix(user.jurisdictionCode),
      ...(entityType ? { entityType } : {}),
      ...(entityId ? { entityId } : {}),
      ...actor,
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
    };
  }

  return {
    list(user: AuthUser, q: AuditQuery & { limit: number; offset: number }) {
      return listAuditEvents(db, { ...filterOf(user, q), limit: q.limit, offset: q.offset });
    },

    /** Every matching row (up to AUDIT_EXPORT_MAX_ROWS; beyond, a 400 asks for a narrower filter). */
    async all(user: AuthUser, q: AuditQuery): Promise<AuditRowView[]> {
      const page = await listAuditEvents(db, { ...filterOf(user, q), limit: AUDIT_EXPORT_MAX_ROWS, offset: 0 });
      if (page.total > AUDIT_EXPORT_MAX_ROWS) {
        throw new ValidationError(
          `符合条件的记录有 ${page.total} 条，超过 ${AUDIT_EXPORT_MAX_ROWS} 条，请缩小时间范围 (too many rows; narrow from/to)`,
          'query.from',
        );
      }
      return page.items;
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
