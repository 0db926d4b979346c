/**
 * 后备力量 in a real browser, against the real API, Temporal and Postgres: a township office sees
 * the pipeline funnel, the villages with fewer than 2 in the pool and since when, its candidates
 * with the over-35 warning; starts a pooled candidate's training (an empty field refused at the
 * field first) and files a training record; a neighbour township's candidate URL says "not found".
 * The org dept runs qualification, inspection and publicity through the forms. Screenshots in
 * .data/screenshots/.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import {
  accountWithPassword,
  apiAs,
  closeConsoleTest,
  countyConsole,
  horizontalOverflow,
  overflowAtPhoneWidth,
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
let office: { id: string; username: string };
const PASSWORD = 'Reserve-2031-pass';
const ids = { nominated: '', pooled: '', older: '', neighbour: '' };
let villages: string[] = [];

let n = 0;
const person = (name: string, birthDate = '1996-08-01') => ({ name: `${name}${++n}`, gender: 'male', birthDate, education: 'associate', partyMember: true });

const api = (user: { token: string }, method: 'GET' | 'POST', url: string, payload?: unknown) => apiAs(app, user, method, url, payload);

beforeAll(async () => {
  ({ env, browser, h } = await startConsoleTest());
  ({ org, app, base } = await countyConsole(h, 'reserve', PASSWORD));
  const officeA = await h.addUser('township_office', '522731001', '甲镇党委');
  const officeB = await h.addUser('township_office', '522731002', '乙镇党委');
  office = await accountWithPassword(
    app,
    org,
    { username: 'reserve.township', name: '甲镇党委党建办', role: 'township_office', jurisdictionCode: '522731001' },
    PASSWORD,
  );
  villages = await h.villageCodes('522731001');
  const nominate = async (user: TestUser, villageCode: string, p: ReturnType<typeof person>) => {
    const res = await api(user, 'POST', '/api/v1/reserves', { villageCode, person: p, source: 'returnee' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  ids.nominated = await nominate(officeA, villages[0]!, person('回引人才'));
  ids.pooled = await nominate(officeA, villages[1]!, person('致富能手'));
  // 40 years old today (whatever today is): accepted with the over-35 warning.
  ids.older = await nominate(officeA, villages[2]!, person('老党员', DateTime.now().setZone('Asia/Shanghai').minus({ years: 40, months: 2 }).toISODate()!));
  ids.neighbour = await nominate(officeB, (await h.villageCodes('522731002'))[0]!, person('邻镇人选'));
  // One candidate into the pool: the township's coverage is evaluated, and its villages short of 2 get alerts.
  for (const [step, payload] of [
    ['qualification', { passed: true, comment: '符合条件' }],
    ['inspection', { passed: true, comment: '考察合格' }],
    ['publicity', {}],
  ] as const) {
    expect((await api(org, 'POST', `/api/v1/reserves/${ids.pooled}/${step}`, payload)).status).toBe(200);
  }
  const publicized = (await api(org, 'GET', `/api/v1/reserves/${ids.pooled}`)).body;
  await env.sleep(Date.parse(publicized.publicityEndsAt) + 60_000 - (await env.currentTimeMs()));
  await eventually('the candidate in the pool', async () => (await api(org, 'GET', `/api/v1/reserves/${ids.pooled}`)).body.state === 'in_pool');
  await eventually(
    'an alert for each village of the township',
    async () =>
      (await h.db.sql<{ n: number }[]>`select count(*)::int as n from reserve_coverage_alerts where village_code like '522731001%' and cleared_at is null`)[0]!
        .n === villages.length,
  );
}, 180_000);

afterAll(() => closeConsoleTest(browser, h, env));

test('a township office sees the funnel, the coverage alerts and the over-35 warning; starts training and files a record', async () => {
  const page = await signedInPage(browser, base, office.username, PASSWORD);
  await page.click('[data-test="menu-/reserves"]');
  await page.waitForSelector('[data-test=reserves-table] .el-table__row');
  expect(await page.locator('[data-test=reserves-table] .el-table__row').count()).toBe(3);
  const table = (await page.textContent('[data-test=reserves-table]')) ?? '';
  const [names] = await h.db.sql<{ names: string[] }[]>`select array_agg(name order by code) as names from divisions where code = any(${villages.slice(0, 3)})`;
  for (const name of names!.names) expect(table).toContain(name);
  expect(table).toContain('后备力量资格审查'); // a nominee's next deadline
  expect(await page.locator('[data-test=reserves-table] [data-test=over-35]').count()).toBe(1);
  expect(await page.locator('[data-test=reserves-table] [data-test=working-days]').first().isVisible()).toBe(true);

  // The funnel: drawn (a canvas) and counted by state.
  await page.waitForSelector('[data-test=reserve-funnel] canvas');
  expect(await page.textContent('[data-test=funnel-counts] [data-state=nominated]')).toContain('2');
  expect(await page.textContent('[data-test=funnel-counts] [data-state=in_pool]')).toContain('1');
  // Every village of the township is short of 2; each alert says since when.
  const alerts = page.locator('[data-test=coverage-alerts] .el-table__row');
  expect(await alerts.count()).toBe(villages.length);
  const [alert] = await h.db.sql<
    { raised_at: Date }[]
  >`select raised_at from reserve_coverage_alerts where village_code = ${villages[1]!} and cleared_at is null`;
  const raisedOn = DateTime.fromJSDate(new Date(alert!.raised_at)).setZone('Asia/Shanghai');
  expect(await page.textContent('[data-test=coverage-alerts]')).toContain(`${raisedOn.year}年${raisedOn.month}月${raisedOn.day}日`);
  expect(await page.textContent('[data-test=coverage-summary]')).toContain(`${villages.length} 个村中 0 个村在库≥2人`);
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: await screenshotPath('reserves'), fullPage: true });

  await page.goto(`${base}/reserves/${ids.older}`);
  await page.waitForSelector('[data-test=age-warning]');
  expect(await page.textContent('[data-test=age-warning]')).toContain('超过35岁');
  await page.screenshot({ path: await screenshotPath('reserve-over-35'), fullPage: true });

  await page.goto(`${base}/reserves/${ids.pooled}`);
  await page.waitForSelector('[data-test=training-form]');
  expect(await page.textContent('[data-test=reserve-state]')).toBe('已入库');
  await page.click('[data-test=training-form-submit]');
  await page.waitForSelector('[data-test=training-form] .el-form-item.is-error');
  expect(await page.locator('[data-test=training-form] .el-form-item.is-error textarea').getAttribute('name')).toBe('arrangement');
  await page.screenshot({ path: await screenshotPath('reserve-training-error'), fullPage: true, animations: 'disabled' });
  await page.fill('[data-test=training-form] textarea[name=arrangement]', '在村委会跟岗，协助村支书处理日常事务');
  await page.click('[data-test=training-form-submit]');
  await page.waitForSelector('[data-test=record-form]');
  expect(await page.textContent('[data-test=reserve-state]')).toBe('跟岗实训');

  await page.fill('[data-test=record-form] textarea[name=summary]', '第一季度跟岗：参与村集体经济合作社账目整理');
  await page.click('[data-test=record-form-submit]');
  await page.waitForFunction(() => document.querySelector('[data-test=training-records]')?.textContent?.includes('参与村集体经济合作社账目整理'));
  expect(await page.textContent('[data-test=training-records]')).toContain('季度书面报告（Q1）');
  const stored = (await api(org, 'GET', `/api/v1/reserves/${ids.pooled}`)).body;
  expect(stored.state).toBe('in_training');
  expect(stored.records.find((r: { kind: string }) => r.kind === 'written_report')).toMatchObject({ key: 'Q1', submittedBy: office.id });
  await page.screenshot({ path: await screenshotPath('reserve-detail'), fullPage: true });

  await page.goto(`${base}/reserves/${ids.neighbour}`);
  await page.waitForSelector('[data-test=reserve-not-found]');
  expect(await page.textContent('[data-test=reserve-not-found]')).toContain('未找到');

  expect(await overflowAtPhoneWidth(page, `${base}/reserves`, '[data-test=reserve-funnel] canvas', 'reserves-375')).toBeLessThanOrEqual(0);
  await page.close();
});

test('the org dept qualifies, inspects and publicizes a nominee through the forms', async () => {
  const page = await signedInPage(browser, base, 'reserve.county', PASSWORD);
  await page.goto(`${base}/reserves`);
  await page.waitForSelector('[data-test=reserves-table] .el-table__row');
  expect(await page.locator('[data-test=reserves-table] .el-table__row').count()).toBe(4); // both townships
  await page.goto(`${base}/reserves/${ids.nominated}`);
  await page.waitForSelector('[data-test=qualify-form]');
  expect(await page.locator('[data-test=record-form], [data-test=training-form]').count()).toBe(0);

  await page.fill('[data-test=qualify-form] textarea[name=comment]', '政治素质好，符合条件');
  await page.click('[data-test=qualify-form-submit]');
  await page.waitForSelector('[data-test=inspect-form]');
  expect(await page.textContent('[data-test=reserve-state]')).toBe('资格审查通过（待考察）');

  await page.fill('[data-test=inspect-form] textarea[name=comment]', '群众公认，考察合格');
  await page.click('[data-test=inspect-form-submit]');
  await page.waitForSelector('[data-test=publicize-form]');
  expect(await page.textContent('[data-test=reserve-state]')).toBe('已考察（待公示）');

  await page.click('[data-test=publicize-form-submit]');
  await page.waitForSelector('[data-test=publicize-form]', { state: 'detached' });
  expect(await page.textContent('[data-test=reserve-state]')).toBe('公示中');
  expect(await page.textContent('[data-test=reserve-reviews]')).toContain('考察合格');
  const stored = (await api(org, 'GET', `/api/v1/reserves/${ids.nominated}`)).body;
  expect(stored.state).toBe('publicized');
  expect(stored.records.map((r: { kind: string }) => r.kind)).toEqual(['qualification', 'inspection', 'publicity']);
  await page.screenshot({ path: await screenshotPath('reserve-publicized'), fullPage: true });
  await page.close();
});

test('the org dept takes the older nominee out of the pipeline (from 其他操作) and the funnel counts it as left', async () => {
  const page = await signedInPage(browser, base, 'reserve.county', PASSWORD);
  await page.goto(`${base}/reserves/${ids.older}`);
  await page.waitForSelector('[data-test=more-commands]');
  await page.click('[data-test=open-exit-form] .el-collapse-item__header');
  await page.waitForSelector('[data-test=exit-form]', { state: 'visible' });
  // No reason: refused at the field. A click that lands while the panel is still unfolding (its
  // transition, on a loaded machine) does not reach the button: click again until the field says so.
  for (let attempt = 0; ; attempt++) {
    await page.click('[data-test=exit-form-submit]');
    const refused = await page.waitForSelector('[data-test=exit-form] .el-form-item.is-error', { timeout: 5_000 }).then(
      () => true,
      () => false,
    );
    if (refused) break;
    if (attempt === 3) throw new Error('the exit form never showed the missing reason at its field');
  }
  expect(await page.locator('[data-test=exit-form] .el-form-item.is-error textarea').getAttribute('name')).toBe('reason');
  await page.fill('[data-test=exit-form] textarea[name=reason]', '本人申请退出');
  await page.click('[data-test=exit-form-submit]');
  await page.waitForFunction(() => document.querySelector('[data-test=reserve-state]')?.textContent === '已出库');
  expect(await page.locator('[data-test=more-commands]').count()).toBe(0); // nothing left to do
  await page.goto(`${base}/reserves`);
  await page.waitForSelector('[data-test=funnel-counts] [data-state=exited]');
  await page.waitForFunction(() => document.querySelector('[data-test=funnel-counts] [data-state=exited] strong')?.textContent === '1');
  expect((await api(org, 'GET', `/api/v1/reserves/${ids.older}`)).body).toMatchObject({ state: 'exited', exitReason: '本人申请退出' });
  await page.close();
});
