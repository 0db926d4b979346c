/**
 * Statistics, the case list and people as spreadsheets: .xlsx (one sheet per table, Chinese
 * headers, dates as dates, rates as percentages) or CSV (one table per file). People and reserve
 * nominations export in the import shape, so an exported file imports back unchanged.
 */
import { listNominations, listTeamMembers } from '../db/queries/people-import.js';
import type { Db } from '../db/client.js';
import { CASE_STATE_LABELS, DESIGNATION_REASON_LABELS, type CaseState, type DesignationReason } from '../domain/cases.js';
import { ValidationError } from '../domain/errors.js';
import { OBLIGATION_KIND_LABELS, RUNG_LABELS, type EscalationRung, type Rag } from '../domain/escalation.js';
import { TEAM_KIND_LABELS, type TeamKind } from '../domain/people.js';
import type { AuthUser } from '../domain/roles.js';
import { STRUCTURE_FLAG_LABELS, civilDate } from '../domain/stats.js';
import { writeCsv } from './excel/csv.js';
import {
  IMPORT_SHEETS,
  RESERVE_NOMINATION_FIELDS,
  TEAM_MEMBER_FIELDS,
  instructions,
  ANNUAL_ASSESSMENT_FIELDS,
  sheetSpec,
  type ImportKind,
  type ReserveNominationRow,
  type TeamMemberRow,
} from './excel/people-sheets.js';
import { table, type Table, type TableSpec } from './excel/table.js';
import { writeXlsx } from './excel/xlsx.js';
import type { CohortQuery, PeriodQuery, StatsQuery, StatsService } from './stats.js';
import type { AuditQuery, AuditService } from './audit.js';
import type { AuditRowView } from '../db/queries/audit.js';
import type { ScreeningService } from './screening.js';
import { HARD_TRIGGER_LABELS } from '../domain/screening.js';
import { createSupportPackageService, type SupportPackageService } from './support-package.js';
import { SUPPORT_POST_LABELS } from '../domain/support-package.js';

export const STATS_TABLES = [
  'conversion',
  'time-to-delisting',
  'survival-curve',
  'overdue',
  'report-timeliness',
  'escalations',
  'most-overdue',
  'reserves',
  'reserve-alerts',
  'reserve-sources',
  'mentoring',
  'support-package',
  'structure',
] as const;
export type StatsTable = (typeof STATS_TABLES)[number];

/** Tables about people: not for sponsors (they see statistics of their own cases only). */
const PEOPLE_TABLES: readonly StatsTable[] = ['reserves', 'reserve-alerts', 'reserve-sources', 'mentoring', 'structure'];

export type ExportQuery = CohortQuery & PeriodQuery & { team?: TeamKind };

export interface SpreadsheetFile {
  fileName: string;
  format: 'xlsx' | 'csv';
  bytes: Buffer;
}

const RAG_LABELS: Record<Rag, string> = { green: '绿灯', yellow: '黄灯', red: '红灯' };
const divisionCols = <R extends { code: string; name: string }>() => [
  { header: '区划代码', type: 'text' as const, width: 14, value: (r: R) => r.code },
  { header: '区划名称', type: 'text' as const, width: 18, value: (r: R) => r.name },
];

type Result<K extends keyof StatsService> = Awaited<ReturnType<StatsService[K]>>;

const conversionSpec: TableSpec<Result<'conversion'>['rows'][number]> = {
  sheet: '转化率',
  columns: [
    ...divisionCols(),
    { header: '年度', type: 'int', value: (r) => r.cohort },
    { header: '村数', type: 'int', value: (r) => r.villages },
    { header: '确定数', type: 'int', value: (r) => r.designated },
    { header: '撤销数', type: 'int', value: (r) => r.cancelled },
    { header: '销号（转化）数', type: 'int', value: (r) => r.delisted },
    { header: '按期转化数', type: 'int', value: (r) => r.onTimeDelisted },
    { header: '验收未通过数', type: 'int', value: (r) => r.failed },
    { header: '整顿中', type: 'int', value: (r) => r.inProgress },
    { header: '反弹数', type: 'int', value: (r) => r.relapsed },
    { header: '确定比例', type: 'rate', value: (r) => r.designationRate },
    { header: '转化率', type: 'rate', value: (r) => r.conversionRate },
    { header: '按期转化率', type: 'rate', value: (r) => r.onTimeConversionRate },
    { header: '反弹率', type: 'rate', value: (r) => r.relapseRate },
  ],
};

