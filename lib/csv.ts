import { parse } from 'csv-parse/sync';

/**
 * The one CSV reader (csv-parse, maintained): RFC 4180 — quoted fields may hold commas, doubled
 * quotes and line breaks; CRLF or LF; a leading BOM dropped. Lenient where people's files are: rows
 * of different lengths, and a quote inside an unquoted field kept as text.
 */
export function parseCsv(text: string): string[][] {
  return parse(text, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false }) as string[][];
}

/** The fields of one record (a line, or lines already known to make one record). */
export function parseCsvRecord(record: string): string[] {
  return parseCsv(record)[0] ?? [''];
}
