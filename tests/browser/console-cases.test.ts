/**
 * 整顿台账 and 案件详情 in a real browser, against the real API, Temporal and Postgres: a township
 * office sees exactly its township's cases with village, sponsor and next deadline, opens one and
 * sees its lifecycle and each obligation's ladder; a neighbour township's case URL says "not
 * found"; the sponsor files the plan (a field error first, at the field) and sees the case move on;
 * the org dept filters by state; the detail fits a phone. Screenshots in .data/screenshots/.
 */
import fs from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  accountWithPassword,
  chooseOption,
  closeConsoleTest,
  countyConsole,
  overflowAtPhoneWidth,
  screenshotPath,
  signedInPage,
  startConsoleTest,
} from '../support/browser.js';
import type { Harness, TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let browser: Browser;
let app: FastifyInstance;
let base: string;
let org: TestUser;
let sponsor: { id: string; username: string };
const PASSWORD = 'Cases-2031-pass';
const caseIds: { own: string[]; neighbour: string } = { own: [], neighbour: '' };
let ownVillages: string[] = [];

beforeAll(async () => {
  ({ env, browser, h } = await startConsoleTest());
  ({ org, app, base } = await countyConsole(h, 'cases', PASSWORD));
  sponsor = await accountWithPassword(
    app,
    org,
    { username: 'cases.sponsor', name: '王某某（县委副书记）', role: 'sponsor', jurisdictionCode: '522731' },
    PASSWORD,
  );
  ownVillages = (await h.villageCodes('522731001')).slice(0, 2);
  const [neighbourVillage] = await h.villageCodes('522731002');
  const designate = async (villageCode: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      headers: { authorization: `Bearer ${org.token}` },
      payload: { villageCode, reasons: ['poor_service'], sponsorUserId: sponsor.id },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  for (const village of ownVillages) caseIds.own.push(await designate(village));
  caseIds.neighbour = await designate(neighbourVillage!);
}, 180_000);

afterAll(() => closeConsoleTest(browser, h, env));

test('a township office sees its own cases, opens one, and a neighbour’s case URL is "not found"', async () => {
  const office = await accountWithPassword(
    app,
    org,
    { username: 'cases.township', name: '某镇党委党建办', role: 'township_office', jurisdictionCode: '522731001' },
    PASSWORD,
  );
  const page = await signedInPage(browser, base, office.username, PASSWORD, 800);
  await page.click('[data-test="menu-/cases"]');
  await page.waitForSelector('[data-test=cases-table] .el-table__row');
  const rows = page.locator('[data-test=cases-table] .el-table__row');
  expect(await rows.count()).toBe(2);
  const [names] = await h.db.sql<{ names: string[] }[]>`select array_agg(name order by code) as names from divisions where code = any(${ownVillages})`;
  const text = (await page.textContent('[data-test=cases-table]')) ?? '';
  for (const name of names!.names) expect(text).toContain(name);
  expect(text).toContain('王某某（县委副书记）');
  expect(text).toContain('整顿方案'); // the next deadline: the plan
  expect(text).toMatch(/剩 \d+ 个工作日/); // counted by the server on the village's calendar
  expect(await page.locator('[data-test=cases-table] [data-test=working-days]').first().isVisible()).toBe(true);
  await page.screenshot({ path: await screenshotPath('cases') });

  await page.click(`text=${names!.names[0]}`);
  await page.waitForSelector('[data-test=case-title]');
  expect(await page.textContent('[data-test=case-title]')).toBe(names!.names[0]);
  expect(await page.locator('[data-test=obligation-plan] [data-test=ladder] li').count()).toBeGreaterThanOrEqual(3);
  expect(await page.textContent('[data-test=obligation-plan]')).toContain('黄牌');
  await page.screenshot({ path: await screenshotPath('case-detail'), fullPage: true });

  await page.goto(`${base}/cases/${caseIds.neighbour}`);
  await page.waitForSelector('[data-test=case-not-found]');
  expect(await page.textContent('[data-test=case-not-found]')).toContain('未找到');

  expect(await overflowAtPhoneWidth(page, `${base}/cases/${caseIds.own[0]}`, '[data-test=case-title]', 'case-detail-375')).toBeLessThanOrEqual(0);
  await page.close();
});

test('the org dept sees the whole county and filters by state', async () => {
  const page = await signedInPage(browser, base, 'cases.county', PASSWORD, 800);
  await page.goto(`${base}/cases`);
  await page.waitForSelector('[data-test=cases-table] .el-table__row');
  expect(await page.locator('[data-test=cases-table] .el-table__row').count()).toBe(3);
  // Filter to 已销号: none of these cases are.
  await page.click('[data-test=filter-state]');
  await page.click('.el-select-dropdown__item:has-text("已销号")');
  await page.waitForSelector('[data-test=cases-table] .el-table__empty-text');
  expect(await page.locator('[data-test=cases-table] .el-table__row').count()).toBe(0);

  // The division filter (any level) and the xlsx export of what is shown.
  await page.goto(`${base}/cases`);
  await page.waitForSelector('[data-test=cases-table] .el-table__row');
  await page.click('[data-test=filter-division] .el-cascader');
  await page.locator('.el-cascader__dropdown:visible .el-cascader-menu').first().locator('.el-cascader-node').nth(1).locator('.el-radio').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-test=cases-table] .el-table__row').length === 1);
  expect(new URL(page.url()).searchParams.get('division')).toMatch(/^522731002/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=cases-export] button')]);
  expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
  const file = await fs.readFile((await download.path())!);
  expect(file.subarray(0, 2).toString()).toBe('PK');
  await page.close();
});

test('the sponsor files the plan from the case page: an empty field is refused at the field, then the case moves on', async () => {
  const page = await signedInPage(browser, base, sponsor.username, PASSWORD);
  await page.goto(`${base}/cases/${caseIds.own[1]}`);
  await page.waitForSelector('[data-test=plan-form]');
  await page.fill('textarea[name=summary]', '一村一策：配强班子，规范组织生活');
  await page.fill('input[name="issues.0"]', '组织生活不正常');
  await page.fill('input[name="measures.0.measure"]', '每月开展主题党日');
  // The owner is left empty: the server refuses it, and the message appears under that field.
  await page.click('[data-test=plan-submit]');
  await page.waitForSelector('[data-test=plan-form] .el-form-item__error');
  const errorField = await page.locator('[data-test=plan-form] .el-form-item.is-error input').getAttribute('name');
  expect(errorField).toBe('measures.0.owner');
  await page.screenshot({ path: await screenshotPath('plan-form-error'), fullPage: true, animations: 'disabled' });

  await page.fill('input[name="measures.0.owner"]', '村党支部书记');
  await page.click('[data-test=plan-submit]');
  await page.waitForSelector('[data-test=plan-form]', { state: 'detached' });
  expect(await page.textContent('.head')).toContain('整顿中');
  expect(await page.textContent('[data-test=obligation-plan]')).toContain('已完成');
  await page.screenshot({ path: await screenshotPath('plan-filed'), fullPage: true });
  const stored = await app.inject({ method: 'GET', url: `/api/v1/cases/${caseIds.own[1]}`, headers: { authorization: `Bearer ${org.token}` } });
  expect(stored.json().state).toBe('rectifying');
  await page.close();
});

test('the org dept designates a village from the list: missing fields are named at the fields, then the case appears', async () => {
  const page = await signedInPage(browser, base, 'cases.county', PASSWORD);
  await page.goto(`${base}/cases`);
  await page.waitForSelector('[data-test=cases-table] .el-table__row');
  const before = await page.locator('[data-test=cases-table] .el-table__row').count();
  await page.click('[data-test=designate-open]');
  await page.waitForSelector('[data-test=designate-dialog]', { state: 'visible' });
  await page.click('[data-test=designate-submit]');
  await page.waitForSelector('[data-test=designate-dialog] .el-form-item__error');
  const errors = await page.locator('[data-test=designate-dialog] .el-form-item.is-error .el-form-item__label').allTextContents();
  expect(errors).toEqual(expect.arrayContaining(['村', '软弱涣散情形', '包保县级领导']));
  await page.screenshot({ path: await screenshotPath('designate-errors') });

  // 乡镇 → 村: the first township's third village (the first two have open cases).
  await page.click('[data-test=designate-village] .el-cascader');
  // Two cascaders on the page (the filter's and the dialog's): the open one.
  const menus = page.locator('.el-cascader__dropdown:visible .el-cascader-menu');
  await menus.first().locator('.el-cascader-node').first().click();
  await menus.nth(1).locator('.el-cascader-node').nth(2).click();
  await page.locator('[data-test=designate-dialog] .el-checkbox').first().click();
  await chooseOption(page, '[data-test=designate-sponsor] .el-select', '王某某');
  await page.click('[data-test=designate-submit]');
  await page.waitForSelector('[data-test=designate-dialog]', { state: 'hidden' });
  await page.waitForFunction((n) => document.querySelectorAll('[data-test=cases-table] .el-table__row').length === n + 1, before);
  await page.screenshot({ path: await screenshotPath('designated') });
  await page.close();
});

test('the sponsor asks for acceptance, the org dept records the review, and the case is delisted', async () => {
  const sponsorPage = await signedInPage(browser, base, sponsor.username, PASSWORD);
  await sponsorPage.goto(`${base}/cases/${caseIds.own[1]}`); // rectifying since the plan test
  await sponsorPage.waitForSelector('[data-test=acceptance-request-form]');
  await sponsorPage.fill('[data-test=acceptance-request-form] textarea[name=summary]', '班子配齐，组织生活恢复正常，群众满意');
  await sponsorPage.click('[data-test=acceptance-request-submit]');
  await sponsorPage.waitForSelector('[data-test=acceptance-request-form]', { state: 'detached' });
  expect(await sponsorPage.textContent('.head')).toContain('待验收');
  await sponsorPage.close();

  const page = await signedInPage(browser, base, 'cases.county', PASSWORD);
  await page.goto(`${base}/cases/${caseIds.own[1]}`);
  await page.waitForSelector('[data-test=acceptance-review-form]');
  await page.fill('[data-test=review-score] input', '86');
  await page.fill('[data-test=review-total] input', '20');
  await page.fill('[data-test=review-dissatisfied] input', '2');
  await page.click('[data-test=acceptance-review-form] .el-card__header'); // blur: the number inputs commit on change
  await page.click('[data-test=acceptance-review-submit]');
  await page.waitForSelector('[data-test=acceptance-review-form]', { state: 'detached' });
  expect(await page.textContent('.head')).toMatch(/已销号|回头看/);
  await page.screenshot({ path: await screenshotPath('delisted'), fullPage: true });
  const stored = await app.inject({ method: 'GET', url: `/api/v1/cases/${caseIds.own[1]}`, headers: { authorization: `Bearer ${org.token}` } });
  expect(['delisted', 'follow_up']).toContain(stored.json().state);
  await page.close();
});