type Curve = Result<'timeToDelisting'>['overall'];
const survivalSummarySpec: TableSpec<Curve> = {
  sheet: '转化时长',
  columns: [
    ...divisionCols<Curve>(),
    { header: '案例数', type: 'int', value: (r) => r.cases },
    { header: '已销号', type: 'int', value: (r) => r.delisted },
    { header: '删失（未销号）', type: 'int', value: (r) => r.censored },
    { header: '中位转化天数', type: 'int', value: (r) => r.medianDays },
  ],
};
type CurvePoint = Curve['points'][number] & { code: string; name: string };
const survivalCurveSpec: TableSpec<CurvePoint> = {
  sheet: '生存曲线',
  columns: [
    ...divisionCols<CurvePoint>(),
    { header: '天数', type: 'int', value: (r) => r.days },
    { header: '风险集', type: 'int', value: (r) => r.atRisk },
    { header: '销号数', type: 'int', value: (r) => r.events },
    { header: '删失数', type: 'int', value: (r) => r.censored },
    { header: '未销号比例', type: 'rate', value: (r) => r.survival },
  ],
};

type OverdueRow = Result<'overdue'>['rows'][number];
const overdueSpec: TableSpec<OverdueRow> = {
  sheet: '超期率',
  columns: [
    { header: '统计周期', type: 'text', value: (r) => r.period },
    { header: '周期开始', type: 'datetime', width: 18, value: (r) => r.periodStart },
    { header: '统计截止', type: 'datetime', width: 18, value: (r) => r.cutoff },
    ...divisionCols<OverdueRow>(),
    { header: '应完成事项', type: 'int', value: (r) => r.due },
    { header: '按期完成', type: 'int', value: (r) => r.metOnTime },
    { header: '逾期完成', type: 'int', value: (r) => r.metLate },
    { header: '超期未完成', type: 'int', value: (r) => r.overdue },
    { header: '容错免责（另计）', type: 'int', value: (r) => r.exempted },
    { header: '超期率', type: 'rate', value: (r) => r.overdueRate },
  ],
};

type TimelinessRow = Result<'reportTimeliness'>['rows'][number];
const timelinessSpec: TableSpec<TimelinessRow> = {
  sheet: '月报及时率',
  columns: [
    { header: '统计周期', type: 'text', value: (r) => r.period },
    { header: '统计截止', type: 'datetime', width: 18, value: (r) => r.cutoff },
    ...divisionCols<TimelinessRow>(),
    { header: '应报', type: 'int', value: (r) => r.expected },
    { header: '按时报送', type: 'int', value: (r) => r.onTime },
    { header: '逾期补报', type: 'int', value: (r) => r.late },
    { header: '未报', type: 'int', value: (r) => r.missing },
    { header: '容错免责（另计）', type: 'int', value: (r) => r.exempted },
    { header: '及时率', type: 'rate', value: (r) => r.timeliness },
  ],
};

type EscalationRow = Result<'escalations'>['totals'];
const escalationSpec: TableSpec<EscalationRow> = {
  sheet: '未办结督办',
  columns: [
    ...divisionCols<EscalationRow>(),
    ...(['reminder', 'township_office', 'org_dept', 'standing_committee'] as EscalationRung[]).map((rung) => ({
      header: RUNG_LABELS[rung],
      type: 'int' as const,
      width: 20,
      value: (r: EscalationRow) => r[rung],
    })),
    { header: '合计', type: 'int', value: (r) => r.total },
  ],
};

type OverdueCase = Result<'mostOverdue'>['items'][number];
const mostOverdueSpec: TableSpec<OverdueCase> = {
  sheet: '超期最久案例',
  columns: [
    { header: '排名', type: 'int', value: (r) => r.rank },
    { header: '县（市、区）', type: 'text', value: (r) => r.countyName },
    { header: '乡镇（街道）', type: 'text', value: (r) => r.townshipName },
    { header: '村（社区）', type: 'text', width: 20, value: (r) => r.villageName },
    { header: '村代码', type: 'text', width: 14, value: (r) => r.villageCode },
    { header: '状态', type: 'text', value: (r) => CASE_STATE_LABELS[r.state] },
    { header: '红黄绿灯', type: 'text', value: (r) => RAG_LABELS[r.rag] },
    { header: '包保领导', type: 'text', value: (r) => r.sponsorName },
    { header: '超期事项', type: 'text', width: 20, value: (r) => OBLIGATION_KIND_LABELS[r.obligationKind] },
    { header: '期次', type: 'text', value: (r) => r.obligationKey },
    { header: '到期时间', type: 'datetime', width: 18, value: (r) => r.dueAt },
    { header: '超期天数', type: 'int', value: (r) => r.daysOverdue },
    { header: '超期事项数', type: 'int', value: (r) => r.overdueObligations },
    { header: '最高督办级别', type: 'text', width: 20, value: (r) => (r.highestRung ? RUNG_LABELS[r.highestRung] : '') },
    { header: '案例编号', type: 'text', width: 38, value: (r) => r.caseId },
  ],
};

