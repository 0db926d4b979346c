/**
 * "N working days left" to a deadline, counted on the village's calendar (调休 and local closures
 * included), so the console never counts days itself. Lists, the to-do list and the 督办单 share it.
 */
import type { Db } from '../db/client.js';
import type { NextDue } from '../db/queries/cases.js';
import { signedWorkingDays } from '../domain/calendar.js';
import { civilDate } from '../domain/stats.js';
import { createCalendarSource } from './calendar-source.js';

/** Working days from `at` (default: today) to a due date on a village's calendar; negative when overdue. */
export function createWorkingDaysCounter(db: Db, now: () => Date = () => new Date()) {
  const calendars = createCalendarSource(db);
  return async (villageCode: string, dueDate: string, at: Date = now()): Promise<number> =>
    signedWorkingDays(await calendars.calendarFor(villageCode), civilDate(at), dueDate);
}

/** Fills each list row's `nextDue.workingDaysLeft`. */
export function createWorkingDaysFiller(db: Db, now: () => Date = () => new Date()) {
  const workingDaysLeft = createWorkingDaysCounter(db, now);
  return async function withWorkingDays<T extends { villageCode: string; nextDue: NextDue | null }>(rows: T[]): Promise<T[]> {
    const at = now();
    return Promise.all(
      rows.map(async (row) => {
        if (!row.nextDue?.dueDate) return row;
        return { ...row, nextDue: { ...row.nextDue, workingDaysLeft: await workingDaysLeft(row.villageCode, row.nextDue.dueDate, at) } };
      }),
    );
  };
}
