/**
 * 设置 in a real browser, against the real API, Temporal and Postgres, on a fixed calendar (the
 * package's real 2025 notice: National Day 10/1–10/8, make-up workdays Sun 9/28 and Sat 10/11):
 * the org dept makes a policy version (a field error first, at the field), previews its ladder as
 * the server counts it; adds a local closure and sees it in the October 2025 grid, then revokes
 * it; creates an account, sees its one-time password once, and that account signs in with it
 * (forced to change it); disables an account; a sponsor sees only 我的账号, changes the password
 * there (a weak one refused at the field first) and sees the login in 我的登录记录. Screenshots
 * of each tab in .data/screenshots/.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { accountWithPassword, horizontalOverflow, launchBrowser, screenshotPath, serveConsole, signInAt } from '../support/browser.js';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';
import { yearRange } from '../support/test-calendar.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let browser: Browser;
let app: FastifyInstance;
let base: string;
let prefecture: TestUser;
let org: TestUser;
let sponsor: { id: string; username: string };
const PASSWORD = 'Settings-2031-pass';
const ORG_USERNAME = 'settings.county';

/** An Element Plus date picker: typed, then Enter commits it. */
async function pickDate(page: Page, selector: string, date: string): Promise<void> {
  const input = page.locator(`${selector} input`);
  await input.click();
  await input.fill(date);
  await input.press('Enter');
}

/** Confirms the open ElMessageBox. */
async function confirmBox(page: Page): Promise<void> {
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.waitForSelector('.el-message-box', { state: 'hidden' });
}

const beijing = (date: string) => `${Number(date.slice(0, 4))}年${Number(date.slice(5, 7))}月${Number(date.slice(8))}日`;

beforeAll(async () => {
  [env, browser] = await Promise.all([startTimeSkippingEnv(), launchBrowser()]);
  h = await startHarness({ env });
  // The package's real notices for 2024–2026, whatever the calendar knob says: October 2025 is fixed.
  await h.useCalendar(yearRange(2024, 2026));
  prefecture = await h.addUser('org_dept', '5227', '黔南州委组织部');
  org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  ({ app, base } = await serveConsole(h));
  await accountWithPassword(
    app,
    prefecture,
    { username: ORG_USERNAME, name: '惠水县委组织部基层组织科', role: 'org_dept', jurisdictionCode: '522731' },
    PASSWORD,
  );
  sponsor = await accountWithPassword(
    app,
    org,
    { username: 'settings.sponsor', name: '李某某（县委常委）', role: 'sponsor', jurisdictionCode: '522731' },
    PASSWORD,
  );
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await env?.teardown();
});

