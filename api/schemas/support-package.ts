import { z } from 'zod';
import { DivisionPrefix, Instant, IsoDate, text } from './common.js';
import { PACKAGE_POSTS, SUPPORT_POSTS, VISIT_RISKS, type SupportPackageAssignment } from '../../domain/support-package.js';
import type { PostView, SupportPackageView } from '../../services/support-package.js';
import type { SupportTerm } from '../../db/queries/support-package.js';

/** The team named at designation (包保责任体系); a post left out is vacant. */
export const SupportPackageAssignmentSchema: z.ZodType<SupportPackageAssignment> = z
  .strictObject({
    townshipCadrePersonId: z.uuid().nullable().optional().describe('包村乡镇干部（人员ID）'),
    firstSecretaryPersonId: z.uuid().nullable().optional().describe('驻村第一书记（人员ID）'),
    workTeamPersonIds: z.array(z.uuid()).max(20).optional().describe('驻村工作队成员（人员ID）'),
    pairedDepartment: z
      .strictObject({ name: text(100).describe('结对帮扶单位名称'), contactPersonId: z.uuid().nullable().optional().describe('联系人（人员ID）') })
      .nullable()
      .optional(),
  })
  .meta({ id: 'SupportPackageAssignment' });

const PostHolderSchema = z.object({
  personId: z.uuid().nullable().describe('人员ID（包保领导为用户，见 sponsorUserId）'),
  name: z.string().nullable(),
  departmentName: z.string().nullable().describe('结对帮扶单位名称'),
  since: Instant,
});

export const PostViewSchema = z
  .object({
    post: z.enum(PACKAGE_POSTS),
    holders: z.array(PostHolderSchema).describe('现任（工作队可多人）'),
    since: Instant.nullable().describe('现任自何时起'),
    vacant: z.boolean().describe('空缺'),
  })
  .meta({ id: 'SupportPost' });

export const SupportPackageSchema = z
  .object({
    sponsor: PostViewSchema,
    townshipCadre: PostViewSchema,
    firstSecretary: PostViewSchema,
    workTeam: PostViewSchema,
    pairedDepartment: PostViewSchema,
  })
  .meta({ id: 'SupportPackage' });

export const SupportTermSchema = z.object({
  post: z.enum(SUPPORT_POSTS),
  personId: z.uuid().nullable(),
  name: z.string().nullable(),
  departmentName: z.string().nullable(),
  startedAt: Instant,
  endedAt: Instant.nullable(),
  reason: z.string().nullable(),
  assignedBy: z.string(),
});

const toPostDto = (p: PostView): z.output<typeof PostViewSchema> => ({
  post: p.post,
  holders: p.holders.map((h) => ({ ...h, since: h.since.toISOString() })),
  since: p.since ? p.since.toISOString() : null,
  vacant: p.vacant,
});

export const toSupportPackageDto = (v: SupportPackageView): z.output<typeof SupportPackageSchema> => ({
  sponsor: toPostDto(v.sponsor),
  townshipCadre: toPostDto(v.townshipCadre),
  firstSecretary: toPostDto(v.firstSecretary),
  workTeam: toPostDto(v.workTeam),
  pairedDepartment: toPostDto(v.pairedDepartment),
});

export const toSupportTermDto = (t: SupportTerm): z.output<typeof SupportTermSchema> => ({
  post: t.post,
  personId: t.personId,
  name: t.personName ?? t.departmentName,
  departmentName: t.departmentName,
  startedAt: t.startedAt.toISOString(),
  endedAt: t.endedAt ? t.endedAt.toISOString() : null,
  reason: t.reason,
  assignedBy: t.assignedByLabel,
});

/** One post changed, with a reason: `personId` for a single post, the whole team, or the department (null: vacant). */
export const SupportMemberBody = z
  .strictObject({
    post: z.enum(SUPPORT_POSTS).describe('township_cadre 包村干部、first_secretary 第一书记、work_team 工作队、paired_department 结对帮扶单位'),
    personId: z.uuid().nullable().optional().describe('包村干部或第一书记（人员ID）；null 为空缺'),
    workTeamPersonIds: z.array(z.uuid()).max(20).optional().describe('工作队全体成员（人员ID）；[] 为撤回全部'),
    department: z
      .strictObject({ name: text(100).describe('结对帮扶单位名称'), contactPersonId: z.uuid().nullable().optional().describe('联系人（人员ID）') })
      .nullable()
      .optional()
      .describe('结对帮扶单位；null 为空缺'),
    reason: text(1000),
  })
  .meta({ id: 'SupportMemberRequest' });

export const SupportReportBody = z
  .strictObject({
    period: z
      .string()
      .regex(/^Q\d{1,3}$/, '报告期如 Q1 (period like Q1)')
      .optional()
      .describe('报告期（Q1、Q2…）；缺省为最早未交的一期'),
    measures: text(8000).describe('本期帮扶措施'),
  })
  .meta({ id: 'SupportReportRequest' });

export const VisitBody = z
  .strictObject({
    visitedOn: IsoDate.describe('走访日期'),
    visitors: z.array(text(100)).max(20).default([]).describe('走访人员（姓名）'),
    visitorPersonIds: z.array(z.uuid()).max(20).default([]).describe('走访人员（人员ID）'),
    findings: text(4000).describe('发现的情况'),
    risk: z.enum(VISIT_RISKS).describe('反弹风险：low 低、medium 中、relapse_risk 有反弹风险'),
  })
  .refine((v) => v.visitors.length + v.visitorPersonIds.length > 0, { message: '请填写走访人员 (who went)', path: ['visitors'] })
  .meta({ id: 'VisitRequest' });

export const SupportSheetQuery = z.strictObject({ division: DivisionPrefix.optional().describe('区划代码前缀（县、乡镇或村）') });

export const SupportSheetRowSchema = z.object({
  caseId: z.uuid(),
  villageCode: z.string(),
  villageName: z.string().nullable(),
  townshipCode: z.string(),
  townshipName: z.string().nullable(),
  state: z.string(),
  supportPackage: SupportPackageSchema,
  vacantPosts: z.array(z.enum(PACKAGE_POSTS)),
});

export const SupportSheetSchema = z
  .object({
    rows: z.array(SupportSheetRowSchema).describe('每个在办案例一行：各岗位现任'),
    openCases: z.number().int(),
    missing: z.record(z.enum(PACKAGE_POSTS), z.number().int()).describe('缺各岗位的在办案例数'),
  })
  .meta({ id: 'SupportSheet' });