type ReserveRow = Result<'reserves'>['totals'];
const reservesSpec: TableSpec<ReserveRow> = {
  sheet: '后备力量',
  columns: [
    ...divisionCols<ReserveRow>(),
    { header: '村数', type: 'int', value: (r) => r.villages },
    { header: '在库≥2人村数', type: 'int', value: (r) => r.villagesAtPoolTarget },
    { header: '覆盖率', type: 'rate', value: (r) => r.poolCoverage },
    { header: '不足2人村数（预警）', type: 'int', value: (r) => r.villagesBelowPoolTarget },
    { header: '在库人数', type: 'int', value: (r) => r.inPool },
    { header: '村均在库', type: 'number', value: (r) => r.reservesPerVillage },
    { header: '提名人数（含在库）', type: 'int', value: (r) => r.nominated },
    { header: '提名≥3人村数', type: 'int', value: (r) => r.villagesAtNominationTarget },
    { header: '提名覆盖率', type: 'rate', value: (r) => r.nominationCoverage },
    { header: '35岁及以下', type: 'int', value: (r) => r.poolAged35OrUnder },
    { header: '35岁及以下占比', type: 'rate', value: (r) => r.share35OrUnder },
    { header: '大专及以上', type: 'int', value: (r) => r.poolCollege },
    { header: '大专及以上占比', type: 'rate', value: (r) => r.shareCollege },
    { header: '女性', type: 'int', value: (r) => r.poolFemale },
    { header: '女性占比', type: 'rate', value: (r) => r.shareFemale },
    { header: '中共党员', type: 'int', value: (r) => r.poolPartyMembers },
    { header: '党员占比', type: 'rate', value: (r) => r.sharePartyMembers },
  ],
};

type AlertRow = Result<'reserves'>['alerts']['items'][number];
const reserveAlertSpec: TableSpec<AlertRow> = {
  sheet: '后备力量预警',
  columns: [
    { header: '村代码', type: 'text', width: 14, value: (r) => r.villageCode },
    { header: '村名称', type: 'text', width: 20, value: (r) => r.villageName },
    { header: '乡镇（街道）', type: 'text', value: (r) => r.townshipName },
    { header: '在库人数', type: 'int', value: (r) => r.inPool },
    { header: '提名人数', type: 'int', value: (r) => r.nominated },
  ],
};

type SourceRow = Result<'reserves'>['bySource'][number];
const reserveSourceSpec: TableSpec<SourceRow> = {
  sheet: '后备力量来源',
  columns: [
    { header: '来源（五个一批）', type: 'text', width: 26, value: (r) => r.label },
    { header: '在库人数', type: 'int', value: (r) => r.inPool },
    { header: '提名人数（含在库）', type: 'int', value: (r) => r.nominated },
  ],
};

type MentoringRow = Result<'mentoring'>['totals'];
const mentoringSpec: TableSpec<MentoringRow> = {
  sheet: '1+1帮带',
  columns: [
    ...divisionCols<MentoringRow>(),
    { header: '帮带期内新任村干部', type: 'int', value: (r) => r.newCadres },
    { header: '已明确导师', type: 'int', value: (r) => r.mentored },
    { header: '覆盖率', type: 'rate', value: (r) => r.mentoringCoverage },
    { header: '待审核', type: 'int', value: (r) => r.awaitingApproval },
    { header: '导师空缺', type: 'int', value: (r) => r.mentorVacant },
    { header: '延长帮带', type: 'int', value: (r) => r.extended },
    { header: '已结束', type: 'int', value: (r) => r.ended },
    { header: '期满结业', type: 'int', value: (r) => r.completed },
    { header: '终止', type: 'int', value: (r) => r.terminated },
    { header: '结业率', type: 'rate', value: (r) => r.completionRate },
  ],
};