test('the org dept creates a policy version (a field error first, at the field) and previews its ladder on the working calendar', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signInAt(page, base, ORG_USERNAME, PASSWORD);
  await page.click('[data-test="menu-/settings"]');
  // The first tab the org dept has, in the URL.
  await page.waitForURL(`${base}/settings/policies`);
  expect(await page.locator('[data-test=settings-tabs] .el-tabs__item').allTextContents()).toEqual([
    '期限策略',
    '工作日历',
    '账号管理',
    '在线用户',
    '我的账号',
    '通知方式',
  ]);
  await page.waitForSelector('[data-test=policies-in-force] .el-table__empty-text');

  await page.click('[data-test=policy-create]');
  await page.waitForSelector('[data-test=policy-form]', { state: 'visible' });
  await page.fill('[data-test=policy-form] input[name=planDue]', '十五天');
  await page.click('[data-test=policy-submit]');
  await page.waitForSelector('[data-test=policy-form] .el-form-item.is-error');
  expect(await page.locator('[data-test=policy-form] .el-form-item.is-error input').getAttribute('name')).toBe('planDue');
  expect(await page.textContent('[data-test=policy-form] .el-form-item.is-error .el-form-item__error')).toContain('15WD');
  await page.screenshot({ path: await screenshotPath('settings-policy-error'), animations: 'disabled' });

  // The draft's own ladder, before it is saved: a plan designated Mon 2025-09-22 due 10 working days later.
  await page.fill('[data-test=policy-form] input[name=planDue]', '10WD');
  await pickDate(page, '[data-test=policy-form] [data-test=preview-date]', '2025-09-22');
  await page.click('[data-test=policy-form] [data-test=preview-run]');
  await page.waitForSelector('[data-test=policy-form] [data-test=preview-result]');
  // 9/23–9/26, Sun 9/28 (make-up), 9/29, 9/30, then 10/9, 10/10 and Sat 10/11 (make-up).
  expect(await page.textContent('[data-test=policy-form] [data-test=preview-due]')).toBe(beijing('2025-10-11'));
  await page.click('[data-test=policy-submit]');
  await page.waitForSelector('[data-test=policy-dialog]', { state: 'hidden' });
  await page.waitForSelector('[data-test=policies-in-force] .el-table__row');
  const row = (await page.textContent('[data-test=policies-in-force] .el-table__row')) ?? '';
  expect(row).toContain('default');
  expect(row).toContain('v1');
  expect(row).toContain('10WD');
  const stored = await app.inject({ method: 'GET', url: '/api/v1/policies', headers: { authorization: `Bearer ${org.token}` } });
  expect(stored.json().items).toMatchObject([{ name: 'default', version: 1, basedOn: 'defaults', body: { planDue: '10WD', reportDue: '5WD' } }]);

  // The saved version in the preview card: each rung at the office hour of a working day.
  expect(await page.textContent('[data-test=previewed-policy]')).toBe('default v1');
  await pickDate(page, '[data-test=policy-preview-card] [data-test=preview-date]', '2025-09-22');
  await page.click('[data-test=policy-preview-card] [data-test=preview-run]');
  await page.waitForSelector('[data-test=policy-preview-card] [data-test=preview-result]');
  const ladder = page.locator('[data-test=policy-preview-card] [data-test=ladder] li');
  expect(await ladder.count()).toBe(4);
  const rungs = await ladder.allTextContents();
  // 提醒 −3WD: 10/10, 10/9, 9/30; 黄牌 +1WD: Mon 10/13; 红牌 +5WD: 10/17; 通报 +10WD: 10/24.
  expect(rungs[0]).toContain('提醒');
  expect(rungs[0]).toContain(`${beijing('2025-09-30')} 09:00`);
  expect(rungs[1]).toContain('黄牌');
  expect(rungs[1]).toContain(beijing('2025-10-13'));
  expect(rungs[2]).toContain('红牌');
  expect(rungs[2]).toContain(beijing('2025-10-17'));
  expect(rungs[3]).toContain('通报');
  expect(rungs[3]).toContain(beijing('2025-10-24'));
  await page.screenshot({ path: await screenshotPath('settings-policies'), fullPage: true });

  // Retired, with a reason: listed apart, no longer in force.
  await page.click('[data-test=policy-retire-1]');
  await page.fill('.el-message-box input', '试点结束');
  await confirmBox(page);
  await page.waitForSelector('[data-test=policies-retired] .el-table__row');
  expect(await page.textContent('[data-test=policies-retired]')).toContain('试点结束');
  await page.waitForSelector('[data-test=policies-in-force] .el-table__empty-text');
  const retired = await app.inject({ method: 'GET', url: '/api/v1/policies?includeRetired=true', headers: { authorization: `Bearer ${org.token}` } });
  expect(retired.json().items[0]).toMatchObject({ version: 1, retiredReason: '试点结束' });

  // Leaving 设置 by the menu goes where it was asked (the tab in the URL does not pull it back).
  await page.click('[data-test="menu-/cases"]');
  await page.waitForURL(`${base}/cases`);
  await page.close();
});

