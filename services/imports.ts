/**
 * Importing people (leadership team members) and reserve nominations from .xlsx or CSV with Chinese
 * headers. Every row is validated first (cells, duplicates, division codes, jurisdiction); the
 * answer is a report of (row, column, problem). Nothing is written unless every row passes, and
 * then everything is written in one transaction. Re-importing the same file changes nothing: a
 * person is matched by team (or village), name and birth date.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import {
  findDivisionsByCode,
  findNominations,
  findTeamMembers,
  writeNominationImport,
  writeTeamMemberImport,
  type ExistingMember,
  type ExistingNomination,
  type MemberWrite,
  type NominationWrite,
  type PersonFields,
  type PersonWrite,
} from '../db/queries/people-import.js';
import { isWithin, type DivisionLevel } from '../domain/divisions.js';
import { DomainError, ForbiddenError } from '../domain/errors.js';
import { TEAM_KIND_LABELS, TEAM_KIND_LEVEL } from '../domain/people.js';
import type { AuthUser } from '../domain/roles.js';
import { YOUTH_AGE_LIMIT, ageOn } from '../domain/stats.js';
import { decodeCsv, parseCsv } from './excel/csv.js';
import { cellText } from './excel/cells.js';
import {
  IMPORT_SHEETS,
  type AnnualAssessmentRow,
  type ImportKind,
  type ReserveNominationRow,
  type SheetField,
  type TeamMemberRow,
} from './excel/people-sheets.js';
import { findAssessments, writeAssessmentImport } from '../db/queries/people-import.js';
import { columnLetter, isWholeZip, looksLikeXlsx, readXlsxRows, type CellInput, type SheetRow } from './excel/xlsx.js';

export interface ImportProblem {
  /** Row number as the spreadsheet shows it (the header is row 1). */
  row: number;
  /** The column's header (null for a problem of the whole file). */
  column: string | null;
  /** Column letter in the sheet (A, B, …), when the column exists. */
  cell: string | null;
  value: string | null;
  problem: string;
}

export interface ImportProgress {
  phase: 'read' | 'validate' | 'write' | 'done';
  done: number;
  total: number;
}

export interface ImportReport {
  /** The import kind, or `screening_sheet` for a township's screening sheet uploaded to its campaign. */
  kind: ImportKind | 'screening_sheet';
  fileName: string | null;
  format: 'xlsx' | 'csv';
  /** Data rows in the file (blank rows are skipped). */
  rows: number;
  valid: boolean;
  dryRun: boolean;
  /** Problems that block the import (at most MAX_REPORTED; `errorCount` is the full number). */
  errors: ImportProblem[];
  errorCount: number;
  /** Things to look at that do not block (e.g. a reserve nominee over 35). */
  warnings: ImportProblem[];
  warningCount: number;
  /** Set when the import was written. */
  imported: { importId: string; created: number; updated: number; unchanged: number } | null;
}

/** Reported problems per kind; a file with 100,000 bad rows answers the first of them and the count. */
const MAX_REPORTED = 1_000;

/** The report of a rejected file travels in the error shape, as `details.report`. */
/** An upload that cannot be read as a spreadsheet at all (reported as a row-1 problem, 422). */
export class UnreadableFileError extends Error {}

export class ImportRejectedError extends DomainError {
  constructor(readonly report: ImportReport) {
    super(422, 'Unprocessable Entity', `导入文件有${report.errorCount}处问题，未导入任何数据 (${report.errorCount} problems: nothing was imported)`, {
      report,
    });
  }
}

/** The rows of an uploaded .xlsx or CSV file; a damaged workbook throws UnreadableFileError. */
export async function readSheetRows(bytes: Buffer, onProgress?: ImportInput['onProgress']): Promise<{ format: 'xlsx' | 'csv'; rows: SheetRow[] }> {
  if (looksLikeXlsx(bytes)) {
    if (!(await isWholeZip(bytes)))
      throw new UnreadableFileError('文件不完整或已损坏（不是完整的 xlsx 工作簿），请用 Excel 或 WPS 重新保存后上传 (truncated or damaged xlsx file)');
    let last = 0;
    try {
      const rows = await readXlsxRows(bytes, (n) => {
        if (n - last >= 1000) {
          last = n;
          onProgress?.({ phase: 'read', done: n, total: 0 });
        }
      });
      return { format: 'xlsx', rows };
    } catch (error) {
      throw new UnreadableFileError('文件不是有效的 xlsx 工作簿（已损坏），请用 Excel 或 WPS 重新保存后上传 (damaged xlsx file)');
    }
  }
  const records = parseCsv(decodeCsv(bytes));
  return { format: 'csv', rows: records.map((cells, i) => ({ row: i + 1, cells })) };
}

