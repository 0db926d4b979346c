/**
 * 排查研判 in a real browser, against the real API, Temporal and Postgres: the org dept opens the
 * year's campaign from the page; a township office sees its own sheet (its villages, what it saved),
 * answers nothing more and submits it; once every sheet is in, the org dept confirms the proposed
 * village at 研判 with a reason and records the standing committee's approval (date, meeting, 文号):
 * the page says the list is frozen. Screenshots in .data/screenshots/.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { accountWithPassword, closeConsoleTest, countyConsole, screenshotPath, signedInPage, startConsoleTest } from '../support/browser.js';
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

  // 乙镇 submits through the API; 甲镇 in the page.
  expect((await as(other, 'POST', `/api/v1/screening-campaigns/${campaign.id}/sheets/522731002000/submit`, { entries: none(neighbours) })).status).toBe(200);

  const page = await signedInPage(browser, base, office.username, PASSWORD);
  await page.click('[data-test="menu-/screening"]');
  await page.waitForSelector('[data-test=screening-sheet-table] .el-table__row');
  expect(await page.locator('[data-test=screening-townships] .el-table__row').count()).toBe(1);
  expect(await page.locator('[data-test=screening-sheet-table] .el-table__row').count()).toBe(villages.length);
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
