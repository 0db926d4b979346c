import { DeliverySchema, toDeliveryDto } from './delivery.js';
import { z } from 'zod';
import { RAG_COLOURS } from '../../domain/escalation.js';
import { MENTORSHIP_REVIEW_OUTCOMES, MENTORSHIP_STATES } from '../../domain/mentorships.js';
import type { MentorshipDetail } from '../../services/mentorships.js';
import { MENTORSHIP_SORTS, type MentorshipView } from '../../db/queries/mentorships.js';
import { DivisionCode, DivisionPrefix, Instant, IsoDate, IsoMonth, PaginationQuery, iso, text } from './common.js';
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

const State = z.enum(MENTORSHIP_STATES);

export const MentorshipSummarySchema = z
  .object({
    id: z.uuid(),
    villageCode: z.string(),
    townshipCode: z.string(),
    countyCode: z.string(),
    state: State,
    rag: z.enum(RAG_COLOURS),
    vacantFrom: State.nullable().describe('导师空缺期间：明确新导师后回到的状态'),
    menteePersonId: z.uuid(),
    menteeName: z.string().nullable(),
    mentorPersonId: z.uuid().nullable(),
    mentorName: z.string().nullable().describe('现任帮带导师；空缺或待明确时为 null'),
    mentorUserId: z.uuid().nullable(),
    note: z.string().nullable(),
    policyId: z.uuid().nullable(),
    sourceReserveCandidateId: z.uuid().nullable().describe('后备力量任新书记时自动提出的帮带'),
    proposedAt: Instant,
    startedAt: Instant.nullable(),
    midReviewAt: Instant.nullable(),
    finalReviewAt: Instant.nullable(),
    closedAt: Instant.nullable(),
    outcome: z.string().nullable(),
    extensions: z.number().int(),
    updatedAt: Instant,
    villageName: z.string().nullable(),
    townshipName: z.string().nullable(),
    nextDue: NextDueSchema,
  })
  .meta({ id: 'MentorshipSummary' });

const MentorTermSchema = z.object({
  personId: z.uuid(),
  name: z.string(),
  userId: z.uuid().nullable(),
  from: Instant,
  to: Instant.nullable(),
  endReason: z.string().nullable(),
});

export const MentorshipDetailSchema = MentorshipSummarySchema.extend({
  mentee: PersonSchema,
  mentor: PersonSchema.nullable(),
  mentorHistory: z.array(MentorTermSchema).describe('历任帮带导师（调离的导师保留在记录中）'),
  policy: z.record(z.string(), z.unknown()),
  clockRequests: z.array(ClockRequestSchema).describe('延期、容错申请及审批'),
  obligations: z.array(ObligationSchema),
  escalations: z.array(EscalationSchema),
  checkIns: z.array(
    z.object({
      id: z.uuid(),
      period: z.string(),
      metOn: z.string(),
      handled: z.string(),
      problems: z.string().nullable(),
      nextSteps: z.string().nullable(),
      mentorPersonId: z.uuid().nullable().describe('记录时的导师'),
      late: z.boolean(),
      loggedBy: z.uuid().nullable(),
      loggedAt: Instant,
    }),
  ),
  timeline: z.array(TimelineEntrySchema),
  deliveries: z.array(DeliverySchema).describe('有关通知的站外送达（短信、邮件、群机器人），脱敏'),
}).meta({ id: 'MentorshipDetail' });

export function toMentorshipSummary(row: MentorshipView): z.output<typeof MentorshipSummarySchema> {
  return {
    id: row.id,
    villageCode: row.villageCode,
    townshipCode: row.townshipCode,
    countyCode: row.countyCode,
    state: row.state,
    rag: row.rag,
    vacantFrom: row.vacantFrom,
    menteePersonId: row.menteePersonId,
    menteeName: row.menteeName,
    mentorPersonId: row.mentorPersonId,
    mentorName: row.mentorName,
    mentorUserId: row.mentorUserId,
    note: row.note,
    policyId: row.policyId,
    sourceReserveCandidateId: row.sourceReserveCandidateId,
    proposedAt: row.proposedAt.toISOString(),
    startedAt: iso(row.startedAt),
    midReviewAt: iso(row.midReviewAt),
    finalReviewAt: iso(row.finalReviewAt),
    closedAt: iso(row.closedAt),
    outcome: row.outcome,
    extensions: row.extensions,
    updatedAt: row.updatedAt.toISOString(),
    villageName: row.villageName,
    townshipName: row.townshipName,
    nextDue: toNextDueDto(row.nextDue),
  };
}

