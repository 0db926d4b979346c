import { DeliverySchema, toDeliveryDto } from './delivery.js';
import { z } from 'zod';
import { CASE_STATES, DESIGNATION_REASONS } from '../../domain/cases.js';
import { RAG_COLOURS } from '../../domain/escalation.js';
import type { CaseDetail } from '../../services/cases.js';
import { CASE_SORTS, type CaseView } from '../../db/queries/cases.js';
import { DivisionCode, DivisionPrefix, Instant, IsoDate, IsoMonth, PaginationQuery, iso, key, text } from './common.js';
import { PACKAGE_POSTS } from '../../domain/support-package.js';
import { SupportPackageAssignmentSchema, SupportPackageSchema, SupportTermSchema, toSupportPackageDto, toSupportTermDto } from './support-package.js';
import { ClockRequestSchema, EscalationSchema, ObligationSchema, TimelineEntrySchema, toEscalationDto, toObligationDto, toTimelineDto } from './deadlines.js';

const CaseState = z.enum(CASE_STATES);
const Rag = z.enum(RAG_COLOURS);
const Reason = z.enum(DESIGNATION_REASONS);

export const CaseSummarySchema = z
  .object({
    id: z.uuid(),
    villageCode: z.string(),
    townshipCode: z.string(),
    countyCode: z.string(),
    sponsorUserId: z.uuid().nullable(),
    state: CaseState,
    rag: Rag,
    reasons: z.array(z.string()),
    note: z.string().nullable(),
    policyId: z.uuid().nullable(),
    parentCaseId: z.uuid().nullable().describe('反弹前的原案例（本案例由其反弹而立）'),
    successorCaseId: z.uuid().nullable().describe('反弹后重新立的案例（本案例反弹时）'),
    designatedAt: Instant,
    delistedAt: Instant.nullable(),
    followUpEndsAt: Instant.nullable(),
    closedAt: Instant.nullable(),
    cancelReason: z.string().nullable(),
    suspendedSince: Instant.nullable().describe('暂停计时起始'),
    suspensionReason: z.string().nullable(),
    acceptanceAttempts: z.number().int(),
    updatedAt: Instant,
    villageName: z.string().nullable(),
    townshipName: z.string().nullable(),
    sponsorName: z.string().nullable().describe('包保领导姓名；空缺时为 null'),
    nextDue: z
      .object({
        kind: z.string().describe('义务类型：plan、report、acceptance_review…'),
        dueAt: Instant,
        dueDate: z.string().nullable().describe('按日计的到期日（北京时间）'),
        provisional: z.boolean().describe('暂定：所在年份的节假日安排尚未公布'),
        workingDaysLeft: z.number().int().nullable().describe('列表中：距到期的工作日数（按该村日历，含调休）；负数为已超期的工作日数；按时刻计的期限为 null'),
      })
      .nullable()
      .describe('最近一项未完成的义务；没有时为 null'),
    vacantPosts: z.array(z.enum(PACKAGE_POSTS)).describe('包保责任体系中现无人的岗位'),
  })
  .meta({ id: 'CaseSummary' });

