/**
 * What the org dept watches: conversion by cohort, time to delisting, deadlines, the reserve pool,
 * mentoring (not tracked yet) and the structure sheet (一乡一表). Every statistic is scoped to the
 * caller: a division inside their jurisdiction (anything else answers 404, like a missing one), and
 * for a sponsor only their own cases. Definitions: domain/stats.ts.
 */
import type { Db } from '../db/client.js';
import { countConversion } from '../db/queries/stats/conversion.js';
import { countDeadlines, countOpenEscalations, listMostOverdueCases, type DeadlineCounts } from '../db/queries/stats/deadlines.js';
import { countReservesByGroup, countReservesBySource, listVillagesBelowPoolTarget, type GroupReserveCounts } from '../db/queries/stats/reserves.js';
import { findDivision, listGroups, type DivisionRef, type StatsScope } from '../db/queries/stats/scope.js';
import { countTeamStructure, type TeamStructureCounts } from '../db/queries/stats/structure.js';
import { countMentoring } from '../db/queries/stats/mentoring.js';
import { countSupportCoverage, type SupportCoverageCounts } from '../db/queries/stats/support-package.js';
import { countTimeToDelisting } from '../db/queries/stats/survival.js';
import { listCasesForExport } from '../db/queries/stats/case-list.js';
import type { CaseState } from '../domain/cases.js';
import { DIVISION_LEVELS, PREFIX_LENGTH, isWithin, jurisdictionPrefix, toFullCode, type DivisionLevel } from '../domain/divisions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { ESCALATION_RUNGS, type EscalationRung, type ObligationKind, type Rag } from '../domain/escalation.js';
import { RESERVE_SOURCE_LABELS, RESERVE_SOURCES, TEAM_KIND_LABELS, type ReserveSource, type TeamKind } from '../domain/people.js';
import type { AuthUser } from '../domain/roles.js';
import {
  RESERVE_NOMINATION_TARGET,
  RESERVE_POOL_TARGET,
  addMonths,
  civilDate,
  civilYear,
  kaplanMeier,
  nextCivilDate,
  periodsBetween,
  rate,
  round,
  startOfCivilDate,
  type PeriodKind,
  type StructureFlag,
  type SurvivalCurve,
} from '../domain/stats.js';

export interface StatsQuery {
  /** A division code (2–12 digits); default the caller's jurisdiction. */
  division?: string;
  groupBy?: DivisionLevel;
  /** Default: now. */
  asOf?: Date;
}

export interface CohortQuery extends StatsQuery {
  fromYear?: number;
  toYear?: number;
}

export interface PeriodQuery extends StatsQuery {
  /** Civil dates 'YYYY-MM-DD'; default the 12 months up to asOf. */
  from?: string;
  to?: string;
  period?: PeriodKind;
  kinds?: ObligationKind[];
}

/** The counts of a deadline row that a table sums over groups. */
type CountedKey = Exclude<keyof DeadlineCounts, 'period' | 'group' | 'name'>;

interface Resolved {
  division: DivisionRef;
  scope: StatsScope;
  groupBy: DivisionLevel;
  asOf: Date;
}

/** Years of cohorts one request may span, and periods: a bound on the work a request can ask for. */
const MAX_COHORT_YEARS = 20;
const MAX_PERIODS = 120;
const MOST_OVERDUE_LIMIT = 10;
const ALERT_LIST_LIMIT = 500;
export const CASE_EXPORT_LIMIT = 100_000;

const MENTORING_NOTE =
  '1+1 帮带：覆盖率 = 在帮带中（已明确导师）的新任村干部 ÷ 处于帮带期内的新任村干部；结业率 = 期满结业 ÷ 已结束（结业或终止）的帮带。状态为当前值。';
const RESERVE_NOTE =
  '后备力量：在库 = 培养流程中已入库、跟岗实训或年度考评的人选，加上各地导入、尚未纳入培养流程的现有名册中“在库”人员；提名（在册）另含尚在资格审查、考察、公示中的人选和导入的提名。状态为当前值，不含历史。';

/** Divisions change only when imported: their lookups are kept this long (one query less per request). */
const DIVISION_CACHE_MS = 60_000;
const DIVISION_CACHE_SIZE = 5_000;

