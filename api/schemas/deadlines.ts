/**
 * Response shapes every process shares: its obligations with their rungs, fired escalations, and the
 * audited timeline. Cases, mentorships and reserve candidates answer them alike.
 */
import { z } from 'zod';
import {
  ESCALATION_RUNGS,
  EXEMPTION_CATEGORIES,
  OBLIGATION_KINDS,
  OBLIGATION_STATUSES,
  RAG_COLOURS,
  RESPONSIBLE_PARTIES,
  type ScheduledRung,
} from '../../domain/escalation.js';
import { EDUCATION_LEVELS, GENDERS } from '../../domain/people.js';
import { ROLES } from '../../domain/roles.js';
import type { escalations, obligations, people } from '../../db/schema/index.js';
import type { NextDue } from '../../db/queries/cases.js';
import { BirthDate, Instant, IsoDate, iso, key, text } from './common.js';

const RungSchema = z.object({
  rung: z.enum(ESCALATION_RUNGS),
  at: Instant,
  rag: z.enum(RAG_COLOURS),
  provisional: z.boolean().describe('该级督办的日期按尚未公布的年度安排推定（或截止日期本身暂定），公布后自动重算'),
  firedAt: Instant.optional(),
});

export const ObligationSchema = z.object({
  id: z.string(),
  kind: z.enum(OBLIGATION_KINDS),
  key: z.string(),
  responsible: z.enum(RESPONSIBLE_PARTIES),
  dueAt: Instant,
  dueDate: z.string().nullable().describe('日级期限的截止日期'),
  provisional: z.boolean().describe('截止日期按尚未公布的年度安排推定，公布后自动重算（各级督办日期另见 rungs[].provisional）'),
  status: z.enum(OBLIGATION_STATUSES),
  closedAt: Instant.nullable(),
  exemptedAt: Instant.nullable().describe('容错免责批准时间'),
  rungs: z.array(RungSchema),
  previousDues: z
    .array(z.object({ dueAt: Instant, dueDate: z.string().nullable(), rungs: z.array(RungSchema), replacedAt: Instant }))
    .describe('延期、暂停/恢复或重新计时之前的期限（先旧后新），页面上划去显示'),
});

/** A list row's soonest open obligation (mentorships, reserve candidates: as CaseSummary.nextDue). */
export const NextDueSchema = z
  .object({
    kind: z.enum(OBLIGATION_KINDS).describe('义务类型'),
    dueAt: Instant,
    dueDate: z.string().nullable().describe('按日计的到期日（北京时间）'),
    provisional: z.boolean().describe('暂定：所在年份的节假日安排尚未公布'),
    workingDaysLeft: z
      .number()
      .int()
      .nullable()
      .describe('列表中：距到期的工作日数（按该村日历，含调休）；负数为已超期的工作日数；详情和按时刻计的期限为 null'),
  })
  .nullable()
  .describe('最近一项未完成的义务；没有时为 null');

export const toNextDueDto = (d: NextDue | null): z.output<typeof NextDueSchema> =>
  d
    ? {
        kind: d.kind as z.output<typeof ObligationSchema>['kind'],
        dueAt: new Date(d.dueAt).toISOString(),
        dueDate: d.dueDate,
        provisional: d.provisional,
        workingDaysLeft: d.workingDaysLeft ?? null,
      }
    : null;

export const EscalationSchema = z.object({
  id: z.uuid(),
  obligationId: z.string(),
  rung: z.enum(ESCALATION_RUNGS),
  targetRole: z.enum(ROLES),
  targetDivisionCode: z.string(),
  targetUserId: z.uuid().nullable(),
  scheduledAt: Instant,
  raisedAt: Instant,
  resolvedAt: Instant.nullable(),
});

export const TimelineEntrySchema = z.object({
  id: z.number().int(),
  action: z.string(),
  actorUserId: z.uuid().nullable(),
  actorLabel: z.string(),
  at: Instant,
  before: z.record(z.string(), z.unknown()).nullable(),
  after: z.record(z.string(), z.unknown()).nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});

type ObligationRow = typeof obligations.$inferSelect;
type EscalationRow = typeof escalations.$inferSelect;
interface TimelineRow {
  id: number;
  action: string;
  actorUserId: string | null;
  actorLabel: string;
  at: Date;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  details: Record<string, unknown> | null;
}

