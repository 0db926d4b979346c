/**
 * Excel in and out, with the statistics that read what was imported:
 * - scenario 5 (CSV import): 金盆街道 (12 villages), 20 reserves in the pool, 3 villages under 2 →
 *   coverage 75%, 3 alerts; the nominee aged 36 is a warning, not a block;
 * - scenario 8 (xlsx import): a township team of 11 — 2 women, 1 minority, youngest 38 → mean age
 *   46.4, flag "no one aged 35 or under";
 * - a file with one bad row is refused with (row, column, problem) and nothing is imported;
 * - exported files import back unchanged (round trip, xlsx and CSV);
 * - the shipped templates carry the importer's headers.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDb, type DbHandle } from '../../db/client.js';
import { importDivisions } from '../../db/seed/import-divisions.js';
import { createUser } from '../../db/queries/users.js';
import { createStatsService, type StatsService } from '../../services/stats.js';
import { createImportService, ImportRejectedError, type ImportReport, type ImportService } from '../../services/imports.js';
import { createExportService, importTemplate, type ExportService } from '../../services/exports.js';
import { createAuditService } from '../../services/audit.js';
import { RESERVE_NOMINATION_FIELDS, TEAM_MEMBER_FIELDS, sheetSpec } from '../../services/excel/people-sheets.js';
import { writeXlsx, readXlsxRows } from '../../services/excel/xlsx.js';
import { decodeCsv, parseCsv } from '../../services/excel/csv.js';
import { PROJECT_ROOT } from '../../temporal/binaries.js';
import type { AuthUser, Role } from '../../domain/roles.js';
import { testDatabaseUrl, type TestDatabase } from '../support/servers.js';
import { cn } from './fixtures.js';

let database: TestDatabase;
let h: DbHandle;
let stats: StatsService;
let imports: ImportService;
let exportsService: ExportService;
const u: Record<string, AuthUser> = {};
let jinpen: string[]; // 平塘县金盆街道, 12 villages

const csv = (rows: string[][]) => Buffer.from(rows.map((r) => r.join(',')).join('\r\n'), 'utf8');

async function user(role: Role, jurisdictionCode: string, name: string): Promise<AuthUser> {
  const { user: created } = await createUser(h.db, { name, role, jurisdictionCode, actor: { actorLabel: 'test' } });
  return { id: created.id, name: created.name, role: created.role, jurisdictionCode: created.jurisdictionCode };
}

async function count(table: 'people' | 'people_imports' | 'leadership_team_members' | 'reserve_nominations'): Promise<number> {
  const [row] = await h.sql<{ n: number }[]>`select count(*)::int as n from ${h.sql(table)}`;
  return row!.n;
}

async function rejected(promise: Promise<unknown>): Promise<ImportReport> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImportRejectedError);
  const report = (error as ImportRejectedError).report;
  expect(report.valid).toBe(false);
  expect((error as ImportRejectedError).statusCode).toBe(422);
  return report;
}

// Scenario 5: 9 villages × 2 + 1 + 1 + 0 = 20 reserves; 6 women, 14 college+, 15 party members.
const RESERVE_HEADER = [
  '姓名',
  '性别',
  '出生日期',
  '民族',
  '学历',
  '是否中共党员',
  '现任职务',
  '村区划代码',
  '村名称',
  '来源（五个一批）',
  '提名日期',
  '状态',
  '备注',
];
function reserveRows(villages: string[]): string[][] {
  const births = [
    '1992-05-01',
    '1995-07-12',
    '1990-01-20',
    '1993-03-03',
    '1991-11-11',
    '1996-02-14',
    '1994-08-08',
    '1997-09-09',
    '1992-12-12',
    '1990-06-30',
    '1993-10-01',
    '1995-04-04',
    '1994-05-05',
    '1998-06-06',
    '1988-06-01', // 36 when nominated on 2025-03-01: a warning, not a block
    '1989-04-10', // 35 when nominated, 36 by 2025-06-30
    '1996-07-07',
    '1997-01-01',
    '1993-02-02',
    '1991-03-03',
  ];
  const village = (i: number) => (i < 18 ? villages[Math.floor(i / 2)]! : i === 18 ? villages[9]! : villages[10]!);
  const female = new Set([1, 4, 7, 10, 13, 16]);
  const college = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  const party = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  const sources = ['现任村“两委”成员', '现任村“两委”成员', '村内致富带头人和能人', '本乡本土大中专毕业生', '在外优秀人才回引'];
  return births.map((birth, i) => [
    `后备${String(i + 1).padStart(2, '0')}`,
    female.has(i) ? '女' : '男',
    birth,
    i === 3 ? '布依族' : '汉族',
    college.has(i) ? (i % 3 === 0 ? '大专' : '大学本科') : '高中',
    party.has(i) ? '是' : '否',
    i % 4 === 0 ? '村委会委员' : '',
    village(i),
    '',
    i === 19 ? '机关企事业单位下派干部' : sources[i % 5]!,
    '2025-03-01',
    '在库',
    '',
  ]);
}

// Scenario 8: 岗度镇 leadership team of 11 (ages on 2025-06-30 sum to 510), and 羡塘镇 (3 men).
const TEAM: Array<[string, string, string, string, string, string, string]> = [
  // name, gender, birth, ethnicity, education, party, post
  ['王一', '男', '1987-01-15', '汉族', '大学本科', '是', '党委副书记、镇长'], // 38
  ['李二', '女', '1985-06-30', '汉族', '研究生', '是', '党委副书记'], // 40 (birthday on the day)
  ['张三', '男', '1985-07-01', '汉族', '大学本科', '否', '副镇长'], // 39 (birthday the day after)
  ['赵四', '男', '1982-03-03', '布依族', '大专', '是', '党委委员、组织委员'], // 43
  ['钱五', '男', '1980-12-31', '汉族', '大学本科', '是', '党委委员、纪委书记'], // 44
  ['孙六', '男', '1979-05-05', '汉族', '大学本科', '是', '党委委员、武装部长'], // 46
  ['周七', '男', '1978-08-08', '汉族', '大专', '是', '党委委员、宣传委员'], // 46
  ['吴八', '男', '1975-01-01', '汉族', '大学本科', '是', '人大主席'], // 50
  ['郑九', '女', '1972-02-02', '汉族', '高中', '是', '党委委员、统战委员'], // 53
  ['冯十', '男', '1970-10-10', '汉族', '中专', '是', '副镇长'], // 54
  ['陈十一', '男', '1968-04-04', '汉族', '高中', '是', '党委书记'], // 57
];
const OTHER_TEAM: Array<[string, string, string, string, string, string, string]> = [
  ['刘甲', '男', '1995-01-01', '汉族', '大学本科', '是', '副镇长'], // 30
  ['刘乙', '男', '1983-02-02', '汉族', '大专', '是', '镇长'], // 42
  ['刘丙', '男', '1975-03-03', '汉族', '高中', '是', '党委书记'], // 50
];

function teamRows(team: typeof TEAM, code: string) {
  const sheetRows = team.map(([name, gender, birth, ethnicity, education, party, post]) => ({
    name,
    gender: gender === '女' ? ('female' as const) : ('male' as const),
    birthDate: birth,
    ethnicity,
    education: ({ 研究生: 'postgraduate', 大学本科: 'bachelor', 大专: 'associate', 中专: 'secondary_vocational', 高中: 'high_school' } as const)[
      education as '高中'
    ],
    partyMember: party === '是',
    post,
    teamKind: 'township_leadership' as const,
    divisionCode: code,
    divisionName: null,
  }));
  return sheetRows;
}

beforeAll(async () => {
  database = await testDatabaseUrl();
  h = createDb(database.url, { max: 4 });
  await importDivisions(h.sql, '5227');
  stats = createStatsService({ db: h.db });
  imports = createImportService({ db: h.db });
  exportsService = createExportService({ db: h.db, stats, audit: createAuditService({ db: h.db }) });
  u.county = await user('org_dept', '522731', '惠水县委组织部');
  u.pingtang = await user('org_dept', '522727', '平塘县委组织部');
  u.jinpen = await user('township_office', '522727001', '金盆街道党工委');
  u.sponsor = await user('sponsor', '522727', '包保领导');
  const rows = await h.sql<{ code: string }[]>`select code from divisions where level = 'village' and code like '522727001%' order by code`;
  jinpen = rows.map((r) => r.code);
});

afterAll(async () => {
  await h?.close();
  await database?.drop();
});

describe('scenario 5: reserve pool from a CSV file', () => {
  test('a dry run validates and writes nothing; the nominee aged 36 is a warning', async () => {
    const file = csv([RESERVE_HEADER, ...reserveRows(jinpen)]);
    const report = await imports.importFile({ user: u.jinpen! }, { kind: 'reserve_nominations', bytes: file, fileName: '金盆街道后备力量.csv', dryRun: true });
    expect(report).toMatchObject({ valid: true, dryRun: true, rows: 20, format: 'csv', errorCount: 0, warningCount: 1, imported: null });
    expect(report.warnings).toEqual([{ row: 16, column: '出生日期', cell: 'C16', value: '1988-06-01', problem: expect.stringContaining('提名时36岁') }]);
    expect(await count('reserve_nominations')).toBe(0);
  });

  test('imported: coverage 9/12 = 75%, 3 alerts, and the pool’s composition', async () => {
    const file = csv([RESERVE_HEADER, ...reserveRows(jinpen)]);
    const report = await imports.importFile({ user: u.jinpen! }, { kind: 'reserve_nominations', bytes: file, fileName: '金盆街道后备力量.csv' });
    expect(report.imported).toMatchObject({ created: 20, updated: 0, unchanged: 0 });
    expect(report.warningCount).toBe(1);

    const r = await stats.reserves(u.pingtang!, { division: '522727001', asOf: cn('2025-06-30 12:00') });
    expect(r.processTracked).toBe(true);
    expect(r.groupBy).toBe('village');
    expect(r.totals).toMatchObject({
      villages: 12,
      villagesAtPoolTarget: 9,
      villagesBelowPoolTarget: 3,
      poolCoverage: 0.75,
      inPool: 20,
      reservesPerVillage: 1.67,
      nominated: 20,
      villagesAtNominationTarget: 0,
      poolAged35OrUnder: 18, // the one born 1988-06-01 is 37, the one born 1989-04-10 is 36
      share35OrUnder: 0.9,
      poolCollege: 14,
      shareCollege: 0.7,
      poolFemale: 6,
      shareFemale: 0.3,
      poolPartyMembers: 15,
      sharePartyMembers: 0.75,
    });
    expect(r.rows).toHaveLength(12);
    expect(r.alerts.total).toBe(3);
    expect(r.alerts.items.map((a) => [a.villageCode, a.inPool])).toEqual([
      [jinpen[9], 1],
      [jinpen[10], 1],
      [jinpen[11], 0],
    ]);
    expect(r.bySource.map((s) => [s.source, s.inPool])).toEqual([
      ['current_committee', 8],
      ['local_talent', 4],
      ['local_graduate', 4],
      ['returnee', 3],
      ['sent_down_cadre', 1],
    ]);
    // The county sees the township as one row among its 11.
    const county = await stats.reserves(u.pingtang!, { asOf: cn('2025-06-30 12:00') });
    expect(county.rows.find((x) => x.code === '522727001000')).toMatchObject({ villages: 12, poolCoverage: 0.75 });
    expect(county.totals).toMatchObject({ villages: 131, villagesAtPoolTarget: 9, inPool: 20 });
  });

  test('importing the same file again changes nothing', async () => {
    const file = csv([RESERVE_HEADER, ...reserveRows(jinpen)]);
    const report = await imports.importFile({ user: u.jinpen! }, { kind: 'reserve_nominations', bytes: file });
    expect(report.imported).toMatchObject({ created: 0, updated: 0, unchanged: 20 });
    expect(await count('reserve_nominations')).toBe(20);
  });

  test('a township office may not import for another township; a sponsor may not import at all', async () => {
    const other = await h.sql<{ code: string }[]>`select code from divisions where level = 'village' and code like '522727100%' order by code limit 1`;
    const rows = reserveRows(jinpen).slice(0, 2);
    rows[1]![7] = other[0]!.code;
    const report = await rejected(imports.importFile({ user: u.jinpen! }, { kind: 'reserve_nominations', bytes: csv([RESERVE_HEADER, ...rows]) }));
    expect(report.errors).toEqual([expect.objectContaining({ row: 3, column: '村区划代码', problem: expect.stringContaining('不在您的管辖范围内') })]);
    await expect(imports.importFile({ user: u.sponsor! }, { kind: 'reserve_nominations', bytes: csv([RESERVE_HEADER, ...rows]) })).rejects.toMatchObject({
      statusCode: 403,
    });
  });
});

describe('scenario 8: the structure sheet of a township team imported from .xlsx', () => {
  test('11 members, 2 women, 1 minority, youngest 38 → mean 46.4, “no one aged 35 or under”', async () => {
    const spec = sheetSpec('班子成员', TEAM_MEMBER_FIELDS);
    const file = await writeXlsx([{ spec, rows: [...teamRows(TEAM, '522731109000'), ...teamRows(OTHER_TEAM, '522731108000')] } as never]);
    const report = await imports.importFile({ user: u.county! }, { kind: 'people', bytes: file, fileName: '惠水县乡镇班子.xlsx' });
    expect(report).toMatchObject({ valid: true, format: 'xlsx', rows: 14, errorCount: 0, imported: { created: 14, updated: 0, unchanged: 0 } });

    const r = await stats.structure(u.county!, { asOf: cn('2025-06-30 12:00') });
    expect(r).toMatchObject({ team: 'township_leadership', ageOn: '2025-06-30' });
    expect(r.teams).toHaveLength(2);
    const gangdu = r.teams.find((t) => t.code === '522731109000')!;
    expect(gangdu).toEqual({
      code: '522731109000',
      name: '岗度镇',
      members: 11,
      meanAge: 46.4, // 510 / 11
      youngest: 38,
      oldest: 57,
      age35OrUnder: 0,
      age36To45: 5,
      age46To54: 5,
      age55OrOver: 1,
      women: 2,
      womenShare: 0.1818,
      college: 8,
      collegeShare: 0.7273,
      minority: 1,
      minorityShare: 0.0909,
      partyMembers: 10,
      partyShare: 0.9091,
      flags: ['no_member_35_or_under'],
    });
    expect(r.teams.find((t) => t.code === '522731108000')).toMatchObject({ members: 3, meanAge: 40.7, youngest: 30, women: 0, flags: ['no_woman'] });
    expect(r.overall).toMatchObject({
      teams: 2,
      teamsFlagged: 2,
      members: 14,
      meanAge: 45.1, // 632 / 14
      youngest: 30,
      oldest: 57,
      age35OrUnder: 1,
      age36To45: 6,
      age46To54: 6,
      age55OrOver: 1,
      womenShare: 0.1429,
      collegeShare: 0.7143,
      minorityShare: 0.0714,
      partyShare: 0.9286,
    });
    // A township office sees its own team only.
    const own = await stats.structure(await user('township_office', '522731109', '岗度镇党委'), { asOf: cn('2025-06-30 12:00') });
    expect(own.teams.map((t) => t.code)).toEqual(['522731109000']);
  });
});

describe('a file with a bad row imports nothing', () => {
  test('one impossible birth date in eleven rows: rejected with row, column and problem', async () => {
    const before = { people: await count('people'), imports: await count('people_imports') };
    const spec = sheetSpec('班子成员', TEAM_MEMBER_FIELDS);
    const rows = teamRows(TEAM, '522731103000'); // 摆金镇
    const bad = [...rows];
    bad[5] = { ...bad[5]!, birthDate: '1985-02-30' };
    const file = await writeXlsx([{ spec, rows: bad } as never]);
    const report = await rejected(imports.importFile({ user: u.county! }, { kind: 'people', bytes: file }));
    expect(report.errorCount).toBe(1);
    expect(report.errors).toEqual([{ row: 7, column: '出生日期', cell: 'C7', value: '1985-02-30', problem: expect.stringContaining('日期不存在') }]);
    expect(await count('people')).toBe(before.people);
    expect(await count('people_imports')).toBe(before.imports);
    expect(await count('leadership_team_members')).toBe(14);
  });

  test('every problem is reported at once: codes, levels, values, duplicates', async () => {
    const header = ['姓名', '性别', '出生日期', '民族', '学历', '是否中共党员', '职务', '班子类型', '区划代码', '区划名称'];
    const report = await rejected(
      imports.importFile(
        { user: u.county! },
        {
          kind: 'people',
          bytes: csv([
            header,
            ['甲', '男', '1980-01-01', '汉族', '本科', '是', '村党支部书记', '村“两委”班子', '522731109000', ''], // a township code for a village team
            ['乙', '男', '1980-01-01', '汉族', '本科', '是', '镇长', '乡镇领导班子', '522727001000', ''], // outside the county
            ['丙', '未知', '1980.13', '火星族', '博士后', '也许', '镇长', '乡镇领导班子', '522731999000', ''], // five bad cells (the code is not looked up then)
            ['丁', '女', '1980/2/3', '苗', '大专', '中共党员', '副镇长', '乡镇领导班子', '522731102000', '摆金镇'], // name does not match the code
            ['戊', '女', '1981-03-04', '汉族', '大专', '否', '副镇长', '乡镇领导班子', '522731102000', ''],
            ['戊', '女', '1981-03-04', '汉族', '大专', '否', '副镇长', '乡镇领导班子', '522731102000', ''], // duplicate of row 6
          ]),
        },
      ),
    );
    expect(report.errors.map((e) => [e.row, e.column])).toEqual([
      [4, '性别'],
      [4, '出生日期'],
      [4, '民族'],
      [4, '学历'],
      [4, '是否中共党员'],
      [2, '区划代码'],
      [3, '区划代码'],
      [5, '区划名称'],
      [7, '姓名'],
    ]);
    expect(report.errors[5]!.problem).toContain('须填村（社区）代码');
    expect(report.errors[6]!.problem).toContain('不在您的管辖范围内');
    expect(report.errors[8]!.problem).toContain('与第6行重复');
  });

  test('a missing or unknown column is named; an empty file says so', async () => {
    const report = await rejected(
      imports.importFile(
        { user: u.county! },
        {
          kind: 'people',
          bytes: csv([
            ['姓名', '性别', '生日'],
            ['甲', '男', '1980-01-01'],
          ]),
        },
      ),
    );
    expect(report.errors.map((e) => e.column)).toEqual(['生日', '出生日期', '民族', '学历', '是否中共党员', '职务', '班子类型', '区划代码']);
    const empty = await rejected(imports.importFile({ user: u.county! }, { kind: 'people', bytes: Buffer.from('') }));
    expect(empty.errors[0]!.problem).toContain('文件为空');
  });
});

describe('round trip: exported files import back unchanged', () => {
  test('team members as .xlsx: re-import changes nothing; into an empty table it recreates the same rows', async () => {
    const first = await exportsService.people(u.county!, 'people', 'xlsx', {});
    const firstRows = (await readXlsxRows(first.bytes)).map((r) => r.cells);
    expect(firstRows[0]).toEqual(TEAM_MEMBER_FIELDS.map((f) => f.header));
    expect(firstRows).toHaveLength(15);
    expect(firstRows.find((r) => r[0] === '李二')).toEqual([
      '李二',
      '女',
      new Date('1985-06-30T00:00:00Z'),
      '汉族',
      '研究生',
      '是',
      '党委副书记',
      '乡镇领导班子',
      '522731109000',
      '岗度镇',
    ]);

    const again = await imports.importFile({ user: u.county! }, { kind: 'people', bytes: first.bytes });
    expect(again.imported).toMatchObject({ created: 0, updated: 0, unchanged: 14 });

    await h.sql`delete from leadership_team_members`;
    await h.sql`delete from people where id not in (select person_id from reserve_nominations)`;
    const restored = await imports.importFile({ user: u.county! }, { kind: 'people', bytes: first.bytes });
    expect(restored.imported).toMatchObject({ created: 14 });
    const second = await exportsService.people(u.county!, 'people', 'xlsx', {});
    expect((await readXlsxRows(second.bytes)).map((r) => r.cells)).toEqual(firstRows);
  });

  test('reserve nominations as CSV: byte for byte after a round trip', async () => {
    const first = await exportsService.people(u.pingtang!, 'reserve_nominations', 'csv', {});
    const text = decodeCsv(first.bytes);
    expect(first.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const records = parseCsv(text);
    expect(records[0]).toEqual(RESERVE_NOMINATION_FIELDS.map((f) => f.header));
    expect(records).toHaveLength(21);
    await h.sql`delete from reserve_nominations`;
    const restored = await imports.importFile({ user: u.pingtang! }, { kind: 'reserve_nominations', bytes: first.bytes });
    expect(restored.imported).toMatchObject({ created: 20 });
    const second = await exportsService.people(u.pingtang!, 'reserve_nominations', 'csv', {});
    expect(second.bytes.equals(first.bytes)).toBe(true);
  });
});

describe('templates', () => {
  test('the shipped templates carry the importer’s headers, notes and drop-downs; empty, they import nothing', async () => {
    for (const [file, fields, kind] of [
      ['people-import-template.xlsx', TEAM_MEMBER_FIELDS, 'people'],
      ['reserve-nominations-import-template.xlsx', RESERVE_NOMINATION_FIELDS, 'reserve_nominations'],
    ] as const) {
      const bytes = await readFile(path.join(PROJECT_ROOT, 'templates', file));
      const rows = await readXlsxRows(bytes);
      expect(rows[0]!.cells).toEqual(fields.map((f) => f.header));
      const generated = await readXlsxRows((await importTemplate(kind)).bytes);
      expect(generated[0]!.cells).toEqual(rows[0]!.cells);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(bytes as never);
      expect(workbook.worksheets.map((w) => w.name)).toContain('填写说明');
      const sheet = workbook.worksheets[0]!;
      expect(sheet.getCell('B2').dataValidation).toMatchObject({ type: 'list', formulae: ['"男,女"'] });
      const report = await rejected(imports.importFile({ admin: 'test' }, { kind, bytes }));
      expect(report.errors[0]!.problem).toContain('没有数据行');
    }
  });
});