type SupportCoverageRow = Result<'supportPackage'>['totals'];
const supportCoverageSpec: TableSpec<SupportCoverageRow> = {
  sheet: '包保责任体系',
  columns: [
    ...divisionCols<SupportCoverageRow>(),
    { header: '未结案案例', type: 'int', value: (r) => r.openCases },
    { header: '包保领导空缺', type: 'int', value: (r) => r.noSponsor },
    { header: '无包村干部', type: 'int', value: (r) => r.noTownshipCadre },
    { header: '无第一书记', type: 'int', value: (r) => r.noFirstSecretary },
    { header: '无驻村工作队', type: 'int', value: (r) => r.noWorkTeam },
    { header: '无结对帮扶单位', type: 'int', value: (r) => r.noPairedDepartment },
    { header: '各岗齐全', type: 'int', value: (r) => r.complete },
    { header: '齐全率', type: 'rate', value: (r) => r.completeRate },
  ],
};

type StructureRow = Result<'structure'>['teams'][number];
const structureSpec = (team: TeamKind): TableSpec<StructureRow> => ({
  sheet: '一乡一表',
  title: `${TEAM_KIND_LABELS[team]}结构分析（一乡一表）`,
  columns: [
    ...divisionCols<StructureRow>(),
    { header: '人数', type: 'int', value: (r) => r.members },
    { header: '平均年龄', type: 'number', value: (r) => r.meanAge },
    { header: '最小年龄', type: 'int', value: (r) => r.youngest },
    { header: '最大年龄', type: 'int', value: (r) => r.oldest },
    { header: '35岁及以下', type: 'int', value: (r) => r.age35OrUnder },
    { header: '36–45岁', type: 'int', value: (r) => r.age36To45 },
    { header: '46–54岁', type: 'int', value: (r) => r.age46To54 },
    { header: '55岁及以上', type: 'int', value: (r) => r.age55OrOver },
    { header: '女性', type: 'int', value: (r) => r.women },
    { header: '女性占比', type: 'rate', value: (r) => r.womenShare },
    { header: '大专及以上', type: 'int', value: (r) => r.college },
    { header: '大专及以上占比', type: 'rate', value: (r) => r.collegeShare },
    { header: '少数民族', type: 'int', value: (r) => r.minority },
    { header: '少数民族占比', type: 'rate', value: (r) => r.minorityShare },
    { header: '中共党员', type: 'int', value: (r) => r.partyMembers },
    { header: '党员占比', type: 'rate', value: (r) => r.partyShare },
    { header: '提示', type: 'text', width: 30, value: (r) => r.flags.map((f) => STRUCTURE_FLAG_LABELS[f]).join('；') },
  ],
});

type CaseRow = Result<'caseList'>['rows'][number];
const casesSpec: TableSpec<CaseRow> = {
  sheet: '案例清单',
  columns: [
    { header: '县（市、区）', type: 'text', value: (r) => r.countyName },
    { header: '乡镇（街道）', type: 'text', value: (r) => r.townshipName },
    { header: '村（社区）', type: 'text', width: 20, value: (r) => r.villageName },
    { header: '村代码', type: 'text', width: 14, value: (r) => r.villageCode },
    { header: '状态', type: 'text', value: (r) => CASE_STATE_LABELS[r.state] },
    { header: '红黄绿灯', type: 'text', value: (r) => RAG_LABELS[r.rag] },
    { header: '软弱涣散情形', type: 'text', width: 40, value: (r) => r.reasons.map((x) => DESIGNATION_REASON_LABELS[x as DesignationReason] ?? x).join('；') },
    { header: '包保领导', type: 'text', value: (r) => r.sponsorName },
    { header: '研判确定时间', type: 'datetime', width: 18, value: (r) => r.designatedAt },
    { header: '整顿完成期限', type: 'datetime', width: 18, value: (r) => r.rectificationDueAt },
    { header: '销号时间', type: 'datetime', width: 18, value: (r) => r.delistedAt },
    { header: '回头看截止', type: 'datetime', width: 18, value: (r) => r.followUpEndsAt },
    { header: '结案（撤销、反弹）时间', type: 'datetime', width: 18, value: (r) => r.closedAt },
    { header: '撤销原因', type: 'text', value: (r) => r.cancelReason },
    { header: '验收次数', type: 'int', value: (r) => r.acceptanceAttempts },
    { header: '反弹后重新确定', type: 'text', value: (r) => (r.isRelapseCase ? '是' : '否') },
    { header: '当前超期事项数', type: 'int', value: (r) => r.overdueObligations },
    { header: '案例编号', type: 'text', width: 38, value: (r) => r.id },
  ],
};

