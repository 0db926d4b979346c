import { z } from 'zod';
import { DESIGNATION_REASONS } from '../../domain/cases.js';
import { withinAYear } from '../../domain/screening-timing.js';
import { HARD_TRIGGERS, JUDGMENT_DECISIONS, SCREENING_PROPOSALS, SCREENING_STATES, TRIGGER_ANSWERS } from '../../domain/screening.js';
import { RAG_COLOURS } from '../../domain/escalation.js';
import type { ScreeningService } from '../../services/screening.js';
import { DivisionCode, IsoDate, MAX_YEAR, MIN_YEAR, iso, key, text } from './common.js';
import { SupportPackageAssignmentSchema } from './support-package.js';

const Reason = z.enum(DESIGNATION_REASONS);
const duration = z
  .string()
  .max(40)
  .refine(withinAYear, '时长：工作日如 20WD（至多260WD），或 ISO-8601 如 P1M（至多一年）(working days "20WD", or ISO-8601, at most a year)');

export const CampaignIdParams = z.strictObject({ id: z.uuid('须为排查研判ID (must be a campaign id)') });
export const SheetParams = z.strictObject({
  id: z.uuid('须为排查研判ID (must be a campaign id)'),
  townshipCode: DivisionCode.describe('乡镇（12位区划代码）'),
});

export const OpenCampaignBody = z
  .strictObject({
    year: z.number().int().min(MIN_YEAR).max(MAX_YEAR).describe('排查年度'),
    countyCode: DivisionCode.optional().describe('县（12位区划代码）；缺省为本人管辖的县'),
    criteria: z.array(Reason).min(1).max(DESIGNATION_REASONS.length).optional().describe('排查情形（缺省：全部软弱涣散情形及本地硬性情形）'),
    approvingBody: text(100).optional().describe('审定机关（缺省：县委常委会）'),
    sheetDue: duration.optional().describe('乡镇报送排查表的期限（缺省 20WD，或策略中的 screening.sheetDue）'),
    judgmentDue: duration.optional().describe('研判期限，自排查结束起（缺省 10WD）'),
    policyId: z.uuid().optional(),
  })
  .meta({ id: 'OpenScreeningCampaignRequest' });

export const ListCampaignsQuery = z.strictObject({ year: z.coerce.number().int().min(MIN_YEAR).max(MAX_YEAR).optional() });

const FindingInput = z.strictObject({
  found: z.boolean().describe('是否存在该情形'),
  evidence: text(4000).optional().describe('佐证说明'),
  attachments: z.array(key(500)).max(20).optional().describe('附件（引用：文件编号或地址）'),
});

const EntryInput = z.strictObject({
  villageCode: DivisionCode.describe('村（12位区划代码）'),
  findings: z.record(key(60), FindingInput).describe('每项排查情形的结论：键为情形代码'),
  proposal: z.enum(SCREENING_PROPOSALS).describe('建议：列入 / 不列入 / 列为关注'),
  note: text(2000).optional(),
});

const TriggerAnswerInput = z.strictObject({
  villageCode: DivisionCode,
  trigger: z.enum(HARD_TRIGGERS),
  answer: z.enum(TRIGGER_ANSWERS).describe('confirmed 属实 / dismissed 排除（须说明理由）'),
  reason: text(2000).optional(),
});

export const SheetBody = z
  .strictObject({
    entries: z.array(EntryInput).max(1000).describe('本乡镇各村的排查结论'),
    triggerAnswers: z.array(TriggerAnswerInput).max(5000).optional().describe('对预填硬性情形的答复'),
  })
  .meta({ id: 'ScreeningSheetRequest' });

export const SubmitSheetBody = SheetBody.partial({ entries: true }).optional();

