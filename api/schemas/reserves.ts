import { DeliverySchema, toDeliveryDto } from './delivery.js';
import { z } from 'zod';
import { RAG_COLOURS } from '../../domain/escalation.js';
import { RESERVE_SOURCES } from '../../domain/people.js';
import { ANNUAL_REVIEW_OUTCOMES, PERIODIC_REVIEW_OUTCOMES, PLACEMENT_POSTS, RESERVE_STATES, TRAINING_RECORD_KINDS } from '../../domain/reserves.js';
import type { ReserveDetail } from '../../services/reserves.js';
import { RESERVE_SORTS, type ReserveView } from '../../db/queries/reserves.js';
import { DivisionCode, DivisionPrefix, Instant, PaginationQuery, iso, text } from './common.js';
import {
  ClockRequestSchema,
  csvEnum,
  EscalationSchema,
  NextDueSchema,
  ObligationSchema,
  PersonInputSchema,
  PersonSchema,
  TimelineEntrySchema,
  toEscalationDto,
  toNextDueDto,
  toObligationDto,
  toPersonDto,
  toTimelineDto,
} from './deadlines.js';

const WarningSchema = z.object({ code: z.enum(['age_over_35']), message: z.string() }).meta({ id: 'ReserveWarning' });

export const ReserveSummarySchema = z
  .object({
    id: z.uuid(),
    personId: z.uuid(),
    personName: z.string().nullable(),
    villageCode: z.string(),
    townshipCode: z.string(),
    countyCode: z.string(),
    source: z.enum(RESERVE_SOURCES).describe('五个一批'),
    nominationId: z.uuid().nullable().describe('导入的提名记录'),
    state: z.enum(RESERVE_STATES),
    rag: z.enum(RAG_COLOURS),
    ageAtNomination: z.number().int().nullable(),
    ageWarning: z.boolean().describe('提名时超过35岁（提示，不影响提名）'),
    note: z.string().nullable(),
    policyId: z.uuid().nullable(),
    nominatedAt: Instant,
    qualifiedAt: Instant.nullable(),
    inspectedAt: Instant.nullable(),
    publicityEndsAt: Instant.nullable(),
    pooledAt: Instant.nullable(),
    trainingStartedAt: Instant.nullable(),
    closedAt: Instant.nullable(),
    placedPost: z.enum(PLACEMENT_POSTS).nullable(),
    newInPost: z.boolean().nullable(),
    transferredTo: z.string().nullable().describe('调往的村'),
    transferredFromId: z.uuid().nullable().describe('调入：由他村调来时，原后备力量记录'),
    exitReason: z.string().nullable(),
    updatedAt: Instant,
    villageName: z.string().nullable(),
    townshipName: z.string().nullable(),
    nextDue: NextDueSchema,
  })
  .meta({ id: 'ReserveSummary' });

export const ReserveDetailSchema = ReserveSummarySchema.extend({
  person: PersonSchema,
  warnings: z.array(WarningSchema),
  policy: z.record(z.string(), z.unknown()),
  mentorshipId: z.uuid().nullable().describe('任新书记后自动提出的1+1帮带'),
  transferredToCandidateId: z.uuid().nullable().describe('调往他村后，在该村后备力量库中的新记录'),
  clockRequests: z.array(ClockRequestSchema).describe('延期、容错申请及审批'),
  obligations: z.array(ObligationSchema),
  escalations: z.array(EscalationSchema),
  records: z.array(
    z.object({
      id: z.uuid(),
      kind: z.string(),
      key: z.string(),
      content: z.record(z.string(), z.unknown()),
      late: z.boolean(),
      submittedBy: z.uuid().nullable(),
      submittedAt: Instant,
    }),
  ),
  timeline: z.array(TimelineEntrySchema),
  deliveries: z.array(DeliverySchema).describe('有关通知的站外送达（短信、邮件、群机器人），脱敏'),
}).meta({ id: 'ReserveDetail' });

export function toReserveSummary(row: ReserveView): z.output<typeof ReserveSummarySchema> {
  return {
    id: row.id,
    personId: row.personId,
    personName: row.personName,
    villageCode: row.villageCode,
    townshipCode: row.townshipCode,
    countyCode: row.countyCode,
    source: row.source,
    nominationId: row.nominationId,
    state: row.state,
    rag: row.rag,
    ageAtNomination: row.ageAtNomination,
    ageWarning: row.ageWarning,
    note: row.note,
    policyId: row.policyId,
    nominatedAt: row.nominatedAt.toISOString(),
    qualifiedAt: iso(row.qualifiedAt),
    inspectedAt: iso(row.inspectedAt),
    publicityEndsAt: iso(row.publicityEndsAt),
    pooledAt: iso(row.pooledAt),
    trainingStartedAt: iso(row.trainingStartedAt),
    closedAt: iso(row.closedAt),
    placedPost: row.placedPost,
    newInPost: row.newInPost,
    transferredTo: row.transferredTo,
    transferredFromId: row.transferredFromId,
    exitReason: row.exitReason,
    updatedAt: row.updatedAt.toISOString(),
    villageName: row.villageName,
    townshipName: row.townshipName,
    nextDue: toNextDueDto(row.nextDue),
  };
}

export function toReserveDetail(d: ReserveDetail): z.output<typeof ReserveDetailSchema> {
  return {
    ...toReserveSummary(d),
    person: toPersonDto(d.person),
    warnings: d.warnings,
    policy: d.policy as unknown as Record<string, unknown>,
    mentorshipId: d.mentorshipId,
    transferredToCandidateId: d.transferredToCandidateId,
    clockRequests: d.clockRequests,
    obligations: d.obligations.map(toObligationDto),
    escalations: d.escalations.map(toEscalationDto),
    records: d.records.map((r) => ({
      id: r.id,
      kind: r.kind,
      key: r.key,
      content: r.content,
      late: r.late,
      submittedBy: r.submittedBy,
      submittedAt: r.submittedAt.toISOString(),
    })),
    timeline: d.timeline.map(toTimelineDto),
    deliveries: d.deliveries.map(toDeliveryDto),
  };
}