type SheetRow = Awaited<ReturnType<SupportPackageService['sheet']>>['rows'][number];
const holdersOf = (r: SheetRow, key: keyof SheetRow['supportPackage']) => {
  const post = r.supportPackage[key];
  return post.vacant ? '（空缺）' : post.holders.map((h) => (h.departmentName && h.personId ? `${h.departmentName}（${h.name}）` : h.name)).join('、');
};
/** 包保责任体系一览 (一乡一表 style): one row per open case, the holders of each post. */
const supportSheetSpec: TableSpec<SheetRow> = {
  sheet: '包保责任体系',
  columns: [
    { header: '乡镇（街道）', type: 'text', value: (r) => r.townshipName },
    { header: '村（社区）', type: 'text', width: 20, value: (r) => r.villageName },
    { header: '村代码', type: 'text', width: 14, value: (r) => r.villageCode },
    { header: '状态', type: 'text', value: (r) => CASE_STATE_LABELS[r.state as CaseState] ?? r.state },
    { header: SUPPORT_POST_LABELS.sponsor, type: 'text', value: (r) => holdersOf(r, 'sponsor') },
    { header: SUPPORT_POST_LABELS.township_cadre, type: 'text', value: (r) => holdersOf(r, 'townshipCadre') },
    { header: SUPPORT_POST_LABELS.first_secretary, type: 'text', value: (r) => holdersOf(r, 'firstSecretary') },
    { header: SUPPORT_POST_LABELS.work_team, type: 'text', width: 30, value: (r) => holdersOf(r, 'workTeam') },
    { header: SUPPORT_POST_LABELS.paired_department, type: 'text', width: 24, value: (r) => holdersOf(r, 'pairedDepartment') },
    { header: '空缺岗位数', type: 'int', value: (r) => r.vacantPosts.length },
    { header: '案例编号', type: 'text', width: 38, value: (r) => r.caseId },
  ],
};

const json = (v: Record<string, unknown> | null) => (v === null ? null : JSON.stringify(v));
const auditSpec: TableSpec<AuditRowView> = {
  sheet: '审计记录',
  columns: [
    { header: '时间', type: 'datetime', width: 18, value: (r) => r.at },
    { header: '对象类型', type: 'text', value: (r) => r.entityType },
    { header: '对象编号', type: 'text', width: 38, value: (r) => r.entityId },
    { header: '操作', type: 'text', width: 20, value: (r) => r.action },
    { header: '操作人', type: 'text', width: 16, value: (r) => r.actorLabel },
    { header: '操作人编号', type: 'text', width: 38, value: (r) => r.actorUserId },
    { header: '变更前', type: 'text', width: 30, value: (r) => json(r.before) },
    { header: '变更后', type: 'text', width: 30, value: (r) => json(r.after) },
    { header: '详情', type: 'text', width: 30, value: (r) => json(r.details) },
    { header: '记录号', type: 'int', value: (r) => r.id },
    { header: '哈希算法', type: 'text', value: (r) => r.hashAlg },
    { header: '本条哈希', type: 'text', width: 66, value: (r) => r.hash },
    { header: '前条哈希', type: 'text', width: 66, value: (r) => r.prevHash },
  ],
};

/** Adds the division's totals row(s) after the group rows, named as totals. */
function withTotals<R extends { name: string }>(rows: readonly R[], totals: readonly R[] | R): R[] {
  const list = Array.isArray(totals) ? totals : [totals as R];
  return [...rows, ...list.map((t) => ({ ...t, name: `${t.name}（合计）` }))];
}