export const JudgmentBody = z
  .strictObject({
    decisions: z
      .array(z.strictObject({ villageCode: DivisionCode, decision: z.enum(JUDGMENT_DECISIONS), reason: text(2000).describe('理由') }))
      .max(5000)
      .describe('研判：确认、增加或移除，每项须说明理由；未移除的乡镇建议列入村均在名单内'),
  })
  .meta({ id: 'ScreeningJudgmentRequest' });

export const ApprovalBody = z
  .strictObject({
    date: IsoDate.describe('审定日期'),
    meeting: text(200).describe('会议，如 县委常委会第12次会议'),
    documentNumber: text(100).describe('文号'),
  })
  .meta({ id: 'ScreeningApprovalRequest' });

export const AmendmentBody = z
  .strictObject({ villageCode: DivisionCode, change: z.enum(['add', 'remove']), reason: text(2000) })
  .meta({ id: 'ScreeningAmendmentRequest' });

export const DesignationBody = z
  .strictObject({
    villages: z
      .array(
        z.strictObject({
          villageCode: DivisionCode,
          sponsorUserId: z.uuid('请选择包保领导 (must be a user id)').describe('包保县级领导的用户ID'),
          reasons: z.array(Reason).min(1).max(DESIGNATION_REASONS.length).optional().describe('缺省为排查发现的情形与确认的硬性情形'),
          supportPackage: SupportPackageAssignmentSchema.optional(),
          note: text(2000).optional(),
        }),
      )
      .max(5000)
      .describe('审定名单中的每个村：包保领导及包保责任体系'),
  })
  .meta({ id: 'ScreeningDesignationRequest' });

const Finding = z.object({ found: z.boolean(), evidence: z.string().nullable().optional(), attachments: z.array(z.string()).optional() });
const Decision = z.object({ villageCode: z.string(), decision: z.enum(JUDGMENT_DECISIONS), reason: z.string() });

const TownshipProgress = z.object({
  townshipCode: z.string(),
  townshipName: z.string(),
  villages: z.number().int(),
  entries: z.number().int(),
  proposedList: z.number().int(),
  triggers: z.number().int(),
  triggersUnanswered: z.number().int(),
  submittedAt: z.string().nullable(),
  late: z.boolean(),
});

export const CampaignSummarySchema = z
  .object({
    id: z.string(),
    countyCode: z.string(),
    year: z.number().int(),
    state: z.enum(SCREENING_STATES),
    rag: z.enum(RAG_COLOURS),
    approvingBody: z.string(),
    criteria: z.array(z.string()),
    openedAt: z.string(),
    screeningClosedAt: z.string().nullable(),
    judgedAt: z.string().nullable(),
    list: z.array(z.string()),
    approval: z.object({ date: z.string(), meeting: z.string(), documentNumber: z.string(), approvedAt: z.string().nullable() }).nullable(),
    designatedAt: z.string().nullable(),
    townships: z.array(TownshipProgress),
  })
  .meta({ id: 'ScreeningCampaignSummary' });

export const CampaignDetailSchema = CampaignSummarySchema.extend({
  policy: z.object({ sheetDue: z.string(), judgmentDue: z.string() }),
  decisions: z.array(Decision),
  amendments: z.array(
    z.object({ villageCode: z.string(), change: z.enum(['add', 'remove']), reason: z.string(), at: z.string(), by: z.object({ label: z.string() }) }),
  ),
  designations: z.array(z.object({ villageCode: z.string(), caseId: z.string() })),
  entries: z.array(
    z.object({
      villageCode: z.string(),
      proposal: z.enum(SCREENING_PROPOSALS),
      findings: z.record(z.string(), Finding),
      note: z.string().nullable(),
      updatedAt: z.string(),
    }),
  ),
  triggers: z.array(
    z.object({
      villageCode: z.string(),
      trigger: z.string(),
      facts: z.record(z.string(), z.unknown()),
      answer: z.enum(TRIGGER_ANSWERS).nullable(),
      answerReason: z.string().nullable(),
      answeredAt: z.string().nullable(),
    }),
  ),
  created: z.number().int().optional().describe('本次确定新建的案例数（确定整顿对象时）'),
}).meta({ id: 'ScreeningCampaignDetail' });

