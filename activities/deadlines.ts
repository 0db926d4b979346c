import {
  addDuration,
  dueAfter,
  dueOnDate,
  lastDayOf,
  remainingUntil,
  reportPeriod,
  scheduleRungs,
  type ClockContext,
  type Due,
  type ReportPeriod,
} from '../domain/clock.js';
import type { Calendar } from '../domain/calendar.js';
import type { DueBasis, ScheduledRung } from '../domain/escalation.js';
import { DEFAULT_OFFICE_HOUR, type DeadlinePolicy, type LadderStep } from '../domain/policy.js';

export interface CalendarSource {
  /** The calendar a division lives by (national, with its own and its ancestors' overrides). */
  calendarFor(divisionCode: string | undefined): Promise<Calendar>;
}

export interface Scheduled extends Due {
  rungs: ScheduledRung[];
}

/**
 * A recurring obligation's schedule: the rectification policy itself (monthly reports), or the
 * same shape built from another process's policy (check-ins, training records).
 */
export type PeriodSchedule = Pick<DeadlinePolicy, 'timeZone' | 'officeHour' | 'reportPeriod' | 'reportDue' | 'ladder'>;

/**
 * Deadline arithmetic as activities: calendars and policies can change, so the results are
 * recorded in workflow history instead of being recomputed on replay.
 */
export function createDeadlineActivities(deps: CalendarSource) {
  async function context(divisionCode: string | undefined, timeZone: string, officeHour: string | undefined): Promise<ClockContext> {
    return { calendar: await deps.calendarFor(divisionCode), timeZone, officeHour: officeHour ?? DEFAULT_OFFICE_HOUR };
  }

  function withRungs(due: Due, ladder: readonly LadderStep[], ctx: ClockContext): Scheduled {
    return { ...due, rungs: scheduleRungs(due, ladder, ctx) };
  }

  return {
    /** A due and its rungs, from a basis: `after` a duration from an instant, or a fixed civil date. */
    async scheduleDeadline(input: {
      from?: string;
      after?: string;
      fromDate?: string;
      basis?: DueBasis;
      ladder: LadderStep[];
      timeZone: string;
      officeHour?: string;
      divisionCode?: string;
    }): Promise<Scheduled> {
      const ctx = await context(input.divisionCode, input.timeZone, input.officeHour);
      const basis: DueBasis = input.basis ?? { from: input.from!, after: input.after!, fromDate: input.fromDate };
      const due = 'fixedDate' in basis ? dueOnDate(basis.fixedDate, ctx) : dueAfter(basis.from, basis.after, ctx, basis.fromDate);
      return withRungs(due, input.ladder, ctx);
    },

    /** The index-th report period (monthly reports, check-ins, training quarters): due `reportDue` after its last day. */
    async scheduleReportPeriod(input: {
      policy: PeriodSchedule;
      anchor: string;
      index: number;
      divisionCode?: string;
    }): Promise<ReportPeriod & Scheduled & { basis: DueBasis }> {
      const { policy } = input;
      const ctx = await context(input.divisionCode, policy.timeZone, policy.officeHour);
      const period = reportPeriod(policy, input.anchor, input.index);
      // Day-level dues count from the period's last day ("5th working day of next month").
      const fromDate = policy.reportPeriod === 'calendar' ? lastDayOf(period, policy.timeZone) : undefined;
      const basis: DueBasis = { from: period.endsAt, after: policy.reportDue, fromDate };
      return { ...period, ...withRungs(dueAfter(period.endsAt, policy.reportDue, ctx, fromDate), policy.ladder, ctx), basis };
    },

    async computeInstant(input: { from: string; after: string; timeZone: string }): Promise<string> {
      return addDuration(input.from, input.after, input.timeZone);
    },

    /** What is left on a clock being suspended: working days for day-level dues, milliseconds for exact ones. */
    async measureRemaining(input: {
      dueAt: string;
      dueDate: string | null;
      now: string;
      timeZone: string;
      divisionCode?: string;
    }): Promise<{ workingDays: number } | { ms: number }> {
      const ctx = await context(input.divisionCode, input.timeZone, undefined);
      return remainingUntil({ dueAt: input.dueAt, dueDate: input.dueDate }, input.now, ctx);
    },
  };
}