export interface ImportInput {
  kind: ImportKind;
  bytes: Buffer;
  fileName?: string | null;
  dryRun?: boolean;
  onProgress?: (progress: ImportProgress) => void;
}

/** Who imports: a user (checked against their jurisdiction) or the admin CLI (everything). */
export type Importer = { user: AuthUser } | { admin: string };

function normaliseHeader(header: string): string {
  return header
    .replace(/\s/g, '')
    .replace(/[*＊]$/, '')
    .replace(/[（(]必填[)）]$/, '')
    .replace(/[*＊]$/, '');
}

interface ParsedRow<R> {
  row: number;
  values: R;
}

export function createImportService(deps: { db: Db }) {
  const { db } = deps;

  const readRows = readSheetRows;

  async function run(importer: Importer, input: ImportInput): Promise<ImportReport> {
    if ('user' in importer && importer.user.role === 'sponsor') {
      throw new ForbiddenError('包保领导不能导入人员数据 (sponsors may not import people)');
    }
    const sheet = IMPORT_SHEETS[input.kind];
    const fields = sheet.fields as unknown as ReadonlyArray<SheetField<Record<string, unknown>>>;
    const errors: ImportProblem[] = [];
    const warnings: ImportProblem[] = [];
    let errorCount = 0;
    let warningCount = 0;
    const columnOf = new Map<string, number>(); // field key → 0-based column
    const problem = (list: 'error' | 'warning', row: number, key: string | null, value: CellInput | undefined, text: string) => {
      const field = key ? fields.find((f) => f.key === key) : undefined;
      const col = key ? columnOf.get(key) : undefined;
      const entry: ImportProblem = {
        row,
        column: field?.header ?? key,
        cell: col === undefined ? null : `${columnLetter(col + 1)}${row}`,
        value: value === undefined || value === null ? null : cellText(value) || null,
        problem: text,
      };
      if (list === 'error') {
        errorCount++;
        if (errors.length < MAX_REPORTED) errors.push(entry);
      } else {
        warningCount++;
        if (warnings.length < MAX_REPORTED) warnings.push(entry);
      }
    };

    let read: Awaited<ReturnType<typeof readRows>>;
    try {
      read = await readRows(input.bytes, input.onProgress);
    } catch (error) {
      // A damaged workbook (bad zip, bad XML): the upload's problem, not ours. The parser's own
      // words stay out of the answer (they quote file content); the kind of damage is enough.
      if (!(error instanceof UnreadableFileError)) throw error;
      problem('error', 1, null, null, error.message);
      throw new ImportRejectedError({
        kind: input.kind,
        fileName: input.fileName ?? null,
        format: 'xlsx',
        rows: 0,
        valid: false,
        dryRun: input.dryRun ?? false,
        errors,
        errorCount,
        warnings,
        warningCount,
        imported: null,
      });
    }
    const { format, rows } = read;
    const nonEmpty = rows.filter((r) => r.cells.some((c) => cellText(c) !== '' || c instanceof Date));
    const report = (valid: boolean, dataRows: number, imported: ImportReport['imported'] = null): ImportReport => ({
      kind: input.kind,
      fileName: input.fileName ?? null,
      format,
      rows: dataRows,
      valid,
      dryRun: input.dryRun ?? false,
      errors,
      errorCount,
      warnings,
      warningCount,
      imported,
    });

    // 1. The header: every required column present, nothing unknown, nothing twice.
    const [headerRow, ...dataRows] = nonEmpty;
    if (!headerRow) {
      problem('error', 1, null, null, '文件为空：第一行应为表头 (empty file: the first row must be the header)');
      throw new ImportRejectedError(report(false, 0));
    }
    headerRow.cells.forEach((cell, i) => {
      const header = normaliseHeader(cellText(cell));
      if (header === '') return;
      const field = fields.find((f) => f.header === header);
      if (!field) {
        errorCount++;
        errors.push({
          row: headerRow.row,
          column: cellText(cell),
          cell: `${columnLetter(i + 1)}${headerRow.row}`,
          value: cellText(cell),
          problem: `未知列“${cellText(cell)}”（可用列：${fields.map((f) => f.header).join('、')}）(unknown column)`,
        });
      } else if (columnOf.has(field.key)) {
        errorCount++;
        errors.push({
          row: headerRow.row,
          column: field.header,
          cell: `${columnLetter(i + 1)}${headerRow.row}`,
          value: cellText(cell),
          problem: '列重复 (duplicate column)',
        });
      } else {
        columnOf.set(field.key, i);
      }
    });
    for (const f of fields) {
      if (f.required && !columnOf.has(f.key)) {
        errorCount++;
        errors.push({ row: headerRow.row, column: f.header, cell: null, value: null, problem: `缺少必填列“${f.header}” (missing required column)` });
      }
    }
    if (errorCount > 0) throw new ImportRejectedError(report(false, dataRows.length));
    if (dataRows.length === 0) {
      problem('error', headerRow.row + 1, null, null, '没有数据行 (no data rows)');
      throw new ImportRejectedError(report(false, 0));
    }

    // 2. Cells, row by row.
    const parsed: Array<ParsedRow<Record<string, unknown>>> = [];
    const total = dataRows.length;
    dataRows.forEach((r, index) => {
      const values: Record<string, unknown> = {};
      let rowOk = true;
      for (const f of fields) {
        const col = columnOf.get(f.key);
        const cell = col === undefined ? undefined : r.cells[col];
        const result = f.parse(cell);
        if (result.ok) values[f.key] = result.value;
        else {
          rowOk = false;
          problem('error', r.row, f.key, cell, result.problem);
        }
      }
      if (rowOk) parsed.push({ row: r.row, values });
      if ((index + 1) % 1000 === 0) input.onProgress?.({ phase: 'validate', done: index + 1, total });
    });

    // 3. Rows against each other and against the database.
    const codeKey = input.kind === 'people' ? 'divisionCode' : 'villageCode';
    const nameKey = input.kind === 'people' ? 'divisionName' : 'villageName';
    const divisions = await findDivisionsByCode(
      db,
      parsed.map((p) => p.values[codeKey] as string),
    );
    const seen = new Map<string, number>();
    const accepted: Array<ParsedRow<Record<string, unknown>>> = [];
    for (const p of parsed) {
      const v = p.values;
      const code = v[codeKey] as string;
      const division = divisions.get(code);
      const wantLevel: DivisionLevel = input.kind === 'people' ? TEAM_KIND_LEVEL[(v as unknown as TeamMemberRow).teamKind] : 'village';
      let rowOk = true;
      const fail = (key: string, text: string) => {
        rowOk = false;
        problem('error', p.row, key, v[key] as CellInput, text);
      };
      if (!division) fail(codeKey, `区划代码${code}不存在 (no such division)`);
      else if ('user' in importer && !isWithin(code, importer.user.jurisdictionCode))
        fail(codeKey, `区划代码${code}不在您的管辖范围内 (outside your jurisdiction)`);
      else if (division.level !== wantLevel) {
        const what =
          input.kind === 'people'
            ? `${TEAM_KIND_LABELS[(v as unknown as TeamMemberRow).teamKind]}须填${wantLevel === 'township' ? '乡镇（街道）' : '村（社区）'}代码`
            : '须填村（社区）代码';
        fail(codeKey, `${what}，${code}是${division.name} (${division.level}, expected ${wantLevel})`);
      } else if (typeof v[nameKey] === 'string' && v[nameKey] !== division.name) {
        fail(nameKey, `与代码${code}（${division.name}）不符 (does not match the code)`);
      }
      if (input.kind === 'annual_assessments') {
        // One result per village and year; a rank within the villages ranked.
        const a = v as unknown as AnnualAssessmentRow;
        if (a.rank > a.rankOf) fail('rank', `排名${a.rank}大于参评村数${a.rankOf} (rank beyond the villages ranked)`);
        const key = `${code}|${a.year}`;
        const first = seen.get(key);
        if (first !== undefined) fail('villageCode', `与第${first}行重复（同一村、同一年度）(duplicate of row ${first})`);
        else seen.set(key, p.row);
        if (rowOk) accepted.push(p);
        continue;
      }
      const birth = v.birthDate as string;
      const ageToday = ageOn(birth, new Date().toISOString().slice(0, 10));
      if (ageToday < 16 || ageToday > 100) fail('birthDate', `出生日期${birth}不合理（年龄${ageToday}岁）(implausible birth date)`);
      const key = input.kind === 'people' ? `${v.teamKind}|${code}|${v.name}|${birth}` : `${code}|${v.name}|${birth}`;
      const first = seen.get(key);
      if (first !== undefined)
        fail('name', `与第${first}行重复（同一${input.kind === 'people' ? '班子' : '村'}、同名、同出生日期）(duplicate of row ${first})`);
      else seen.set(key, p.row);
      if (input.kind === 'reserve_nominations' && rowOk) {
        const age = ageOn(birth, v.nominatedOn as string);
        if (age > YOUTH_AGE_LIMIT) {
          problem(
            'warning',
            p.row,
            'birthDate',
            birth,
            `提名时${age}岁，超过${YOUTH_AGE_LIMIT}岁（提示，不影响导入）(over ${YOUTH_AGE_LIMIT} when nominated: a warning, not a block)`,
          );
        }
      }
      if (rowOk) accepted.push(p);
    }
    input.onProgress?.({ phase: 'validate', done: total, total });
    if (errorCount > 0) throw new ImportRejectedError(report(false, total));
    if (input.dryRun) return report(true, total);

    // 4. Write: match existing people, then one transaction.
    const meta = {
      kind: input.kind,
      fileName: input.fileName ?? null,
      fileSha256: createHash('sha256').update(input.bytes).digest('hex'),
      rows: total,
      createdBy: 'user' in importer ? importer.user.id : null,
      actorLabel: 'user' in importer ? importer.user.name : importer.admin,
    };
    const onWritten = (written: number) => input.onProgress?.({ phase: 'write', done: written, total });
    const counts = { created: 0, updated: 0, unchanged: 0 };
    let importId: string;
    if (input.kind === 'annual_assessments') {
      const rowsIn = accepted.map((p) => p.values as unknown as AnnualAssessmentRow);
      const existing = await findAssessments(db, rowsIn);
      const writes = rowsIn.filter((r) => {
        const match = existing.get(`${r.villageCode}|${r.year}`);
        const changed = match !== undefined && (match.rank !== r.rank || match.rankOf !== r.rankOf || match.satisfaction !== r.satisfaction);
        counts[match ? (changed ? 'updated' : 'unchanged') : 'created']++;
        return !match || changed;
      });
      importId = await writeAssessmentImport(db, meta, writes, counts);
    } else if (input.kind === 'people') {
      const rowsIn = accepted.map((p) => p.values as unknown as TeamMemberRow);
      const existing = new Map<string, ExistingMember>();
      for (const m of await findTeamMembers(
        db,
        rowsIn.map((r) => r.divisionCode),
      ))
        existing.set(`${m.teamKind}|${m.divisionCode}|${m.name}|${m.birthDate}`, m);
      const writes: MemberWrite[] = [];
      for (const r of rowsIn) {
        const match = existing.get(`${r.teamKind}|${r.divisionCode}|${r.name}|${r.birthDate}`);
        const person = personWrite(r, match, r.post);
        const changed = person.changed || (match !== undefined && match.post !== r.post);
        counts[match ? (changed ? 'updated' : 'unchanged') : 'created']++;
        if (!match || changed) writes.push({ person, memberId: match?.memberId ?? null, teamKind: r.teamKind, divisionCode: r.divisionCode, post: r.post });
      }
      importId = await writeTeamMemberImport(db, meta, writes, counts, onWritten);
    } else {
      const rowsIn = accepted.map((p) => p.values as unknown as ReserveNominationRow);
      const existing = new Map<string, ExistingNomination>();
      for (const n of await findNominations(
        db,
        rowsIn.map((r) => r.villageCode),
      ))
        existing.set(`${n.villageCode}|${n.name}|${n.birthDate}`, n);
      const writes: NominationWrite[] = [];
      for (const r of rowsIn) {
        const match = existing.get(`${r.villageCode}|${r.name}|${r.birthDate}`);
        const status = r.status ?? 'nominated';
        const person = personWrite(r, match, r.position);
        const changed =
          person.changed ||
          (match !== undefined && (match.source !== r.source || match.status !== status || match.nominatedOn !== r.nominatedOn || match.note !== r.note));
        counts[match ? (changed ? 'updated' : 'unchanged') : 'created']++;
        if (!match || changed) {
          writes.push({
            person,
            nominationId: match?.nominationId ?? null,
            villageCode: r.villageCode,
            source: r.source,
            status,
            nominatedOn: r.nominatedOn,
            note: r.note,
          });
        }
      }
      importId = await writeNominationImport(db, meta, writes, counts, onWritten);
    }
    input.onProgress?.({ phase: 'done', done: total, total });
    return report(true, total, { importId, ...counts });
  }

  /** The person part of a row: a new person, or the matched one (changed when any field differs). */
  function personWrite(r: Omit<PersonFields, 'position'>, match: (PersonFields & { personId: string }) | undefined, position: string | null): PersonWrite {
    const fields: PersonFields = {
      name: r.name,
      gender: r.gender,
      birthDate: r.birthDate,
      ethnicity: r.ethnicity,
      education: r.education,
      partyMember: r.partyMember,
      position,
    };
    if (!match) return { ...fields, personId: randomUUID(), isNew: true, changed: true };
    const changed = (Object.keys(fields) as Array<keyof PersonFields>).some((k) => fields[k] !== match[k]);
    return { ...fields, personId: match.personId, isNew: false, changed };
  }

  return {
    /** Validates, and imports unless `dryRun`; a file with any problem throws ImportRejectedError. */
    importFile: run,
  };
}

export type ImportService = ReturnType<typeof createImportService>;
