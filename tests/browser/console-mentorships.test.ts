/**
 * 1+1 帮带 in a real browser, against the real API, Temporal and Postgres: a township office sees
 * its township's pairs with mentee, village, township, mentor and next deadline and the coverage
 * per township; logs a check-in (an empty field is refused at the field first) and sees the month
 * turn "logged" in the strip; a neighbour township's mentorship URL says "not found"; the org
 * dept approves a proposed pair; a 延期 approved strikes the old dates through on the ladder.
 * Screenshots in .data/screenshots/.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { nextWorkingDayOnOrAfter } from '../../domain/calendar.js';
import {
  accountWithPassword,
  apiAs,
  chooseOption,
  closeConsoleTest,
  countyConsole,
  horizontalOverflow,
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
let officeB: TestUser;
let office: { id: string; username: string };
const PASSWORD = 'Mentor-2031-pass';
const ids = { proposed: '', active: '', neighbour: '' };
let villages: string[] = [];

let n = 0;
const person = (name: string, birthDate = '1994-03-01') => ({ name: `${name}${++n}`, gender: 'female', birthDate, education: 'bachelor', partyMember: true });

const api = (user: { token: string }, method: 'GET' | 'POST', url: string, payload?: unknown) => apiAs(app, user, method, url, payload);

beforeAll(async () => {
  ({ env, browser, h } = await startConsoleTest());
  ({ org, app, base } = await countyConsole(h, 'mentor', PASSWORD));
  const officeA = await h.addUser('township_office', '522731001', '甲镇党委');
  officeB = await h.addUser('township_office', '522731002', '乙镇党委');
  office = await accountWithPassword(
    app,
    org,
    { username: 'mentor.township', name: '甲镇党委党建办', role: 'township_office', jurisdictionCode: '522731001' },
    PASSWORD,
  );
  villages = await h.villageCodes('522731001');
  const propose = async (user: TestUser, villageCode: string, mentee: string, mentor: string) => {
    const res = await api(user, 'POST', '/api/v1/mentorships', { villageCode, mentee: person(mentee), mentor: person(mentor, '1978-05-05') });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  ids.proposed = await propose(officeA, villages[0]!, '新任支书', '乡镇副书记');
  ids.active = await propose(officeA, villages[1]!, '新任委员', '乡镇组织委员');
  expect((await api(org, 'POST', `/api/v1/mentorships/${ids.active}/approve`, { comment: '同意' })).status).toBe(200);
  ids.neighbour = await propose(officeB, (await h.villageCodes('522731002'))[0]!, '邻镇干部', '邻镇导师');
}, 180_000);

afterAll(() => closeConsoleTest(browser, h, env));

test('a township office sees its pairs and coverage, logs a check-in (a field error first) and sees it in the strip', async () => {
  const page = await signedInPage(browser, base, office.username, PASSWORD);
  await page.click('[data-test="menu-/mentorships"]');
  await page.waitForSelector('[data-test=mentorships-table] .el-table__row');
  expect(await page.locator('[data-test=mentorships-table] .el-table__row').count()).toBe(2);
  const [names] = await h.db.sql<
    { names: string[] }[]
  >`select array_agg(name order by code) as names from divisions where code = any(${[villages[0]!, villages[1]!, '522731001000']})`;
  const table = (await page.textContent('[data-test=mentorships-table]')) ?? '';
  for (const name of names!.names) expect(table).toContain(name);
  expect(table).toMatch(/乡镇副书记\d+/);
  expect(table).toContain('审核帮带结对'); // the proposed pair's next deadline
  expect(table).toContain('月度帮带记录'); // the active pair's
  expect(await page.locator('[data-test=mentorships-table] [data-test=working-days]').first().isVisible()).toBe(true);
  // Coverage: two new cadres in the township, one with an active mentor.
  await page.waitForSelector('[data-test=coverage-522731001000]');
  expect(await page.textContent('[data-test=coverage-522731001000]')).toContain('有在岗导师 1 / 新任村干部 2');
  expect(await page.textContent('[data-test=mentoring-coverage-total]')).toContain('50%');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: await screenshotPath('mentorships'), fullPage: true });

  await page.click('text=新任委员');
  await page.waitForSelector('[data-test=check-in-form]');
  const detail = (await api(org, 'GET', `/api/v1/mentorships/${ids.active}`)).body;
  const period = detail.obligations.find((o: { kind: string; status: string }) => o.kind === 'mentoring_check_in' && o.status === 'open').key as string;
  const cell = page.locator(`[data-test=check-in-strip] li[data-period="${period}"]`);
  expect(await cell.getAttribute('data-status')).toBe('due');
  expect(await page.locator('[data-test=check-in-strip] li').count()).toBe(12);

  // 帮带日期 chosen, 共同处理的事项 left empty: refused, and the message sits under that field.
  await page.fill('[data-test=check-in-form] [data-test="field-metOn"] input', `${period}-10`);
  await page.keyboard.press('Enter');
  await page.click('[data-test=check-in-form] .el-card__header');
  await page.click('[data-test=check-in-form-submit]');
  await page.waitForSelector('[data-test=check-in-form] .el-form-item.is-error');
  expect(await page.locator('[data-test=check-in-form] .el-form-item.is-error textarea').getAttribute('name')).toBe('handled');
  // The message itself, in Chinese, before the screenshot (it appears after the field turns red).
  await page.locator('[data-test=check-in-form] .el-form-item.is-error .el-form-item__error').waitFor();
  expect(await page.textContent('[data-test=check-in-form] .el-form-item.is-error .el-form-item__error')).toContain('必填');
  await page.screenshot({ path: await screenshotPath('mentorship-check-in-error'), fullPage: true, animations: 'disabled' });

  await page.fill('[data-test=check-in-form] textarea[name=handled]', '共同召开村民代表大会，商议产业路修建');
  await page.fill('[data-test=check-in-form] textarea[name=problems]', '议事程序不熟');
  await page.click('[data-test=check-in-form-submit]');
  await page.waitForFunction(
    (p) => document.querySelector(`[data-test=check-in-strip] li[data-period="${p}"]`)?.getAttribute('data-status') === 'logged',
    period,
  );
  expect(await page.textContent('[data-test=check-ins]')).toContain('共同召开村民代表大会');
  const stored = (await api(org, 'GET', `/api/v1/mentorships/${ids.active}`)).body;
  expect(stored.checkIns).toMatchObject([{ period, metOn: `${period}-10`, handled: '共同召开村民代表大会，商议产业路修建', loggedBy: office.id }]);
  expect(await page.textContent('[data-test=mentor-history]')).toMatch(/乡镇组织委员\d+/);
  await page.screenshot({ path: await screenshotPath('mentorship-detail'), fullPage: true });

  await page.goto(`${base}/mentorships/${ids.neighbour}`);
  await page.waitForSelector('[data-test=mentorship-not-found]');
  expect(await page.textContent('[data-test=mentorship-not-found]')).toContain('未找到');
  await page.goto(`${base}/mentorships/not-a-uuid`);
  await page.waitForSelector('[data-test=mentorship-not-found]');

  expect(await overflowAtPhoneWidth(page, `${base}/mentorships/${ids.active}`, '[data-test=check-in-strip]', 'mentorship-detail-375')).toBeLessThanOrEqual(0);
  await page.close();
});

test('the org dept approves a proposed pair from its page and the pair starts', async () => {
  const page = await signedInPage(browser, base, 'mentor.county', PASSWORD);
  await page.goto(`${base}/mentorships`);
  await page.waitForSelector('[data-test=mentorships-table] .el-table__row');
  expect(await page.locator('[data-test=mentorships-table] .el-table__row').count()).toBe(3); // both townships of the county
  await page.goto(`${base}/mentorships/${ids.proposed}`);
  await page.waitForSelector('[data-test=approve-form]');
  expect(await page.textContent('[data-test=mentorship-state]')).toBe('待审核');
  expect(await page.locator('[data-test=check-in-form]').count()).toBe(0); // the org dept does not log check-ins
  await page.fill('[data-test=approve-form] textarea[name=comment]', '结对合理，同意');
  await page.click('[data-test=approve-form-submit]');
  await page.waitForSelector('[data-test=approve-form]', { state: 'detached' });
  expect(await page.textContent('[data-test=mentorship-state]')).toBe('帮带中');
  expect(await page.textContent('.el-timeline')).toContain('审核通过，帮带开始');
  const stored = (await api(org, 'GET', `/api/v1/mentorships/${ids.proposed}`)).body;
  expect(stored.state).toBe('active');
  await page.screenshot({ path: await screenshotPath('mentorship-approved'), fullPage: true });
  await page.close();
});

test('the township office proposes a pair from the list: missing fields are named at the fields, then the pair appears', async () => {
  const page = await signedInPage(browser, base, office.username, PASSWORD);
  await page.goto(`${base}/mentorships`);
  await page.waitForSelector('[data-test=mentorships-table] .el-table__row');
  await page.click('[data-test=propose-open]');
  await page.waitForSelector('[data-test=propose-dialog]', { state: 'visible' });
  await page.click('[data-test=propose-form-submit]');
  await page.waitForSelector('[data-test=propose-form] .el-form-item.is-error');
  const labels = await page.locator('[data-test=propose-form] .el-form-item.is-error .el-form-item__label').allTextContents();
  expect(labels).toEqual(expect.arrayContaining(['被帮带人所在村', '被帮带人姓名']));
  await page.screenshot({ path: await screenshotPath('mentorship-propose-errors') });

  await page.click('[data-test=propose-form] [data-test=field-villageCode] .el-cascader');
  // A township office's villages are the cascader's first level (the list's own filter has a cascader too).
  await page.locator('.el-cascader__dropdown:visible .el-cascader-node').nth(2).click();
  await page.fill('[data-test=propose-form] input[name="mentee.name"]', '新任妇女主任');
  await page.fill('[data-test=propose-form] input[name="mentor.name"]', '乡镇宣传委员');
  await page.click('[data-test=propose-form-submit]');
  await page.waitForSelector('[data-test=propose-dialog]', { state: 'hidden' });
  await page.waitForFunction(() => document.querySelectorAll('[data-test=mentorships-table] .el-table__row').length === 3);
  expect(await page.textContent('[data-test=mentorships-table]')).toContain('新任妇女主任');
  await page.close();
});

test('the township office records that a mentor left (from 其他操作): the post is vacant and the history keeps the mentor', async () => {
  const page = await signedInPage(browser, base, office.username, PASSWORD);
  await page.goto(`${base}/mentorships/${ids.active}`);
  await page.waitForSelector('[data-test=more-commands]');
  await page.click('[data-test=open-mentor-form] .el-collapse-item__header');
  await page.waitForSelector('[data-test=mentor-form]', { state: 'visible' });
  await page.click('[data-test=mentor-form] [data-test=field-action] .el-radio:has-text("原导师调离")');
  expect(await page.locator('[data-test=mentor-form] input[name="mentor.name"]').count()).toBe(0);
  await page.fill('[data-test=mentor-form] textarea[name=reason]', '导师调任县直单位');
  await page.click('[data-test=mentor-form-submit]');
  await page.waitForFunction(() => document.querySelector('[data-test=mentorship-state]')?.textContent === '导师空缺');
  expect(await page.textContent('[data-test=mentorship-mentor]')).toBe('待明确');
  expect(await page.textContent('[data-test=mentor-history]')).toContain('导师调任县直单位');
  const stored = (await api(org, 'GET', `/api/v1/mentorships/${ids.active}`)).body;
  expect([stored.state, stored.mentorPersonId, stored.mentorHistory.length]).toEqual(['mentor_vacant', null, 1]);
  // The month already logged stays logged across the vacancy.
  expect(await page.locator('[data-test=check-in-strip] li[data-status=logged]').count()).toBe(1);
  await page.screenshot({ path: await screenshotPath('mentorship-vacant'), fullPage: true });
  await page.close();
});

test('延期: the township office asks for more time to name the mentor, the org dept approves, the deadline moves', async () => {
  const before = (await api(org, 'GET', `/api/v1/mentorships/${ids.active}`)).body; // vacant since the test above
  const assignment = before.obligations.find((o: { kind: string; status: string }) => o.kind === 'mentor_assignment' && o.status === 'open');
  expect(assignment).toBeDefined();
  // A working day on the village's calendar (a date on a rest day would move to the next working day).
  const later = nextWorkingDayOnOrAfter(await h.calendarFor(villages[1]!), DateTime.fromISO(assignment.dueDate).plus({ days: 20 }).toISODate()!).date;

  const page = await signedInPage(browser, base, office.username, PASSWORD);
  await page.goto(`${base}/mentorships/${ids.active}`);
  await page.waitForSelector('[data-test=more-commands]');
  await page.click('[data-test=open-clock-form] .el-collapse-item__header');
  await page.waitForSelector('[data-test=clock-request-form]', { state: 'visible' });
  await chooseOption(page, '[data-test=clock-request-form] [data-test=field-obligationId] .el-select', '明确帮带导师');
  await page.fill('[data-test=clock-request-form] [data-test=field-newDueDate] input', later);
  await page.keyboard.press('Enter');
  await page.fill('[data-test=clock-request-form] textarea[name=reason]', '乡镇班子调整，待县委研究');
  await page.click('[data-test=clock-request-form-submit]');
  await page.waitForSelector('[data-test=clock-requests]');
  expect(await page.textContent('[data-test=clock-requests]')).toContain('待审批');
  await page.close();

  const orgPage = await signedInPage(browser, base, 'mentor.county', PASSWORD);
  await orgPage.goto(`${base}/mentorships/${ids.active}`);
  await orgPage.waitForSelector('[data-test=more-commands]');
  await orgPage.click('[data-test=open-clock-form] .el-collapse-item__header');
  const requestId = (await api(org, 'GET', `/api/v1/mentorships/${ids.active}`)).body.clockRequests.at(-1).id as string;
  await orgPage.click(`[data-test="clock-approve-${requestId}"]`);
  await orgPage.waitForFunction(() => document.querySelector('[data-test=clock-requests]')?.textContent?.includes('已批准'));
  const after = (await api(org, 'GET', `/api/v1/mentorships/${ids.active}`)).body;
  expect(after.obligations.find((o: { id: string }) => o.id === assignment.id).dueDate).toBe(later);
  expect(await orgPage.textContent('[data-test=obligation-mentor_assignment]')).toContain(
    `${DateTime.fromISO(later).year}年${DateTime.fromISO(later).month}月${DateTime.fromISO(later).day}日`,
  );
  // Its ladder strikes the dates the 延期 replaced through, as the case page does.
  await orgPage.waitForSelector('[data-test=obligation-mentor_assignment] [data-test=struck]');
  await orgPage.screenshot({ path: await screenshotPath('mentorship-extension'), fullPage: true });
  await orgPage.close();
});
