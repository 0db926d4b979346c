/**
 * 排查研判 in a real browser, against the real API, Temporal and Postgres: the org dept opens the
 * year's campaign from the page; a township office sees its own sheet (its villages, what it saved),
 * answers nothing more and submits it; once every sheet is in, the org dept confirms the proposed
 * village at 研判 with a reason and records the standing committee's approval (date, meeting, 文号):
 * the page says the list is frozen. The township's sheet can also come as a file: a bad row refuses
 * it whole with the imports' row report, a good one is saved as the draft. After the approval the
 * org dept amends the list (adds a village with a reason, removes it again: both shown as audited
 * amendments), then designates the list from the dialog with a sponsor and a first secretary: the
 * page says the case was created and links to it, where the 包保责任体系 card names the first
 * secretary. Screenshots in .data/screenshots/.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  accountWithPassword,
  chooseOption,
  clickUntil,
  closeConsoleTest,
  countyConsole,
  screenshotPath,
  signedInPage,
  startConsoleTest,
} from '../support/browser.js';
import { eventually, type Harness, type TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let browser: Browser;
let app: FastifyInstance;
let base: string;
let org: TestUser;
let other: TestUser;
let office: { username: string };
let villages: string[] = [];
let neighbours: string[] = [];
let campaignId = '';
const PASSWORD = 'Screen-2031-pass';

const as = async (user: TestUser, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${user.token}` }, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() };
};
const none = (codes: string[]) => codes.map((villageCode) => ({ villageCode, findings: { poor_service: { found: false } }, proposal: 'do_not_list' }));

beforeAll(async () => {
  ({ env, browser, h } = await startConsoleTest());
  ({ org, app, base } = await countyConsole(h, 'screening', PASSWORD));
  other = await h.addUser('township_office', '522731002', '乙镇党委');
  office = await accountWithPassword(
    app,
    org,
    { username: 'screening.township', name: '甲镇党委党建办', role: 'township_office', jurisdictionCode: '522731001' },
    PASSWORD,
  );
  villages = await h.villageCodes('522731001');
  neighbours = await h.villageCodes('522731002');
  await h.addUser('sponsor', '522731', '王某某（副县长）');
  await h.db.sql`insert into people (name, division_code) values ('张第一书记', '522731001000')`;
}, 180_000);

afterAll(() => closeConsoleTest(browser, h, env));

test('the org dept opens the campaign; a township submits its sheet; 研判 and the approval freeze the list', async () => {
  const county = await signedInPage(browser, base, 'screening.county', PASSWORD);
  await county.click('[data-test="menu-/screening"]');
  await county.waitForSelector('[data-test=screening-open]');
  await county.fill('[data-test=screening-year] input', '2026');
  await county.click('[data-test=screening-open-submit]');
  await county.waitForSelector('[data-test=screening-detail]');
  expect(await county.textContent('[data-test=screening-state]')).toContain('排查中');
  expect(await county.locator('[data-test=screening-townships] .el-table__row').count()).toBe(2);
  const [campaign] = (await as(org, 'GET', '/api/v1/screening-campaigns')).body.items;
  campaignId = campaign.id;

  // 乙镇 submits through the API; 甲镇 in the page.
  expect((await as(other, 'POST', `/api/v1/screening-campaigns/${campaign.id}/sheets/522731002000/submit`, { entries: none(neighbours) })).status).toBe(200);

  const page = await signedInPage(browser, base, office.username, PASSWORD);
  await page.click('[data-test="menu-/screening"]');
  await page.waitForSelector('[data-test=screening-sheet-table] .el-table__row');
  expect(await page.locator('[data-test=screening-townships] .el-table__row').count()).toBe(1);
  expect(await page.locator('[data-test=screening-sheet-table] .el-table__row').count()).toBe(villages.length);
  // The template: an xlsx of this township's villages.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=screening-template]')]);
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
  const template = await readFile((await download.path())!);
  expect(template.subarray(0, 2).toString()).toBe('PK'); // a zip: the xlsx
  // The sheet as a file: a village of 乙镇 refuses the whole file (row 3, its column); then a good one.
  const csv = (rows: string[]) => ({
    name: '甲镇排查表.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(['村区划代码,排查建议,存在的情形,佐证材料', ...rows].join('\n')),
  });
  await page.setInputFiles('[data-test=screening-file]', csv([`${villages[0]},不列入,,`, `${neighbours[0]},不列入,,`]));
  await page.waitForSelector('[data-test=import-rejected]');
  expect(await page.textContent('[data-test=import-report]')).toContain('村区划代码');
  expect(await page.textContent('[data-test=import-report]')).toContain('不属于本乡镇');
  await page.screenshot({ path: await screenshotPath('screening-upload-rejected'), fullPage: true });
  const written = (await as(org, 'GET', `/api/v1/screening-campaigns/${campaign.id}`)).body.entries as Array<{ villageCode: string }>;
  expect(written.filter((e) => e.villageCode.startsWith('522731001'))).toEqual([]); // nothing of 甲镇 written
  await page.setInputFiles('[data-test=screening-file]', csv(villages.map((v) => `${v},不列入,,`)));
  await page.waitForSelector('[data-test=import-success]');
  expect(await page.textContent('[data-test=import-success]')).toContain(`共 ${villages.length} 行`);
  // The draft, saved from the page: first the evidence of the first village, then 保存.
  await page.fill(`input[data-test="evidence-${villages[0]}"]`, '群众意见大');
  await page.click('[data-test=screening-save]');
  await eventually('the draft saved', async () => {
    const entries = (await as(org, 'GET', `/api/v1/screening-campaigns/${campaign.id}`)).body.entries as Array<{ villageCode: string }>;
    return entries.filter((e) => e.villageCode.startsWith('522731001')).length === villages.length;
  });
  expect(await page.locator('[data-test=screening-error]').count()).toBe(0);
  // The proposal of the first village: 建议列入, from its drop-down, and the criterion found.
  await page.click(`[data-test="proposal-${villages[0]}"]`);
  await page.click('.el-select-dropdown__item:visible >> text=建议列入');
  await page.click(`[data-test="found-${villages[0]}"]`);
  await page.click('.el-select-dropdown__item:visible >> text=服务意识差、群众意见大');
  await page.keyboard.press('Escape');
  await page.screenshot({ path: await screenshotPath('screening-sheet'), fullPage: true });
  await page.click('[data-test=screening-submit]');
  await page.waitForSelector('[data-test=screening-sheet]', { state: 'detached' });
  expect(await page.textContent('[data-test=screening-state]')).toContain('研判中');

  await county.reload();
  await county.waitForSelector('[data-test=screening-judgment]');
  await county.fill(`input[data-test="decision-reason-${villages[0]}"]`, '群众满意度低，属实');
  await county.click('[data-test=screening-judge]');
  await county.waitForSelector('[data-test=screening-list]');
  expect(await county.textContent('[data-test=screening-list]')).toContain(villages[0]!);
  await county.fill('input[data-test=approval-date]', '2026-03-20');
  await county.fill('input[data-test=approval-meeting]', '县委常委会第5次会议');
  await county.fill('input[data-test=approval-document]', '惠党发〔2026〕3号');
  await county.click('[data-test=screening-approve]');
  await county.waitForSelector('[data-test=screening-approval]');
  expect(await county.textContent('[data-test=screening-approval]')).toContain('名单已冻结');
  expect(await county.textContent('[data-test=screening-state]')).toContain('已审定');
  await county.screenshot({ path: await screenshotPath('screening-approved'), fullPage: true });
});

test('after the approval the org dept amends the list, then designates it with a sponsor and a first secretary', async () => {
  const county = await signedInPage(browser, base, 'screening.county', PASSWORD);
  await county.click('[data-test="menu-/screening"]');
  await county.waitForSelector('[data-test=screening-approved]');

  // 调整: remove needs a village of the list and a reason; add a second village, then remove it again.
  await county.click('[data-test=amend-change] >> text=移除');
  await chooseOption(county, '[data-test=amend-removed] .el-select', villages[0]!);
  await county.click('[data-test=amend-submit]');
  await county.waitForSelector('[data-test=screening-error]');
  expect(await county.textContent('[data-test=screening-error]')).toContain('reason');
  await county.click('[data-test=amend-change] >> text=增加');
  await county.click('[data-test=amend-village] .el-cascader');
  const names = await h.db.sql<{ name: string }[]>`select name from divisions where code in ('522731001000', ${villages[1]!}) order by code`;
  const menus = county.locator('.el-cascader__dropdown:visible .el-cascader-menu');
  await menus.first().locator(`.el-cascader-node:has-text("${names[0]!.name}")`).click();
  await menus.nth(1).locator(`.el-cascader-node:has-text("${names[1]!.name}")`).click();
  await county.fill('input[data-test=amend-reason]', '年度考核排名末位，补充列入');
  await clickUntil(county, '[data-test=amend-submit]', '[data-test=screening-amendments] .amended');
  expect(await county.textContent('[data-test=screening-list]')).toContain(villages[1]!);
  expect(await county.textContent('[data-test=screening-amendments]')).toContain('年度考核排名末位，补充列入');
  await county.click('[data-test=amend-change] >> text=移除');
  await chooseOption(county, '[data-test="amend-removed"] .el-select', villages[1]!);
  await county.fill('input[data-test=amend-reason]', '经复核已整改到位，不再列入');
  for (let attempt = 1; ; attempt++) {
    await county.click('[data-test=amend-submit]');
    const shown = await county
      .waitForFunction(() => document.querySelectorAll('[data-test=screening-amendments] .amended').length >= 2, undefined, { timeout: 5_000 })
      .then(
        () => true,
        () => false,
      );
    if (shown) break;
    if (attempt >= 4) throw new Error('never showed: the second amendment');
  }
  expect(await county.textContent('[data-test=screening-list]')).not.toContain(villages[1]!);
  const audited = (await as(org, 'GET', `/api/v1/screening-campaigns/${campaignId}`)).body.amendments as Array<{ change: string; by: { label: string } }>;
  expect(audited.map((a) => a.change)).toEqual(['add', 'remove']);

  // 确定整顿对象: no sponsor is refused (the dialog says so); then the sponsor and the first secretary.
  await clickUntil(county, '[data-test=screening-designate]', '[data-test=screening-designate-dialog] .el-table__row');
  expect(await county.locator('[data-test=screening-designate-table] .el-table__row').count()).toBe(1);
  await county.click('[data-test=screening-designate-submit]');
  await county.waitForSelector('[data-test=screening-designate-error]');
  await chooseOption(county, `[data-test="designate-sponsor-${villages[0]}"] .el-select`, '王某某');
  await chooseOption(county, `[data-test="designate-secretary-${villages[0]}"] .el-select`, '张第一书记', '张第一');
  await county.screenshot({ path: await screenshotPath('screening-designate-dialog'), fullPage: true });
  await clickUntil(county, '[data-test=screening-designate-submit]', '[data-test=screening-designated]');
  expect(await county.textContent('[data-test=screening-designated]')).toContain('已建立 1 个整顿案例');
  expect(await county.textContent('[data-test=screening-state]')).toContain('已确定');
  await county.screenshot({ path: await screenshotPath('screening-designated'), fullPage: true });

  await county.click(`[data-test="screening-case-${villages[0]}"]`);
  await county.waitForSelector('[data-test=support-package]');
  await county.waitForFunction(() => document.querySelector('[data-test="support-holder-first_secretary"]')?.textContent?.includes('张第一书记'), undefined, {
    timeout: 10_000,
  });
  expect(await county.textContent('[data-test="support-holder-sponsor"]')).toContain('王某某');
  await county.screenshot({ path: await screenshotPath('screening-case-support'), fullPage: true });
});
