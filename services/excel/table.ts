/**
 * A table as offices see it: Chinese headers and typed cells. The same table spec writes an .xlsx
 * sheet (real numbers, percentages and dates) and a CSV file (text Excel reads back the same way).
 */

export type CellType = 'text' | 'int' | 'number' | 'rate' | 'date' | 'datetime';

/** date: 'YYYY-MM-DD' (a civil date); datetime: an instant (written in Asia/Shanghai time). */
export type CellValue = string | number | boolean | Date | null | undefined;

export interface Column<R> {
  header: string;
  type: CellType;
  value: (row: R) => CellValue;
  /** Column width in characters (xlsx). */
  width?: number;
  /** Shown as a note on the header cell (templates). */
  note?: string;
  /** Allowed values: a drop-down list in templates. */
  choices?: readonly string[];
}

export interface TableSpec<R> {
  /** Sheet name (≤31 characters, none of []:*?/\). */
  sheet: string;
  /** A title row above the header (xlsx only); omit for import-shaped sheets. */
  title?: string;
  columns: ReadonlyArray<Column<R>>;
}

export interface Table<R = unknown> {
  spec: TableSpec<R>;
  rows: readonly R[];
}

export function table<R>(spec: TableSpec<R>, rows: readonly R[]): Table {
  return { spec, rows } as Table;
}

export type SpreadsheetFormat = 'xlsx' | 'csv';

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_MIME = 'text/csv; charset=utf-8';

/** A Content-Disposition header naming the file in UTF-8 (RFC 6266/5987) with an ASCII fallback. */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
