/**
 * Reading what people type into spreadsheets: text, codes (that Excel may have turned into
 * numbers), dates in the forms offices use (1985-03-07, 1985/3/7, 1985.03.07, 1985年3月7日,
 * 19850307, or year and month alone: 1985.03 → the 1st), yes/no.
 */
import type { CellInput } from './xlsx.js';
import { unguard } from './csv.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const bad = (problem: string): Parsed<never> => ({ ok: false, problem });

/** The cell as trimmed text ('' when empty). Whole numbers print without exponent or decimals. */
export function cellText(cell: CellInput | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isInteger(cell) ? cell.toFixed(0) : String(cell);
  if (typeof cell === 'boolean') return cell ? '是' : '否';
  if (cell instanceof Date) return cell.toISOString().slice(0, 10);
  return unguard(cell.replace(/\u00a0/g, ' ').trim());
}

function validDate(y: number, m: number, d: number): string | null {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return null;
  return date.toISOString().slice(0, 10);
}

/** A civil date 'YYYY-MM-DD' from a date cell, a date-like text, or an Excel serial number. */
export function parseDate(cell: CellInput | undefined): Parsed<string> {
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return bad('日期无效 (invalid date)');
    // Excel dates come back at UTC midnight (date cells) or as UTC-read wall-clock times.
    return ok(cell.toISOString().slice(0, 10));
  }
  if (typeof cell === 'number') {
    if (Number.isInteger(cell) && cell >= 19000101 && cell <= 22001231) return parseDate(String(cell));
    if (cell > 0 && cell < 120000) {
      // An Excel serial day number (1900 date system; 25569 = 1970-01-01).
      return ok(new Date(Math.round((cell - 25569) * 86400_000)).toISOString().slice(0, 10));
    }
    return bad('不是日期 (not a date)');
  }
  const text = cellText(cell);
  if (text === '') return bad('不能为空 (required)');
  let m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(text);
  if (m) {
    const d = validDate(Number(m[1]), Number(m[2]), Number(m[3]));
    return d ? ok(d) : bad(`日期不存在：${text} (no such date)`);
  }
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (m) {
    const d = validDate(Number(m[1]), Number(m[2]), Number(m[3]));
    return d ? ok(d) : bad(`日期不存在：${text} (no such date)`);
  }
  m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$/.exec(text);
  if (m) {
    const d = validDate(Number(m[1]), Number(m[2]), 1);
    return d ? ok(d) : bad(`日期不存在：${text} (no such date)`);
  }
  return bad(`日期格式无法识别：${text}（请用 1985-03-07）(unrecognised date)`);
}

const YES = new Set(['是', 'y', 'yes', 'true', '1', '中共党员', '中共预备党员', '党员', '预备党员']);
const NO = new Set(['否', 'n', 'no', 'false', '0', '群众', '非党员', '共青团员', '民主党派', '无党派人士', '无党派']);

export function parseYesNo(cell: CellInput | undefined): Parsed<boolean> {
  if (typeof cell === 'boolean') return ok(cell);
  const text = cellText(cell).toLowerCase();
  if (YES.has(text)) return ok(true);
  if (NO.has(text)) return ok(false);
  return bad(text === '' ? '不能为空，请填“是”或“否” (required: 是/否)' : `请填“是”或“否”，而不是“${text}” (expected 是/否)`);
}