export const NominateBody = z
  .strictObject({
    villageCode: DivisionCode.describe('村（12位区划代码）'),
    person: PersonInputSchema.optional().describe('被提名人：已有人员或新录入（含出生日期、学历、性别）'),
    source: z.enum(RESERVE_SOURCES).optional().describe('来源（五个一批）；从提名记录开始时可缺省'),
    nominationId: z.uuid().optional().describe('从导入的提名记录开始'),
    note: text(2000).optional(),
    policyId: z.uuid().optional(),
  })
  .superRefine((v, ctx) => {
    if (!v.person && !v.nominationId)
      ctx.addIssue({ code: 'custom', path: ['person'], message: '须填写被提名人或提名记录 (person or nominationId is required)' });
    if (!v.source && !v.nominationId) ctx.addIssue({ code: 'custom', path: ['source'], message: '须填写来源 (source is required)' });
  })
  .meta({ id: 'NominateReserveRequest' });

export const ReviewResultBody = z.strictObject({ passed: z.boolean(), comment: text(4000) }).meta({ id: 'ReserveReviewResultRequest' });
export const PublicizeBody = z.strictObject({ note: text(2000).optional() }).meta({ id: 'PublicizeReserveRequest' });
export const StartTrainingBody = z.strictObject({ arrangement: text(2000).describe('跟岗岗位与安排') }).meta({ id: 'StartTrainingRequest' });
export const TrainingRecordBody = z
  .strictObject({
    kind: z.enum(TRAINING_RECORD_KINDS).describe('written_report 季度书面报告；talk 谈心谈话'),
    period: z
      .string()
      .regex(/^Q[1-9]\d{0,2}$/, '季度须为Q1、Q2…（从跟岗实训开始计）')
      .describe('跟岗实训第几季度：Q1、Q2…'),
    summary: text(8000),
    talkedWith: text(200).optional().describe('谈话人'),
  })
  .meta({ id: 'TrainingRecordRequest' });
export const PeriodicReviewBody = z.strictObject({ outcome: z.enum(PERIODIC_REVIEW_OUTCOMES), comment: text(4000) }).meta({ id: 'PeriodicReviewRequest' });
export const AnnualReviewBody = z
  .strictObject({
    outcome: z.enum(ANNUAL_REVIEW_OUTCOMES),
    satisfaction: z.number().min(0).max(1).optional().describe('民主测评满意率（0–1）'),
    comment: text(4000),
  })
  .meta({ id: 'AnnualReviewRequest' });
export const PlacementBody = z
  .strictObject({
    post: z.enum(PLACEMENT_POSTS),
    newInPost: z.boolean().describe('新任（非连任）：新任村党组织书记自动提出1+1帮带'),
    note: text(2000).optional(),
  })
  .meta({ id: 'PlacementRequest' });
export const ExitBody = z.strictObject({ reason: text(1000) }).meta({ id: 'ExitReserveRequest' });
export const TransferBody = z.strictObject({ toVillageCode: DivisionCode, reason: text(1000) }).meta({ id: 'TransferReserveRequest' });

export const ListReservesQuery = z.strictObject({
  state: csvEnum(RESERVE_STATES).describe('逗号分隔的状态'),
  rag: csvEnum(RAG_COLOURS).describe('逗号分隔的红黄绿灯'),
  source: csvEnum(RESERVE_SOURCES).describe('逗号分隔的来源'),
  division: DivisionPrefix.optional().describe('区划代码前缀（县、乡镇或村）'),
  sort: z.enum(RESERVE_SORTS).default('nominated').describe('nominated 最新提名在前；next_due 最近到期在前；updated 最近变动在前'),
  ...PaginationQuery,
});

export const ReserveIdParams = z.strictObject({ id: z.uuid() });

export const ReserveCoverageQuery = z.strictObject({
  division: DivisionPrefix.optional().describe('缺省为本人管辖范围'),
  belowTarget: z.enum(['true', 'false']).default('false').describe('只列在库不足2人的村'),
  limit: z.coerce.number().int().min(1).max(2000).default(500),
  offset: z.coerce.number().int().min(0).default(0),
});

export const ReserveCoverageSchema = z
  .object({
    division: z.string(),
    totals: z.object({
      villages: z.number().int(),
      covered: z.number().int().describe('在库≥2人的村'),
      belowTarget: z.number().int().describe('在库不足2人的村（预警）'),
      inPool: z.number().int(),
      openAlerts: z.number().int().describe('未解除的预警记录'),
      coverage: z.number().nullable().describe('covered / villages'),
    }),
    villages: z.array(
      z.object({
        villageCode: z.string(),
        villageName: z.string(),
        inPool: z.number().int(),
        alert: z.boolean().describe('在库不足2人'),
        alertRaisedAt: Instant.nullable(),
      }),
    ),
  })
  .meta({ id: 'ReserveCoverage' });

export const ReservePipelineQuery = z.strictObject({ division: DivisionPrefix.optional().describe('缺省为本人管辖范围') });
export const ReservePipelineSchema = z
  .object({
    division: z.string(),
    total: z.number().int(),
    states: z.array(z.object({ state: z.enum(RESERVE_STATES), count: z.number().int() })).describe('每个流程状态的人数（按流程顺序，含 0）'),
  })
  .meta({ id: 'ReservePipeline' });
