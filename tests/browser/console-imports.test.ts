/**
 * 导入导出 in a real browser, against the real API and Postgres: a township office downloads the
 * template (an xlsx), uploads a team file with one impossible birth date and sees the
 * all-or-nothing row report naming the row and the column (nothing imported), downloads that
 * report (CSV with a BOM for Excel), then uploads the corrected file and sees the counts; the
 * exports download. Screenshots in .data/screenshots/.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { accountWithPassword, horizontalOverflow, launchBrowser, screenshotPath, serveConsole, signInAt } from '../support/browser.js';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let browser: Browser;
let app: FastifyInstance;
let base: string;
let dir: string;
const PASSWORD = 'Imports-2031-pass';
const TOWNSHIP = '522731001000';

const HEADER = ['姓名', '性别', '出生日期', '民族', '学历', '是否中共党员', '职务', '班子类型', '区划代码', '区划名称'];
const TEAM = [
  ['王一', '男', '1987-01-15', '汉族', '大学本科', '是', '党委书记'],
  ['李二', '女', '1990-06-30', '布依族', '大专', '是', '镇长'],
  ['张三', '男', '1985-07-01', '汉族', '大学本科', '否', '副镇长'],
];

async function teamFile(name: string, birthOfSecond: string): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('班子成员');
  ws.addRow(HEADER);
  TEAM.forEach((r, i) => ws.addRow([...r.slice(0, 2), i === 1 ? birthOfSecond : r[2], ...r.slice(3), '乡镇领导班子', TOWNSHIP, '']));
  const file = path.join(dir, name);
  await writeFile(file, Buffer.from(await wb.xlsx.writeBuffer()));
  return file;
}

async function downloaded(page: Page, click: () => Promise<void>) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: download.suggestedFilename(), bytes: await readFile((await download.path())!) };
}

beforeAll(async () => {
  [env, browser] = await Promise.all([startTimeSkippingEnv(), launchBrowser()]);
  h = await startHarness({ env });
  const org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  ({ app, base } = await serveConsole(h));
  await accountWithPassword(
    app,
    org,
    { username: 'imports.township', name: '涟江街道党工委', role: 'township_office', jurisdictionCode: '522731001' },
    PASSWORD,
  );
  dir = await mkdtemp(path.join(os.tmpdir(), 'rectify-imports-'));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await env?.teardown();
});

test('a township office: template, a bad file refused with its row report, then the good file imported; exports download', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  await signInAt(page, base, 'imports.township', PASSWORD);
  await page.click('[data-test="menu-/imports"]');
  await page.waitForSelector('[data-test=import-people]');

  const template = await downloaded(page, () => page.click('[data-test=template-people]'));
  expect(template.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
  expect(template.name).toMatch(/\.xlsx$/);

  // Row 3 (the second member) has 1990-02-30: nothing is imported, the report names row and column.
  await page.setInputFiles('[data-test=file-people]', await teamFile('班子-有误.xlsx', '1990-02-30'));
  await page.waitForSelector('[data-test=import-report] .el-table__row');
  expect(await page.textContent('[data-test=import-rejected]')).toContain('未导入任何数据');
  const cells = await page.locator('[data-test=import-report] .el-table__row').first().locator('td').allTextContents();
  expect(cells.slice(0, 4)).toEqual(['3', '出生日期', 'C3', '1990-02-30']);
  expect(cells[4]).toContain('日期不存在');
  const [stored] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from leadership_team_members`;
  expect(stored!.n).toBe(0);
  await page.screenshot({ path: await screenshotPath('imports-rejected'), fullPage: true });

  const report = await downloaded(page, () => page.click('[data-test=download-report]'));
  expect(report.name).toBe('问题清单-班子-有误.csv');
  const text = report.bytes.toString('utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff); // the BOM Excel needs to read UTF-8
  expect(text.slice(1).split('\r\n')[0]).toBe('行号,列名,单元格,填写内容,问题');
  expect(text.split('\r\n')[1]).toMatch(/^3,出生日期,C3,1990-02-30,.*日期不存在/);

  await page.setInputFiles('[data-test=file-people]', await teamFile('班子.xlsx', '1990-06-30'));
  await page.waitForSelector('[data-test=import-success]');
  expect(await page.textContent('[data-test=import-success]')).toContain('共 3 行，新增 3');
  expect(await page.locator('[data-test=import-report]').count()).toBe(0);
  const [after] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from leadership_team_members`;
  expect(after!.n).toBe(3);
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: await screenshotPath('imports'), fullPage: true });

  // The exports a township office may take; the team just imported comes back in the same shape.
  expect(await page.locator('[data-test=export-stats]').count()).toBe(0);
  const people = await downloaded(page, () => page.click('[data-test=export-people]'));
  expect(people.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(people.bytes as never);
  const names = wb.worksheets[0]!.getColumn(1).values.slice(2).map(String);
  expect(names.sort()).toEqual(TEAM.map((r) => r[0]).sort());
  for (const kind of ['cases', 'reserve-nominations']) {
    const file = await downloaded(page, () => page.click(`[data-test=export-${kind}]`));
    expect([kind, file.bytes.subarray(0, 2).toString('latin1')]).toEqual([kind, 'PK']);
  }
  await page.close();
});