test('the org dept adds a local closure, sees it in the October 2025 grid, and revokes it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await signInAt(page, base, ORG_USERNAME, PASSWORD);
  await page.goto(`${base}/settings/calendar?month=2025-10`);
  await page.waitForSelector('[data-test=calendar-grid] td[data-date="2025-10-31"]');
  expect(await page.textContent('[data-test=calendar-month]')).toBe('2025年10月');
  const kind = (date: string) => page.getAttribute(`[data-test=calendar-grid] td[data-date="${date}"]`, 'data-kind');
  // Monday first: 2025-10-01 is a Wednesday, the third column.
  expect(await page.locator('[data-test=calendar-grid] tbody tr').first().locator('td').nth(2).getAttribute('data-date')).toBe('2025-10-01');
  expect(await kind('2025-10-01')).toBe('holiday');
  expect(await page.textContent('[data-test=calendar-grid] td[data-date="2025-10-01"] .mark')).toBe('休');
  expect(await kind('2025-10-11')).toBe('makeup');
  expect(await page.textContent('[data-test=calendar-grid] td[data-date="2025-10-11"] .mark')).toBe('班');
  expect(await kind('2025-10-12')).toBe('weekend');
  expect(await kind('2025-10-20')).toBe('workday');

  await pickDate(page, '[data-test=override-date]', '2025-10-20');
  await page.fill('[data-test=override-form] input[name=reason]', '台风停工');
  await page.click('[data-test=override-submit]');
  await page.waitForFunction(() => document.querySelector('[data-test=calendar-grid] td[data-date="2025-10-20"]')?.getAttribute('data-kind') === 'closure');
  expect(await page.textContent('[data-test=calendar-grid] td[data-date="2025-10-20"]')).toContain('台风停工');
  // The list reloads on its own after the grid (a CI run read it before that): wait for the row.
  await page.waitForFunction(() => document.querySelector('[data-test=overrides-table]')?.textContent?.includes('台风停工'));
  expect(await page.textContent('[data-test=overrides-table]')).toContain('台风停工');
  // The server counts with it: 10 working days after 2025-10-09 (Sat 10/11 among them) move from 10/22 to 10/23.
  const due = await app.inject({
    method: 'GET',
    url: '/api/v1/calendar/due-date?from=2025-10-09&workingDays=10',
    headers: { authorization: `Bearer ${org.token}` },
  });
  expect(due.json().dueDate).toBe('2025-10-23');
  await page.screenshot({ path: await screenshotPath('settings-calendar'), fullPage: true });

  await page.click('[data-test="override-revoke-2025-10-20"]');
  await confirmBox(page);
  await page.waitForFunction(() => document.querySelector('[data-test=calendar-grid] td[data-date="2025-10-20"]')?.getAttribute('data-kind') === 'workday');
  // The list reloads on its own after the grid: wait for it rather than read it at once.
  await page.waitForFunction(() => document.querySelector('[data-test=overrides-table]')?.textContent?.includes('已于'));
  const after = await app.inject({
    method: 'GET',
    url: '/api/v1/calendar/due-date?from=2025-10-09&workingDays=10',
    headers: { authorization: `Bearer ${org.token}` },
  });
  expect(after.json().dueDate).toBe('2025-10-22');

  // Previous month: September, with its make-up Sunday.
  await page.click('[data-test=calendar-prev]');
  await page.waitForSelector('[data-test=calendar-grid] td[data-date="2025-09-28"]');
  expect(await kind('2025-09-28')).toBe('makeup');
  expect(page.url()).toContain('month=2025-09');

  await page.setViewportSize({ width: 375, height: 812 });
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: await screenshotPath('settings-calendar-375'), fullPage: true });
  await page.close();
});

test('the org dept creates an account: the one-time password is shown once, and the account signs in with it (forced to change it); then it is disabled', async () => {
  const [township] = await h.db.sql<{ name: string }[]>`select name from divisions where code = '522731001000'`;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signInAt(page, base, ORG_USERNAME, PASSWORD);
  await page.goto(`${base}/settings/accounts`);
  await page.waitForSelector(`[data-test="account-settings.sponsor"]`);

  await page.click('[data-test=account-create]');
  await page.waitForSelector('[data-test=account-form]', { state: 'visible' });
  await page.fill('[data-test=account-form] input[name=username]', 'settings.township');
  await page.fill('[data-test=account-form] input[name=name]', '某镇党委党建办');
  await page.click('[data-test=account-role] .el-radio:has-text("乡镇党委")');
  await page.click('[data-test=account-jurisdiction] .el-select');
  await page.click(`.el-select-dropdown__item:has-text("${township!.name}")`);
  await page.click('[data-test=account-submit]');
  await page.waitForSelector('[data-test=secret-dialog]', { state: 'visible' });
  const oneTime = await page.inputValue('[data-test=secret-value]');
  expect(oneTime.length).toBeGreaterThanOrEqual(8);
  expect(await page.textContent('[data-test=secret-warning]')).toContain('只显示这一次');
  await page.screenshot({ path: await screenshotPath('settings-account-secret') });
  await page.click('[data-test=secret-close]');
  await page.waitForSelector('[data-test=secret-dialog]', { state: 'hidden' });
  await page.waitForSelector('[data-test="account-settings.township"]');
  expect(await page.textContent('[data-test="account-state-settings.township"]')).toContain('待改密码');
  await page.screenshot({ path: await screenshotPath('settings-accounts'), fullPage: true });

  // The new account, in its own browser: the one-time password works once and must be changed.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const theirs = await context.newPage();
  await theirs.goto(`${base}/login`);
  await theirs.fill('input[name=username]', 'settings.township');
  await theirs.fill('input[name=password]', oneTime);
  await theirs.click('[data-test=login-submit]');
  await theirs.waitForSelector('[data-test=password-submit]');
  await theirs.fill('input[name=newPassword]', 'Township-2031-new');
  await theirs.fill('input[name=confirm]', 'Township-2031-new');
  await theirs.click('[data-test=password-submit]');
  await theirs.waitForSelector('[data-test=workbench-inbox]');
  await context.close();

  // A reset: a new one-time password, shown once; the next sign-in must change it again.
  await page.reload();
  await page.waitForSelector('[data-test="account-actions-settings.township"] [data-test=account-reset]');
  await page.click('[data-test="account-actions-settings.township"] [data-test=account-reset]');
  await confirmBox(page);
  await page.waitForSelector('[data-test=secret-dialog]', { state: 'visible' });
  const reset = await page.inputValue('[data-test=secret-value]');
  expect(reset).not.toBe(oneTime);
  await page.click('[data-test=secret-close]');
  await page.waitForFunction(() => document.querySelector('[data-test="account-state-settings.township"]')?.textContent?.includes('待改密码'));

  // Disabled: a confirmation first, then even the fresh one-time password does not sign in.
  await page.waitForSelector('[data-test="account-actions-settings.township"] [data-test=account-disable]');
  await page.click('[data-test="account-actions-settings.township"] [data-test=account-disable]');
  expect(await page.textContent('.el-message-box')).toContain('停用账号「某镇党委党建办」');
  await confirmBox(page);
  await page.waitForFunction(() => document.querySelector('[data-test="account-state-settings.township"]')?.textContent?.includes('已停用'));
  expect(await page.locator('[data-test="account-actions-settings.township"] [data-test=account-enable]').count()).toBe(1);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'settings.township', password: reset } });
  expect(login.statusCode).toBe(401);

  // 在线用户: the org dept's own session is there.
  await page.click('[data-test=settings-tabs] .el-tabs__item:has-text("在线用户")');
  await page.waitForURL(`${base}/settings/sessions`);
  await page.waitForSelector('[data-test=settings-sessions] [data-test=session-current]');
  expect(await page.textContent('[data-test=settings-sessions]')).toContain(ORG_USERNAME);
  await page.screenshot({ path: await screenshotPath('settings-sessions'), fullPage: true });
  await page.close();
});

