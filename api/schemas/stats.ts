import { IMPORT_KINDS } from '../../services/excel/people-sheets.js';
import { z } from 'zod';
import { CASE_STATES } from '../../domain/cases.js';
import { DIVISION_LEVELS } from '../../domain/divisions.js';
import { ESCALATION_RUNGS, OBLIGATION_KINDS, RAG_COLOURS } from '../../domain/escalation.js';
import { RESERVE_SOURCES, TEAM_KINDS } from '../../domain/people.js';
import { PERIOD_KINDS, STRUCTURE_FLAGS, nextCivilDate, startOfCivilDate } from '../../domain/stats.js';
import { DivisionPrefix, Instant, IsoDate, IsoInstant, MAX_YEAR, MIN_YEAR, printable } from './common.js';

// --- Query strings --------------------------------------------------------------------------------

const csvEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .optional();

/** An instant, or a civil date meaning the end of that day in China (2025-12-31 → 23:59:59.999 +08:00). */
export const AsOf = z
  .union([IsoInstant, IsoDate], {
    error: `须为带时区的 ISO 时间或日期 YYYY-MM-DD，年份在${MIN_YEAR}–${MAX_YEAR}之间 (an ISO-8601 instant with an offset, or a date; years ${MIN_YEAR}–${MAX_YEAR})`,
  })
  .transform((v) => (v.length === 10 ? new Date(startOfCivilDate(nextCivilDate(v)).getTime() - 1) : new Date(v)))
  .optional()
  .describe('统计时点：ISO 时间，或日期（指该日北京时间终了）；缺省为当前');

const Year = z.coerce.number().int().min(MIN_YEAR).max(MAX_YEAR);

export const StatsQueryShape = {
  division: DivisionPrefix.optional().describe('区划代码（2–12位）；缺省为本人管辖范围'),
  groupBy: z.enum(DIVISION_LEVELS).optional().describe('分组层级；缺省为所选区划的下一级'),
  asOf: AsOf,
};
export const CohortQueryShape = {
  ...StatsQueryShape,
  fromYear: Year.optional().describe('起始年度（研判确定年份）；缺省为截止年度前两年'),
  toYear: Year.optional().describe('截止年度；缺省为统计时点所在年度'),
};
export const PeriodQueryShape = {
  ...StatsQueryShape,
  from: IsoDate.optional().describe('起始日期；缺省为统计时点前11个月的月初'),
  to: IsoDate.optional().describe('截止日期（含当日）；缺省为统计时点'),
  period: z.enum(PERIOD_KINDS).optional().describe('统计周期：month（默认）、quarter、year'),
};

export const StatsQuery = z.strictObject(StatsQueryShape);
export const CohortQuery = z.strictObject(CohortQueryShape);
export const OverdueQuery = z.strictObject({ ...PeriodQueryShape, kind: csvEnum(OBLIGATION_KINDS).describe('逗号分隔的事项类型；缺省为全部') });
export const PeriodQuery = z.strictObject(PeriodQueryShape);
export const StructureQuery = z.strictObject({ ...StatsQueryShape, team: z.enum(TEAM_KINDS).optional().describe('班子类型；缺省为乡镇领导班子') });

// --- Answers --------------------------------------------------------------------------------------

const Rate = z.number().nullable().describe('0–1，保留4位小数；分母为0时为 null');
const Count = z.number().int();

const StatsMeta = {
  division: z.object({ code: z.string(), name: z.string(), level: z.enum(DIVISION_LEVELS) }).meta({ id: 'StatsDivision' }),
  groupBy: z.enum(DIVISION_LEVELS),
  asOf: Instant,
  scope: z.enum(['jurisdiction', 'own_cases']).describe('own_cases：包保领导只统计本人包保的案例'),
};

const ConversionRowSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    cohort: Count.describe('研判确定年度'),
    villages: Count,
    designated: Count,
    cancelled: Count.describe('销号前撤销（撤并、误定）'),
    delisted: Count,
    onTimeDelisted: Count.describe('促成销号的验收申请在原定整顿期限内提出'),
    failed: Count.describe('验收未通过且尚未销号'),
    inProgress: Count,
    relapsed: Count.describe('销号后12个月内反弹'),
    designationRate: Rate,
    conversionRate: Rate,
    onTimeConversionRate: Rate,
    relapseRate: Rate,
  })
  .meta({ id: 'ConversionRow' });

export const ConversionStatsSchema = z
  .object({ ...StatsMeta, fromYear: Count, toYear: Count, rows: z.array(ConversionRowSchema), totals: z.array(ConversionRowSchema) })
  .meta({ id: 'ConversionStats' });

const SurvivalCurveSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    cases: Count,
    delisted: Count,
    censored: Count,
    medianDays: Count.nullable().describe('未销号比例首次 ≤ 50% 的天数；未达到时为 null'),
    points: z.array(z.object({ days: Count, atRisk: Count, events: Count, censored: Count, survival: z.number() })),
  })
  .meta({ id: 'SurvivalCurve' });

export const TimeToDelistingStatsSchema = z
  .object({ ...StatsMeta, fromYear: Count, toYear: Count, overall: SurvivalCurveSchema, groups: z.array(SurvivalCurveSchema) })
  .meta({ id: 'TimeToDelistingStats' });

const PeriodFields = { period: z.string(), periodStart: Instant, periodEnd: Instant, cutoff: Instant.describe('统计截止：周期末或统计时点') };

const OverdueRowSchema = z
  .object({
    ...PeriodFields,
    code: z.string(),
    name: z.string(),
    due: Count,
    metOnTime: Count,
    metLate: Count,
    overdue: Count,
    exempted: Count.describe('经批准容错免责，另列，不计入超期率'),
    overdueRate: Rate,
  })
  .meta({ id: 'OverdueRow' });

export const OverdueStatsSchema = z
  .object({
    ...StatsMeta,
    period: z.enum(PERIOD_KINDS),
    kinds: z.array(z.enum(OBLIGATION_KINDS)).nullable(),
    rows: z.array(OverdueRowSchema),
    totals: z.array(OverdueRowSchema),
  })
  .meta({ id: 'OverdueStats' });

const TimelinessRowSchema = z
  .object({
    ...PeriodFields,
    code: z.string(),
    name: z.string(),
    expected: Count,
    onTime: Count,
    late: Count,
    missing: Count,
    exempted: Count,
    timeliness: Rate,
  })
  .meta({ id: 'ReportTimelinessRow' });

export const ReportTimelinessStatsSchema = z
  .object({ ...StatsMeta, period: z.enum(PERIOD_KINDS), rows: z.array(TimelinessRowSchema), totals: z.array(TimelinessRowSchema) })
  .meta({ id: 'ReportTimelinessStats' });

const EscalationRowSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    ...(Object.fromEntries(ESCALATION_RUNGS.map((r) => [r, Count])) as Record<(typeof ESCALATION_RUNGS)[number], typeof Count>),
    total: Count,
  })
  .meta({ id: 'OpenEscalationRow' });

export const EscalationStatsSchema = z
  .object({ ...StatsMeta, rows: z.array(EscalationRowSchema), totals: EscalationRowSchema })
  .meta({ id: 'OpenEscalationStats' });

export const MostOverdueStatsSchema = z
  .object({
    ...StatsMeta,
    items: z.array(
      z.object({
        rank: Count,
        caseId: z.uuid(),
        villageCode: z.string(),
        villageName: z.string().nullable(),
        townshipName: z.string().nullable(),
        countyName: z.string().nullable(),
        state: z.enum(CASE_STATES),
        rag: z.enum(RAG_COLOURS),
        sponsorName: z.string().nullable(),
        obligationKind: z.enum(OBLIGATION_KINDS),
        obligationKey: z.string(),
        dueAt: Instant,
        daysOverdue: Count,
        overdueObligations: Count,
        highestRung: z.enum(ESCALATION_RUNGS).nullable(),
      }),
    ),
  })
  .meta({ id: 'MostOverdueStats' });

const ReserveRowSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    villages: Count,
    villagesAtPoolTarget: Count.describe('在库 ≥ 2 人的村'),
    villagesBelowPoolTarget: Count.describe('在库不足2人的村（预警）'),
    poolCoverage: Rate,
    inPool: Count,
    reservesPerVillage: z.number().nullable(),
    nominated: Count.describe('提名人数（含已在库）'),
    villagesAtNominationTarget: Count.describe('提名 ≥ 3 人的村'),
    nominationCoverage: Rate,
    poolAged35OrUnder: Count,
    share35OrUnder: Rate,
    poolCollege: Count,
    shareCollege: Rate,
    poolFemale: Count,
    shareFemale: Rate,
    poolPartyMembers: Count,
    sharePartyMembers: Rate,
  })
  .meta({ id: 'ReserveRow' });

