/**
 * What the org dept watches (domain.md "Metrics"): the definitions behind every statistic, and the
 * pure arithmetic (rates, Kaplan–Meier, ages, periods). No I/O; the SQL in db/queries/stats/ counts,
 * this file defines what is counted and how rates are formed.
 *
 * Definitions (all "as of" an instant, so a past period end gives the figures of that day):
 * - cohort: the designation year (Asia/Shanghai) of a case; a relapse opens a new case, which
 *   belongs to the cohort of its own designation.
 * - delisted (转化/销号): delisted_at ≤ asOf (whatever happened after: follow-up, closed, relapsed,
 *   even cancelled after delisting — it was converted).
 * - cancelled (撤销): state cancelled before it was ever delisted, with closed_at ≤ asOf. Excluded
 *   from the conversion denominators (a merged village cannot convert).
 * - on-time delisted (按期转化): delisted, and the acceptance request that led to the delisting was
 *   filed by the case's original deadline, i.e. the rectification obligation it satisfied (key =
 *   acceptance_attempts) was closed no later than the due date of rectification obligation '1'.
 *   A case that failed its first review but passed on a second request still filed before the
 *   original deadline is on time; one that needed the 3-month retry window past it is not.
 * - failed (验收未通过): not delisted, not cancelled, and at least one acceptance review with
 *   passed = false submitted by asOf.
 * - in progress (整顿中): the rest (designated, not delisted, not cancelled, no failed review).
 * - relapsed (反弹): state relapsed, the relapse (closed_at) by asOf and within 12 months of delisting.
 * - conversionRate = delisted / (designated − cancelled); onTimeConversionRate = onTimeDelisted /
 *   (designated − cancelled); relapseRate = relapsed / delisted; designationRate = designated / villages.
 * - overdueRate (per period): obligations due in the period (up to asOf), except those cancelled on
 *   or before their due instant (they stopped being owed) and approved exemptions (shown apart);
 *   overdue = not satisfied by the period end (or asOf, whichever is earlier).
 * - reportTimeliness = monthly reports satisfied by their due instant / monthly reports due.
 * - time to delisting: days from designation to delisting; cases not delisted by asOf are censored
 *   at asOf, cancelled ones at their cancellation.
 */

/** Years, months and ages are counted in China's civil time. */
export const STATS_TIME_ZONE = 'Asia/Shanghai';
const ZONE_OFFSET_MS = 8 * 3600_000; // Asia/Shanghai has had no DST since 1991

export const STATS_GROUP_LEVELS = ['province', 'prefecture', 'county', 'township', 'village'] as const;
export type StatsGroupLevel = (typeof STATS_GROUP_LEVELS)[number];

