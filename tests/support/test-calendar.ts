/**
 * Calendars a test owns, so that no verdict depends on today's date or on how far the loaded
 * holiday data reaches (chinese-days ends with 2026; the notice for a year appears in Oct–Nov of
 * the year before).
 *
 * - `syntheticNotice(year)`: a notice of the usual shape on fixed dates of our own (元旦, a Spring
 *   Festival week, 劳动节, 国庆 week, each with make-up workdays on weekends). It never touches
 *   December after the 1st week, so a test may rely on December having weekends only.
 * - `useTestCalendar(db, years)`: makes exactly `years` loaded in the test's own database (the
 *   package's real days where it has the year, a synthetic notice elsewhere); every other year is
 *   provisional.
 * - The knobs, for running the date-sensitive files under other conditions (`npm run test:dates`):
 *   `RECTIFY_TEST_CALENDAR_LAST_YEAR=YYYY` gives every test database a calendar loaded up to that
 *   year (read by the harness); `RECTIFY_TEST_TODAY=YYYY-MM-DD` moves the time-skipping server's
 *   clock forward to that date before a file's tests run (read by servers.ts). Tests read the
 *   calendar from the database, never from the package, so the knobs change what they compute, not
 *   their verdict.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { calendarVersions } from '../../db/schema/index.js';
import { insertCalendarVersion, type CalendarDayInput } from '../../db/queries/calendar.js';
import { addCalendarDays, isDateString } from '../../domain/calendar.js';

const require = createRequire(import.meta.url);
const YEARS_DIR = path.join(path.dirname(require.resolve('chinese-days/package.json')), 'dist', 'years');

function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}
const isWeekend = (date: string): boolean => weekday(date) === 0 || weekday(date) === 6;

/** The nearest weekend day strictly before (step −1) or after (step 1) `date`. */
function nearestWeekendDay(date: string, step: 1 | -1): string {
  let d = addCalendarDays(date, step);
  while (!isWeekend(d)) d = addCalendarDays(d, step);
  return d;
}

function block(start: string, days: number, name: string): CalendarDayInput[] {
  return Array.from({ length: days }, (_, i) => ({ date: addCalendarDays(start, i), workday: false, name }));
}

/** A State Council notice of our own for `year`, deterministic, with holidays and 调休. */
export function syntheticNotice(year: number): CalendarDayInput[] {
  const y = String(year).padStart(4, '0');
  const spring = block(`${y}-02-10`, 7, '春节');
  const labour = block(`${y}-05-01`, 5, '劳动节');
  const national = block(`${y}-10-01`, 7, '国庆节');
  const makeUp = (date: string, name: string): CalendarDayInput => ({ date, workday: true, name: `${name}调休上班` });
  return [
    { date: `${y}-01-01`, workday: false, name: '元旦' },
    ...spring,
    makeUp(nearestWeekendDay(`${y}-02-10`, -1), '春节'),
    makeUp(nearestWeekendDay(`${y}-02-16`, 1), '春节'),
    ...labour,
    makeUp(nearestWeekendDay(`${y}-05-01`, -1), '劳动节'),
    ...national,
    makeUp(nearestWeekendDay(`${y}-10-01`, -1), '国庆节'),
    makeUp(nearestWeekendDay(`${y}-10-07`, 1), '国庆节'),
  ];
}

/** The make-up workdays (调休, weekend days at work) of a synthetic notice. */
export function syntheticMakeUpDays(year: number): string[] {
  return syntheticNotice(year)
    .filter((d) => d.workday)
    .map((d) => d.date)
    .sort();
}

let packageYears: Map<number, CalendarDayInput[]> | undefined;

/** The package's real notices (chinese-days), by year. */
async function packageNotices(): Promise<Map<number, CalendarDayInput[]>> {
  if (packageYears) return packageYears;
  const years = new Map<number, CalendarDayInput[]>();
  for (const file of (await readdir(YEARS_DIR)).filter((f) => /^\d{4}\.json$/.test(f))) {
    const data = JSON.parse(await readFile(path.join(YEARS_DIR, file), 'utf8')) as { holidays: Record<string, string>; workdays: Record<string, string> };
    const name = (label: string) => label.split(',')[1] ?? label;
    years.set(Number(file.slice(0, 4)), [
      ...Object.entries(data.holidays).map(([date, label]) => ({ date, workday: false, name: name(label) })),
      ...Object.entries(data.workdays).map(([date, label]) => ({ date, workday: true, name: `${name(label)}调休上班` })),
    ]);
  }
  packageYears = years;
  return years;
}

/** The notice `useTestCalendar` loads for a year: the package's real one where it has it, else a synthetic one. */
export async function testNoticeFor(year: number): Promise<CalendarDayInput[]> {
  return (await packageNotices()).get(year) ?? syntheticNotice(year);
}

/**
 * Makes exactly `years` loaded in this (test-owned) database: earlier versions stop covering any
 * year (kept for the record), and one new version covers `years`, with the package's real days
 * where it has the year and a synthetic notice elsewhere (`synthetic: 'all'` uses synthetic ones
 * throughout). Answers the new version's id.
 */
export async function useTestCalendar(db: Db, years: readonly number[], options: { synthetic?: 'missing' | 'all' } = {}): Promise<number> {
  const real = await packageNotices();
  const days = years.flatMap((year) => (options.synthetic !== 'all' && real.get(year)) || syntheticNotice(year));
  if (days.some((d) => !isDateString(d.date))) throw new Error('test calendar: invalid date');
  await db.update(calendarVersions).set({ years: sql`'{}'::integer[]` });
  const version = await insertCalendarVersion(db, {
    source: 'test-calendar',
    actorLabel: 'test',
    days,
    years: [...years],
    note: `test calendar: ${years[0]}–${years.at(-1)}`,
  });
  return version.id;
}

/** Consecutive years `from`..`to`. */
export function yearRange(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** `RECTIFY_TEST_CALENDAR_LAST_YEAR`, if set: the last loaded year of every test database. */
export function calendarLastYearFromEnv(): number | null {
  // Tests are the one place besides config/ that reads the environment: these are test knobs.
  const raw = process.env.RECTIFY_TEST_CALENDAR_LAST_YEAR;
  if (!raw) return null;
  if (!/^\d{4}$/.test(raw)) throw new Error(`RECTIFY_TEST_CALENDAR_LAST_YEAR must be a year (YYYY), not ${raw}`);
  return Number(raw);
}

/** `RECTIFY_TEST_TODAY`, if set: the date time-skipping servers start from (10:00 Beijing). */
export function testTodayFromEnv(): string | null {
  const raw = process.env.RECTIFY_TEST_TODAY;
  if (!raw) return null;
  if (!isDateString(raw)) throw new Error(`RECTIFY_TEST_TODAY must be a date (YYYY-MM-DD), not ${raw}`);
  return raw;
}
