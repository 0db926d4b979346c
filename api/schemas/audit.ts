import { z } from 'zod';
import { IsoInstant, printable } from './common.js';

/** The audit trail's filters (GET /audit and its export). */
export const AuditQueryShape = {
  entity: printable(z.string().min(1).max(200))
    .regex(/^[a-z_]+(:.+)?$/, '须为对象类型（如 case）或 类型:编号 (an entity type, or type:id)')
    .optional()
    .describe(
      '对象类型（case、mentorship、reserve_candidate、escalation、notification、user、policy、calendar_override、calendar_version、people_import、audit_chain），或 类型:编号',
    ),
  actor: printable(z.string().min(1).max(200)).optional().describe('操作人：用户编号，或标签（如 system、admin-cli）'),
  from: IsoInstant.optional(),
  to: IsoInstant.optional(),
};

const Json = z.record(z.string(), z.unknown()).nullable();

export const AuditEventSchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    action: z.string(),
    actorUserId: z.string().nullable(),
    actorLabel: z.string(),
    before: Json,
    after: Json,
    details: Json,
    hash: z.string().nullable().describe('本条的链式哈希（hashAlg 算法，覆盖本条内容与前条哈希）'),
    prevHash: z.string().nullable(),
    hashAlg: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });
