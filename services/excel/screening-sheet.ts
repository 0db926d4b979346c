/**
 * A township's screening sheet (乡镇排查表) as a spreadsheet: one row per village — the code, the
 * proposal, the criteria found (labels or codes, separated by 、，,;；), the evidence and attachment
 * references. The template (every village of the township, pre-listed) and the upload share these
 * headers. Answers to pre-filled hard triggers are given in the console or the API, not here.
 */
import { DESIGNATION_REASON_LABELS, type DesignationReason } from '../../domain/cases.js';
import { SCREENING_PROPOSAL_LABELS, type ScreeningProposal } from '../../domain/screening.js';
import { CONTROL_CHARACTERS_MESSAGE, hasForbiddenCharacters } from '../../domain/input.js';
import { cellText } from './cells.js';
import type { TableSpec } from './table.js';
import type { CellInput } from './xlsx.js';

export interface SheetTemplateRow {
  villageCode: string;
  villageName: string;
}

export const SCREENING_SHEET_HEADERS = {
  villageCode: '村区划代码',
  villageName: '村名称',
  proposal: '排查建议',
  criteria: '存在的情形',
  evidence: '佐证材料',
  attachments: '附件',
  note: '备注',
} as const;
type Column = keyof typeof SCREENING_SHEET_HEADERS;
const REQUIRED: readonly Column[] = ['villageCode', 'proposal'];

const PROPOSAL_ALIASES: Record<string, ScreeningProposal> = { 列入: 'list', 建议列入: 'list', 不列入: 'do_not_list', 关注: 'watch', 列为关注: 'watch' };

export function screeningSheetSpec(criteria: readonly string[]): TableSpec<SheetTemplateRow> {
  const labels = criteria.map((c) => DESIGNATION_REASON_LABELS[c as DesignationReason] ?? c);
  return {
    sheet: '乡镇排查表',
    columns: [
      {
        header: SCREENING_SHEET_HEADERS.villageCode,
        type: 'text',
        width: 16,
        note: '必填：本乡镇各村的12位区划代码（模板已列出）',
        value: (r) => r.villageCode,
      },
      { header: SCREENING_SHEET_HEADERS.villageName, type: 'text', width: 20, note: '选填：仅用于核对', value: (r) => r.villageName },
      {
        header: SCREENING_SHEET_HEADERS.proposal,
        type: 'text',
        width: 12,
        note: `必填：${Object.values(SCREENING_PROPOSAL_LABELS).join(' / ')}`,
        choices: Object.values(SCREENING_PROPOSAL_LABELS),
        value: () => null,
      },
      { header: SCREENING_SHEET_HEADERS.criteria, type: 'text', width: 40, note: `选填，多项用“、”分隔：${labels.join('；')}`, value: () => null },
      { header: SCREENING_SHEET_HEADERS.evidence, type: 'text', width: 40, note: '选填：佐证说明', value: () => null },
      { header: SCREENING_SHEET_HEADERS.attachments, type: 'text', width: 20, note: '选填：附件编号，多项用“、”分隔', value: () => null },
      { header: SCREENING_SHEET_HEADERS.note, type: 'text', width: 20, note: '选填', value: () => null },
    ],
  };
}

export interface ParsedSheetRow {
  row: number;
  villageCode: string;
  villageName: string | null;
  proposal: ScreeningProposal;
  criteria: string[];
  evidence: string | null;
  attachments: string[];
  note: string | null;
}

export interface SheetProblem {
  row: number;
  column: string | null;
  cell: string | null;
  value: string | null;
  problem: string;
}

const split = (text: string): string[] =>
  text
    .split(/[、，,;；\n]/)
    .map((x) => x.trim())
    .filter((x) => x !== '');

/**
 * Reads the rows (header first) against the campaign's criteria: every problem is reported with its
 * row, column and cell, beside the rows that read well.
 */