test('a sponsor reads the working calendar (no changing it) and has 我的账号: changes the password there (a weak one refused at the field), and sees the login in 我的登录记录', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signInAt(page, base, sponsor.username, PASSWORD);
  // Another tab's URL lands on the first one the sponsor has: the calendar, read-only.
  await page.goto(`${base}/settings/accounts`);
  await page.waitForURL(/\/settings\/calendar/);
  expect(await page.locator('[data-test=settings-tabs] .el-tabs__item').allTextContents()).toEqual(['工作日历', '我的账号', '通知方式']);
  await page.goto(`${base}/settings/calendar?month=2025-10`);
  await page.waitForSelector('[data-date="2025-10-01"]');
  expect(await page.getAttribute('[data-date="2025-10-01"]', 'data-kind')).toBe('holiday');
  await page.waitForSelector('[data-test=overrides-table]');
  expect(await page.locator('[data-test=override-form], [data-test^=override-revoke-]').count()).toBe(0);
  await page.screenshot({ path: await screenshotPath('settings-calendar-read-only'), fullPage: true });
  await page.click('[data-test=settings-tabs] .el-tabs__item:has-text("我的账号")');
  await page.waitForURL(/\/settings\/me/);
  expect(await page.textContent('[data-test=me-username]')).toBe(sponsor.username);

  await page.fill('[data-test=password-form] input[name=currentPassword]', PASSWORD);
  await page.fill('[data-test=password-form] input[name=newPassword]', 'abc');
  await page.fill('[data-test=password-form] input[name=confirm]', 'abc');
  await page.click('[data-test=password-form] [data-test=password-submit]');
  await page.waitForSelector('[data-test=password-form] .el-form-item.is-error');
  expect(await page.locator('[data-test=password-form] .el-form-item.is-error input').getAttribute('name')).toBe('newPassword');
  expect(await page.textContent('[data-test=password-form] .el-form-item__error')).toContain('至少');
  await page.screenshot({ path: await screenshotPath('settings-me-error'), animations: 'disabled' });

  // The log so far: the API's sign-in and first change (accountWithPassword), and this sign-in.
  const before = await page.locator('[data-test=events-table] [data-test=event-outcome]').allTextContents();
  expect(before[0]).toBe('登录成功');
  await page.fill('[data-test=password-form] input[name=newPassword]', 'Sponsor-2031-new!');
  await page.fill('[data-test=password-form] input[name=confirm]', 'Sponsor-2031-new!');
  await page.click('[data-test=password-form] [data-test=password-submit]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-test=event-outcome]').length > n, before.length);
  const outcomes = await page.locator('[data-test=events-table] [data-test=event-outcome]').allTextContents();
  expect(outcomes).toContain('登录成功');
  // Newest first: the change, and the other session (the API's) it ended.
  expect(outcomes.slice(0, outcomes.length - before.length).sort()).toEqual(['会话被终止', '修改密码']);
  // This session stays; the new password is the one that works now.
  expect(await page.locator('[data-test=my-sessions] [data-test=session-current]').count()).toBe(1);
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: sponsor.username, password: 'Sponsor-2031-new!' } });
  expect(login.statusCode).toBe(200);
  await page.screenshot({ path: await screenshotPath('settings-me'), fullPage: true });
  await page.close();
});
