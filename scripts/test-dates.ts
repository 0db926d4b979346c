/**
 * `npm run test:dates`: the date-sensitive test files again under other calendars and other
 * "todays", so a verdict that depends on the real date (or on how far the loaded holiday notices
 * reach) shows up now rather than on some later morning. Each run sets the knobs that
 * tests/support/test-calendar.ts documents:
 *
 * - the calendar horizon behind today: loaded only up to last year (nothing of this year certain);
 * - the calendar horizon ten years ahead (synthetic notices for the years the package lacks);
 * - "today" on the coming 15 December (plans designated then reach into January);
 * - "today" on the coming 5 January (the first working week of a year);
 * - "today" on the coming make-up workday (调休, a weekend day at work), horizon ten years ahead.
 *
 * "Today" moves the time-skipping server's clock forward (it cannot go back), so the dates are the
 * next ones to come. CI runs this after `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { addCalendarDays } from '../domain/calendar.js';
import { testNoticeFor } from '../tests/support/test-calendar.js';

const FILES = [
  'tests/workflows',
  'tests/api/cases-api.test.ts',
  'tests/api/calendar-api.test.ts',
  'tests/api/mentoring-reserves-api.test.ts',
  'tests/stats',
  'tests/unit/calendar.test.ts',
  'tests/e2e/dev-server-deadlines.test.ts',
];

const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
const year = Number(today.slice(0, 4));
/** The next date after today with this month-day. */
const next = (monthDay: string) => (`${year}-${monthDay}` > today ? `${year}-${monthDay}` : `${year + 1}-${monthDay}`);

async function nextMakeUpWorkday(): Promise<string> {
  for (let y = year; y <= year + 2; y++) {
    const day = (await testNoticeFor(y))
      .filter((d) => d.workday && d.date > addCalendarDays(today, 1))
      .map((d) => d.date)
      .sort()[0];
    if (day) return day;
  }
  throw new Error('no make-up workday in the next three years');
}

const runs: Array<{ name: string; env: Record<string, string> }> = [
  { name: `calendar loaded up to ${year - 1} only`, env: { RECTIFY_TEST_CALENDAR_LAST_YEAR: String(year - 1) } },
  { name: `calendar loaded up to ${year + 10}`, env: { RECTIFY_TEST_CALENDAR_LAST_YEAR: String(year + 10) } },
  { name: `today ${next('12-15')}`, env: { RECTIFY_TEST_TODAY: next('12-15') } },
  { name: `today ${next('01-05')}`, env: { RECTIFY_TEST_TODAY: next('01-05') } },
  {
    name: `today ${await nextMakeUpWorkday()} (make-up workday), calendar up to ${year + 10}`,
    env: { RECTIFY_TEST_TODAY: await nextMakeUpWorkday(), RECTIFY_TEST_CALENDAR_LAST_YEAR: String(year + 10) },
  },
];

const only = process.argv[2];
const failed: string[] = [];
for (const run of runs.filter((_, i) => only === undefined || String(i + 1) === only)) {
  process.stderr.write(
    `\n[test:dates] ${run.name}: ${Object.entries(run.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}\n`,
  );
  const started = Date.now();
  const result = spawnSync('npx', ['vitest', 'run', ...FILES], { stdio: 'inherit', env: { ...process.env, ...run.env } });
  process.stderr.write(`[test:dates] ${run.name}: ${result.status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (result.status !== 0) failed.push(run.name);
}
if (failed.length) {
  process.stderr.write(`\n[test:dates] failed under: ${failed.join('; ')}\n`);
  process.exit(1);
}
process.stderr.write('\n[test:dates] every run passed\n');
