import type { Db } from '../db/client.js';
import { latestCalendarVersionId, loadNationalCalendar, overridesFor, withOverrides } from '../db/queries/calendar.js';
import type { Calendar } from '../domain/calendar.js';
import type { CalendarSource } from '../activities/deadlines.js';

/**
 * Calendars from Postgres: the national calendar is cached until a new version is imported (one
 * cheap query per use tells); a division's overrides are read fresh each time.
 */
export function createCalendarSource(db: Db): CalendarSource & { national(): Promise<Calendar> } {
  let cache: { stamp: number; calendar: Promise<Calendar> } | undefined;

  async function national(): Promise<Calendar> {
    const stamp = await latestCalendarVersionId(db);
    if (!cache || cache.stamp !== stamp) cache = { stamp, calendar: loadNationalCalendar(db) };
    return cache.calendar;
  }

  return {
    national,
    async calendarFor(divisionCode) {
      const base = await national();
      return divisionCode ? withOverrides(base, await overridesFor(db, divisionCode)) : base;
    },
  };
}
