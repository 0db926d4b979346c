/**
 * The two import sheets — 班子成员 (leadership team members) and 后备力量提名 (reserve
 * nominations) — defined once: the template, the importer and the exports share these columns, so
 * an exported file imports back as it is.
 */
import {
  EDUCATION_ALIASES,
  EDUCATION_LABELS,
  ETHNIC_GROUPS,
  GENDER_LABELS,
  RESERVE_NOMINATION_STATUS_LABELS,
  RESERVE_SOURCE_LABELS,
  TEAM_KIND_LABELS,
  codeForLabel,
  type EducationLevel,
  type Gender,
  type ReserveNominationStatus,
  type ReserveSource,
  type TeamKind,
} from '../../domain/people.js';
import { CONTROL_CHARACTERS_MESSAGE, YEAR_RANGE_MESSAGE, hasForbiddenCharacters, yearInRange } from '../../domain/input.js';
import { bad, cellText, ok, parseDate, parseYesNo, type Parsed } from './cells.js';
import type { CellType, CellValue, Column, TableSpec } from './table.js';
import type { CellInput } from './xlsx.js';

export interface SheetField<R> {
  key: keyof R & string;
  header: string;
  required: boolean;
  type: CellType;
  note: string;
  choices?: readonly string[];
  width?: number;
  /** Reads a cell; empty optional cells give null. */
  parse(cell: CellInput | undefined): Parsed<unknown>;
  /** What an export writes for a row. */
  export(row: R): CellValue;
}

function required<T>(parse: (cell: CellInput | undefined) => Parsed<T>) {
  return (cell: CellInput | undefined): Parsed<T> => (cellText(cell) === '' && !(cell instanceof Date) ? bad('不能为空 (required)') : parse(cell));
}
function optional<T>(parse: (cell: CellInput | undefined) => Parsed<T>) {
  return (cell: CellInput | undefined): Parsed<T | null> => (cellText(cell) === '' && !(cell instanceof Date) ? ok(null) : parse(cell));
}

const text =
  (max: number) =>
  (cell: CellInput | undefined): Parsed<string> => {
    const value = cellText(cell);
    if (hasForbiddenCharacters(value)) return bad(CONTROL_CHARACTERS_MESSAGE);
    return value.length > max ? bad(`超过${max}个字符 (longer than ${max} characters)`) : ok(value);
  };

function fromLabels<T extends string>(labels: Record<T, string>, aliases: Record<string, T> = {}) {
  return (cell: CellInput | undefined): Parsed<T> => {
    const value = cellText(cell);
    const code = codeForLabel(labels, value) ?? aliases[value.replace(/\s/g, '')];
    return code ? ok(code) : bad(`“${value}”不是可选值（可选：${Object.values<string>(labels).join('、')}）(not an allowed value)`);
  };
}

const gender = fromLabels<Gender>(GENDER_LABELS, { 男性: 'male', 女性: 'female' });
const education = fromLabels<EducationLevel>(EDUCATION_LABELS, EDUCATION_ALIASES);
const teamKind = fromLabels<TeamKind>(TEAM_KIND_LABELS, {
  乡镇领导班子: 'township_leadership',
  乡镇班子: 'township_leadership',
  '村"两委"班子': 'village_committee',
  '村“两委”班子': 'village_committee',
  村两委班子: 'village_committee',
  村两委: 'village_committee',
});
const reserveSource = fromLabels<ReserveSource>(RESERVE_SOURCE_LABELS, {
  现任村两委成员: 'current_committee',
  '现任村"两委"成员': 'current_committee',
  村两委成员: 'current_committee',
  致富带头人: 'local_talent',
  能人: 'local_talent',
  大中专毕业生: 'local_graduate',
  返乡人员: 'returnee',
  回引人才: 'returnee',
  下派干部: 'sent_down_cadre',
});
const nominationStatus = fromLabels<ReserveNominationStatus>(RESERVE_NOMINATION_STATUS_LABELS, { 已提名: 'nominated', 入库: 'in_pool', 已入库: 'in_pool' });

function ethnicity(cell: CellInput | undefined): Parsed<string> {
  const value = cellText(cell);
  const name = value.endsWith('族') ? value : `${value}族`;
  return (ETHNIC_GROUPS as readonly string[]).includes(name) ? ok(name) : bad(`“${value}”不是56个民族之一 (not one of the 56 ethnic groups)`);
}

function divisionCode(cell: CellInput | undefined): Parsed<string> {
  const value = cellText(cell);
  return /^\d{12}$/.test(value) ? ok(value) : bad(`须为12位统计用区划代码，而不是“${value}” (must be a 12-digit division code)`);
}

const birthDate = (cell: CellInput | undefined): Parsed<string> => parseDate(cell);
/** A nomination happens in the years every date the API takes lies in (domain/input.ts). */
const nominationDate = (cell: CellInput | undefined): Parsed<string> => {
  const parsed = parseDate(cell);
  return !parsed.ok || yearInRange(parsed.value) ? parsed : bad(YEAR_RANGE_MESSAGE);
};

// --- 班子成员 ---------------------------------------------------------------------------------------

export interface TeamMemberRow {
  name: string;
  gender: Gender;
  birthDate: string;
  ethnicity: string;
  education: EducationLevel;
  partyMember: boolean;
  post: string;
  teamKind: TeamKind;
  divisionCode: string;
  /** Only checked against the code on import (catches a mistyped code). */
  divisionName: string | null;
}

const personFields = <
  R extends { name: string; gender: Gender; birthDate: string; ethnicity: string; education: EducationLevel; partyMember: boolean },
>(): SheetField<R>[] => [
  { key: 'name', header: '姓名', required: true, type: 'text', width: 12, note: '必填', parse: required(text(50)), export: (r) => r.name },
  {
    key: 'gender',
    header: '性别',
    required: true,
    type: 'text',
    width: 8,
    note: '必填：男 / 女',
    choices: Object.values(GENDER_LABELS),
    parse: required(gender),
    export: (r) => GENDER_LABELS[r.gender],
  },
  {
    key: 'birthDate',
    header: '出生日期',
    required: true,
    type: 'date',
    width: 14,
    note: '必填：日期，如 1985-03-07（也可写 1985.03）',
    parse: required(birthDate),
    export: (r) => r.birthDate,
  },
  {
    key: 'ethnicity',
    header: '民族',
    required: true,
    type: 'text',
    width: 10,
    note: '必填：如 汉族、布依族、苗族',
    choices: ETHNIC_GROUPS,
    parse: required(ethnicity),
    export: (r) => r.ethnicity,
  },
  {
    key: 'education',
    header: '学历',
    required: true,
    type: 'text',
    width: 12,
    note: `必填：${Object.values(EDUCATION_LABELS).join(' / ')}`,
    choices: Object.values(EDUCATION_LABELS),
    parse: required(education),
    export: (r) => EDUCATION_LABELS[r.education],
  },
  {
    key: 'partyMember',
    header: '是否中共党员',
    required: true,
    type: 'text',
    width: 14,
    note: '必填：是 / 否（预备党员填“是”）',
    choices: ['是', '否'],
    parse: required(parseYesNo),
    export: (r) => (r.partyMember ? '是' : '否'),
  },
];

export const TEAM_MEMBER_FIELDS: SheetField<TeamMemberRow>[] = [
  ...personFields<TeamMemberRow>(),
  {
    key: 'post',
    header: '职务',
    required: true,
    type: 'text',
    width: 24,
    note: '必填：如 党委书记、镇长、村党支部书记',
    parse: required(text(100)),
    export: (r) => r.post,
  },
  {
    key: 'teamKind',
    header: '班子类型',
    required: true,
    type: 'text',
    width: 16,
    note: '必填：乡镇领导班子 / 村“两委”班子',
    choices: Object.values(TEAM_KIND_LABELS),
    parse: required(teamKind),
    export: (r) => TEAM_KIND_LABELS[r.teamKind],
  },
  {
    key: 'divisionCode',
    header: '区划代码',
    required: true,
    type: 'text',
    width: 16,
    note: '必填：12位统计用区划代码。乡镇领导班子填乡镇（街道）代码，村“两委”班子填村（社区）代码',
    parse: required(divisionCode),
    export: (r) => r.divisionCode,
  },
  {
    key: 'divisionName',
    header: '区划名称',
    required: false,
    type: 'text',
    width: 20,
    note: '选填：仅用于核对代码，与代码不符时报错',
    parse: optional(text(100)),
    export: (r) => r.divisionName,
  },
];