export const toObligationDto = (o: ObligationRow): z.output<typeof ObligationSchema> => ({
  id: o.id,
  kind: o.kind,
  key: o.key,
  responsible: o.responsible,
  dueAt: o.dueAt.toISOString(),
  dueDate: o.dueDate,
  provisional: o.provisional,
  status: o.status,
  closedAt: iso(o.closedAt),
  exemptedAt: iso(o.exemptedAt),
  // Rungs scheduled before flags were per date carry none: the obligation's old flag bounds them.
  rungs: (o.rungs as ScheduledRung[]).map((r) => ({ ...r, provisional: r.provisional ?? o.provisional })),
  previousDues: (o.previousDues ?? []).map((p) => ({
    dueAt: new Date(p.dueAt).toISOString(),
    dueDate: p.dueDate,
    rungs: p.rungs.map((r) => ({ ...r, provisional: r.provisional ?? o.provisional })),
    replacedAt: new Date(p.replacedAt).toISOString(),
  })),
});

export const toEscalationDto = (e: EscalationRow): z.output<typeof EscalationSchema> => ({
  id: e.id,
  obligationId: e.obligationId,
  rung: e.rung,
  targetRole: e.targetRole,
  targetDivisionCode: e.targetDivisionCode,
  targetUserId: e.targetUserId,
  scheduledAt: e.scheduledAt.toISOString(),
  raisedAt: e.raisedAt.toISOString(),
  resolvedAt: iso(e.resolvedAt),
});

export const toTimelineDto = (t: TimelineRow): z.output<typeof TimelineEntrySchema> => ({ ...t, at: t.at.toISOString() });

// --- People -------------------------------------------------------------------------------------------

/** A person named in a request: an existing one (`personId`), or a new one recorded with it. */
export const PersonInputSchema = z
  .union([
    z.strictObject({ personId: z.uuid() }),
    z.strictObject({
      name: text(100),
      gender: z.enum(GENDERS).optional(),
      birthDate: BirthDate.optional().describe('出生日期 YYYY-MM-DD（1900年以后，不晚于今天）'),
      ethnicity: text(20).optional().describe('民族，如 汉族、布依族'),
      education: z.enum(EDUCATION_LEVELS).optional(),
      partyMember: z.boolean().optional(),
      position: text(200).optional().describe('现任职务'),
    }),
  ])
  // Inline, not a named component: fastify-type-provider-zod registers ids for input and output alike.
  .describe('已有人员 { personId }，或新录入的人员');

export const PersonSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    gender: z.enum(GENDERS).nullable(),
    birthDate: z.string().nullable(),
    ethnicity: z.string().nullable(),
    education: z.string().nullable(),
    partyMember: z.boolean().nullable(),
    position: z.string().nullable(),
    divisionCode: z.string().nullable(),
  })
  .meta({ id: 'Person' });

type PersonRow = typeof people.$inferSelect;
export const toPersonDto = (p: PersonRow): z.output<typeof PersonSchema> => ({
  id: p.id,
  name: p.name,
  gender: p.gender,
  birthDate: p.birthDate,
  ethnicity: p.ethnicity,
  education: p.education,
  partyMember: p.partyMember,
  position: p.position,
  divisionCode: p.divisionCode,
});

/** "a,b,c" → a list of enum values (list filters). */
export const csvEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .optional();

export const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().optional().describe('同一键重复提交只生效一次，并返回相同结果 (same key, same answer, one change)'),
});

// --- 延期/容错, the same for every process -------------------------------------------------------

const ActorSchema = z.object({ userId: z.uuid().nullable(), label: z.string(), role: z.string() });
export const ClockRequestSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['extension', 'exemption']),
    obligationId: z.string(),
    reason: z.string(),
    newDueDate: z.string().optional(),
    category: z.enum(EXEMPTION_CATEGORIES).optional(),
    requestedBy: ActorSchema,
    requestedAt: Instant,
    status: z.enum(['pending', 'approved', 'refused']),
    decidedBy: ActorSchema.optional(),
    decidedAt: Instant.optional(),
    comment: z.string().optional(),
  })
  .meta({ id: 'ClockRequest' });

export const ClockRequestBody = z
  .strictObject({
    kind: z.enum(['extension', 'exemption']).describe('extension 延期（到期前申请）；exemption 容错（已逾期）'),
    obligationId: key(200),
    reason: text(2000),
    newDueDate: IsoDate.optional().describe('延期至（YYYY-MM-DD）'),
    category: z.enum(EXEMPTION_CATEGORIES).optional().describe('容错情形'),
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'extension' && !v.newDueDate) ctx.addIssue({ code: 'custom', path: ['newDueDate'], message: '延期须给出新的期限 (newDueDate is required)' });
    if (v.kind === 'exemption' && !v.category) ctx.addIssue({ code: 'custom', path: ['category'], message: '容错须说明情形 (category is required)' });
  })
  .meta({ id: 'ClockRequestRequest' });

export const ClockDecisionBody = z.strictObject({ approved: z.boolean(), comment: text(2000).optional() }).meta({ id: 'ClockDecisionRequest' });