export const CaseDetailSchema = CaseSummarySchema.extend({
  policy: z.record(z.string(), z.unknown()),
  clockRequests: z.array(ClockRequestSchema),
  obligations: z.array(ObligationSchema),
  escalations: z.array(EscalationSchema),
  submissions: z.array(
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
  supportPackage: SupportPackageSchema.describe('包保责任体系：各岗位现任、自何时起、是否空缺'),
  supportHistory: z.array(SupportTermSchema).describe('各岗位的任职记录（含已卸任）'),
}).meta({ id: 'CaseDetail' });

export function toCaseSummary(row: CaseView & { vacantPosts?: Array<(typeof PACKAGE_POSTS)[number]> }): z.output<typeof CaseSummarySchema> {
  return {
    id: row.id,
    villageCode: row.villageCode,
    townshipCode: row.townshipCode,
    countyCode: row.countyCode,
    sponsorUserId: row.sponsorUserId,
    state: row.state,
    rag: row.rag,
    reasons: row.reasons,
    note: row.note,
    policyId: row.policyId,
    parentCaseId: row.parentCaseId,
    successorCaseId: row.successorCaseId,
    designatedAt: row.designatedAt.toISOString(),
    delistedAt: iso(row.delistedAt),
    followUpEndsAt: iso(row.followUpEndsAt),
    closedAt: iso(row.closedAt),
    cancelReason: row.cancelReason,
    suspendedSince: iso(row.suspendedSince),
    suspensionReason: row.suspensionReason,
    acceptanceAttempts: row.acceptanceAttempts,
    villageName: row.villageName,
    townshipName: row.townshipName,
    sponsorName: row.sponsorName,
    nextDue: row.nextDue ? { ...row.nextDue, dueAt: new Date(row.nextDue.dueAt).toISOString(), workingDaysLeft: row.nextDue.workingDaysLeft ?? null } : null,
    updatedAt: row.updatedAt.toISOString(),
    vacantPosts: row.vacantPosts ?? [],
  };
}

export function toCaseDetail(detail: CaseDetail): z.output<typeof CaseDetailSchema> {
  return {
    ...toCaseSummary(detail),
    policy: detail.policy as unknown as Record<string, unknown>,
    clockRequests: detail.clockRequests,
    obligations: detail.obligations.map(toObligationDto),
    escalations: detail.escalations.map(toEscalationDto),
    submissions: detail.submissions.map((s) => ({
      id: s.id,
      kind: s.kind,
      key: s.key,
      content: s.content,
      late: s.late,
      submittedBy: s.submittedBy,
      submittedAt: s.submittedAt.toISOString(),
    })),
    timeline: detail.timeline.map(toTimelineDto),
    deliveries: detail.deliveries.map(toDeliveryDto),
    supportPackage: toSupportPackageDto(detail.supportPackage),
    // The detail's vacancies are the package's (a summary row has them from the list).
    vacantPosts: PACKAGE_POSTS.filter((p) => Object.values(detail.supportPackage).some((v) => v.post === p && v.vacant)),
    supportHistory: detail.supportHistory.map(toSupportTermDto),
  };
}

// --- Requests: strict objects, so unknown fields are rejected and named. ---

export const DesignateBody = z
  .strictObject({
    villageCode: DivisionCode.describe('12位村级区划代码'),
    reasons: z.array(Reason).min(1, '至少选择一种情形 (choose at least one reason)').max(DESIGNATION_REASONS.length).describe('软弱涣散情形，至少一项'),
    sponsorUserId: z.uuid('请选择包保领导 (must be a user id)').describe('包保县级领导的用户ID'),
    policyId: z.uuid().optional().describe('期限策略ID；缺省用本级或上级的 default 策略'),
    note: text(2000).optional(),
    supportPackage: SupportPackageAssignmentSchema.optional().describe('包保责任体系（包保领导之外的岗位）；给出时，未填的岗位为空缺并限期明确'),
  })
  .meta({ id: 'DesignateCaseRequest' });

export const PlanBody = z
  .strictObject({
    summary: text(4000),
    issues: z.array(text(1000)).min(1).max(50),
    measures: z
      .array(z.strictObject({ measure: text(1000), owner: text(100), dueDate: IsoDate.optional() }))
      .min(1)
      .max(100),
  })
  .meta({ id: 'PlanRequest' });

export const ReportBody = z
  .strictObject({
    period: IsoMonth('报告期须为YYYY-MM (period must be YYYY-MM)'),
    progress: text(8000),
    problems: text(4000).optional(),
    nextSteps: text(4000).optional(),
  })
  .meta({ id: 'ReportRequest' });

export const AcceptanceRequestBody = z.strictObject({ summary: text(8000) }).meta({ id: 'AcceptanceRequest' });

export const AcceptanceReviewBody = z
  .strictObject({
    score: z.number().min(0).max(100),
    representativesTotal: z.number().int().min(1).max(10000),
    representativesDissatisfied: z.number().int().min(0).max(10000),
    comments: text(4000).optional(),
  })
  .meta({ id: 'AcceptanceReviewRequest' });

export const SponsorBody = z
  .strictObject({
    sponsorUserId: z.uuid().nullable().describe('新的包保领导；null 表示原包保领导已调离、暂时空缺'),
    reason: text(1000),
  })
  .meta({ id: 'SponsorChangeRequest' });

export const CancelBody = z.strictObject({ reason: text(1000) }).meta({ id: 'CancelRequest' });

export const RelapseBody = z
  .strictObject({
    reasons: z.array(Reason).min(1).max(DESIGNATION_REASONS.length),
    note: text(2000).optional().describe('反弹情况；由回头看走访认定时可缺省（取走访发现）'),
    visitId: z
      .string()
      .regex(/^visit-\d{1,9}$/, '走访记录ID如 visit-12 (visit id like visit-12)')
      .optional()
      .describe('认定所依据的回头看走访'),
  })
  .meta({ id: 'RelapseRequest' });

const csvEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .optional();

export const ListCasesQuery = z.strictObject({
  state: csvEnum(CASE_STATES).describe('逗号分隔的状态'),
  rag: csvEnum(RAG_COLOURS).describe('逗号分隔的红黄绿灯'),
  division: DivisionPrefix.optional().describe('区划代码前缀（县、乡镇或村）'),
  sponsor: z.uuid().optional(),
  missingPost: z.enum(PACKAGE_POSTS).optional().describe('只列出该岗位现无人的案例（如 first_secretary、paired_department）'),
  sort: z.enum(CASE_SORTS).default('designated').describe('designated 最新立案在前；next_due 最近到期在前；updated 最近变动在前'),
  ...PaginationQuery,
});

export const CaseIdParams = z.strictObject({ id: z.uuid() });

export const ClockPauseBody = z.strictObject({ reason: text(2000) }).meta({ id: 'ClockPauseRequest' });
export const InterruptBody = z.strictObject({ reason: text(2000), obligationId: key(200).optional() }).meta({ id: 'InterruptRequest' });
export const CasePolicyBody = z.strictObject({ policyId: z.uuid('请选择期限策略版本 (policyId must be a policy id)') }).meta({ id: 'CasePolicyRequest' });