// --- 后备力量提名 -------------------------------------------------------------------------------------

export interface ReserveNominationRow {
  name: string;
  gender: Gender;
  birthDate: string;
  ethnicity: string;
  education: EducationLevel;
  partyMember: boolean;
  position: string | null;
  villageCode: string;
  villageName: string | null;
  source: ReserveSource;
  nominatedOn: string;
  status: ReserveNominationStatus;
  note: string | null;
}

export const RESERVE_NOMINATION_FIELDS: SheetField<ReserveNominationRow>[] = [
  ...personFields<ReserveNominationRow>(),
  {
    key: 'position',
    header: '现任职务',
    required: false,
    type: 'text',
    width: 20,
    note: '选填：如 村委会委员、种植大户',
    parse: optional(text(100)),
    export: (r) => r.position,
  },
  {
    key: 'villageCode',
    header: '村区划代码',
    required: true,
    type: 'text',
    width: 16,
    note: '必填：提名村（社区）的12位统计用区划代码',
    parse: required(divisionCode),
    export: (r) => r.villageCode,
  },
  {
    key: 'villageName',
    header: '村名称',
    required: false,
    type: 'text',
    width: 20,
    note: '选填：仅用于核对代码，与代码不符时报错',
    parse: optional(text(100)),
    export: (r) => r.villageName,
  },
  {
    key: 'source',
    header: '来源（五个一批）',
    required: true,
    type: 'text',
    width: 22,
    note: `必填：${Object.values(RESERVE_SOURCE_LABELS).join(' / ')}`,
    choices: Object.values(RESERVE_SOURCE_LABELS),
    parse: required(reserveSource),
    export: (r) => RESERVE_SOURCE_LABELS[r.source],
  },
  {
    key: 'nominatedOn',
    header: '提名日期',
    required: true,
    type: 'date',
    width: 14,
    note: '必填：日期，如 2025-03-01',
    parse: required(nominationDate),
    export: (r) => r.nominatedOn,
  },
  {
    key: 'status',
    header: '状态',
    required: false,
    type: 'text',
    width: 10,
    note: '选填：提名（默认）/ 在库（已在现有后备力量库中）',
    choices: Object.values(RESERVE_NOMINATION_STATUS_LABELS),
    parse: optional(nominationStatus),
    export: (r) => RESERVE_NOMINATION_STATUS_LABELS[r.status],
  },
  { key: 'note', header: '备注', required: false, type: 'text', width: 30, note: '选填', parse: optional(text(1000)), export: (r) => r.note },
];

// --- 年度考核（村） ----------------------------------------------------------------------------------

/** A village's result in its township's annual assessment: the screening campaign's hard triggers read it. */
export interface AnnualAssessmentRow {
  villageCode: string;
  villageName: string | null;
  year: number;
  rank: number;
  rankOf: number;
  satisfaction: number | null;
}

const wholeNumber =
  (min: number, max: number) =>
  (cell: CellInput | undefined): Parsed<number> => {
    const value = Number(cellText(cell));
    return Number.isInteger(value) && value >= min && value <= max ? ok(value) : bad(`须为${min}–${max}的整数 (a whole number ${min}–${max})`);
  };

function percent(cell: CellInput | undefined): Parsed<number> {
  const text = cellText(cell).replace(/[%％]$/, '');
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0 || value > 100) return bad('须为0–100的百分数，如 85.5 (a percentage 0–100)');
  return ok(Math.round(value * 100) / 100);
}

