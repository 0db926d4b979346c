/**
 * .xlsx in and out (exceljs). Out: one sheet per table, a bold frozen header, numbers as numbers,
 * rates as percentages, dates as real Excel dates (instants in Asia/Shanghai wall-clock time).
 * In: the first worksheet, streamed row by row, cells normalised to text, numbers, dates, booleans.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { toShanghaiWallClock } from '../../domain/stats.js';
import type { CellType, CellValue, Table } from './table.js';

const NUM_FMT: Partial<Record<CellType, string>> = {
  int: '0',
  number: '0.0',
  rate: '0.0%',
  date: 'yyyy-mm-dd',
  datetime: 'yyyy-mm-dd hh:mm',
};

/** How many rows of a template carry the drop-down lists. */
const TEMPLATE_ROWS = 2000;

function cellValue(value: CellValue, type: CellType): ExcelJS.CellValue {
  if (value === null || value === undefined || value === '') return null;
  if (type === 'date') {
    if (value instanceof Date) return value;
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
    const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
    // Only a real calendar date becomes a date cell ('1985-02-30' stays text, as typed).
    return date && date.toISOString().slice(0, 10) === String(value) ? date : String(value);
  }
  if (type === 'datetime') {
    const instant = value instanceof Date ? value : new Date(String(value));
    return Number.isNaN(instant.getTime()) ? String(value) : toShanghaiWallClock(instant);
  }
  if (typeof value === 'boolean') return value ? '是' : '否';
  return value;
}

function columnLetter(index: number): string {
  let n = index;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export { columnLetter };

export interface WorkbookOptions {
  /** Add the drop-down lists of `choices` columns to the first rows (templates). */
  validations?: boolean;
  /** Extra sheets of plain text lines (e.g. instructions), after the tables. */
  notes?: Array<{ sheet: string; lines: string[] }>;
}

export async function writeXlsx(tables: readonly Table[], options: WorkbookOptions = {}): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Rectify';
  workbook.created = new Date(0); // reproducible files: no wall-clock time inside
  workbook.modified = new Date(0);
  for (const t of tables) {
    const sheet = workbook.addWorksheet(t.spec.sheet);
    const columns = t.spec.columns;
    sheet.columns = columns.map((c) => ({ width: c.width ?? Math.max(10, c.header.length * 2 + 2) }));
    let headerRow = 1;
    if (t.spec.title) {
      const title = sheet.getRow(1);
      title.getCell(1).value = t.spec.title;
      title.getCell(1).font = { bold: true, size: 14 };
      if (columns.length > 1) sheet.mergeCells(1, 1, 1, columns.length);
      headerRow = 2;
    }
    const header = sheet.getRow(headerRow);
    columns.forEach((c, i) => {
      const cell = header.getCell(i + 1);
      cell.value = c.header;
      cell.font = { bold: true };
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
      cell.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
      if (c.note) cell.note = c.note;
    });
    sheet.views = [{ state: 'frozen', ySplit: headerRow }];
    columns.forEach((c, i) => {
      const fmt = NUM_FMT[c.type];
      if (fmt) sheet.getColumn(i + 1).numFmt = fmt;
    });
    for (const row of t.rows) {
      const r = sheet.addRow(columns.map((c) => cellValue(c.value(row), c.type)));
      columns.forEach((c, i) => {
        const fmt = NUM_FMT[c.type];
        if (fmt) r.getCell(i + 1).numFmt = fmt;
      });
    }
    if (options.validations) {
      columns.forEach((c, i) => {
        if (!c.choices?.length) return;
        const letter = columnLetter(i + 1);
        // Lists longer than 255 characters cannot be inline: they live in a hidden sheet.
        const inline = `"${c.choices.join(',')}"`;
        let formula = inline;
        if (inline.length > 255) {
          const hidden = workbook.getWorksheet('选项') ?? workbook.addWorksheet('选项', { state: 'veryHidden' });
          c.choices.forEach((choice, k) => (hidden.getCell(k + 1, i + 1).value = choice));
          formula = `'选项'!$${letter}$1:$${letter}$${c.choices.length}`;
        }
        for (let r = headerRow + 1; r <= headerRow + TEMPLATE_ROWS; r++) {
          sheet.getCell(`${letter}${r}`).dataValidation = {
            type: 'list',
            allowBlank: true,
            formulae: [formula],
            showErrorMessage: true,
            errorTitle: c.header,
            error: `请从下拉列表中选择（${c.header}）`,
          };
        }
      });
    }
  }
  for (const note of options.notes ?? []) {
    const sheet = workbook.addWorksheet(note.sheet);
    sheet.getColumn(1).width = 110;
    note.lines.forEach((line, i) => {
      const cell = sheet.getCell(i + 1, 1);
      cell.value = line;
      cell.alignment = { wrapText: true, vertical: 'top' };
      if (i === 0) cell.font = { bold: true, size: 14 };
    });
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A cell as read: text, a number, a date (Excel dates come back as UTC midnight/wall-clock), a boolean. */
export type CellInput = string | number | Date | boolean | null;

export interface SheetRow {
  /** 1-based row number in the sheet (as Excel shows it). */
  row: number;
  cells: CellInput[];
}

function normalize(value: unknown): CellInput {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value;
  if (typeof value === 'object') {
    const v = value as { richText?: Array<{ text: string }>; result?: unknown; text?: unknown; error?: unknown };
    if (Array.isArray(v.richText)) return v.richText.map((t) => t.text).join('');
    if ('result' in v) return normalize(v.result);
    if (typeof v.text === 'string') return v.text;
    if ('error' in v) return null;
  }
  return String(value);
}

/**
 * Whether a zip archive is whole: it ends with its end-of-central-directory record, every entry
 * matches its CRC-32, and the entries a streaming reader meets one after another (local headers)
 * are exactly those the directory lists. exceljs's streaming reader waits for ever on a truncated or
 * damaged archive (its inflate errors never reach the iterator), so uploads are checked before they
 * are streamed. jszip is already exceljs's own (non-streaming) zip reader; it holds one entry at a
 * time here, and it reads the directory, so the local headers are checked against it apart.
 */
export async function isWholeZip(bytes: Uint8Array): Promise<boolean> {
  const from = Math.max(0, bytes.length - 22 - 0xffff);
  let end = -1;
  for (let i = bytes.length - 22; i >= from && end < 0; i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x05 && bytes[i + 3] === 0x06) end = i;
  }
  if (end < 0 || !localHeadersMatchDirectory(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), end)) return false;
  try {
    const zip = await JSZip.loadAsync(bytes, { checkCRC32: true });
    for (const entry of Object.values(zip.files)) if (!entry.dir) await entry.async('uint8array');
    return true;
  } catch {
    return false;
  }
}

