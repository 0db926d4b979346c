/**
 * 统计分析 in a real browser, against the real API, Temporal and Postgres: the org dept of a county
 * with four cases designated through the API (one taken through plan, acceptance and review to
 * 销号, one cancelled) sees the figures the API answers, the charts drawn (a canvas each, the KM
 * curve among them), drills county → township → village by the light counts and back by the
 * breadcrumb, opens the village's case, and downloads the workbook (an xlsx: a zip, "PK").
 * Screenshots in .data/screenshots/.
 */
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { accountWithPassword, horizontalOverflow, launchBrowser, recordCspViolations, screenshotPath, serveConsole, signInAt } from '../support/browser.js';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let browser: Browser;
/** What the content security policy refused on any page (api/plugins/security-headers.ts): none. */
let cspViolations: string[] = [];
let app: FastifyInstance;
let base: string;
let org: TestUser;
let sponsor: TestUser;
const PASSWORD = 'Stats-2031-pass';
let villagesA: string[] = [];
const caseIds: string[] = [];

async function call(user: TestUser, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await app.inject({ method, url, payload: payload as never, headers: { authorization: `Bearer ${user.token}`, 'idempotency-key': randomUUID() } });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

beforeAll(async () => {
  [env, browser] = await Promise.all([startTimeSkippingEnv(), launchBrowser()]);
  cspViolations = recordCspViolations(browser);
  h = await startHarness({ env });
  const prefecture = await h.addUser('org_dept', '5227', '黔南州委组织部');
  org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  sponsor = await h.addUser('sponsor', '522731', '包保领导');
  ({ app, base } = await serveConsole(h));
  await accountWithPassword(
    app,
    prefecture,
    { username: 'stats.county', name: '惠水县委组织部基层组织科', role: 'org_dept', jurisdictionCode: '522731' },
    PASSWORD,
  );
  villagesA = await h.villageCodes('522731001');
  const [villageB] = await h.villageCodes('522731002');
  for (const villageCode of [villagesA[0]!, villagesA[1]!, villagesA[2]!, villageB!]) {
    const res = await call(org, 'POST', '/api/v1/cases', { villageCode, reasons: ['poor_service'], sponsorUserId: sponsor.id });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    caseIds.push(res.body.id);
  }
  // A[1]: plan → acceptance → passed review → 销号 (the workflow's own path).
  const id = caseIds[1]!;
  expect(
    (
      await call(sponsor, 'POST', `/api/v1/cases/${id}/plan`, {
        summary: '一村一策',
        issues: ['组织生活不正常'],
        measures: [{ measure: '每月主题党日', owner: '村支书' }],
      })
    ).status,
  ).toBe(200);
  expect((await call(sponsor, 'POST', `/api/v1/cases/${id}/acceptance-requests`, { summary: '班子配齐' })).status).toBe(200);
  const reviewed = await call(org, 'POST', `/api/v1/cases/${id}/acceptance-reviews`, { score: 88, representativesTotal: 20, representativesDissatisfied: 1 });
  expect(reviewed.status, JSON.stringify(reviewed.body)).toBe(200);
  expect(['delisted', 'follow_up']).toContain(reviewed.body.state);
  // A[2] cancelled (村撤并): out of the conversion base, censored in the curve.
  expect((await call(org, 'POST', `/api/v1/cases/${caseIds[2]}/cancel`, { reason: '村撤并' })).status).toBe(200);
  // A[0] red, as its 红牌 would make it (the ladder's timing is tested in tests/workflows/).
  await h.db.sql`update rectification_cases set rag = 'red' where id = ${caseIds[0]!}`;
}, 180_000);

afterEach(() => {
  expect(cspViolations, 'content security policy violations').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await env?.teardown();
});

const percent = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

test('the org dept sees the figures the API answers and the charts drawn', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signInAt(page, base, 'stats.county', PASSWORD);
  await page.click('[data-test="menu-/stats"]');
  await page.waitForSelector('[data-test=drill-table] .el-table__row');
  await page.waitForSelector('[data-test=chart-survival] canvas');

  const conversion = await call(org, 'GET', '/api/v1/stats/conversion?division=522731');
  const totals = conversion.body.totals as Array<{ designated: number; cancelled: number; delisted: number }>;
  const baseCount = totals.reduce((n, r) => n + r.designated - r.cancelled, 0);
  const delisted = totals.reduce((n, r) => n + r.delisted, 0);
  expect([baseCount, delisted]).toEqual([3, 1]); // 4 designated − 1 cancelled; 1 delisted
  expect(await page.textContent('[data-test=figure-conversion]')).toBe(percent(delisted / baseCount));
  const survival = await call(org, 'GET', '/api/v1/stats/time-to-delisting?division=522731');
  expect(survival.body.overall).toMatchObject({ cases: 4, delisted: 1, censored: 3 });
  const median = survival.body.overall.medianDays as number | null;
  expect(await page.textContent('[data-test=figure-median]')).toBe(median === null ? '未达到' : `${median} 天`);
  const escalations = await call(org, 'GET', '/api/v1/stats/escalations?division=522731');
  expect(await page.textContent('[data-test=figure-escalations]')).toBe(String(escalations.body.totals.total));
  for (const chart of ['conversion', 'survival', 'overdue', 'timeliness', 'escalations']) {
    expect([chart, await page.locator(`[data-test=chart-${chart}] canvas`).count()]).toEqual([chart, 1]);
  }
  expect(await page.textContent('[data-test=structure-table]')).toContain('合计');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.waitForTimeout(1200); // ECharts' grow-in animation (1 s): the screenshot shows the drawn bars
  await page.screenshot({ path: await screenshotPath('stats'), fullPage: true });
  await page.close();
});

test('drill-down county → township → village by the lights, the case opens, the breadcrumb goes back', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signInAt(page, base, 'stats.county', PASSWORD);
  await page.goto(`${base}/stats`);
  await page.waitForSelector('[data-test=drill-table] .el-table__row');
  expect(await page.textContent('[data-test=crumb-current]')).toBe('惠水县');
  const county = await call(org, 'GET', '/api/v1/divisions/522731/lights');
  const a = county.body.children.find((c: { code: string }) => c.code === '522731001000');
  expect(a.cases).toMatchObject({ red: 1, yellow: 0, green: 1 }); // A[0] red; A[1] in 回头看 (open); A[2] cancelled
  const row = page.locator('[data-test=drill-table] .el-table__row', { has: page.locator('[data-test=drill-522731001000]') });
  expect(await row.locator('[data-test=light-counts]').first().locator('[data-test=count-red]').textContent()).toContain(String(a.cases.red));
  expect(await row.locator('[data-test=light-counts]').first().locator('[data-test=count-green]').textContent()).toContain(String(a.cases.green));

  await page.click('[data-test=drill-522731001000]');
  await page.waitForFunction((name) => document.querySelector('[data-test=crumb-current]')?.textContent === name, a.name);
  await page.waitForSelector(`[data-test=drill-${villagesA[0]}]`);
  const township = await call(org, 'GET', '/api/v1/divisions/522731001/lights');
  const v0 = township.body.children.find((c: { code: string }) => c.code === villagesA[0]);
  expect(v0.cases).toMatchObject({ red: 1, total: 1 });
  const villageRow = page.locator('[data-test=drill-table] .el-table__row', { has: page.locator(`[data-test=drill-${villagesA[0]}]`) });
  expect(await villageRow.locator('[data-test=count-red]').first().textContent()).toContain('1');
  await page.screenshot({ path: await screenshotPath('stats-township'), fullPage: true });

  await page.click(`[data-test=drill-${villagesA[0]}]`);
  await page.waitForSelector('[data-test=village-cases] [data-test=village-case-link]');
  expect(await page.textContent('[data-test=crumb-current]')).toBe(v0.name);
  expect(await page.textContent('[data-test=stats-division]')).toBe(v0.name);
  await page.screenshot({ path: await screenshotPath('stats-village'), fullPage: true });

  // Back to the county by the breadcrumb.
  await page.click('[data-test=crumb-522731000000]');
  await page.waitForFunction(() => document.querySelector('[data-test=crumb-current]')?.textContent === '惠水县');
  await page.waitForSelector('[data-test=drill-522731001000]');

  // Down again and into the case.
  await page.click('[data-test=drill-522731001000]');
  await page.click(`[data-test=drill-${villagesA[0]}]`);
  await page.click('[data-test=village-case-link]');
  await page.waitForSelector('[data-test=case-title]');
  expect(page.url()).toContain(`/cases/${caseIds[0]}`);
  await page.close();
});

test('the workbook downloads as a non-empty xlsx', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  await signInAt(page, base, 'stats.county', PASSWORD);
  await page.goto(`${base}/stats`);
  await page.waitForSelector('[data-test=drill-table] .el-table__row');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=export-stats]')]);
  expect(download.suggestedFilename()).toMatch(/^统计-惠水县-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const bytes = await readFile((await download.path())!);
  expect(bytes.length).toBeGreaterThan(1000);
  expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
  await page.close();
});
