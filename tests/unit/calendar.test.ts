/**
 * The calendar and deadline arithmetic on the real 2025 State Council notice (from chinese-days):
 * Spring Festival, National Day, make-up workdays, rest-day due dates, office-hour rungs,
 * provisional years.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { packageCalendar, parseCalendarFile } from '../../db/seed/calendar.js';
import { addWorkingDays, describeDay, nthWorkingDayOfMonth, workingDaysBetween, signedWorkingDays, type Calendar } from '../../domain/calendar.js';
import { dueAfter, dueOnDate, isValidDuration, lastDayOf, remainingUntil, reportPeriod, scheduleRungs, type ClockContext } from '../../domain/clock.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';

let calendar: Calendar;
let ctx: ClockContext;
beforeAll(async () => {
  calendar = await packageCalendar();
  ctx = { calendar, timeZone: 'Asia/Shanghai', officeHour: '09:00' };
});

describe('2025 notice (domain.md, P25)', () => {
  test('13 statutory days off, holidays 1/28–2/4 and 10/1–10/8, make-up Sun 1/26, Sat 2/8, Sun 4/27, Sun 9/28, Sat 10/11', () => {
    for (const d of ['2025-01-28', '2025-02-04', '2025-10-01', '2025-10-08']) expect([d, describeDay(calendar, d).workday]).toEqual([d, false]);
    for (const d of ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11']) {
      const day = describeDay(calendar, d);
      expect([d, day.workday, day.weekend]).toEqual([d, true, true]);
    }
    expect(describeDay(calendar, '2025-10-09').workday).toBe(true);
    expect(describeDay(calendar, '2025-10-12').workday).toBe(false); // an ordinary Sunday
    expect(describeDay(calendar, '2025-06-15').provisional).toBe(false);
  });

  test('Spring Festival: 5 working days after Fri 2025-01-24 counts the make-up Sunday and skips the holiday', () => {
    // 1/26 (Sun, make-up), 1/27 (Mon), then 1/28–2/4 off, 2/5, 2/6, 2/7.
    expect(addWorkingDays(calendar, '2025-01-24', 5)).toEqual({ date: '2025-02-07', provisional: false });
    // ...and the make-up Saturday 2/8 is the 6th; Sunday 2/9 rests.
    expect(addWorkingDays(calendar, '2025-01-24', 6)).toEqual({ date: '2025-02-08', provisional: false });
    expect(addWorkingDays(calendar, '2025-01-24', 7)).toEqual({ date: '2025-02-10', provisional: false });
  });

  test('National Day: 3 working days after Fri 2025-09-26 are Sun 9/28 (make-up), Mon 9/29, Tue 9/30; the 4th is 10/9', () => {
    expect(addWorkingDays(calendar, '2025-09-26', 3).date).toBe('2025-09-30');
    expect(addWorkingDays(calendar, '2025-09-26', 4).date).toBe('2025-10-09');
    expect(addWorkingDays(calendar, '2025-09-26', 6).date).toBe('2025-10-11'); // the make-up Saturday
    expect(workingDaysBetween(calendar, '2025-09-30', '2025-10-11')).toBe(3);
  });

  test('signed working days: ahead across National Day, due today, and overdue counted back', () => {
    expect(signedWorkingDays(calendar, '2025-09-30', '2025-10-11')).toBe(3); // 10/9, 10/10, the make-up 10/11
    expect(signedWorkingDays(calendar, '2025-10-09', '2025-10-09')).toBe(0);
    expect(signedWorkingDays(calendar, '2025-10-11', '2025-09-30')).toBe(-3);
  });

  test('backwards: the 3rd working day before Thu 2025-10-09 is the make-up Sunday 9/28', () => {
    // 10/1–10/8 off; Tue 9/30, Mon 9/29, Sun 9/28 (make-up); then Fri 9/26.
    expect(addWorkingDays(calendar, '2025-10-09', -3).date).toBe('2025-09-28');
    expect(addWorkingDays(calendar, '2025-10-09', -4).date).toBe('2025-09-26');
  });

  test('the Nth working day of a month: October 2025 starts on the 9th; February on the 5th', () => {
    expect(nthWorkingDayOfMonth(calendar, 2025, 10, 1).date).toBe('2025-10-09');
    expect(nthWorkingDayOfMonth(calendar, 2025, 10, 5).date).toBe('2025-10-14');
    expect(nthWorkingDayOfMonth(calendar, 2025, 2, 1).date).toBe('2025-02-05');
  });
});

describe('deadlines on the calendar', () => {
  test('a plan due 15 working days after a designation on 2025-09-22 skips National Day', () => {
    const due = dueAfter('2025-09-22T02:00:00Z', '15WD', ctx);
    // 9/23–9/30 (incl. Sun 9/28) = 7, 10/9–10/11 (Sat make-up) = 3, 10/13–10/17 = 5 → Fri 10/17.
    expect(due.dueDate).toBe('2025-10-17');
    expect(due.dueAt).toBe('2025-10-17T16:00:00.000Z'); // end of 10/17 in Beijing
    expect(due.provisional).toBe(false);
  });

  test('a deadline paused far from its due date resumes on the same date (a remainder of five digits of working days)', () => {
    // An extension to 2099 leaves ~19,000 working days; resuming hands that count back as "NWD".
    const due = dueOnDate('2099-06-30', ctx);
    const left = remainingUntil(due, '2025-10-09T02:00:00Z', ctx);
    if (!('workingDays' in left)) throw new Error('a dated deadline counts working days');
    expect(left.workingDays).toBeGreaterThan(9999);
    expect(dueAfter('2025-10-09T02:00:00Z', `${left.workingDays}WD`, ctx).dueDate).toBe(due.dueDate);
  });

  test('a policy names at most 9,999 working days; the engine may hand back more', () => {
    expect(isValidDuration('9999WD')).toBe(true);
    expect(isValidDuration('10000WD')).toBe(false);
    expect(isValidDuration('-3WD')).toBe(true);
  });

  test('a due date on a rest day moves to the next working day', () => {
    // 2025-09-16 + 15 calendar days = 10/1, a holiday → 10/9.
    expect(dueAfter('2025-09-16T02:00:00Z', 'P15D', ctx).dueDate).toBe('2025-10-09');
    expect(dueOnDate('2025-10-04', ctx).dueDate).toBe('2025-10-09');
    // Exact durations (tests, demos) are not moved.
    expect(dueAfter('2025-10-01T02:00:00Z', 'PT30S', ctx)).toEqual({ dueAt: '2025-10-01T02:00:30.000Z', dueDate: null, provisional: false });
  });

  test('rungs fire at 09:00 Beijing on working days: T−3, T+1, T+5, T+10 working days', () => {
    const due = dueAfter('2025-09-22T02:00:00Z', '15WD', ctx); // due Fri 10/17
    const rungs = scheduleRungs(due, DEFAULT_POLICY.ladder, ctx);
    expect(rungs.map((r) => [r.rung, r.at])).toEqual([
      ['reminder', '2025-10-14T01:00:00.000Z'], // Tue 10/14 09:00 Beijing
      ['township_office', '2025-10-20T01:00:00.000Z'], // Mon 10/20
      ['org_dept', '2025-10-24T01:00:00.000Z'], // Fri 10/24
      ['standing_committee', '2025-10-31T01:00:00.000Z'], // Fri 10/31
    ]);
  });

  test('a calendar-day reminder landing on a rest day moves earlier, never to 3 a.m.', () => {
    const due = dueOnDate('2025-10-09', ctx);
    const rungs = scheduleRungs(due, [{ rung: 'reminder', offset: '-P3D', rag: 'yellow' }], ctx);
    // 10/6 is a holiday: the reminder comes on the last working day before, Tue 9/30, at 09:00.
    expect(rungs[0]!.at).toBe('2025-09-30T01:00:00.000Z');
  });

  test('monthly report for September 2025: the 5th working day of October is 10/14', () => {
    const period = reportPeriod(DEFAULT_POLICY, '2025-09-10T02:00:00Z', 0);
    expect(period.period).toBe('2025-09');
    expect(lastDayOf(period, 'Asia/Shanghai')).toBe('2025-09-30');
    expect(dueAfter(period.endsAt, DEFAULT_POLICY.reportDue, ctx, lastDayOf(period, 'Asia/Shanghai')).dueDate).toBe('2025-10-14');
  });

  test('a deadline reaching into a year whose notice is not loaded is provisional', () => {
    const last = Math.max(...calendar.loadedYears);
    const due = dueAfter(`${last}-12-20T02:00:00Z`, '15WD', ctx);
    expect(due.provisional).toBe(true);
    expect(due.dueDate!.startsWith(String(last + 1))).toBe(true);
    expect(dueAfter(`${last}-03-02T02:00:00Z`, '15WD', ctx).provisional).toBe(false);
  });

  test('暂定 belongs to a date: a certain due date keeps no flag when a later rung reaches an unpublished year', () => {
    // Only 2025's notice loaded (the package's 2026 days left out): a calendar that ends on 2025-12-31.
    const only2025: Calendar = {
      special: new Map([...calendar.special].filter(([date]) => date.startsWith('2025-'))),
      loadedYears: new Set([2025]),
    };
    const c2025 = { ...ctx, calendar: only2025 };
    const due = dueAfter('2025-12-01T02:00:00Z', '15WD', c2025);
    expect(due).toMatchObject({ dueDate: '2025-12-22', provisional: false });
    const rungs = scheduleRungs(due, DEFAULT_POLICY.ladder, c2025);
    expect(rungs.map((r) => [r.rung, r.at.slice(0, 10), r.provisional])).toEqual([
      ['reminder', '2025-12-17', false],
      ['township_office', '2025-12-23', false],
      ['org_dept', '2025-12-29', false],
      // Counted over 2026 on weekends only (1/1 a Thursday at work).
      ['standing_committee', '2026-01-05', true],
    ]);

    // With 2026's notice (元旦 1/1–1/3, Sun 1/4 a make-up workday) only that rung moves, and is certain.
    const retimed = scheduleRungs(dueAfter('2025-12-01T02:00:00Z', '15WD', ctx), DEFAULT_POLICY.ladder, ctx);
    expect(retimed.map((r) => [r.rung, r.at.slice(0, 10), r.provisional])).toEqual([
      ['reminder', '2025-12-17', false],
      ['township_office', '2025-12-23', false],
      ['org_dept', '2025-12-29', false],
      ['standing_committee', '2026-01-06', false],
    ]);

    // A due date counted into the unpublished year is provisional, and so is every rung counted from it.
    const late = dueAfter('2025-12-20T02:00:00Z', '15WD', c2025);
    expect(late.provisional).toBe(true);
    expect(scheduleRungs(late, DEFAULT_POLICY.ladder, c2025).every((r) => r.provisional)).toBe(true);
  });

  test('remaining working days for a suspended clock', () => {
    // After Mon 9/29: 9/30, 10/9, 10/10, Sat 10/11 (make-up), 10/13–10/17 = 9.
    expect(remainingUntil({ dueAt: '2025-10-17T16:00:00.000Z', dueDate: '2025-10-17' }, '2025-09-29T03:00:00Z', ctx)).toEqual({ workingDays: 9 });
    expect(remainingUntil({ dueAt: '2025-10-01T00:00:30.000Z', dueDate: null }, '2025-10-01T00:00:00Z', ctx)).toEqual({ ms: 30_000 });
  });
});

describe('calendar files', () => {
  test('holiday-cn JSON and CSV, and chinese-days JSON, parse to the same days', () => {
    const holidayCn = JSON.stringify({
      year: 2027,
      days: [
        { name: '元旦', date: '2027-01-01', isOffDay: true },
        { name: '春节', date: '2027-02-07', isOffDay: false },
      ],
    });
    const csv = 'date,isOffDay,name\n2027-01-01,true,元旦\n2027-02-07,false,春节\n';
    const chineseDays = JSON.stringify({ holidays: { '2027-01-01': "New Year's Day,元旦,1" }, workdays: { '2027-02-07': 'Spring Festival,春节,4' } });
    const pick = (days: Array<{ date: string; workday: boolean }>) => days.map((d) => [d.date, d.workday]);
    expect(pick(parseCalendarFile('2027.json', holidayCn))).toEqual([
      ['2027-01-01', false],
      ['2027-02-07', true],
    ]);
    expect(pick(parseCalendarFile('2027.csv', csv))).toEqual(pick(parseCalendarFile('2027.json', holidayCn)));
    expect(pick(parseCalendarFile('cd.json', chineseDays))).toEqual(pick(parseCalendarFile('2027.json', holidayCn)));
    expect(() => parseCalendarFile('bad.csv', 'date,isOffDay\n2027-02-30,true')).toThrow(/invalid date/);
    expect(() => parseCalendarFile('bad.json', '{"foo":1}')).toThrow(/unknown calendar shape/);
  });
});

describe('a notice as CSV', () => {
  test('a quoted holiday name may hold a comma; a BOM and CRLF line ends are read', () => {
    const csv = '\ufeffdate,workday,name\r\n2027-10-01,false,"国庆节,中秋节"\r\n2027-10-09,true,国庆节后补班\r\n';
    expect(parseCalendarFile('2027.csv', csv)).toEqual([
      { date: '2027-10-01', workday: false, name: '国庆节,中秋节' },
      { date: '2027-10-09', workday: true, name: '国庆节后补班' },
    ]);
  });
});