export function toMentorshipDetail(d: MentorshipDetail): z.output<typeof MentorshipDetailSchema> {
  return {
    ...toMentorshipSummary(d),
    mentee: toPersonDto(d.mentee),
    mentor: d.mentor ? toPersonDto(d.mentor) : null,
    mentorHistory: d.mentorHistory,
    policy: d.policy as unknown as Record<string, unknown>,
    clockRequests: d.clockRequests,
    obligations: d.obligations.map(toObligationDto),
    escalations: d.escalations.map(toEscalationDto),
    checkIns: d.checkIns.map((c) => ({
      id: c.id,
      period: c.period,
      metOn: c.metOn,
      handled: c.handled,
      problems: c.problems,
      nextSteps: c.nextSteps,
      mentorPersonId: c.mentorPersonId,
      late: c.late,
      loggedBy: c.loggedBy,
      loggedAt: c.loggedAt.toISOString(),
    })),
    timeline: d.timeline.map(toTimelineDto),
    deliveries: d.deliveries.map(toDeliveryDto),
  };
}

export const ProposeMentorshipBody = z
  .strictObject({
    villageCode: DivisionCode.describe('被帮带人所在村（12位区划代码）'),
    mentee: PersonInputSchema.describe('被帮带人（新任村干部）'),
    mentor: PersonInputSchema.optional().describe('帮带导师（乡镇领导班子成员）；缺省则待明确'),
    note: text(2000).optional(),
    policyId: z.uuid().optional().describe('期限策略ID；缺省用本级或上级的 default 策略'),
  })
  .meta({ id: 'ProposeMentorshipRequest' });

export const ApproveMentorshipBody = z.strictObject({ comment: text(2000).optional() }).meta({ id: 'ApproveMentorshipRequest' });
export const MentorChangeBody = z
  .strictObject({
    mentor: PersonInputSchema.nullable().describe('新的帮带导师；null 表示原导师调离、暂时空缺'),
    reason: text(1000),
  })
  .meta({ id: 'MentorChangeRequest' });
export const CheckInBody = z
  .strictObject({
    period: IsoMonth('帮带期须为YYYY-MM (period must be YYYY-MM)'),
    metOn: IsoDate.describe('帮带日期'),
    handled: text(4000).describe('共同处理的事项'),
    problems: text(4000).optional(),
    nextSteps: text(4000).optional(),
  })
  .meta({ id: 'CheckInRequest' });
export const MentorshipReviewBody = z
  .strictObject({
    outcome: z.enum(MENTORSHIP_REVIEW_OUTCOMES).describe('中期：continue/terminate；期满：complete/extend/terminate'),
    comment: text(4000).optional(),
  })
  .meta({ id: 'MentorshipReviewRequest' });
export const TerminateMentorshipBody = z.strictObject({ reason: text(1000) }).meta({ id: 'TerminateMentorshipRequest' });

export const ListMentorshipsQuery = z.strictObject({
  state: csvEnum(MENTORSHIP_STATES).describe('逗号分隔的状态'),
  rag: csvEnum(RAG_COLOURS).describe('逗号分隔的红黄绿灯'),
  division: DivisionPrefix.optional().describe('区划代码前缀（县、乡镇或村）'),
  sort: z.enum(MENTORSHIP_SORTS).default('proposed').describe('proposed 最新提出在前；next_due 最近到期在前；updated 最近变动在前'),
  ...PaginationQuery,
});

export const MentorshipIdParams = z.strictObject({ id: z.uuid() });

export const MentoringCoverageQuery = z.strictObject({ division: DivisionPrefix.optional().describe('缺省为本人管辖范围') });
export const MentoringCoverageSchema = z
  .object({
    division: z.string(),
    newCadres: z.number().int().describe('新任村干部（进行中的帮带的被帮带人）'),
    mentored: z.number().int().describe('其中有在岗导师的'),
    coverage: z.number().nullable().describe('mentored / newCadres'),
    townships: z.array(
      z.object({
        townshipCode: z.string(),
        townshipName: z.string().nullable(),
        newCadres: z.number().int(),
        mentored: z.number().int(),
        coverage: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: 'MentoringCoverage' });