export function createStatsService(deps: { db: Db }) {
  const { db } = deps;
  const divisionCache = new Map<string, { at: number; division: DivisionRef | null }>();

  async function division(code: string): Promise<DivisionRef | null> {
    const hit = divisionCache.get(code);
    if (hit && Date.now() - hit.at < DIVISION_CACHE_MS) return hit.division;
    const found = await findDivision(db, code);
    if (divisionCache.size >= DIVISION_CACHE_SIZE) divisionCache.clear();
    divisionCache.set(code, { at: Date.now(), division: found });
    return found;
  }

  async function resolve(user: AuthUser, query: StatsQuery, options: { cases: boolean }): Promise<Resolved> {
    if (!options.cases && user.role === 'sponsor') {
      throw new ForbiddenError('包保领导只能查看本人包保案例的统计 (sponsors see statistics of their own cases only)');
    }
    const code = toFullCode(query.division ?? user.jurisdictionCode);
    // Outside the jurisdiction answers exactly like a division that does not exist.
    if (!isWithin(code, user.jurisdictionCode)) throw new NotFoundError('未找到该区划 (division not found)');
    const found = await division(code);
    if (!found) throw new NotFoundError('未找到该区划 (division not found)');
    const level = found.level;
    const finer = DIVISION_LEVELS[Math.min(DIVISION_LEVELS.indexOf(level) + 1, DIVISION_LEVELS.length - 1)]!;
    const groupBy = query.groupBy ?? finer;
    if (DIVISION_LEVELS.indexOf(groupBy) < DIVISION_LEVELS.indexOf(level)) {
      throw new ValidationError(`分组层级不能高于所选区划（${level}）(groupBy must not be above the division's level)`, 'querystring.groupBy');
    }
    const asOf = query.asOf ?? new Date();
    return {
      division: found,
      scope: { code, level, prefix: jurisdictionPrefix(code), sponsorUserId: user.role === 'sponsor' ? user.id : null },
      groupBy,
      asOf,
    };
  }

  function cohortRange(query: CohortQuery, asOf: Date): { fromYear: number; toYear: number } {
    const toYear = query.toYear ?? civilYear(asOf);
    const fromYear = query.fromYear ?? toYear - 2;
    if (fromYear > toYear) throw new ValidationError('起始年份不能晚于截止年份 (fromYear after toYear)', 'querystring.fromYear');
    if (toYear - fromYear >= MAX_COHORT_YEARS)
      throw new ValidationError(`最多${MAX_COHORT_YEARS}个年度 (at most ${MAX_COHORT_YEARS} cohorts)`, 'querystring.fromYear');
    return { fromYear, toYear };
  }

  /** The division of a group (a code prefix) as rows name it. */
  function groupRef(row: { group: string; name: string | null }) {
    const code = toFullCode(row.group);
    return { code, name: row.name ?? code };
  }

  function meta(r: Resolved) {
    return {
      division: r.division,
      groupBy: r.groupBy,
      asOf: r.asOf.toISOString(),
      scope: r.scope.sponsorUserId ? ('own_cases' as const) : ('jurisdiction' as const),
    };
  }

  // --- Conversion by cohort ------------------------------------------------------------------------

  async function conversion(user: AuthUser, query: CohortQuery) {
    const r = await resolve(user, query, { cases: true });
    const { fromYear, toYear } = cohortRange(query, r.asOf);
    const [counts, groupRows] = await Promise.all([
      countConversion(db, { scope: r.scope, groupBy: r.groupBy, fromYear, toYear, asOf: r.asOf }),
      listGroups(db, r.scope, r.groupBy),
    ]);
    // Every group of the level with its villages; at village level only the villages with cases.
    const withCases = new Set(counts.map((c) => c.group));
    const groups = new Map(groupRows.filter((g) => r.groupBy !== 'village' || withCases.has(g.group)).map((g) => [g.group, g]));
    const cohorts = Array.from({ length: toYear - fromYear + 1 }, (_, i) => fromYear + i);
    const byKey = new Map(counts.map((c) => [`${c.group}/${c.cohort}`, c]));
    const zero = { designated: 0, cancelled: 0, delisted: 0, onTimeDelisted: 0, failed: 0, relapsed: 0 };
    const build = (code: string, name: string, villages: number, cohort: number, c: typeof zero) => {
      const base = c.designated - c.cancelled;
      return {
        code,
        name,
        cohort,
        villages,
        designated: c.designated,
        cancelled: c.cancelled,
        delisted: c.delisted,
        onTimeDelisted: c.onTimeDelisted,
        failed: c.failed,
        inProgress: c.designated - c.cancelled - c.delisted - c.failed,
        relapsed: c.relapsed,
        designationRate: round(rate(c.designated, villages)),
        conversionRate: round(rate(c.delisted, base)),
        onTimeConversionRate: round(rate(c.onTimeDelisted, base)),
        relapseRate: round(rate(c.relapsed, c.delisted)),
      };
    };
    const rows = [...groups.values()].flatMap((g) =>
      cohorts.map((cohort) => build(g.code, g.name, g.villages, cohort, byKey.get(`${g.group}/${cohort}`) ?? zero)),
    );
    const totalVillages = groupRows.reduce((n, g) => n + g.villages, 0);
    const totals = cohorts.map((cohort) => {
      const sum = { ...zero };
      for (const c of counts) if (c.cohort === cohort) for (const k of Object.keys(sum) as Array<keyof typeof zero>) sum[k] += c[k];
      return build(r.division.code, r.division.name, totalVillages, cohort, sum);
    });
    return { ...meta(r), fromYear, toYear, rows, totals };
  }

  // --- Time to delisting ---------------------------------------------------------------------------

  async function timeToDelisting(user: AuthUser, query: CohortQuery) {
    const r = await resolve(user, query, { cases: true });
    const { fromYear, toYear } = cohortRange(query, r.asOf);
    const counts = await countTimeToDelisting(db, { scope: r.scope, groupBy: r.groupBy, fromYear, toYear, asOf: r.asOf });
    const byGroup = new Map<string, typeof counts>();
    for (const c of counts) byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), c]);
    const curve = (c: SurvivalCurve) => ({ ...c, points: c.points.map((p) => ({ ...p, survival: round(p.survival)! })) });
    return {
      ...meta(r),
      fromYear,
      toYear,
      overall: { code: r.division.code, name: r.division.name, ...curve(kaplanMeier(counts)) },
      groups: [...byGroup.values()].map((rows) => ({ ...groupRef(rows[0]!), ...curve(kaplanMeier(rows)) })),
    };
  }

  // --- Deadlines -----------------------------------------------------------------------------------

  /** Default: the 12 calendar months up to and including asOf's month. `to` is an inclusive civil date. */
  function periodsOf(r: Resolved, query: PeriodQuery) {
    const kind = query.period ?? 'month';
    const to = query.to ? startOfCivilDate(nextCivilDate(query.to)) : r.asOf;
    const from = query.from ? startOfCivilDate(query.from) : startOfCivilDate(`${addMonths(civilDate(r.asOf).slice(0, 7), -11)}-01`);
    if (from.getTime() >= to.getTime()) throw new ValidationError('起始日期须早于截止日期 (from must be before to)', 'querystring.from');
    const periods = periodsBetween(kind, from, to, MAX_PERIODS);
    if (periods.length > MAX_PERIODS) throw new ValidationError(`最多${MAX_PERIODS}个统计周期 (at most ${MAX_PERIODS} periods)`, 'querystring.from');
    return { kind, periods };
  }

  function periodFields(p: { start: Date; end: Date }, asOf: Date) {
    return {
      periodStart: p.start.toISOString(),
      periodEnd: p.end.toISOString(),
      cutoff: new Date(Math.min(p.end.getTime(), asOf.getTime())).toISOString(),
    };
  }

  /**
   * A deadline table: a row per period and group, and a total per period begun by asOf, each built
   * by `build` from the counts it names (summed over the groups for the totals).
   */
  async function deadlineTable<K extends CountedKey, T>(user: AuthUser, query: PeriodQuery, keys: readonly K[], build: (c: Record<K, number>) => T) {
    const r = await resolve(user, query, { cases: true });
    const { kind, periods } = periodsOf(r, query);
    const counts = await countDeadlines(db, { scope: r.scope, groupBy: r.groupBy, periods, asOf: r.asOf, kinds: query.kinds });
    const periodOf = new Map(periods.map((p) => [p.label, p]));
    const rows = counts.map((c) => ({
      period: c.period,
      ...periodFields(periodOf.get(c.period)!, r.asOf),
      ...groupRef(c),
      ...build(c),
    }));
    const totals = periods
      .filter((p) => p.start.getTime() < r.asOf.getTime())
      .map((p) => {
        const sum = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
        for (const c of counts) if (c.period === p.label) for (const k of keys) sum[k] += c[k];
        return { period: p.label, ...periodFields(p, r.asOf), code: r.division.code, name: r.division.name, ...build(sum) };
      });
    return { r, kind, rows, totals };
  }

  async function overdue(user: AuthUser, query: PeriodQuery) {
    const { r, kind, rows, totals } = await deadlineTable(user, query, ['due', 'metOnTime', 'metLate', 'exempted'], (c) => {
      const counted = c.due - c.exempted;
      const overdueCount = counted - c.metOnTime - c.metLate;
      return {
        due: c.due,
        metOnTime: c.metOnTime,
        metLate: c.metLate,
        overdue: overdueCount,
        exempted: c.exempted,
        overdueRate: round(rate(overdueCount, counted)),
      };
    });
    return { ...meta(r), period: kind, kinds: query.kinds ?? null, rows, totals };
  }

  async function reportTimeliness(user: AuthUser, query: PeriodQuery) {
    const counted = ['reportsDue', 'reportsOnTime', 'reportsLate', 'reportsExempted'] as const;
    const { r, kind, rows, totals } = await deadlineTable(user, { ...query, kinds: ['monthly_report'] }, counted, (c) => {
      const expected = c.reportsDue - c.reportsExempted;
      return {
        expected,
        onTime: c.reportsOnTime,
        late: c.reportsLate,
        missing: expected - c.reportsOnTime - c.reportsLate,
        exempted: c.reportsExempted,
        timeliness: round(rate(c.reportsOnTime, expected)),
      };
    });
    return { ...meta(r), period: kind, rows, totals };
  }

  async function escalations(user: AuthUser, query: StatsQuery) {
    const r = await resolve(user, query, { cases: true });
    const counts = await countOpenEscalations(db, { scope: r.scope, groupBy: r.groupBy, asOf: r.asOf });
    const empty = (): Record<EscalationRung, number> => Object.fromEntries(ESCALATION_RUNGS.map((rung) => [rung, 0])) as Record<EscalationRung, number>;
    const byGroup = new Map<string, Record<EscalationRung, number>>();
    const names = new Map<string, ReturnType<typeof groupRef>>();
    const total = empty();
    for (const c of counts) {
      const g = byGroup.get(c.group) ?? empty();
      g[c.rung] += c.open;
      total[c.rung] += c.open;
      byGroup.set(c.group, g);
      names.set(c.group, groupRef(c));
    }
    const sum = (x: Record<EscalationRung, number>) => ESCALATION_RUNGS.reduce((n, rung) => n + x[rung], 0);
    return {
      ...meta(r),
      rows: [...byGroup.entries()].map(([group, byRung]) => ({ ...names.get(group)!, ...byRung, total: sum(byRung) })),
      totals: { code: r.division.code, name: r.division.name, ...total, total: sum(total) },
    };
  }

  async function mostOverdue(user: AuthUser, query: StatsQuery) {
    const r = await resolve(user, query, { cases: true });
    const rows = await listMostOverdueCases(db, { scope: r.scope, asOf: r.asOf, limit: MOST_OVERDUE_LIMIT });
    return {
      ...meta(r),
      items: rows.map((row, i) => ({
        rank: i + 1,
        ...row,
        dueAt: row.dueAt.toISOString(),
        daysOverdue: Math.floor((r.asOf.getTime() - row.dueAt.getTime()) / 86_400_000),
      })),
    };
  }

  // --- Reserves and mentoring ----------------------------------------------------------------------

  async function reserves(user: AuthUser, query: StatsQuery) {
    const r = await resolve(user, query, { cases: false });
    const asOfDate = civilDate(r.asOf);
    // The list of villages below target is for a prefecture or below to act on; above that, counts.
    const listAlerts = DIVISION_LEVELS.indexOf(r.scope.level) >= DIVISION_LEVELS.indexOf('prefecture');
    const [groups, byGroupRows, bySource, alerts] = await Promise.all([
      listGroups(db, r.scope, r.groupBy),
      countReservesByGroup(db, {
        scope: r.scope,
        asOfDate,
        groupLength: PREFIX_LENGTH[r.groupBy],
        poolTarget: RESERVE_POOL_TARGET,
        nominationTarget: RESERVE_NOMINATION_TARGET,
      }),
      countReservesBySource(db, { scope: r.scope }),
      listAlerts ? listVillagesBelowPoolTarget(db, { scope: r.scope, poolTarget: RESERVE_POOL_TARGET, limit: ALERT_LIST_LIMIT }) : Promise.resolve([]),
    ]);
    const zero = (): Omit<GroupReserveCounts, 'group'> => ({
      villagesAtPoolTarget: 0,
      villagesAtNominationTarget: 0,
      inPool: 0,
      nominated: 0,
      poolYoung: 0,
      poolCollege: 0,
      poolFemale: 0,
      poolPartyMembers: 0,
    });
    type Counts = ReturnType<typeof zero>;
    const byGroup = new Map<string, Counts>(byGroupRows.map(({ group, ...counts }) => [group, counts]));
    const total = zero();
    for (const g of byGroup.values()) for (const k of Object.keys(total) as Array<keyof Counts>) total[k] += g[k];
    const sources = new Map(bySource.map((s) => [s.source, s]));
    const build = (villageCount: number, c: Counts) => ({
      villages: villageCount,
      villagesAtPoolTarget: c.villagesAtPoolTarget,
      villagesBelowPoolTarget: villageCount - c.villagesAtPoolTarget,
      poolCoverage: round(rate(c.villagesAtPoolTarget, villageCount)),
      inPool: c.inPool,
      reservesPerVillage: round(rate(c.inPool, villageCount), 2),
      nominated: c.nominated,
      villagesAtNominationTarget: c.villagesAtNominationTarget,
      nominationCoverage: round(rate(c.villagesAtNominationTarget, villageCount)),
      poolAged35OrUnder: c.poolYoung,
      share35OrUnder: round(rate(c.poolYoung, c.inPool)),
      poolCollege: c.poolCollege,
      shareCollege: round(rate(c.poolCollege, c.inPool)),
      poolFemale: c.poolFemale,
      shareFemale: round(rate(c.poolFemale, c.inPool)),
      poolPartyMembers: c.poolPartyMembers,
      sharePartyMembers: round(rate(c.poolPartyMembers, c.inPool)),
    });
    const villageCount = groups.reduce((n, g) => n + g.villages, 0);
    const below = villageCount - total.villagesAtPoolTarget;
    return {
      ...meta(r),
      scope: 'jurisdiction' as const,
      processTracked: true,
      note: RESERVE_NOTE,
      poolTarget: RESERVE_POOL_TARGET,
      nominationTarget: RESERVE_NOMINATION_TARGET,
      rows: groups.map((g) => ({ code: g.code, name: g.name, ...build(g.villages, byGroup.get(g.group) ?? zero()) })),
      totals: { code: r.division.code, name: r.division.name, ...build(villageCount, total) },
      bySource: RESERVE_SOURCES.map((source: ReserveSource) => ({
        source,
        label: RESERVE_SOURCE_LABELS[source],
        inPool: sources.get(source)?.inPool ?? 0,
        nominated: sources.get(source)?.nominated ?? 0,
      })),
      alerts: { total: below, truncated: below > alerts.length, items: alerts },
    };
  }

  async function mentoring(user: AuthUser, query: StatsQuery) {
    const r = await resolve(user, query, { cases: false });
    const counts = await countMentoring(db, { scope: r.scope, groupBy: r.groupBy, asOf: r.asOf });
    const zero = { newCadres: 0, mentored: 0, awaitingApproval: 0, mentorVacant: 0, extended: 0, ended: 0, completed: 0, terminated: 0 };
    type Counts = typeof zero;
    const build = (c: Counts) => ({
      ...c,
      mentoringCoverage: round(rate(c.mentored, c.newCadres)),
      completionRate: round(rate(c.completed, c.ended)),
    });
    const total: Counts = { ...zero };
    for (const c of counts) for (const k of Object.keys(total) as Array<keyof Counts>) total[k] += c[k];
    return {
      ...meta(r),
      scope: 'jurisdiction' as const,
      tracked: true,
      note: MENTORING_NOTE,
      rows: counts.map((c) => ({ ...groupRef(c), ...build(c) })),
      totals: { code: r.division.code, name: r.division.name, ...build(total) },
    };
  }

  // --- The support package (包保责任体系) -----------------------------------------------------------

  /** Open cases per group and how many miss each post of their team; a sponsor sees their own cases. */
  async function supportPackage(user: AuthUser, query: StatsQuery) {
    const r = await resolve(user, query, { cases: true });
    const counts = await countSupportCoverage(db, { scope: r.scope, groupBy: r.groupBy });
    type Counts = Omit<SupportCoverageCounts, 'group' | 'name'>;
    const zero: Counts = { openCases: 0, noSponsor: 0, noTownshipCadre: 0, noFirstSecretary: 0, noWorkTeam: 0, noPairedDepartment: 0, complete: 0 };
    const build = (c: Counts) => ({ ...c, completeRate: round(rate(c.complete, c.openCases)) });
    const total: Counts = { ...zero };
    for (const c of counts) for (const k of Object.keys(total) as Array<keyof Counts>) total[k] += c[k];
    return {
      ...meta(r),
      rows: counts.map((c) => ({ ...groupRef(c), ...build(c) })),
      totals: { code: r.division.code, name: r.division.name, ...build(total) },
    };
  }

  // --- Structure sheet (一乡一表) -------------------------------------------------------------------

  async function structure(user: AuthUser, query: StatsQuery & { team?: TeamKind }) {
    const r = await resolve(user, query, { cases: false });
    const team = query.team ?? 'township_leadership';
    const asOfDate = civilDate(r.asOf);
    const counts = await countTeamStructure(db, { scope: r.scope, team, asOfDate });
    const build = (c: Omit<TeamStructureCounts, 'code' | 'name'>) => {
      const flags: StructureFlag[] = [];
      if (c.members > 0 && c.age35OrUnder === 0) flags.push('no_member_35_or_under');
      if (c.members > 0 && c.women === 0) flags.push('no_woman');
      return {
        members: c.members,
        meanAge: round(rate(c.ageSum, c.withAge), 1),
        youngest: c.youngest,
        oldest: c.oldest,
        age35OrUnder: c.age35OrUnder,
        age36To45: c.age36To45,
        age46To54: c.age46To54,
        age55OrOver: c.age55OrOver,
        women: c.women,
        womenShare: round(rate(c.women, c.members)),
        college: c.college,
        collegeShare: round(rate(c.college, c.members)),
        minority: c.minority,
        minorityShare: round(rate(c.minority, c.members)),
        partyMembers: c.partyMembers,
        partyShare: round(rate(c.partyMembers, c.members)),
        flags,
      };
    };
    const teams = counts.map((c) => ({ code: c.code, name: c.name, ...build(c) }));
    const sum = counts.reduce(
      (s, c) => ({
        members: s.members + c.members,
        withAge: s.withAge + c.withAge,
        ageSum: s.ageSum + c.ageSum,
        youngest: c.youngest === null ? s.youngest : s.youngest === null ? c.youngest : Math.min(s.youngest, c.youngest),
        oldest: c.oldest === null ? s.oldest : s.oldest === null ? c.oldest : Math.max(s.oldest, c.oldest),
        age35OrUnder: s.age35OrUnder + c.age35OrUnder,
        age36To45: s.age36To45 + c.age36To45,
        age46To54: s.age46To54 + c.age46To54,
        age55OrOver: s.age55OrOver + c.age55OrOver,
        women: s.women + c.women,
        college: s.college + c.college,
        minority: s.minority + c.minority,
        partyMembers: s.partyMembers + c.partyMembers,
      }),
      {
        members: 0,
        withAge: 0,
        ageSum: 0,
        youngest: null as number | null,
        oldest: null as number | null,
        age35OrUnder: 0,
        age36To45: 0,
        age46To54: 0,
        age55OrOver: 0,
        women: 0,
        college: 0,
        minority: 0,
        partyMembers: 0,
      },
    );
    const { flags: _flags, ...overall } = build(sum);
    return {
      ...meta(r),
      scope: 'jurisdiction' as const,
      team,
      teamLabel: TEAM_KIND_LABELS[team],
      ageOn: asOfDate,
      teams,
      overall: { code: r.division.code, name: r.division.name, teams: teams.length, teamsFlagged: teams.filter((t) => t.flags.length > 0).length, ...overall },
    };
  }

  // --- The case list, for export --------------------------------------------------------------------

  async function caseList(user: AuthUser, query: StatsQuery & { states?: CaseState[]; rags?: Rag[]; sponsorUserId?: string }) {
    const r = await resolve(user, query, { cases: true });
    const rows = await listCasesForExport(db, {
      scope: r.scope,
      states: query.states,
      rags: query.rags,
      sponsorUserId: query.sponsorUserId,
      asOf: r.asOf,
      limit: CASE_EXPORT_LIMIT,
    });
    return { ...meta(r), rows };
  }

  /** The caller's division (checked like every statistic): for exports and imports. */
  async function divisionOf(user: AuthUser, code: string | undefined, options: { cases: boolean }) {
    const r = await resolve(user, { division: code }, options);
    return { division: r.division, prefix: r.scope.prefix };
  }

  return {
    conversion,
    timeToDelisting,
    overdue,
    reportTimeliness,
    escalations,
    mostOverdue,
    reserves,
    mentoring,
    supportPackage,
    structure,
    caseList,
    division: divisionOf,
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
