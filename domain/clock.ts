import { DateTime, Duration } from 'luxon';
import type { DeadlinePolicy, LadderStep } from './policy.js';
import type { ScheduledRung } from './escalation.js';
import { addCalendarDays, addWorkingDays, nextWorkingDayOnOrAfter, workingDaysBetween, type Calendar, type DatedResult } from './calendar.js';

/**
 * All deadline arithmetic lives here: durations, due dates, rung instants, report periods, on top of
 * the working-day calendar (domain/calendar.ts). Pure functions, called from activities (never from
 * workflow code): their results are recorded in workflow history.
 *
 * A duration is one of three kinds:
 * - working days: "15WD" (and "-3WD" for before), counted on the calendar, `from` not counted;
 * - calendar days/weeks/months/years: ISO-8601 without a time part ("P15D", "P3M"); a due date that
 *   lands on a rest day moves to the next working day;
 * - exact: ISO-8601 with a time part ("PT30S", "PT72H"): an instant, no calendar (tests and demos).
 * Day-level deadlines fall due at the end of their due date; day-level rungs fire at the office hour
 * of a working day, never at 3 a.m.
 */

export class InvalidDurationError extends Error {}

export type DurationSpec =
  | { kind: 'working_days'; sign: 1 | -1; days: number }
  | { kind: 'calendar'; sign: 1 | -1; duration: Duration }
  | { kind: 'exact'; sign: 1 | -1; duration: Duration };

// Up to six digits: a paused deadline's remainder is handed back as a count the engine derived
// (a deadline moved to 2099 leaves ~19,000 working days), so the parser must take what it is given.
// What a person may type in a policy is bounded apart, in isValidDuration.
const WORKING_DAYS = /^(-)?(\d{1,6})WD$/;
/** The most working days a policy's duration or offset may name. */
export const MAX_POLICY_WORKING_DAYS = 9999;

export function parseDuration(text: string): DurationSpec {
  const wd = WORKING_DAYS.exec(text);
  if (wd) return { kind: 'working_days', sign: wd[1] ? -1 : 1, days: Number(wd[2]) };
  const negative = text.startsWith('-');
  const iso = negative ? text.slice(1) : text;
  const duration = Duration.fromISO(iso);
  if (!duration.isValid) {
    throw new InvalidDurationError(`不是有效的时长: ${text}（如 15WD、P15D、P3M、PT30S）(invalid duration: working days "15WD" or ISO-8601)`);
  }
  return { kind: iso.includes('T') ? 'exact' : 'calendar', sign: negative ? -1 : 1, duration };
}

/** A duration a policy may carry: parseable, and at most MAX_POLICY_WORKING_DAYS working days. */
export function isValidDuration(text: string): boolean {
  try {
    const spec = parseDuration(text);
    return spec.kind !== 'working_days' || spec.days <= MAX_POLICY_WORKING_DAYS;
  } catch {
    return false;
  }
}

export interface ClockContext {
  calendar: Calendar;
  timeZone: string;
  /** "HH:mm" local time at which day-level rungs fire. */
  officeHour: string;
}

export interface Due {
  dueAt: string;
  /** The civil due date for day-level deadlines; null for exact ones. */
  dueDate: string | null;
  provisional: boolean;
}

function localDate(instant: string, timeZone: string): string {
  return DateTime.fromISO(instant, { zone: timeZone }).toISODate()!;
}

/** The first instant after `date` ends (its 24:00), in the zone. */
function endOfDate(date: string, timeZone: string): string {
  return DateTime.fromISO(date, { zone: timeZone }).plus({ days: 1 }).toUTC().toISO()!;
}

function atOfficeHour(date: string, ctx: ClockContext): string {
  const [hour, minute] = ctx.officeHour.split(':').map(Number) as [number, number];
  return DateTime.fromISO(date, { zone: ctx.timeZone }).set({ hour, minute }).toUTC().toISO()!;
}

function shiftDate(date: string, spec: Extract<DurationSpec, { kind: 'calendar' }>, timeZone: string): string {
  const d = DateTime.fromISO(date, { zone: timeZone });
  return (spec.sign === 1 ? d.plus(spec.duration) : d.minus(spec.duration)).toISODate()!;
}

/** The date onto which a calendar-day deadline moves: forwards, or backwards for a "before" offset. */
function onWorkingDay(calendar: Calendar, date: string, backwards: boolean): DatedResult {
  if (!backwards) return nextWorkingDayOnOrAfter(calendar, date);
  const after = nextWorkingDayOnOrAfter(calendar, date);
  if (after.date === date) return after;
  return addWorkingDays(calendar, date, -1);
}

/**
 * When something due `after` from `from` falls due. `fromDate` overrides the civil date counted
 * from (a report period counts from its last day, not from the instant it ends).
 */
export function dueAfter(from: string, after: string, ctx: ClockContext, fromDate?: string): Due {
  const spec = parseDuration(after);
  if (spec.kind === 'exact') {
    const start = DateTime.fromISO(from, { zone: ctx.timeZone });
    const at = spec.sign === 1 ? start.plus(spec.duration) : start.minus(spec.duration);
    return { dueAt: at.toUTC().toISO()!, dueDate: null, provisional: false };
  }
  const startDate = fromDate ?? localDate(from, ctx.timeZone);
  const dated =
    spec.kind === 'working_days'
      ? addWorkingDays(ctx.calendar, startDate, spec.sign * spec.days)
      : onWorkingDay(ctx.calendar, shiftDate(startDate, spec, ctx.timeZone), false);
  return { dueAt: endOfDate(dated.date, ctx.timeZone), dueDate: dated.date, provisional: dated.provisional };
}

