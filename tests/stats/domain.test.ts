/** The pure parts of statistics and spreadsheets: Kaplan–Meier, periods, ages, cell parsing, CSV. */
import { describe, expect, test } from 'vitest';
import { addMonths, ageOn, civilDate, kaplanMeier, periodsBetween, rate, round, startOfCivilDate } from '../../domain/stats.js';
import { parseDate, parseYesNo, cellText } from '../../services/excel/cells.js';
import { decodeCsv, parseCsv, writeCsv } from '../../services/excel/csv.js';

describe('Kaplan–Meier', () => {
  test('the textbook example: ties, censoring after events at the same time', () => {
    // 6 cases: events at 6, 6, 6, censored at 6, event at 7, censored at 10 (Freireich-style).
    const curve = kaplanMeier([
      { days: 6, events: 3, censored: 1 },
      { days: 7, events: 1, censored: 0 },
      { days: 10, events: 0, censored: 1 },
    ]);
    expect(curve.points.map((p) => [p.days, p.atRisk, round(p.survival)])).toEqual([
      [6, 6, 0.5], // 1 − 3/6
      [7, 2, 0.25], // × (1 − 1/2)
      [10, 1, 0.25],
    ]);
    expect(curve).toMatchObject({ cases: 6, delisted: 4, censored: 2, medianDays: 6 });
  });

  test('no events: survival stays 1 and the median is not reached; nothing at all is an empty curve', () => {
    expect(kaplanMeier([{ days: 30, events: 0, censored: 2 }])).toMatchObject({ medianDays: null, points: [{ survival: 1 }] });
    expect(kaplanMeier([])).toEqual({ cases: 0, delisted: 0, censored: 0, medianDays: null, points: [] });
  });

  test('rows of the same day from different groups are merged', () => {
    const curve = kaplanMeier([
      { days: 5, events: 1, censored: 0 },
      { days: 5, events: 1, censored: 1 },
    ]);
    expect(curve.points).toEqual([{ days: 5, atRisk: 3, events: 2, censored: 1, survival: expect.closeTo(1 / 3, 12) }]);
  });
});

describe('periods, civil dates and ages (Asia/Shanghai)', () => {
  test('months, quarters and years overlapping a range', () => {
    const from = startOfCivilDate('2024-11-15');
    const to = startOfCivilDate('2025-02-01');
    expect(periodsBetween('month', from, to).map((p) => p.label)).toEqual(['2024-11', '2024-12', '2025-01']);
    expect(periodsBetween('quarter', from, to).map((p) => p.label)).toEqual(['2024-Q4', '2025-Q1']);
    expect(periodsBetween('year', from, to).map((p) => p.label)).toEqual(['2024', '2025']);
    // A range beyond the limit stops one past it (the service answers 400), never a century of months.
    expect(periodsBetween('month', new Date('2000-01-01T00:00:00Z'), new Date('2100-12-30T00:00:00Z'), 120)).toHaveLength(121);
    const [nov] = periodsBetween('month', from, to);
    expect(nov!.start.toISOString()).toBe('2024-10-31T16:00:00.000Z');
    expect(nov!.end.toISOString()).toBe('2024-11-30T16:00:00.000Z');
  });

  test('a civil date is China’s, not UTC’s', () => {
    expect(civilDate(new Date('2025-12-31T16:30:00Z'))).toBe('2026-01-01');
    expect(addMonths('2025-03', -11)).toBe('2024-04');
    expect(addMonths('2025-12', 1)).toBe('2026-01');
  });

  test('full years of age: the birthday counts on the day', () => {
    expect(ageOn('1985-06-30', '2025-06-30')).toBe(40);
    expect(ageOn('1985-07-01', '2025-06-30')).toBe(39);
    expect(ageOn('2000-02-29', '2025-02-28')).toBe(24);
    expect(ageOn('2000-02-29', '2025-03-01')).toBe(25);
  });

  test('rates: null when there is nothing to divide by', () => {
    expect(rate(11, 13)).toBeCloseTo(0.846153, 5);
    expect(round(rate(11, 13))).toBe(0.8462);
    expect(rate(0, 0)).toBeNull();
  });
});

describe('cells as offices type them', () => {
  test('dates in the usual forms; impossible dates are named', () => {
    for (const text of ['1985-03-07', '1985/3/7', '1985.03.07', '1985年3月7日', '19850307']) expect(parseDate(text)).toEqual({ ok: true, value: '1985-03-07' });
    expect(parseDate('1985.03')).toEqual({ ok: true, value: '1985-03-01' });
    expect(parseDate(new Date('1985-03-07T00:00:00Z'))).toEqual({ ok: true, value: '1985-03-07' });
    expect(parseDate(31113)).toEqual({ ok: true, value: '1985-03-07' }); // an Excel serial day
    expect(parseDate('1985-02-30')).toMatchObject({ ok: false, problem: expect.stringContaining('日期不存在') });
    expect(parseDate('三月七日')).toMatchObject({ ok: false, problem: expect.stringContaining('无法识别') });
  });

  test('yes/no and codes turned into numbers by Excel', () => {
    expect(parseYesNo('中共预备党员')).toEqual({ ok: true, value: true });
    expect(parseYesNo('群众')).toEqual({ ok: true, value: false });
    expect(parseYesNo('也许').ok).toBe(false);
    expect(cellText(522731001001)).toBe('522731001001');
  });
});

describe('CSV', () => {
  test('quotes, line breaks inside fields, CRLF; formula-like text is guarded and read back as typed', () => {
    const spec = {
      sheet: 't',
      columns: [
        { header: '名称', type: 'text' as const, value: (r: { a: string }) => r.a },
        { header: '比例', type: 'rate' as const, value: () => 0.8462 },
        { header: '日期', type: 'date' as const, value: () => '2025-03-01' },
      ],
    };
    const bytes = writeCsv({ spec, rows: [{ a: '甲,"乙"\n丙' }, { a: '=HYPERLINK("x")' }] } as never);
    const text = decodeCsv(bytes);
    expect(text.startsWith('名称,比例,日期\r\n')).toBe(true);
    const records = parseCsv(text);
    expect(records).toEqual([
      ['名称', '比例', '日期'],
      ['甲,"乙"\n丙', '84.6%', '2025-03-01'],
      ['\'=HYPERLINK("x")', '84.6%', '2025-03-01'],
    ]);
    expect(cellText(records[2]![0]!)).toBe('=HYPERLINK("x")');
  });

  test('GBK files from a Chinese-locale Excel are read too', () => {
    const gbk = Buffer.from([0xd0, 0xd5, 0xc3, 0xfb, 0x2c, 0xc4, 0xd0]); // "姓名,男" in GBK
    expect(parseCsv(decodeCsv(gbk))).toEqual([['姓名', '男']]);
  });
});