export function createExportService(deps: { db: Db; stats: StatsService; audit: AuditService }) {
  const { db, stats, audit } = deps;

  async function tableOf(user: AuthUser, name: StatsTable, q: ExportQuery): Promise<Table[]> {
    switch (name) {
      case 'conversion': {
        const r = await stats.conversion(user, q);
        return [table(conversionSpec, withTotals(r.rows, r.totals))];
      }
      case 'time-to-delisting':
      case 'survival-curve': {
        const r = await stats.timeToDelisting(user, q);
        const curves = [...r.groups, { ...r.overall, name: `${r.overall.name}（合计）` }];
        return name === 'time-to-delisting'
          ? [table(survivalSummarySpec, curves)]
          : [
              table(
                survivalCurveSpec,
                curves.flatMap((c) => c.points.map((p) => ({ ...p, code: c.code, name: c.name }))),
              ),
            ];
      }
      case 'overdue': {
        const r = await stats.overdue(user, q);
        return [table(overdueSpec, withTotals(r.rows, r.totals))];
      }
      case 'report-timeliness': {
        const r = await stats.reportTimeliness(user, q);
        return [table(timelinessSpec, withTotals(r.rows, r.totals))];
      }
      case 'escalations': {
        const r = await stats.escalations(user, q);
        return [table(escalationSpec, withTotals(r.rows, r.totals))];
      }
      case 'most-overdue': {
        const r = await stats.mostOverdue(user, q);
        return [table(mostOverdueSpec, r.items)];
      }
      case 'reserves':
      case 'reserve-alerts':
      case 'reserve-sources': {
        const r = await stats.reserves(user, q);
        if (name === 'reserves') return [table(reservesSpec, withTotals(r.rows, r.totals))];
        if (name === 'reserve-alerts') return [table(reserveAlertSpec, r.alerts.items)];
        return [table(reserveSourceSpec, r.bySource)];
      }
      case 'mentoring': {
        const r = await stats.mentoring(user, q);
        return [table(mentoringSpec, withTotals(r.rows, r.totals))];
      }
      case 'support-package': {
        const r = await stats.supportPackage(user, q);
        return [table(supportCoverageSpec, withTotals(r.rows, r.totals))];
      }
      case 'structure': {
        const r = await stats.structure(user, q);
        return [table(structureSpec(r.team), withTotals(r.teams, { ...r.overall, flags: [] }))];
      }
    }
  }

  function notesSheet(user: AuthUser, division: { code: string; name: string }, q: ExportQuery, sponsor: boolean) {
    const asOf = q.asOf ?? new Date();
    return {
      sheet: '说明',
      lines: [
        `${division.name}（${division.code}）基层组织建设统计`,
        `统计时点：${civilDate(asOf)}（北京时间）；导出人：${user.name}${sponsor ? '（仅本人包保的案例）' : ''}`,
        '转化率 = 销号数 ÷（确定数 − 撤销数）；按期转化：促成销号的验收申请在原定整顿期限内提出；反弹率 = 销号后12个月内反弹数 ÷ 销号数。',
        '超期率 = 截至周期末（或统计时点）仍未完成的事项 ÷ 周期内到期事项；到期前已撤销的事项不计；经批准容错免责的事项另列，不计入超期率。',
        '月报及时率 = 按期报送的月度进展报告 ÷ 应报数（容错免责另计）。',
        '转化时长为 Kaplan–Meier 估计：未销号案例在统计时点（撤销案例在撤销时）删失；中位转化天数为未销号比例首次降至50%及以下的天数。',
        '后备力量：覆盖率 = 在库≥2人的村 ÷ 村数；在库含培养流程中已入库、跟岗实训、年度考评的人选和导入名册中尚未纳入流程的在库人员。',
        '1+1帮带：覆盖率 = 已明确导师的新任村干部 ÷ 帮带期内的新任村干部；结业率 = 期满结业 ÷ 已结束的帮带。',
        '包保责任体系：统计时点仍未结案的案例中，各岗位现无人担任的案例数；齐全率 = 各岗齐全的案例 ÷ 未结案案例。',
        '一乡一表：年龄按统计时点的周岁计；大专及以上含大学专科、大学本科、研究生。',
      ],
    };
  }

  /** Every statistics table (the caller may see) as one workbook. */
  async function statsWorkbook(user: AuthUser, q: ExportQuery): Promise<SpreadsheetFile> {
    const { division } = await stats.division(user, q.division, { cases: true });
    const sponsor = user.role === 'sponsor';
    const names = STATS_TABLES.filter((t) => !(sponsor && PEOPLE_TABLES.includes(t)));
    const tables: Table[] = [];
    for (const name of names) tables.push(...(await tableOf(user, name, q)));
    const bytes = await writeXlsx(tables, { notes: [notesSheet(user, division, q, sponsor)] });
    return { fileName: `统计-${division.name}-${civilDate(q.asOf ?? new Date())}.xlsx`, format: 'xlsx', bytes };
  }

  async function statsTable(user: AuthUser, name: StatsTable, format: 'xlsx' | 'csv', q: ExportQuery): Promise<SpreadsheetFile> {
    const { division } = await stats.division(user, q.division, { cases: !PEOPLE_TABLES.includes(name) });
    const [t] = await tableOf(user, name, q);
    const base = `${t!.spec.sheet}-${division.name}-${civilDate(q.asOf ?? new Date())}`;
    return format === 'csv' ? { fileName: `${base}.csv`, format, bytes: writeCsv(t!) } : { fileName: `${base}.xlsx`, format, bytes: await writeXlsx([t!]) };
  }

  async function cases(
    user: AuthUser,
    format: 'xlsx' | 'csv',
    q: StatsQuery & { states?: CaseState[]; rags?: Rag[]; sponsorUserId?: string },
  ): Promise<SpreadsheetFile> {
    const r = await stats.caseList(user, q);
    const t = table(casesSpec, r.rows);
    const base = `案例清单-${r.division.name}-${civilDate(q.asOf ?? new Date())}`;
    return format === 'csv' ? { fileName: `${base}.csv`, format, bytes: writeCsv(t) } : { fileName: `${base}.xlsx`, format, bytes: await writeXlsx([t]) };
  }

  /** The 包保责任体系 sheet: who holds each post of every open case the user sees. */
  async function supportAssignments(user: AuthUser, format: 'xlsx' | 'csv', q: { division?: string }): Promise<SpreadsheetFile> {
    const { division } = await stats.division(user, q.division, { cases: true });
    const sheet = await createSupportPackageService({ db }).sheet(user, q.division);
    const t = table(supportSheetSpec, sheet.rows);
    const base = `包保责任体系-${division.name}-${civilDate(new Date())}`;
    return format === 'csv' ? { fileName: `${base}.csv`, format, bytes: writeCsv(t) } : { fileName: `${base}.xlsx`, format, bytes: await writeXlsx([t]) };
  }

  /** Team members or reserve nominations in the import shape (the template's columns). */
  async function people(user: AuthUser, kind: ImportKind, format: 'xlsx' | 'csv', q: { division?: string; team?: TeamKind }): Promise<SpreadsheetFile> {
    const { division, prefix } = await stats.division(user, q.division, { cases: false });
    const sheet = IMPORT_SHEETS[kind];
    let t: Table;
    if (kind === 'people') {
      const rows: TeamMemberRow[] = await listTeamMembers(db, { prefix, team: q.team });
      t = table(sheetSpec(sheet.sheet, TEAM_MEMBER_FIELDS), rows);
    } else {
      const rows: ReserveNominationRow[] = await listNominations(db, { prefix });
      t = table(sheetSpec(sheet.sheet, RESERVE_NOMINATION_FIELDS), rows);
    }
    const base = `${sheet.sheet}-${division.name}`;
    return format === 'csv' ? { fileName: `${base}.csv`, format, bytes: writeCsv(t) } : { fileName: `${base}.xlsx`, format, bytes: await writeXlsx([t]) };
  }

  /** The audit trail the org dept may read, as a file an inspector opens (newest first). */
  async function auditTrail(user: AuthUser, format: 'xlsx' | 'csv', q: AuditQuery): Promise<SpreadsheetFile> {
    const rows = await audit.all(user, q);
    const t = table(auditSpec, rows);
    const base = `审计记录-${user.name}-${civilDate(new Date())}`;
    return format === 'csv' ? { fileName: `${base}.csv`, format, bytes: writeCsv(t) } : { fileName: `${base}.xlsx`, format, bytes: await writeXlsx([t]) };
  }

  return { statsWorkbook, statsTable, cases, supportAssignments, people, auditTrail };
}