export function parseScreeningSheet(
  rows: ReadonlyArray<{ row: number; cells: readonly CellInput[] }>,
  criteria: readonly string[],
  columnLetter: (n: number) => string,
): { rows: ParsedSheetRow[]; problems: SheetProblem[] } {
  const problems: SheetProblem[] = [];
  const nonEmpty = rows.filter((r) => r.cells.some((c) => cellText(c) !== ''));
  const [header, ...data] = nonEmpty;
  if (!header) return { rows: [], problems: [{ row: 1, column: null, cell: null, value: null, problem: '文件为空：第一行应为表头 (empty file)' }] };
  const columnOf = new Map<Column, number>();
  header.cells.forEach((cell, i) => {
    const text = cellText(cell).replace(/\s/g, '');
    if (text === '') return;
    const key = (Object.keys(SCREENING_SHEET_HEADERS) as Column[]).find((k) => SCREENING_SHEET_HEADERS[k] === text);
    if (!key || columnOf.has(key))
      problems.push({
        row: header.row,
        column: text,
        cell: `${columnLetter(i + 1)}${header.row}`,
        value: text,
        problem: key ? '列重复 (duplicate column)' : `未知列“${text}” (unknown column)`,
      });
    else columnOf.set(key, i);
  });
  for (const key of REQUIRED) {
    if (!columnOf.has(key))
      problems.push({ row: header.row, column: SCREENING_SHEET_HEADERS[key], cell: null, value: null, problem: '缺少必填列 (missing required column)' });
  }
  if (problems.length > 0) return { rows: [], problems };
  if (data.length === 0) return { rows: [], problems: [{ row: header.row + 1, column: null, cell: null, value: null, problem: '没有数据行 (no data rows)' }] };

  const byLabel = new Map<string, string>();
  for (const c of criteria) {
    byLabel.set(c, c);
    const label = DESIGNATION_REASON_LABELS[c as DesignationReason];
    if (label) byLabel.set(label, c);
  }
  const parsed: ParsedSheetRow[] = [];
  for (const r of data) {
    const get = (key: Column): string => {
      const i = columnOf.get(key);
      return i === undefined ? '' : cellText(r.cells[i]);
    };
    let ok = true;
    const fail = (key: Column, problem: string) => {
      ok = false;
      const i = columnOf.get(key);
      problems.push({
        row: r.row,
        column: SCREENING_SHEET_HEADERS[key],
        cell: i === undefined ? null : `${columnLetter(i + 1)}${r.row}`,
        value: get(key) || null,
        problem,
      });
    };
    for (const key of Object.keys(SCREENING_SHEET_HEADERS) as Column[]) {
      const value = get(key);
      if (hasForbiddenCharacters(value)) fail(key, CONTROL_CHARACTERS_MESSAGE);
      else if (value.length > 4000) fail(key, '超过4000个字符 (too long)');
    }
    const villageCode = get('villageCode');
    if (!/^\d{12}$/.test(villageCode)) fail('villageCode', '须为12位统计用区划代码 (must be a 12-digit division code)');
    const proposalText = get('proposal').replace(/\s/g, '');
    const proposal = (Object.entries(SCREENING_PROPOSAL_LABELS).find(([, label]) => label === proposalText)?.[0] ?? PROPOSAL_ALIASES[proposalText]) as
      ScreeningProposal | undefined;
    if (!proposal) fail('proposal', `“${proposalText}”不是可选值（可选：${Object.values(SCREENING_PROPOSAL_LABELS).join('、')}）(not an allowed value)`);
    const found: string[] = [];
    // Labels first (several contain "、" themselves), longest first; what is left must be codes.
    let rest = get('criteria');
    for (const [label, code] of [...byLabel].sort((a, b) => b[0].length - a[0].length)) {
      if (!rest.includes(label)) continue;
      rest = rest.replace(label, '、');
      if (!found.includes(code)) found.push(code);
    }
    for (const item of split(rest)) {
      const code = byLabel.get(item);
      if (!code) fail('criteria', `“${item}”不是本次排查的情形 (unknown criterion)`);
      else if (!found.includes(code)) found.push(code);
    }
    if (ok) {
      parsed.push({
        row: r.row,
        villageCode,
        villageName: get('villageName') || null,
        proposal: proposal!,
        criteria: found,
        evidence: get('evidence') || null,
        attachments: split(get('attachments')),
        note: get('note') || null,
      });
    }
  }
  // The valid rows too: the caller checks them against the township and reports everything at once.
  return { rows: parsed, problems };
}