export const PERIOD_KINDS = ['month', 'quarter', 'year'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** Relapse counts when it comes within this many months of delisting (domain.md). */
export const RELAPSE_WINDOW_MONTHS = 12;

/** Reserve coverage target: villages with at least this many reserves in the pool (S0: 2–3 per village). */
export const RESERVE_POOL_TARGET = 2;
/** At least this many nominated per village (Process C). */
export const RESERVE_NOMINATION_TARGET = 3;
/** Reserves and team members of this age or younger count as young (≤35). */
export const YOUTH_AGE_LIMIT = 35;

/** 一乡一表 age bands: ≤35 / 36–45 / 46–54 / ≥55. */
export const AGE_BANDS = [
  { key: 'age35OrUnder', label: '35岁及以下', min: 0, max: 35 },
  { key: 'age36To45', label: '36–45岁', min: 36, max: 45 },
  { key: 'age46To54', label: '46–54岁', min: 46, max: 54 },
  { key: 'age55OrOver', label: '55岁及以上', min: 55, max: Infinity },
] as const;
export type AgeBandKey = (typeof AGE_BANDS)[number]['key'];

/** Flags of the structure sheet. */
export const STRUCTURE_FLAGS = ['no_member_35_or_under', 'no_woman'] as const;
export type StructureFlag = (typeof STRUCTURE_FLAGS)[number];
export const STRUCTURE_FLAG_LABELS: Record<StructureFlag, string> = {
  no_member_35_or_under: '无35岁及以下成员',
  no_woman: '无女性成员',
};

/** numerator / denominator, or null when there is nothing to divide by. Unrounded. */
export function rate(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/**
 * Decimal places of every rate the API answers (coverage, conversion, overdue, timeliness…): one rule
 * everywhere, and the counts behind each rate are answered beside it for exact arithmetic.
 */
export const RATE_DECIMALS = 4;

/** Rounds for display and comparison (0.8461538 → 0.8462 at 4 places). */
export function round(value: number | null, places = RATE_DECIMALS): number | null {
  if (value === null) return null;
  const f = 10 ** places;
  return Math.round(value * f) / f;
}

/** Full years of age on a civil date (both 'YYYY-MM-DD'). */
export function ageOn(birthDate: string, onDate: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = onDate.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** The civil date (Asia/Shanghai) of an instant, 'YYYY-MM-DD'. */
export function civilDate(instant: Date): string {
  return new Date(instant.getTime() + ZONE_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant at which a civil date (Asia/Shanghai) begins. */
export function startOfCivilDate(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00Z`) - ZONE_OFFSET_MS);
}

/** 'YYYY-MM' shifted by n months. */
export function addMonths(month: string, n: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The day after a civil date. */
export function nextCivilDate(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** The civil year (Asia/Shanghai) of an instant. */
export function civilYear(instant: Date): number {
  return Number(civilDate(instant).slice(0, 4));
}

/** The wall-clock time in Asia/Shanghai as a Date whose UTC fields read that time (for spreadsheets). */
export function toShanghaiWallClock(instant: Date): Date {
  return new Date(instant.getTime() + ZONE_OFFSET_MS);
}

export interface Period {
  /** '2025-03', '2025-Q1', '2025'. */
  label: string;
  start: Date;
  /** Exclusive. */
  end: Date;
}

/**
 * The periods (civil months, quarters or years in Asia/Shanghai) that overlap [from, to), in order.
 */
/** The periods from `from` up to `to`; at most `limit + 1` of them, so a caller can tell "more than limit" without building a century of months. */
export function periodsBetween(kind: PeriodKind, from: Date, to: Date, limit = 1000): Period[] {
  const periods: Period[] = [];
  const first = civilDate(from);
  let year = Number(first.slice(0, 4));
  const month = Number(first.slice(5, 7));
  let index = kind === 'month' ? month - 1 : kind === 'quarter' ? Math.floor((month - 1) / 3) : 0;
  const step = kind === 'month' ? 1 : kind === 'quarter' ? 3 : 12;
  for (;;) {
    const startMonth = index * step; // 0-based month of the year
    const start = startOfCivilDate(`${year}-${String(startMonth + 1).padStart(2, '0')}-01`);
    if (start.getTime() >= to.getTime()) break;
    const endIndex = startMonth + step;
    const end = startOfCivilDate(`${year + Math.floor(endIndex / 12)}-${String((endIndex % 12) + 1).padStart(2, '0')}-01`);
    const label = kind === 'month' ? `${year}-${String(startMonth + 1).padStart(2, '0')}` : kind === 'quarter' ? `${year}-Q${index + 1}` : String(year);
    periods.push({ label, start, end });
    index++;
    if (index * step >= 12) {
      index = 0;
      year++;
    }
    if (periods.length > limit) break;
  }
  return periods;
}

export interface SurvivalCount {
  /** Whole days since designation. */
  days: number;
  /** Delistings at this time. */
  events: number;
  /** Cases censored at this time (still open at asOf, or cancelled). */
  censored: number;
}

export interface SurvivalPoint extends SurvivalCount {
  atRisk: number;
  /** Share still not delisted just after `days`. */
  survival: number;
}

export interface SurvivalCurve {
  cases: number;
  delisted: number;
  censored: number;
  /** The first time at which the survival falls to 0.5 or below; null while it has not. */
  medianDays: number | null;
  points: SurvivalPoint[];
}

/**
 * Kaplan–Meier estimate of "not yet delisted" over time. Ties: at a given time, delistings come
 * before censorings (the usual convention), so a case censored at t is still at risk at t.
 */
export function kaplanMeier(counts: readonly SurvivalCount[]): SurvivalCurve {
  const byDay = new Map<number, SurvivalCount>();
  for (const c of counts) {
    const e = byDay.get(c.days) ?? { days: c.days, events: 0, censored: 0 };
    e.events += c.events;
    e.censored += c.censored;
    byDay.set(c.days, e);
  }
  const ordered = [...byDay.values()].sort((a, b) => a.days - b.days);
  const cases = ordered.reduce((n, c) => n + c.events + c.censored, 0);
  let atRisk = cases;
  let survival = 1;
  let medianDays: number | null = null;
  const points: SurvivalPoint[] = [];
  for (const c of ordered) {
    if (c.events > 0) survival *= 1 - c.events / atRisk;
    points.push({ days: c.days, events: c.events, censored: c.censored, atRisk, survival });
    if (medianDays === null && c.events > 0 && survival <= 0.5 + 1e-12) medianDays = c.days;
    atRisk -= c.events + c.censored;
  }
  const delisted = ordered.reduce((n, c) => n + c.events, 0);
  return { cases, delisted, censored: cases - delisted, medianDays, points };
}