/** The import template of a kind: the header row with notes and drop-downs, and a 填写说明 sheet. */
export async function importTemplate(kind: ImportKind): Promise<SpreadsheetFile> {
  const sheet = IMPORT_SHEETS[kind];
  const spec =
    kind === 'people'
      ? sheetSpec(sheet.sheet, TEAM_MEMBER_FIELDS)
      : kind === 'annual_assessments'
        ? sheetSpec(sheet.sheet, ANNUAL_ASSESSMENT_FIELDS)
        : sheetSpec(sheet.sheet, RESERVE_NOMINATION_FIELDS);
  const bytes = await writeXlsx([table(spec as TableSpec<unknown>, [])], {
    validations: true,
    notes: [{ sheet: '填写说明', lines: instructions(kind) }],
  });
  return { fileName: sheet.fileName, format: 'xlsx', bytes };
}

export function assertTable(name: string): StatsTable {
  if (!(STATS_TABLES as readonly string[]).includes(name)) throw new ValidationError(`未知统计表 ${name}`, 'params.table');
  return name as StatsTable;
}

export type ExportService = ReturnType<typeof createExportService>;

// --- 排查研判 (the screening campaign) ---------------------------------------------------------------

type ScreeningStats = Awaited<ReturnType<ScreeningService['stats']>>;
type ScreeningTownship = ScreeningStats['townships'][number];
const OUTLIER_LABELS = { low: '低于5%', high: '高于10%' } as const;
const outlier = (flag: 'low' | 'high' | null) => (flag ? OUTLIER_LABELS[flag] : '');

