import { readdir, readFile } from 'node:fs/promises';
import { parseCsv } from '../../lib/csv.js';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Db } from '../client.js';
import { hasCalendarSource, insertCalendarVersion, type CalendarDayInput } from '../queries/calendar.js';
import { isDateString } from '../../domain/calendar.js';
import { ValidationError } from '../../domain/errors.js';

const require = createRequire(import.meta.url);
const CHINESE_DAYS_VERSION = (require('chinese-days/package.json') as { version: string }).version;
export const PACKAGE_SOURCE = `chinese-days@${CHINESE_DAYS_VERSION}`;
const YEARS_DIR = path.join(path.dirname(require.resolve('chinese-days/package.json')), 'dist', 'years');

/** chinese-days' shape: `{ holidays: {date: "English,中文,n"}, workdays: {...}, inLieuDays: {...} }`. */
interface ChineseDaysYear {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

/** holiday-cn's shape: `{ year, days: [{ name, date, isOffDay }] }`. */
interface HolidayCnYear {
  year: number;
  days: Array<{ name: string; date: string; isOffDay: boolean }>;
}

function chineseName(label: string): string {
  return label.split(',')[1] ?? label;
}

function fromChineseDays(data: ChineseDaysYear): CalendarDayInput[] {
  return [
    ...Object.entries(data.holidays).map(([date, label]) => ({ date, workday: false, name: chineseName(label) })),
    ...Object.entries(data.workdays).map(([date, label]) => ({ date, workday: true, name: `${chineseName(label)}调休上班` })),
  ];
}

function fromHolidayCn(data: HolidayCnYear): CalendarDayInput[] {
  return data.days.map((d) => ({ date: d.date, workday: !d.isOffDay, name: d.isOffDay ? d.name : `${d.name}调休上班` }));
}

/**
 * Parses a year's notice from a file: JSON in the chinese-days or holiday-cn shape, or CSV with a
 * header naming `date` and either `isOffDay` (holiday-cn) or `workday`, and optionally `name`.
 */
export function parseCalendarFile(fileName: string, text: string): CalendarDayInput[] {
  let days: CalendarDayInput[];
  if (fileName.toLowerCase().endsWith('.csv')) {
    // Quoted fields (a holiday's name with a comma) read as one cell.
    const [header, ...lines] = parseCsv(text).filter((cells) => cells.some((c) => c.trim() !== ''));
    const columns = (header ?? []).map((c) => c.trim());
    const at = (name: string) => columns.indexOf(name);
    if (at('date') < 0 || (at('isOffDay') < 0 && at('workday') < 0)) {
      throw new ValidationError('CSV 须有 date 列和 isOffDay 或 workday 列 (CSV needs date and isOffDay or workday columns)', 'file');
    }
    days = lines.map((line, i) => {
      const cells = line.map((c) => c.trim());
      const flag = (cells[at('isOffDay') >= 0 ? at('isOffDay') : at('workday')] ?? '').toLowerCase();
      if (!['true', 'false', '1', '0'].includes(flag))
        throw new ValidationError(`第${i + 2}行：无法识别的取值 ${flag} (row ${i + 2}: expected true/false)`, 'file');
      const on = flag === 'true' || flag === '1';
      return { date: cells[at('date')] ?? '', workday: at('isOffDay') >= 0 ? !on : on, name: at('name') >= 0 ? (cells[at('name')] ?? null) : null };
    });
  } else {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new ValidationError('不是有效的 JSON (not valid JSON)', 'file');
    }
    if (data && typeof data === 'object' && 'days' in data) days = fromHolidayCn(data as HolidayCnYear);
    else if (data && typeof data === 'object' && 'holidays' in data) {
      const year = data as Partial<ChineseDaysYear>;
      days = fromChineseDays({ holidays: year.holidays ?? {}, workdays: year.workdays ?? {} });
    } else throw new ValidationError('无法识别的日历格式：须为 chinese-days 或 holiday-cn 格式 (unknown calendar shape)', 'file');
  }
  const bad = days.find((d) => !isDateString(d.date));
  if (bad) throw new ValidationError(`无效日期 ${bad.date} (invalid date)`, 'file');
  if (days.length === 0) throw new ValidationError('文件中没有日期 (no days in file)', 'file');
  return days;
}

/** Loads the national calendar shipped by `chinese-days` (2004–2026) once, as the first version. */
export async function seedPackageCalendar(db: Db): Promise<void> {
  if (await hasCalendarSource(db, PACKAGE_SOURCE)) return;
  const files = (await readdir(YEARS_DIR)).filter((f) => /^\d{4}\.json$/.test(f)).sort();
  const days: CalendarDayInput[] = [];
  const years: number[] = [];
  for (const file of files) {
    years.push(Number(file.slice(0, 4)));
    days.push(...fromChineseDays(JSON.parse(await readFile(path.join(YEARS_DIR, file), 'utf8')) as ChineseDaysYear));
  }
  await insertCalendarVersion(db, { source: PACKAGE_SOURCE, actorLabel: 'seed', days, years, note: 'npm chinese-days: State Council notices 2004–2026' });
}

/** The package's calendar as a pure Calendar (no database): for unit tests and tools. */
export async function packageCalendar(): Promise<import('../../domain/calendar.js').Calendar> {
  const files = (await readdir(YEARS_DIR)).filter((f) => /^\d{4}\.json$/.test(f));
  const special = new Map<string, import('../../domain/calendar.js').SpecialDay>();
  const loadedYears = new Set<number>();
  for (const file of files) {
    loadedYears.add(Number(file.slice(0, 4)));
    for (const d of fromChineseDays(JSON.parse(await readFile(path.join(YEARS_DIR, file), 'utf8')) as ChineseDaysYear)) {
      special.set(d.date, { workday: d.workday, name: d.name, source: PACKAGE_SOURCE });
    }
  }
  return { special, loadedYears };
}
