/**
 * CSV as Excel in China reads and writes it: UTF-8 with a BOM on the way out (so Excel does not
 * guess GBK); on the way in UTF-8, or GB18030 when the bytes are not UTF-8 ("CSV (逗号分隔)" saved
 * by a Chinese-locale Excel). RFC 4180 quoting; CRLF line ends.
 */
import { toShanghaiWallClock } from '../../domain/stats.js';
import type { CellType, CellValue, Table } from './table.js';
import { parseCsv } from '../../lib/csv.js';

const BOM = '\ufeff';
/** Cells starting like a formula are prefixed with ' so a spreadsheet never evaluates them (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

function formatCell(value: CellValue, type: CellType): string {
  if (value === null || value === undefined || value === '') return '';
  switch (type) {
    case 'rate':
      return typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : String(value);
    case 'date':
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
    case 'datetime': {
      const instant = value instanceof Date ? value : new Date(String(value));
      return Number.isNaN(instant.getTime()) ? String(value) : toShanghaiWallClock(instant).toISOString().slice(0, 19).replace('T', ' ');
    }
    case 'int':
    case 'number':
      return String(value);
    default: {
      const text = typeof value === 'boolean' ? (value ? '是' : '否') : value instanceof Date ? value.toISOString() : String(value);
      return FORMULA_START.test(text) ? `'${text}` : text;
    }
  }
}

function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

export function writeCsv(t: Table): Buffer {
  const lines = [t.spec.columns.map((c) => quote(c.header)).join(',')];
  for (const row of t.rows) lines.push(t.spec.columns.map((c) => quote(formatCell(c.value(row), c.type))).join(','));
  return Buffer.from(BOM + lines.join('\r\n') + '\r\n', 'utf8');
}

/** Undoes the CSV-injection guard of writeCsv: "'=x" reads back as "=x". */
export function unguard(text: string): string {
  return text.length > 1 && text[0] === "'" && FORMULA_START.test(text.slice(1)) ? text.slice(1) : text;
}

export function decodeCsv(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

/** All records of a CSV text: the project's one CSV reader (lib/csv.ts). */
export { parseCsv };