const screeningTownshipSpec: TableSpec<ScreeningTownship> = {
  sheet: '排查研判',
  columns: [
    { header: '乡镇代码', type: 'text', width: 14, value: (r) => r.townshipCode },
    { header: '乡镇名称', type: 'text', width: 16, value: (r) => r.townshipName },
    { header: '村数', type: 'int', value: (r) => r.villages },
    { header: '已排查', type: 'int', value: (r) => r.screened },
    { header: '已报送', type: 'text', value: (r) => (r.submitted ? '是' : '否') },
    { header: '按时报送', type: 'text', value: (r) => (r.onTime ? '是' : '否') },
    { header: '建议列入', type: 'int', value: (r) => r.proposals.list },
    { header: '列为关注', type: 'int', value: (r) => r.proposals.watch },
    { header: '不列入', type: 'int', value: (r) => r.proposals.doNotList },
    { header: '最终名单', type: 'int', value: (r) => r.finalList },
    { header: '确定数', type: 'int', value: (r) => r.designated },
    { header: '确定比例', type: 'rate', value: (r) => r.designationRate },
    { header: '异常（5–10%之外）', type: 'text', value: (r) => outlier(r.outlier) },
    { header: '硬性情形', type: 'int', value: (r) => r.hardTriggers.found },
    { header: '属实', type: 'int', value: (r) => r.hardTriggers.confirmed },
    { header: '排除', type: 'int', value: (r) => r.hardTriggers.dismissed },
    { header: '未答复', type: 'int', value: (r) => r.hardTriggers.unanswered },
  ],
};

type TriggerTally = ScreeningStats['hardTriggers'][number];
const screeningTriggerSpec: TableSpec<TriggerTally> = {
  sheet: '硬性情形',
  columns: [
    { header: '情形', type: 'text', width: 28, value: (r) => HARD_TRIGGER_LABELS[r.trigger] },
    { header: '发现', type: 'int', value: (r) => r.found },
    { header: '属实', type: 'int', value: (r) => r.confirmed },
    { header: '排除', type: 'int', value: (r) => r.dismissed },
    { header: '未答复', type: 'int', value: (r) => r.unanswered },
  ],
};

type NeverScreened = ScreeningStats['neverScreened'][number];
const neverScreenedSpec: TableSpec<NeverScreened> = {
  sheet: '未排查的村',
  columns: [
    { header: '村区划代码', type: 'text', width: 16, value: (r) => r.villageCode },
    { header: '村名称', type: 'text', width: 20, value: (r) => r.villageName },
  ],
};

/** A campaign's statistics as a workbook: per township (with the county's total row), hard triggers, villages never screened. */
export async function screeningStatsWorkbook(s: ScreeningStats): Promise<SpreadsheetFile> {
  const total: ScreeningTownship = {
    townshipCode: s.countyCode,
    townshipName: '合计',
    villages: s.county.villages,
    screened: s.county.screened,
    submitted: s.county.sheetsSubmitted === s.townships.length,
    onTime: s.county.sheetsOnTime === s.townships.length,
    proposals: {
      list: s.county.proposedList,
      watch: s.townships.reduce((n, t) => n + t.proposals.watch, 0),
      doNotList: s.townships.reduce((n, t) => n + t.proposals.doNotList, 0),
    },
    finalList: s.county.finalList,
    designated: s.county.designated,
    designationRate: s.county.designationRate,
    outlier: s.county.outlier,
    hardTriggers: s.hardTriggers.reduce(
      (a, t) => ({
        found: a.found + t.found,
        confirmed: a.confirmed + t.confirmed,
        dismissed: a.dismissed + t.dismissed,
        unanswered: a.unanswered + t.unanswered,
      }),
      { found: 0, confirmed: 0, dismissed: 0, unanswered: 0 },
    ),
  };
  const bytes = await writeXlsx([
    table({ ...screeningTownshipSpec, title: `${s.year}年度软弱涣散村党组织排查研判统计` }, [...s.townships, total]),
    table(screeningTriggerSpec, s.hardTriggers),
    table(neverScreenedSpec, s.neverScreened),
  ]);
  return { fileName: `screening-${s.year}-${s.countyCode.slice(0, 6)}.xlsx`, format: 'xlsx', bytes };
}
