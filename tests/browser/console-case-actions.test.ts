/**
 * 案件详情's actions in a real browser, against the real API, Temporal and Postgres: the sponsor
 * files a monthly report and sees it in the 12-month grid and, filed, on the workbench; asks for a
 * 延期 (refused at the field first), the org dept approves it and the ladder strikes the old dates
 * through; the township office sees the 黄牌 in its inbox named by village with the working days
 * overdue, filters it, and prints its 督办单 (the print is recorded); the org dept restarts a
 * deadline (重新计时), moves the case to another policy, pauses the clock (the banner says since
 * when and why) and changes the sponsor; the workbench lists the sponsor's to-do across processes, a
 * page at a time. Screenshots in .data/screenshots/.
 *
 * The API counts working days as of the test server's time (skipped weeks ahead of the wall clock).
 */
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
  horizontalOverflow,
  screenshotPath,
  signedInPage,
  startConsoleTest,
} from '../support/browser.js';
import { eventually, type Harness, type TestUser } from '../support/harness.js';
import { signedWorkingDays } from '../../domain/calendar.js';
import { civilDate } from '../../domain/stats.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let browser: Browser;
let app: FastifyInstance;
let base: string;
let org: TestUser;
let sponsor: { id: string; username: string };
let sponsor2: { id: string; username: string };
let township: { id: string; username: string };
let overdueVillage: string;
/** How far the test server's clock is ahead of the wall clock (the API's "now" follows it). */
let skew = 0;
const serverNow = () => new Date(Date.now() + skew);
/** A civil date as the console shows it: 2026年12月14日. */
const shown = (date: string) => `${Number(date.slice(0, 4))}年${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
const textOf = async (page: import('playwright-core').Page, selector: string) => ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ');

const PASSWORD = 'Actions-2031-pass';
let rectifying: string; // plan filed: monthly reports open
let overdue: string; // its plan's 黄牌 fired

const asOrg = { authorization: '' };

beforeAll(async () => {
  ({ env, browser, h } = await startConsoleTest());
  ({ org, app, base } = await countyConsole(h, 'actions', PASSWORD, { now: serverNow }));
  asOrg.authorization = `Bearer ${org.token}`;
  sponsor = await accountWithPassword(
    app,
    org,
    { username: 'actions.sponsor', name: '李某某（县人大副主任）', role: 'sponsor', jurisdictionCode: '522731' },
    PASSWORD,
  );
  sponsor2 = await accountWithPassword(
    app,
    org,
    { username: 'actions.sponsor2', name: '赵某某（副县长）', role: 'sponsor', jurisdictionCode: '522731' },
    PASSWORD,
  );
  township = await accountWithPassword(
    app,
    org,
    { username: 'actions.township', name: '某镇党委党建办', role: 'township_office', jurisdictionCode: '522731001' },
    PASSWORD,
  );
  const [v1, v2] = await h.villageCodes('522731001');
  overdueVillage = v1!;
  const designate = async (villageCode: string, sponsorUserId = sponsor.id) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/cases', headers: asOrg, payload: { villageCode, reasons: ['poor_service'], sponsorUserId } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; obligations: Array<{ kind: string; rungs: Array<{ rung: string; at: string }> }> };
  };
  const a = await designate(v1!);
  overdue = a.id;
  rectifying = (await designate(v2!)).id;
  // The sponsor in post files the plan (through the service, as the sponsor).
  await h.cases.submitPlan({ id: sponsor.id, name: '李某某（县人大副主任）', role: 'sponsor', jurisdictionCode: '522731' }, rectifying, {
    plan: { summary: '一村一策', issues: ['组织生活不正常'], measures: [{ measure: '每月主题党日', owner: '支部书记' }] },
  });
  // Past the overdue case's 黄牌 for its plan.
  const yellow = a.obligations.find((o) => o.kind === 'plan')!.rungs.find((r) => r.rung === 'township_office')!.at;
  await env.sleep(Date.parse(yellow) + 3600_000 - (await env.currentTimeMs()));
  await eventually('the yellow card', async () => {
    const rows = await h.db.sql`select 1 from escalations where case_id = ${overdue} and rung = 'township_office'`;
    return rows.length > 0;
  });
  skew = (await env.currentTimeMs()) - Date.now();
  // The second sponsor takes six villages of the neighbouring township: more to do than one page holds.
  for (const village of (await h.villageCodes('522731002')).slice(0, 6)) await designate(village, sponsor2.id);
}, 180_000);

afterAll(() => closeConsoleTest(browser, h, env));

test('the workbench lists the sponsor’s to-do, soonest first, with working days', async () => {
  const page = await signedInPage(browser, base, sponsor.username, PASSWORD);
  await page.waitForSelector('[data-test=todo-item]');
  const items = page.locator('[data-test=todo-item]');
  expect(await items.count()).toBeGreaterThanOrEqual(2);
  const text = (await page.textContent('[data-test=workbench-todo]')) ?? '';
  expect(text).toContain('整顿方案');
  expect(text).toMatch(/已超期 \d+ 个工作日|今天到期|剩 \d+ 个工作日/);
  expect(
    Number(await page.textContent('[data-test=light-count-red] .count')) +
      Number(await page.textContent('[data-test=light-count-yellow] .count')) +
      Number(await page.textContent('[data-test=light-count-green] .count')),
  ).toBe(2);
  // 本月月报: the rectifying case's period now running, by its month, with its due date and working days.
  const [current] = await h.db.sql<
    { key: string }[]
  >`select key from obligations where case_id = ${rectifying} and kind = 'monthly_report' order by key desc limit 1`;
  const report = await textOf(page, '[data-test=report-current]');
  expect(report).toContain(`${Number(current!.key.slice(5))}月月报`);
  expect(report).toMatch(/到期.*(剩 \d+ 个工作日|今天到期|已超期 \d+ 个工作日)/);
  await page.screenshot({ path: await screenshotPath('workbench-sponsor'), fullPage: true });
  await page.close();
});

test('the sponsor files a monthly report and sees it in the 12-month grid', async () => {
  const page = await signedInPage(browser, base, sponsor.username, PASSWORD);
  await page.goto(`${base}/cases/${rectifying}`);
  await page.waitForSelector('[data-test=report-grid]');
  const period = await page.inputValue('[data-test=report-form] input[name=period]');
  expect(period).toMatch(/^\d{4}-\d{2}$/);
  expect(await page.getAttribute(`[data-test=report-${period}]`, 'data-status')).toMatch(/due|overdue/);
  expect(await page.locator('[data-test=report-grid] > div').count()).toBe(12);
  await page.fill('[data-test=report-form] textarea[name=progress]', '召开党员大会，完成支委补选');
  await page.click('[data-test=report-submit]');
  await page.waitForFunction((p) => ['on_time', 'late'].includes(document.querySelector(`[data-test=report-${p}]`)?.getAttribute('data-status') ?? ''), period);
  await page.screenshot({ path: await screenshotPath('case-report-grid'), fullPage: true });
  // The workbench's 本月月报 now says this month's is filed.
  await page.goto(`${base}/`);
  await page.waitForSelector('[data-test=report-current][data-status=satisfied]');
  expect(await textOf(page, '[data-test=report-current]')).toContain(`${Number(period.slice(5))}月月报已提交`);
  expect(await page.locator('[data-test=report-earlier]').count()).toBe(0);
  await page.close();
});

test('a 延期 request: refused at the field, then asked; the org dept approves it and the old dates are struck through', async () => {
  const page = await signedInPage(browser, base, sponsor.username, PASSWORD);
  await page.goto(`${base}/cases/${rectifying}`);
  const form = '[data-test=clock-request-form]';
  await chooseOption(page, `${form} [data-test=field-obligationId] .el-select`);
  // No date: the server names newDueDate, and the message shows under that field.
  await page.fill(`${form} textarea[name=reason]`, '汛期抢险，村干部全员上堤');
  await page.click('[data-test=clock-request-form-submit]');
  await page.waitForSelector(`${form} .el-form-item.is-error`);
  expect(await page.textContent(`${form} .el-form-item.is-error .el-form-item__label`)).toBe('延期至');
  await page.fill(`${form} [data-test=field-newDueDate] input`, '2099-06-30');
  await page.keyboard.press('Enter');
  await page.click('[data-test=clock-request-form-submit]');
  await page.waitForFunction(() => document.querySelector('[data-test=clock-requests]')?.textContent?.includes('待审批'));
  await page.close();

  const orgPage = await signedInPage(browser, base, 'actions.county', PASSWORD);
  await orgPage.goto(`${base}/cases/${rectifying}`);
  await orgPage.click('[data-test^=clock-approve-]');
  await orgPage.waitForFunction(() => document.querySelector('[data-test=clock-requests]')?.textContent?.includes('已批准'));
  await orgPage.waitForSelector('[data-test=struck]');
  expect(await orgPage.locator('[data-test=struck]').count()).toBeGreaterThan(0);
  await orgPage.screenshot({ path: await screenshotPath('case-extension-approved'), fullPage: true });
  await orgPage.close();
});

test('the township office prints the 督办单 of a fired 黄牌, and the print is recorded', async () => {
  const page = await signedInPage(browser, base, township.username, PASSWORD);
  await page.goto(`${base}/cases/${overdue}`);
  await page.waitForSelector('[data-test=obligation-plan] [data-test=rung-township_office] [data-test=print-sheet]');
  const href = await page.getAttribute('[data-test=obligation-plan] [data-test=rung-township_office] [data-test=print-sheet]', 'href');
  await page.goto(`${base}${href}`);
  await page.waitForSelector('[data-test=sheet]');
  const sheet = (await page.textContent('[data-test=sheet]')) ?? '';
  expect(sheet).toContain('督办单');
  expect(sheet).toContain('整顿方案');
  expect(sheet).toContain('黄牌');
  await page.click('[data-test=print]');
  await page.waitForFunction(() => document.querySelector('[data-test=printed-by]')?.textContent?.includes('第 1 次打印'));
  expect(await page.textContent('[data-test=printed-by]')).toContain('某镇党委党建办');
  await page.emulateMedia({ media: 'print' });
  expect(await page.locator('[data-test=print]').isVisible()).toBe(false);
  await page.screenshot({ path: await screenshotPath('escalation-sheet-print'), fullPage: true });
  const rows = await h.db.sql<{ actor_label: string }[]>`select actor_label from audit_events where entity_type = 'escalation' and action = 'printed'`;
  expect(rows.map((r) => r.actor_label)).toEqual(['某镇党委党建办']);
  await page.close();
});

test('the org dept changes the sponsor from the case page', async () => {
  const page = await signedInPage(browser, base, 'actions.county', PASSWORD);
  await page.goto(`${base}/cases/${overdue}`);
  await page.click('[data-test=case-action-sponsor] button');
  await page.click('[data-test=case-action-form] .el-select');
  await page.click('.el-select-dropdown__item:has-text("赵某某")');
  await page.click('[data-test=case-action-submit]');
  await page.waitForSelector('[data-test=case-action-form] .el-form-item.is-error'); // the reason is required
  await page.fill('[data-test=case-action-form] textarea[name=reason]', '原包保领导工作调整');
  await page.click('[data-test=case-action-submit]');
  // The change, or the reason it was refused (shown in the dialog), whichever comes first.
  await page.waitForFunction(
    () =>
      document.querySelector('.facts')?.textContent?.includes('赵某某') ||
      document.querySelector('[data-test=case-action-form]')?.closest('.el-dialog')?.querySelector('.el-alert'),
    undefined,
    { timeout: 60_000 },
  );
  expect(await page.locator('.el-dialog .el-alert:visible').allTextContents()).toEqual([]);
  expect(await page.textContent('.facts')).toContain('赵某某');
  await page.screenshot({ path: await screenshotPath('case-sponsor-changed'), fullPage: true });
  await page.close();
});

test('the township office’s inbox names the village and the working days overdue, and filters by process and days', async () => {
  const page = await signedInPage(browser, base, township.username, PASSWORD);
  await page.click('[data-test="menu-/inbox"]');
  const yellow = page.locator('.item', { has: page.locator('[data-test=rung]', { hasText: '黄牌' }) }).filter({ hasText: '整顿方案' });
  await yellow.first().waitFor();
  const [plan] = await h.db.sql<{ due_date: string; village: string; township: string }[]>`
    select o.due_date::text as due_date, v.name as village, t.name as township
    from obligations o join rectification_cases c on c.id = o.case_id join divisions v on v.code = c.village_code join divisions t on t.code = c.township_code
    where o.case_id = ${overdue} and o.kind = 'plan'`;
  const days = signedWorkingDays(await h.calendarFor(overdueVillage), civilDate(serverNow()), plan!.due_date);
  expect(days).toBeLessThan(0);
  const about = ((await yellow.first().locator('[data-test=inbox-about]').textContent()) ?? '').replace(/\s+/g, ' ');
  expect(about).toContain(`${plan!.village} · ${plan!.township} · 已超期 ${-days} 个工作日（${shown(plan!.due_date)}到期）`);
  await page.screenshot({ path: await screenshotPath('inbox-named'), fullPage: true, animations: 'disabled' });

  // By process: no mentorship of this township has a notice; the cases' do.
  const chooseProcess = async (label: string) => {
    await page.click('[data-test=inbox-process]');
    await page.click(`.el-select-dropdown__item:visible:has-text("${label}")`);
  };
  await chooseProcess('帮带');
  await page.waitForURL(/process=mentorship/);
  await page.waitForSelector('text=没有符合条件的消息');
  await chooseProcess('整顿');
  await page.waitForURL(/process=case/);
  await yellow.first().waitFor();

  // By the days it arrived: the day of the yellow card keeps it, the days after do not.
  const [rung] = await h.db.sql<{ day: string }[]>`
    select (n.created_at at time zone 'Asia/Shanghai')::date::text as day from notifications n join escalations e on e.id = n.escalation_id
    where e.case_id = ${overdue} and e.rung = 'township_office' limit 1`;
  const pickDays = async (from: string, to: string) => {
    const inputs = page.locator('[data-test=inbox-days] input');
    await inputs.nth(0).click();
    await inputs.nth(0).fill(shown(from));
    await inputs.nth(1).fill(shown(to));
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`from=${from}&to=${to}`));
  };
  await pickDays(rung!.day, rung!.day);
  await yellow.first().waitFor();
  const after = (n: number) => new Date(Date.parse(`${rung!.day}T12:00:00+08:00`) + n * 86_400_000).toISOString().slice(0, 10);
  await pickDays(after(1), after(2));
  await page.waitForSelector('text=没有符合条件的消息');

  // At a phone's width the named card and the filters fit.
  await pickDays(rung!.day, rung!.day);
  await yellow.first().waitFor();
  await page.setViewportSize({ width: 375, height: 812 });
  await page.waitForTimeout(300);
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: await screenshotPath('inbox-named-375'), fullPage: true });
  await page.close();
});

test('the org dept restarts a deadline (重新计时) and moves the case to another policy; each refused at its field first', async () => {
  const policy = await app.inject({
    method: 'POST',
    url: '/api/v1/policies',
    headers: asOrg,
    payload: { name: '汛期调整', basedOn: 'defaults', changes: { reportDue: '10WD' } },
  });
  expect(policy.statusCode, policy.body).toBe(201);
  const planDue = async () => {
    const [row] = await h.db.sql<{ due_at: Date | string }[]>`select due_at from obligations where case_id = ${overdue} and kind = 'plan'`;
    return Date.parse(new Date(row!.due_at).toISOString());
  };
  const before = await planDue();

  // The overdue plan starts again from today: its full 15 working days.
  const page = await signedInPage(browser, base, 'actions.county', PASSWORD);
  await page.goto(`${base}/cases/${overdue}`);
  const form = '[data-test=case-action-form]';
  await clickUntil(page, '[data-test=case-action-interrupt] button', `${form} [data-test=interrupt-obligation]`);
  await chooseOption(page, `${form} [data-test=interrupt-obligation]`, '整顿方案');
  // No reason: the server names it, and the message shows under that field.
  await clickUntil(page, '[data-test=case-action-submit]', `${form} .el-form-item.is-error`);
  expect(await page.textContent(`${form} .el-form-item.is-error .el-form-item__label`)).toBe('理由');
  await page.locator(`${form} .el-form-item.is-error .el-form-item__error`).waitFor();
  expect(await page.textContent(`${form} .el-form-item.is-error .el-form-item__error`)).toContain('不能为空');
  await page.screenshot({ path: await screenshotPath('case-interrupt-error'), animations: 'disabled' });
  await page.fill(`${form} textarea[name=reason]`, '整顿方案重大调整，经县委组织部研究重新计时');
  await page.click('[data-test=case-action-submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('.el-timeline-item')].some((e) => e.textContent?.includes('重新计时')));
  expect(await planDue()).toBeGreaterThan(before);
  // The rungs not yet fired moved: their old dates are struck through.
  await page.waitForSelector('[data-test=obligation-plan] [data-test=struck]');
  await page.screenshot({ path: await screenshotPath('case-interrupted'), fullPage: true });
  await page.goto(`${base}/cases/${rectifying}`);
  await page.waitForSelector('[data-test=case-action-policy]');

  await clickUntil(page, '[data-test=case-action-policy] button', `${form} [data-test=policy-select]`);
  await clickUntil(page, '[data-test=case-action-submit]', `${form} .el-form-item.is-error`);
  expect(await page.textContent(`${form} .el-form-item.is-error .el-form-item__label`)).toBe('改用期限策略');
  await page.locator(`${form} .el-form-item.is-error .el-form-item__error`).waitFor();
  expect(await page.textContent(`${form} .el-form-item.is-error .el-form-item__error`)).toContain('请选择期限策略版本');
  await page.screenshot({ path: await screenshotPath('case-policy-error'), animations: 'disabled' });
  // The choice has landed in the select (a click during the dropdown's animation may not) before sending.
  await chooseOption(page, `${form} [data-test=policy-select]`, '汛期调整');
  await page.click('[data-test=case-action-submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('.el-timeline-item')].some((e) => e.textContent?.includes('改用期限策略')));
  const [stored] = await h.db.sql<{ policy_id: string }[]>`select policy_id from rectification_cases where id = ${rectifying}`;
  expect(stored!.policy_id).toBe(policy.json().id);
  await page.screenshot({ path: await screenshotPath('case-policy-changed'), fullPage: true });
  await page.close();

  // Only the org dept is offered either.
  const sponsorPage = await signedInPage(browser, base, sponsor.username, PASSWORD);
  await sponsorPage.goto(`${base}/cases/${rectifying}`);
  await sponsorPage.waitForSelector('[data-test=report-grid]');
  expect(await sponsorPage.locator('[data-test=case-action-interrupt], [data-test=case-action-policy]').count()).toBe(0);
  await sponsorPage.close();
});

test('the org dept pauses the clock: a banner says since when and why, 重新计时 waits; resumed, the banner goes', async () => {
  const page = await signedInPage(browser, base, 'actions.county', PASSWORD);
  await page.goto(`${base}/cases/${overdue}`);
  await page.click('[data-test=case-action-suspend] button');
  await page.fill('[data-test=case-action-form] textarea[name=reason]', '村两委换届选举期间');
  await page.click('[data-test=case-action-submit]');
  await page.waitForSelector('[data-test=clock-paused]');
  const [row] = await h.db.sql<
    { since: string }[]
  >`select (suspended_since at time zone 'Asia/Shanghai')::date::text as since from rectification_cases where id = ${overdue}`;
  const banner = await textOf(page, '[data-test=clock-paused]');
  expect(banner).toContain(`计时已暂停（自 ${shown(row!.since)}`);
  expect(banner).toContain('原因：村两委换届选举期间）');
  expect(await page.locator('[data-test=case-action-interrupt]').count()).toBe(0);
  expect(await page.locator('[data-test=case-action-resume]').count()).toBe(1);
  await page.screenshot({ path: await screenshotPath('case-paused'), fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.waitForTimeout(300);
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: await screenshotPath('case-paused-375'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.click('[data-test=case-action-resume] button');
  await page.fill('[data-test=case-action-form] textarea[name=reason]', '换届结束');
  await page.click('[data-test=case-action-submit]');
  await page.waitForSelector('[data-test=clock-paused]', { state: 'detached' });
  expect(await page.locator('[data-test=case-action-interrupt]').count()).toBe(1);
  await page.close();
});

test('the workbench shows the to-do list a page at a time', async () => {
  const [count] = await h.db.sql<{ n: number }[]>`
    select count(*)::int as n from obligations o join rectification_cases c on c.id = o.case_id
    where c.sponsor_user_id = ${sponsor2.id} and o.responsible = 'sponsor' and o.status = 'open'`;
  const n = count!.n;
  expect(n).toBeGreaterThan(10);
  const page = await signedInPage(browser, base, sponsor2.username, PASSWORD);
  await page.waitForSelector('[data-test=todo-pagination]');
  expect(await textOf(page, '[data-test=workbench-todo] .el-card__header')).toContain(`（${n}）`);
  const firstPage = await page.locator('[data-test=todo-item]').allTextContents();
  expect(firstPage).toHaveLength(10);
  await page.click('[data-test=todo-pagination] .el-pager li:has-text("2")');
  await page.waitForFunction((first) => document.querySelector('[data-test=todo-item]')?.textContent !== first, firstPage[0]);
  expect(await page.locator('[data-test=todo-item]').count()).toBe(Math.min(10, n - 10));
  await page.setViewportSize({ width: 375, height: 812 });
  await page.waitForTimeout(300);
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: await screenshotPath('workbench-todo-pages-375'), fullPage: true });
  await page.close();
});
