/**
 * The working-day calendar (工作日/调休): pure functions over a loaded calendar. A day is a working
 * day unless the calendar says otherwise; by default Monday–Friday work and weekends rest, and the
 * State Council notice for a year turns some weekdays into holidays and some weekends into make-up
 * workdays (调休). A year whose notice is not loaded is *provisional*: only the weekend rule applies,
 * and anything computed from it says so.
 *
 * Dates are civil dates "YYYY-MM-DD" in the calendar's time zone (Asia/Shanghai).
 */

export interface SpecialDay {
  workday: boolean;
  /** 元旦, 春节, 国庆节…, or the reason of a local override. */
  name: string | null;
  /** Where it came from: a calendar version or a jurisdiction's override. */
  source: string;
}

export interface Calendar {
  /** Dates that differ from the weekend rule, or that a local override fixes either way. */
  special: ReadonlyMap<string, SpecialDay>;
  /** Years whose national notice is loaded: dates in other years are provisional. */
  loadedYears: ReadonlySet<number>;
}

export interface CalendarDay {
  date: string;
  workday: boolean;
  weekend: boolean;
  name: string | null;
  source: string | null;
  provisional: boolean;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDateString(value: string): boolean {
  const m = DATE_PATTERN.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** Civil-date arithmetic on UTC midnights (no time zone can shift a civil date). */
export function addCalendarDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

function isWeekend(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}

export function describeDay(calendar: Calendar, date: string): CalendarDay {
  const special = calendar.special.get(date);
  const weekend = isWeekend(date);
  return {
    date,
    workday: special ? special.workday : !weekend,
    weekend,
    name: special?.name ?? null,
    source: special?.source ?? null,
    provisional: !calendar.loadedYears.has(yearOf(date)),
  };
}

export function isWorkingDay(calendar: Calendar, date: string): boolean {
  return describeDay(calendar, date).workday;
}

export interface DatedResult {
  date: string;
  /** True when any day counted lies in a year whose notice is not loaded. */
  provisional: boolean;
}

/**
 * A bound on rest days in a row, so a calendar with no working days cannot loop forever. It bounds
 * a gap, not the whole walk: a deadline paused decades ahead is counted back in working days.
 */
const MAX_WALK_DAYS = 3660;

/**
 * The Nth working day after `from` (`from` itself not counted); a negative N counts backwards
 * (the Nth working day before `from`). N = 0 gives `from` moved onto a working day (forwards).
 */
export function addWorkingDays(calendar: Calendar, from: string, n: number): DatedResult {
  let provisional = !calendar.loadedYears.has(yearOf(from));
  if (n === 0) return nextWorkingDayOnOrAfter(calendar, from);
  const step = n > 0 ? 1 : -1;
  let remaining = Math.abs(n);
  let date = from;
  for (let restDays = 0; remaining > 0;) {
    if (restDays > MAX_WALK_DAYS) throw new RangeError(`no working day within ${MAX_WALK_DAYS} days of ${date}`);
    date = addCalendarDays(date, step);
    const day = describeDay(calendar, date);
    provisional ||= day.provisional;
    if (day.workday) {
      remaining--;
      restDays = 0;
    } else restDays++;
  }
  return { date, provisional };
}

/** `date` if it is a working day, else the next one: a deadline on a rest day moves forward. */
export function nextWorkingDayOnOrAfter(calendar: Calendar, date: string): DatedResult {
  let provisional = false;
  let d = date;
  for (let walked = 0; ; walked++) {
    if (walked > MAX_WALK_DAYS) throw new RangeError(`no working day within ${MAX_WALK_DAYS} days of ${date}`);
    const day = describeDay(calendar, d);
    provisional ||= day.provisional;
    if (day.workday) return { date: d, provisional };
    d = addCalendarDays(d, 1);
  }
}

/** The Nth working day of a month ("the 5th working day of next month"); N ≥ 1. */
export function nthWorkingDayOfMonth(calendar: Calendar, year: number, month: number, n: number): DatedResult {
  if (n < 1) throw new RangeError('n must be at least 1');
  const first = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-01`;
  const result = addWorkingDays(calendar, addCalendarDays(first, -1), n);
  if (result.date.slice(0, 7) !== first.slice(0, 7)) throw new RangeError(`${first.slice(0, 7)} has fewer than ${n} working days`);
  return result;
}

/** Working days strictly after `from` up to and including `to` (0 when `to` ≤ `from`). */
export function workingDaysBetween(calendar: Calendar, from: string, to: string): number {
  let count = 0;
  for (let d = addCalendarDays(from, 1); d <= to; d = addCalendarDays(d, 1)) {
    if (isWorkingDay(calendar, d)) count++;
  }
  return count;
}

/**
 * Working days from `today` to `due`: positive while it is ahead (due tomorrow, a working day: 1;
 * due today: 0), negative once overdue (the working days since, `due` itself not counted).
 */
export function signedWorkingDays(calendar: Calendar, today: string, due: string): number {
  return due >= today ? workingDaysBetween(calendar, today, due) : -workingDaysBetween(calendar, due, today);
}

export function listDays(calendar: Calendar, from: string, to: string): CalendarDay[] {
  const days: CalendarDay[] = [];
  for (let d = from; d <= to; d = addCalendarDays(d, 1)) days.push(describeDay(calendar, d));
  return days;
}

/** A calendar with only the weekend rule and nothing loaded: every result is provisional. */
export const WEEKENDS_ONLY: Calendar = { special: new Map(), loadedYears: new Set() };