/** A due fixed to a civil date (an approved extension): moved onto a working day. */
export function dueOnDate(date: string, ctx: ClockContext): Due {
  const dated = nextWorkingDayOnOrAfter(ctx.calendar, date);
  return { dueAt: endOfDate(dated.date, ctx.timeZone), dueDate: dated.date, provisional: dated.provisional };
}

/**
 * Rung instants for a due: day-level offsets at the office hour of a working day, exact ones exact.
 * Each rung is provisional on its own: when its date was counted over a year whose notice is not
 * loaded, or from a due date that is itself provisional (the rung moves if the due does). The due's
 * flag is the due's alone, so a notice names a date 暂定 only when that date may move.
 */
export function scheduleRungs(due: Due, ladder: readonly LadderStep[], ctx: ClockContext): ScheduledRung[] {
  const dueDate = due.dueDate ?? localDate(due.dueAt, ctx.timeZone);
  return ladder.map((step): ScheduledRung => {
    const spec = parseDuration(step.offset);
    if (spec.kind === 'exact') {
      const base = DateTime.fromISO(due.dueAt, { zone: ctx.timeZone });
      const at = spec.sign === 1 ? base.plus(spec.duration) : base.minus(spec.duration);
      return { rung: step.rung, at: at.toUTC().toISO()!, rag: step.rag, provisional: due.provisional };
    }
    // Offset 0 or "after" counts from the due date; the day itself has passed once the deadline has.
    const dated =
      spec.kind === 'working_days'
        ? addWorkingDays(ctx.calendar, dueDate, spec.sign * spec.days)
        : onWorkingDay(ctx.calendar, shiftDate(dueDate, spec, ctx.timeZone), spec.sign === -1);
    return { rung: step.rung, at: atOfficeHour(dated.date, ctx), rag: step.rag, provisional: due.provisional || dated.provisional };
  });
}

/** `from` moved by a duration (for lengths such as the follow-up year): calendar, not working days. */
export function addDuration(from: string, text: string, timeZone: string): string {
  const spec = parseDuration(text);
  const start = DateTime.fromISO(from, { zone: timeZone });
  if (spec.kind === 'working_days') {
    throw new InvalidDurationError(`此处须为日历时长，不能用工作日: ${text} (a calendar or exact duration is needed here)`);
  }
  return (spec.sign === 1 ? start.plus(spec.duration) : start.minus(spec.duration)).toUTC().toISO()!;
}

export interface ReportPeriod {
  /** YYYY-MM label. */
  period: string;
  index: number;
  startsAt: string;
  endsAt: string;
}

/** What a recurring period needs: its length ("calendar" months or a duration) and the zone. */
export type PeriodSpec = Pick<DeadlinePolicy, 'timeZone' | 'reportPeriod'>;

/**
 * The index-th reporting period counted from `anchor` (the moment rectification began; for other
 * processes the moment their recurring obligation began: a mentorship's start, a reserve's training).
 * Calendar mode: period 0 is the month containing the anchor. Compressed mode: each period lasts
 * `reportPeriod` and is labelled as the month `index` months after the anchor's month.
 */
export function reportPeriod(policy: PeriodSpec, anchor: string, index: number): ReportPeriod {
  const zone = policy.timeZone;
  const anchorMonth = DateTime.fromISO(anchor, { zone }).startOf('month');
  const label = anchorMonth.plus({ months: index }).toFormat('yyyy-MM');
  if (policy.reportPeriod === 'calendar') {
    return {
      period: label,
      index,
      startsAt: anchorMonth.plus({ months: index }).toUTC().toISO()!,
      endsAt: anchorMonth
        .plus({ months: index + 1 })
        .toUTC()
        .toISO()!,
    };
  }
  const spec = parseDuration(policy.reportPeriod);
  if (spec.kind === 'working_days') throw new InvalidDurationError('reportPeriod cannot be in working days');
  const base = DateTime.fromISO(anchor, { zone });
  return {
    period: label,
    index,
    startsAt: base
      .plus(spec.duration.mapUnits((x) => x * index))
      .toUTC()
      .toISO()!,
    endsAt: base
      .plus(spec.duration.mapUnits((x) => x * (index + 1)))
      .toUTC()
      .toISO()!,
  };
}

/** The civil date of a period's last day: a report "due on the 5th working day of next month" counts from it. */
export function lastDayOf(period: ReportPeriod, timeZone: string): string {
  return addCalendarDays(localDate(period.endsAt, timeZone), -1);
}

/** Working days left until a due date (0 if it has passed); exact deadlines answer milliseconds. */
export function remainingUntil(due: Pick<Due, 'dueAt' | 'dueDate'>, now: string, ctx: ClockContext): { workingDays: number } | { ms: number } {
  if (due.dueDate === null) return { ms: Math.max(0, Date.parse(due.dueAt) - Date.parse(now)) };
  return { workingDays: workingDaysBetween(ctx.calendar, localDate(now, ctx.timeZone), due.dueDate) };
}
