/**
 * 包保责任体系 and 回头看 in a real browser, against the real API, Temporal and Postgres: the org dept
 * sees the vacant posts in the case list, opens a case and sees each post with its holder or a
 * 空缺 badge, and names the paired department with a reason; the township office records a
 * 回头看 visit rated 有反弹风险 (an empty form is refused at the field first) and sees it listed.
 * Screenshots in .data/screenshots/.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { accountWithPassword, apiAs, closeConsoleTest, countyConsole, screenshotPath, signedInPage, startConsoleTest } from '../support/browser.js';
import type { Harness, TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let browser: Browser;
let app: FastifyInstance;
let base: string;
let org: TestUser;
const PASSWORD = 'Support-2031-pass';
const ids = { team: '', followUp: '' };

const api = (user: { token: string }, method: 'GET' | 'POST', url: string, payload?: unknown) => apiAs(app, user, method, url, payload);

beforeAll(async () => {
  ({ env, browser, h } = await startConsoleTest());
  ({ org, app, base } = await countyConsole(h, 'support', PASSWORD));
  await accountWithPassword(
    app,
    org,
    { username: 'support.township', name: '甲镇党委党建办', role: 'township_office', jurisdictionCode: '522731001' },
    PASSWORD,
  );
  const sponsor = await h.addUser('sponsor', '522731', '王某某（副县长）');
  const [secretary] = await h.db.sql<{ id: string }[]>`insert into people (name, division_code) values ('张第一书记', '522731001000') returning id`;
  const [v1, v2] = await h.villageCodes('522731001');
  const team = await api(org, 'POST', '/api/v1/cases', {
    villageCode: v1,
    reasons: ['poor_service'],
    sponsorUserId: sponsor.id,
    supportPackage: { firstSecretaryPersonId: secretary!.id },
  });
  expect(team.status, JSON.stringify(team.body)).toBe(201);
  ids.team = team.body.id;
  const other = await api(org, 'POST', '/api/v1/cases', { villageCode: v2, reasons: ['poor_service'], sponsorUserId: sponsor.id });
  ids.followUp = other.body.id;
  const plan = { summary: '方案', issues: ['班子'], measures: [{ measure: '配强', owner: '乡镇' }] };
  expect((await api(sponsor, 'POST', `/api/v1/cases/${ids.followUp}/plan`, plan)).status).toBe(200);
  expect((await api(sponsor, 'POST', `/api/v1/cases/${ids.followUp}/acceptance-requests`, { summary: '完成' })).status).toBe(200);
  const passed = await api(org, 'POST', `/api/v1/cases/${ids.followUp}/acceptance-reviews`, {
    score: 88,
    representativesTotal: 20,
    representativesDissatisfied: 1,
  });
  expect(passed.body.state).toBe('follow_up');
}, 180_000);

afterAll(() => closeConsoleTest(browser, h, env));

test('the org dept sees vacant posts in the list, each post on the case, and names the paired department with a reason', async () => {
  const page = await signedInPage(browser, base, 'support.county', PASSWORD);
  await page.goto(`${base}/cases`);
  await page.waitForSelector('[data-test="vacant-paired_department"]');
  expect(await page.locator('[data-test="vacant-paired_department"]').count()).toBeGreaterThanOrEqual(1);

  await page.goto(`${base}/cases/${ids.team}`);
  await page.waitForSelector('[data-test=support-package]');
  expect(await page.textContent('[data-test="support-holder-first_secretary"]')).toContain('张第一书记');
  expect(await page.textContent('[data-test="support-holder-paired_department"]')).toContain('空缺');

  await page.click('[data-test=support-change]');
  await page.click('[data-test=support-post] .el-radio:has-text("结对帮扶单位")');
  await page.fill('[data-test=support-form] input[name=department]', '县财政局');
  await page.fill('[data-test=support-form] textarea[name=reason]', '县委常委会研究确定');
  await page.click('[data-test=support-submit]');
  await page.waitForFunction(() => !document.querySelector('[data-test="support-holder-paired_department"]')?.textContent?.includes('空缺'));
  expect(await page.textContent('[data-test="support-holder-paired_department"]')).toContain('县财政局');
  await page.screenshot({ path: await screenshotPath('support-package'), fullPage: true });
  await page.close();
});

test('the township office records a 回头看 visit (the empty form refused at its fields first) and sees it listed', async () => {
  const page = await signedInPage(browser, base, 'support.township', PASSWORD);
  await page.goto(`${base}/cases/${ids.followUp}`);
  await page.waitForSelector('[data-test=visit-form]');
  await page.click('[data-test=visit-submit]');
  await page.waitForSelector('[data-test=visit-form] .el-form-item__error');
  expect(await page.locator('[data-test=visit-form] .el-form-item__error').count()).toBeGreaterThanOrEqual(1);

  const today = new Date(await env.currentTimeMs()).toISOString().slice(0, 10);
  await page.fill('[data-test=visit-date] input', today);
  await page.click('[data-test=visits] .el-card__header');
  await page.fill('[data-test=visit-form] input[name=visitors]', '组织委员、包村干部');
  await page.fill('[data-test=visit-form] textarea[name=findings]', '书记长期外出务工，班子不团结');
  await page.click('[data-test=visit-risk] .el-radio:has-text("有反弹风险")');
  await page.click('[data-test=visit-submit]');
  await page.waitForSelector('[data-test^="visit-visit-"]');
  const listed = (await page.textContent('[data-test=visits]')) ?? '';
  expect(listed).toContain('有反弹风险');
  expect(listed).toContain('书记长期外出务工');
  await page.screenshot({ path: await screenshotPath('support-visits'), fullPage: true });
  await page.close();
});