const Tally = z.object({ found: z.number().int(), confirmed: z.number().int(), dismissed: z.number().int(), unanswered: z.number().int() });
const Flag = z.enum(['low', 'high']).nullable().describe('确定比例低于5%或高于10%时标记');

export const ScreeningStatsSchema = z
  .object({
    campaignId: z.string(),
    countyCode: z.string(),
    year: z.number().int(),
    state: z.enum(SCREENING_STATES),
    townships: z.array(
      z.object({
        townshipCode: z.string(),
        townshipName: z.string(),
        villages: z.number().int(),
        screened: z.number().int(),
        submitted: z.boolean(),
        onTime: z.boolean(),
        proposals: z.object({ list: z.number().int(), watch: z.number().int(), doNotList: z.number().int() }),
        finalList: z.number().int(),
        designated: z.number().int(),
        designationRate: z.number().nullable(),
        outlier: Flag,
        hardTriggers: Tally,
      }),
    ),
    county: z.object({
      villages: z.number().int(),
      screened: z.number().int(),
      sheetsSubmitted: z.number().int(),
      sheetsOnTime: z.number().int(),
      proposedList: z.number().int(),
      finalList: z.number().int(),
      added: z.number().int(),
      removed: z.number().int(),
      designated: z.number().int(),
      designationRate: z.number().nullable(),
      outlier: Flag,
    }),
    neverScreened: z.array(z.object({ villageCode: z.string(), villageName: z.string() })),
    hardTriggers: z.array(Tally.extend({ trigger: z.enum(HARD_TRIGGERS) })),
  })
  .meta({ id: 'ScreeningStats' });

type Detail = Awaited<ReturnType<ScreeningService['get']>> & { created?: number };
type Summary = Awaited<ReturnType<ScreeningService['list']>>[number];

export function toCampaignSummary(c: Summary | Detail): z.infer<typeof CampaignSummarySchema> {
  return {
    id: c.id,
    countyCode: c.countyCode,
    year: c.year,
    state: c.state,
    rag: c.rag,
    approvingBody: c.approvingBody,
    criteria: c.criteria,
    openedAt: c.openedAt.toISOString(),
    screeningClosedAt: iso(c.screeningClosedAt),
    judgedAt: iso(c.judgedAt),
    list: c.list,
    approval:
      c.approvalDate && c.approvalMeeting && c.approvalDocumentNumber
        ? { date: c.approvalDate, meeting: c.approvalMeeting, documentNumber: c.approvalDocumentNumber, approvedAt: iso(c.approvedAt) }
        : null,
    designatedAt: iso(c.designatedAt),
    townships: ('townships' in c ? c.townships : c.progress).map((t) => ({ ...t, submittedAt: iso(t.submittedAt) })),
  };
}

export function toCampaignDetail(c: Detail): z.infer<typeof CampaignDetailSchema> {
  return {
    ...toCampaignSummary(c),
    policy: { sheetDue: c.policy.sheetDue, judgmentDue: c.policy.judgmentDue },
    decisions: c.decisions,
    amendments: c.amendments.map((a) => ({ villageCode: a.villageCode, change: a.change, reason: a.reason, at: a.at, by: { label: a.by.label } })),
    designations: c.designations,
    entries: c.entries.map((e) => ({
      villageCode: e.villageCode,
      proposal: e.proposal,
      findings: e.findings,
      note: e.note,
      updatedAt: e.updatedAt.toISOString(),
    })),
    triggers: c.triggers.map((t) => ({
      villageCode: t.villageCode,
      trigger: t.trigger,
      facts: t.facts,
      answer: t.answer,
      answerReason: t.answerReason,
      answeredAt: iso(t.answeredAt),
    })),
    ...(c.created !== undefined && { created: c.created }),
  };
}