export const ReserveStatsSchema = z
  .object({
    ...StatsMeta,
    processTracked: z.boolean().describe('后备力量培养流程是否已上线（在库人数含流程中的人选和导入名册）'),
    note: z.string(),
    poolTarget: Count,
    nominationTarget: Count,
    rows: z.array(ReserveRowSchema),
    totals: ReserveRowSchema,
    bySource: z.array(z.object({ source: z.enum(RESERVE_SOURCES), label: z.string(), inPool: Count, nominated: Count })),
    alerts: z.object({
      total: Count,
      truncated: z.boolean(),
      items: z.array(z.object({ villageCode: z.string(), villageName: z.string(), townshipName: z.string().nullable(), inPool: Count, nominated: Count })),
    }),
  })
  .meta({ id: 'ReserveStats' });

const MentoringRowSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    newCadres: Count.describe('处于帮带期内的新任村干部（未结束的帮带）'),
    mentored: Count.describe('其中已明确导师、正在帮带的'),
    awaitingApproval: Count,
    mentorVacant: Count.describe('导师调离、待明确新导师'),
    extended: Count,
    ended: Count.describe('已结束（结业或终止）'),
    completed: Count,
    terminated: Count,
    mentoringCoverage: Rate,
    completionRate: Rate.describe('结业 ÷ 已结束'),
  })
  .meta({ id: 'MentoringRow' });

export const MentoringStatsSchema = z
  .object({
    ...StatsMeta,
    tracked: z.boolean().describe('1+1 帮带流程是否已上线'),
    note: z.string(),
    rows: z.array(MentoringRowSchema),
    totals: MentoringRowSchema,
  })
  .meta({ id: 'MentoringStats' });

const SupportCoverageRowSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    openCases: Count.describe('未结案的整顿案例'),
    noSponsor: Count.describe('包保县级领导空缺'),
    noTownshipCadre: Count.describe('无包村乡镇干部'),
    noFirstSecretary: Count.describe('无驻村第一书记'),
    noWorkTeam: Count.describe('无驻村工作队'),
    noPairedDepartment: Count.describe('无结对帮扶单位'),
    complete: Count.describe('各岗位齐全'),
    completeRate: Rate,
  })
  .meta({ id: 'SupportCoverageRow' });

export const SupportCoverageStatsSchema = z
  .object({ ...StatsMeta, rows: z.array(SupportCoverageRowSchema), totals: SupportCoverageRowSchema })
  .meta({ id: 'SupportCoverageStats' });

const StructureFields = {
  code: z.string(),
  name: z.string(),
  members: Count,
  meanAge: z.number().nullable(),
  youngest: Count.nullable(),
  oldest: Count.nullable(),
  age35OrUnder: Count,
  age36To45: Count,
  age46To54: Count,
  age55OrOver: Count,
  women: Count,
  womenShare: Rate,
  college: Count.describe('大专及以上'),
  collegeShare: Rate,
  minority: Count,
  minorityShare: Rate,
  partyMembers: Count,
  partyShare: Rate,
};

export const StructureStatsSchema = z
  .object({
    ...StatsMeta,
    team: z.enum(TEAM_KINDS),
    teamLabel: z.string(),
    ageOn: z.iso.date().describe('年龄按此日计算（周岁）'),
    teams: z.array(z.object({ ...StructureFields, flags: z.array(z.enum(STRUCTURE_FLAGS)) }).meta({ id: 'TeamStructure' })),
    overall: z.object({ ...StructureFields, teams: Count, teamsFlagged: Count }),
  })
  .meta({ id: 'StructureStats' });

// --- Spreadsheets ---------------------------------------------------------------------------------

export const SpreadsheetFormat = z.enum(['xlsx', 'csv']).default('xlsx').describe('xlsx（默认）或 csv（UTF-8 带 BOM）');

const ImportProblemSchema = z
  .object({
    row: Count.describe('表格中的行号（表头为第1行）'),
    column: z.string().nullable().describe('列名（表头）'),
    cell: z.string().nullable().describe('单元格位置，如 C7'),
    value: z.string().nullable(),
    problem: z.string(),
  })
  .meta({ id: 'ImportProblem' });

export const ImportReportSchema = z
  .object({
    kind: z.enum([...IMPORT_KINDS, 'screening_sheet']),
    fileName: z.string().nullable(),
    format: z.enum(['xlsx', 'csv']),
    rows: Count,
    valid: z.boolean(),
    dryRun: z.boolean(),
    errors: z.array(ImportProblemSchema),
    errorCount: Count,
    warnings: z.array(ImportProblemSchema),
    warningCount: Count,
    imported: z.object({ importId: z.uuid(), created: Count, updated: Count, unchanged: Count }).nullable(),
  })
  .meta({ id: 'ImportReport' });

export const ImportQuery = z.strictObject({
  dryRun: z.stringbool().default(false).describe('true：只校验，不导入'),
  fileName: printable(z.string().max(255)).optional().describe('原文件名（写入导入记录）'),
});