export const ANNUAL_ASSESSMENT_FIELDS: SheetField<AnnualAssessmentRow>[] = [
  {
    key: 'villageCode',
    header: '村区划代码',
    required: true,
    type: 'text',
    width: 16,
    note: '必填：村（社区）的12位统计用区划代码',
    parse: required(divisionCode),
    export: (r) => r.villageCode,
  },
  {
    key: 'villageName',
    header: '村名称',
    required: false,
    type: 'text',
    width: 20,
    note: '选填：仅用于核对代码，与代码不符时报错',
    parse: optional(text(100)),
    export: (r) => r.villageName,
  },
  {
    key: 'year',
    header: '考核年度',
    required: true,
    type: 'number',
    width: 10,
    note: '必填：如 2025',
    parse: required(wholeNumber(2000, 2100)),
    export: (r) => r.year,
  },
  {
    key: 'rank',
    header: '排名',
    required: true,
    type: 'number',
    width: 8,
    note: '必填：在本乡镇的名次，1为第一',
    parse: required(wholeNumber(1, 10_000)),
    export: (r) => r.rank,
  },
  {
    key: 'rankOf',
    header: '参评村数',
    required: true,
    type: 'number',
    width: 10,
    note: '必填：本乡镇参评的村数；排名等于参评村数即为末位',
    parse: required(wholeNumber(1, 10_000)),
    export: (r) => r.rankOf,
  },
  {
    key: 'satisfaction',
    header: '群众满意度（%）',
    required: false,
    type: 'number',
    width: 14,
    note: '选填：0–100，如 85.5；低于60%为硬性情形',
    parse: optional(percent),
    export: (r) => r.satisfaction,
  },
];

export const IMPORT_KINDS = ['people', 'reserve_nominations', 'annual_assessments'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const IMPORT_SHEETS = {
  people: { sheet: '班子成员', fileName: 'people-import-template.xlsx', title: '班子成员导入（一乡一表）', fields: TEAM_MEMBER_FIELDS },
  reserve_nominations: {
    sheet: '后备力量提名',
    fileName: 'reserve-nominations-import-template.xlsx',
    title: '村党组织书记后备力量提名导入',
    fields: RESERVE_NOMINATION_FIELDS,
  },
  annual_assessments: {
    sheet: '年度考核',
    fileName: 'annual-assessments-import-template.xlsx',
    title: '村党组织年度考核结果导入',
    fields: ANNUAL_ASSESSMENT_FIELDS,
  },
} as const;

/** The sheet as a table spec (for templates and exports: the importer reads these headers back). */
export function sheetSpec<R>(sheet: string, fields: ReadonlyArray<SheetField<R>>): TableSpec<R> {
  return {
    sheet,
    columns: fields.map((f): Column<R> => ({
      header: f.header,
      type: f.type,
      width: f.width,
      note: f.note,
      choices: f.choices,
      value: (row: R) => f.export(row),
    })),
  };
}

/** Lines of the 填写说明 sheet of a template. */
export function instructions(kind: ImportKind): string[] {
  const { title, fields } = IMPORT_SHEETS[kind];
  const lines = [
    `${title}：填写说明`,
    '1. 在第一个工作表中每行填写一人，第一行为表头，请勿修改表头文字；可删除选填列，不可增加其他列。',
    '2. 导入前逐行校验：任何一行有误，整份文件都不会导入，并列出“行号、列名、问题”；改正后重新导入即可。',
    '3. 重复导入同一文件不会产生重复数据：同一班子（区划）中姓名和出生日期相同的人视为同一人，更新其信息。',
    '4. 也可导入 CSV（UTF-8 或 GBK 编码，表头相同）。',
    '',
    '各列：',
    ...fields.map((f) => `· ${f.header}：${f.note}`),
  ];
  if (kind === 'annual_assessments') {
    lines[1] = '1. 在第一个工作表中每行填写一个村，第一行为表头，请勿修改表头文字；可删除选填列，不可增加其他列。';
    lines[3] = '3. 重复导入同一文件不会产生重复数据：同一村同一年度只保留一条，再次导入即更新。';
    lines.push('', '排查研判时，上一年度排名末位、群众满意度低于60%的村自动预填为硬性情形。');
  }
  if (kind === 'reserve_nominations') {
    lines.push('', '提示：被提名人在提名日期时超过35岁的，导入时给出提示，但不阻止导入。每村提名不少于3人，确定1–2人。');
  }
  return lines;
}