const LOCAL_HEADER = 0x04034b50;
const DIRECTORY_HEADER = 0x02014b50;
const NO_VALUE = 0xffffffff;

/**
 * Reads the central directory (from the end record at `end`) and walks the local headers from byte 0
 * as a streaming reader does: each must sit where the directory says, carry the same name and (unless
 * its sizes follow the data, flag 8) the same compressed size, and the next entry (or the directory)
 * must follow it directly. A flipped size byte in a local header used to pass jszip's check and then
 * hang the streaming read.
 */
function localHeadersMatchDirectory(b: Buffer, end: number): boolean {
  if (end + 22 > b.length) return false;
  const count = b.readUInt16LE(end + 10);
  const directoryAt = b.readUInt32LE(end + 16);
  if (count === 0xffff || directoryAt === NO_VALUE) return false; // zip64 archives: no upload is that large
  const entries: Array<{ offset: number; size: number; name: Buffer; flags: number }> = [];
  let p = directoryAt;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || b.readUInt32LE(p) !== DIRECTORY_HEADER) return false;
    const nameLength = b.readUInt16LE(p + 28);
    const extraLength = b.readUInt16LE(p + 30);
    const commentLength = b.readUInt16LE(p + 32);
    let size = b.readUInt32LE(p + 20);
    let offset = b.readUInt32LE(p + 42);
    if (size === NO_VALUE || offset === NO_VALUE) {
      // Zip64 values in the extra field (id 1), in this order, for the fields that overflowed.
      const zip64 = extraField(b.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), 0x0001);
      if (!zip64) return false;
      let at = b.readUInt32LE(p + 24) === NO_VALUE ? 8 : 0;
      if (size === NO_VALUE) {
        size = Number(zip64.readBigUInt64LE(at));
        at += 8;
      }
      if (offset === NO_VALUE) offset = Number(zip64.readBigUInt64LE(at));
    }
    entries.push({ offset, size, name: b.subarray(p + 46, p + 46 + nameLength), flags: b.readUInt16LE(p + 8) });
    p += 46 + nameLength + extraLength + commentLength;
  }
  entries.sort((x, y) => x.offset - y.offset);
  let expected = 0;
  for (const [i, e] of entries.entries()) {
    if (e.offset !== expected || e.offset + 30 > directoryAt || b.readUInt32LE(e.offset) !== LOCAL_HEADER) return false;
    const nameLength = b.readUInt16LE(e.offset + 26);
    const extraLength = b.readUInt16LE(e.offset + 28);
    if (!b.subarray(e.offset + 30, e.offset + 30 + nameLength).equals(e.name)) return false;
    const localSize = b.readUInt32LE(e.offset + 18);
    const sizesFollow = (b.readUInt16LE(e.offset + 6) & 0x08) !== 0;
    if (!sizesFollow && localSize !== e.size && localSize !== NO_VALUE) return false;
    const dataEnd = e.offset + 30 + nameLength + extraLength + e.size;
    const next = entries[i + 1]?.offset ?? directoryAt;
    const gap = next - dataEnd;
    // A data descriptor: crc and sizes, with or without its signature, 32- or 64-bit sizes.
    if (sizesFollow || e.flags & 0x08 ? ![12, 16, 20, 24].includes(gap) : gap !== 0) return false;
    expected = next;
  }
  return expected === directoryAt || (entries.length === 0 && directoryAt === 0);
}

function extraField(extra: Buffer, id: number): Buffer | null {
  for (let p = 0; p + 4 <= extra.length;) {
    const size = extra.readUInt16LE(p + 2);
    if (extra.readUInt16LE(p) === id) return extra.subarray(p + 4, p + 4 + size);
    p += 4 + size;
  }
  return null;
}

/** True for the bytes of a zip file (an .xlsx is one). */
export function looksLikeXlsx(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/**
 * The rows of the first worksheet, streamed (a large file never sits in memory as a workbook).
 * `onRow` is called for every row read, for progress.
 */
export async function readXlsxRows(input: Buffer | string, onRow?: (rowNumber: number) => void): Promise<SheetRow[]> {
  const stream = typeof input === 'string' ? input : Readable.from([input]);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const rows: SheetRow[] = [];
  let first = true;
  for await (const worksheet of reader) {
    const take = first;
    first = false;
    for await (const row of worksheet) {
      if (!take) continue; // drain the other sheets
      const values = (row.values as unknown[]) ?? [];
      const cells: CellInput[] = [];
      for (let i = 1; i < values.length; i++) cells.push(normalize(values[i]));
      rows.push({ row: row.number, cells });
      onRow?.(row.number);
    }
  }
  return rows;
}
