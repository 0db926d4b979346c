/**
 * Statistics, exports and imports over HTTP on a real backend (Postgres, time-skipping Temporal,
 * the real worker): a case designated through the API is counted; every /stats endpoint answers in
 * its documented shape and scope (404 outside the jurisdiction, 403 for sponsors on people);
 * spreadsheets download with Chinese headers and real dates; uploads answer a report or a 422
 * listing (row, column, problem); the OpenAPI document names every operation.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { beijingDate, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { decodeCsv, parseCsv } from '../../services/excel/csv.js';
import { XLSX_MIME } from '../../services/excel/table.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
const u: Record<string, TestUser> = {};
let caseId: string;

async function call(user: TestUser | null, options: InjectOptions) {
  const headers = { ...(options.headers ?? {}), ...(user ? { authorization: `Bearer ${user.token}` } : {}) };
  const res = await app.inject({ ...options, headers });
  const json = (res.headers['content-type'] ?? '').toString().startsWith('application/json');
  return { status: res.statusCode, body: json ? JSON.parse(res.body) : null, raw: res.rawPayload, headers: res.headers };
}

async function workbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as never);
  return wb;
}

const PEOPLE_HEADER = '姓名,性别,出生日期,民族,学历,是否中共党员,职务,班子类型,区划代码,区划名称';

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env }, { divisions: ['5227'] });
  app = await h.app();
  u.org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  u.otherOrg = await h.addUser('org_dept', '522727', '平塘县委组织部');
  u.sponsor = await h.addUser('sponsor', '522731', '包保领导');
  const [village] = await h.villageCodes('522731001');
  const res = await call(u.org!, {
    method: 'POST',
    url: '/api/v1/cases',
    payload: { villageCode: village, reasons: ['poor_service'], sponsorUserId: u.sponsor!.id },
  });
  expect(res.status).toBe(201);
  caseId = res.body.id;
});

afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('/stats', () => {
  test('a case designated through the API is counted in its cohort, for the org dept and its sponsor', async () => {
    // The cohort is the year of designation, on the server's clock (which the test:dates knobs move).
    const year = new Date(await env.currentTimeMs()).getUTCFullYear();
    // As of the end of the server's day: the designation was recorded on its clock, ahead of the wall clock here.
    const asOf = beijingDate(new Date(await env.currentTimeMs()));
    const r = await call(u.org!, { method: 'GET', url: `/api/v1/stats/conversion?fromYear=${year - 1}&toYear=${year + 1}&asOf=${asOf}` });
    expect(r.status).toBe(200);
    const designated = r.body.totals.reduce((n: number, t: { designated: number }) => n + t.designated, 0);
    expect(designated).toBe(1);
    expect(r.body.rows.find((x: { code: string; designated: number }) => x.code === '522731001000' && x.designated === 1)).toMatchObject({
      inProgress: 1,
      conversionRate: 0,
    });
    const mine = await call(u.sponsor!, { method: 'GET', url: `/api/v1/stats/conversion?fromYear=${year - 1}&toYear=${year + 1}&asOf=${asOf}` });
    expect(mine.body.scope).toBe('own_cases');
    expect(mine.body.totals.reduce((n: number, t: { designated: number }) => n + t.designated, 0)).toBe(1);
  });

  test('every endpoint answers its shape; asOf as a date means the end of that day in China', async () => {
    for (const path of [
      'conversion',
      'time-to-delisting',
      'overdue',
      'report-timeliness',
      'escalations',
      'most-overdue',
      'reserves',
      'mentoring',
      'structure',
    ]) {
      const r = await call(u.org!, { method: 'GET', url: `/api/v1/stats/${path}?asOf=2025-12-31` });
      expect([path, r.status]).toEqual([path, 200]);
      expect(r.body).toMatchObject({ division: { code: '522731000000', name: '惠水县', level: 'county' }, asOf: '2025-12-31T15:59:59.999Z' });
    }
    const overdue = await call(u.org!, {
      method: 'GET',
      url: '/api/v1/stats/overdue?division=522731001&period=quarter&from=2025-01-01&to=2025-12-31&kind=plan,monthly_report',
    });
    expect(overdue.body).toMatchObject({ groupBy: 'village', period: 'quarter', kinds: ['plan', 'monthly_report'] });
    expect(overdue.body.totals.map((t: { period: string }) => t.period)).toEqual(['2025-Q1', '2025-Q2', '2025-Q3', '2025-Q4']);
  });

  test('outside the jurisdiction is 404; a bad parameter is 400 naming it; sponsors get 403 on people', async () => {
    expect((await call(u.otherOrg!, { method: 'GET', url: '/api/v1/stats/conversion?division=522731' })).status).toBe(404);
    expect((await call(u.org!, { method: 'GET', url: '/api/v1/stats/structure?division=522727001' })).status).toBe(404);
    const bad = await call(u.org!, { method: 'GET', url: '/api/v1/stats/conversion?groupBy=hamlet&fromYear=1800' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues.map((i: { field: string }) => i.field).sort()).toEqual(['query.fromYear', 'query.groupBy']);
    const above = await call(u.org!, { method: 'GET', url: '/api/v1/stats/conversion?groupBy=province' });
    expect(above.status).toBe(400);
    expect(above.body.details.issues[0].field).toBe('query.groupBy');
    const unknown = await call(u.org!, { method: 'GET', url: '/api/v1/stats/escalations?colour=red' });
    expect(unknown.body.details.issues[0].field).toBe('query.colour');
    expect((await call(u.sponsor!, { method: 'GET', url: '/api/v1/stats/reserves' })).status).toBe(403);
    expect((await call(null, { method: 'GET', url: '/api/v1/stats/conversion' })).status).toBe(401);
  });
});

describe('/exports', () => {
  test('the statistics workbook: one sheet per table, Chinese headers, rates as percentages, dates as dates', async () => {
    const res = await call(u.org!, { method: 'GET', url: '/api/v1/exports/stats?asOf=2025-12-31&from=2025-01-01&to=2025-12-31' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(XLSX_MIME);
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('统计-惠水县-2025-12-31.xlsx')}`);
    const wb = await workbook(res.raw);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      '转化率',
      '转化时长',
      '生存曲线',
      '超期率',
      '月报及时率',
      '未办结督办',
      '超期最久案例',
      '后备力量',
      '后备力量预警',
      '后备力量来源',
      '1+1帮带',
      '包保责任体系',
      '一乡一表',
      '说明',
    ]);
    const conversion = wb.getWorksheet('转化率')!;
    expect(conversion.getRow(1).values).toEqual([
      undefined,
      '区划代码',
      '区划名称',
      '年度',
      '村数',
      '确定数',
      '撤销数',
      '销号（转化）数',
      '按期转化数',
      '验收未通过数',
      '整顿中',
      '反弹数',
      '确定比例',
      '转化率',
      '按期转化率',
      '反弹率',
    ]);
    expect(conversion.getCell('N2').numFmt).toBe('0.0%');
    const overdue = wb.getWorksheet('超期率')!;
    expect(overdue.getCell('A2').value).toBe('2025-01');
    // 2025-01-01 00:00 in Beijing, as a real date cell.
    expect(overdue.getCell('B2').value).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect(overdue.getCell('B2').numFmt).toBe('yyyy-mm-dd hh:mm');
  });

  test('a single table as CSV (UTF-8 with BOM); CSV without a table is 400', async () => {
    const res = await call(u.org!, { method: 'GET', url: '/api/v1/exports/stats?format=csv&table=conversion&fromYear=2025&toYear=2025' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const records = parseCsv(decodeCsv(res.raw));
    expect(records[0]!.slice(0, 4)).toEqual(['区划代码', '区划名称', '年度', '村数']);
    expect(records.at(-1)!.slice(0, 3)).toEqual(['522731000000', '惠水县（合计）', '2025']);
    const bad = await call(u.org!, { method: 'GET', url: '/api/v1/exports/stats?format=csv' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues[0].field).toBe('query.table');
  });

  test('the case list as .xlsx: names instead of codes, times as dates', async () => {
    const res = await call(u.org!, { method: 'GET', url: '/api/v1/exports/cases' });
    expect(res.status).toBe(200);
    const sheet = (await workbook(res.raw)).getWorksheet('案例清单')!;
    expect(sheet.getCell('A1').value).toBe('县（市、区）');
    expect(sheet.getCell('A2').value).toBe('惠水县');
    expect(['已确定', '制定方案']).toContain(sheet.getCell('E2').value);
    expect(sheet.getCell('I2').value).toBeInstanceOf(Date);
    expect(sheet.getCell('R2').value).toBe(caseId);
    expect(sheet.rowCount).toBe(2);
    const none = await call(u.otherOrg!, { method: 'GET', url: '/api/v1/exports/cases?format=csv' });
    expect(parseCsv(decodeCsv(none.raw))).toHaveLength(1);
  });
});

describe('/imports', () => {
  const row = (name: string, birth: string) => `${name},男,${birth},汉族,大学本科,是,副镇长,乡镇领导班子,522731109000,岗度镇`;

  test('a CSV upload: dry run, then import; an exported file comes back the same', async () => {
    const body = [PEOPLE_HEADER, row('甲', '1985-01-01'), row('乙', '1990-02-02')].join('\n');
    const dry = await call(u.org!, { method: 'POST', url: '/api/v1/imports/people?dryRun=true', headers: { 'content-type': 'text/csv' }, payload: body });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ valid: true, dryRun: true, rows: 2, imported: null });
    const done = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/imports/people?fileName=gangdu.csv',
      headers: { 'content-type': 'text/csv; charset=utf-8' },
      payload: body,
    });
    expect(done.status).toBe(200);
    expect(done.body.imported).toMatchObject({ created: 2, updated: 0, unchanged: 0 });
    const exported = await call(u.org!, { method: 'GET', url: '/api/v1/exports/people?division=522731109' });
    const back = await call(u.org!, { method: 'POST', url: '/api/v1/imports/people', headers: { 'content-type': XLSX_MIME }, payload: exported.raw });
    expect(back.body.imported).toMatchObject({ created: 0, unchanged: 2 });
    const sheet = await call(u.org!, { method: 'GET', url: '/api/v1/stats/structure?division=522731109&asOf=2025-06-30' });
    expect(sheet.body.teams[0]).toMatchObject({ members: 2, meanAge: 37.5, flags: ['no_woman'] });
  });

  test('one bad row: 422 in the error shape, the report in details, nothing imported', async () => {
    const body = [PEOPLE_HEADER, row('丙', '1985-01-01'), row('丁', '1985-13-01'), row('戊', '1986-01-01')].join('\n');
    const res = await call(u.org!, { method: 'POST', url: '/api/v1/imports/people', headers: { 'content-type': 'text/csv' }, payload: body });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', requestId: expect.any(String) });
    expect(res.body.details.report.errors).toEqual([{ row: 3, column: '出生日期', cell: 'C3', value: '1985-13-01', problem: expect.any(String) }]);
    const [people] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from people where name in ('丙', '戊')`;
    expect(people!.n).toBe(0);
  });

  test('not a file is 415; a sponsor may not import; the template downloads', async () => {
    const json = await call(u.org!, { method: 'POST', url: '/api/v1/imports/people', payload: { rows: [] } });
    expect(json.status).toBe(415);
    const sponsor = await call(u.sponsor!, {
      method: 'POST',
      url: '/api/v1/imports/reserve-nominations',
      headers: { 'content-type': 'text/csv' },
      payload: 'x',
    });
    expect(sponsor.status).toBe(403);
    const template = await call(u.org!, { method: 'GET', url: '/api/v1/imports/templates/reserve-nominations' });
    expect(template.status).toBe(200);
    expect((await workbook(template.raw)).worksheets[0]!.getCell('A1').value).toBe('姓名');
  });
});

describe('OpenAPI', () => {
  test('every statistics, export and import operation is documented with its responses', async () => {
    const spec = (await call(null, { method: 'GET', url: '/openapi.json' })).body;
    const ops = Object.values(
      spec.paths as Record<string, Record<string, { operationId: string; tags: string[]; responses: Record<string, unknown> }>>,
    ).flatMap((p) => Object.values(p));
    const ids = ops.map((o) => o.operationId);
    expect(ids).toEqual(
      expect.arrayContaining([
        'getConversionStats',
        'getTimeToDelistingStats',
        'getOverdueStats',
        'getReportTimelinessStats',
        'getOpenEscalationStats',
        'getMostOverdueCases',
        'getReserveStats',
        'getMentoringStats',
        'getStructureSheet',
        'exportStatistics',
        'exportCases',
        'exportTeamMembers',
        'exportReserveNominations',
        'importTeamMembers',
        'importReserveNominations',
        'getImportTemplate',
      ]),
    );
    expect(Object.keys(spec.components.schemas)).toEqual(
      expect.arrayContaining(['ConversionStats', 'SurvivalCurve', 'OverdueStats', 'ReserveStats', 'StructureStats', 'ImportReport', 'ImportProblem']),
    );
    const exportOp = spec.paths['/api/v1/exports/stats'].get;
    expect(Object.keys(exportOp.responses[200].content)).toEqual([XLSX_MIME, 'text/csv']);
    expect(exportOp.responses).toHaveProperty('404');
    const importOp = spec.paths['/api/v1/imports/people'].post;
    expect(Object.keys(importOp.requestBody.content)).toEqual(expect.arrayContaining([XLSX_MIME, 'text/csv']));
    expect(importOp.responses).toHaveProperty('422');
    expect(spec.paths['/api/v1/stats/conversion'].get.responses[200].content['application/json'].schema.$ref).toBe('#/components/schemas/ConversionStats');
  });
});
