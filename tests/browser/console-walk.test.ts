/**
 * Every page of every role, in a real browser against the real API, Temporal and Postgres: each
 * role signs in, walks its whole menu (each page renders its own content, no "not found", no
 * script error, no failed API call), sees only its menu, and the three pages county leaders open
 * on their phones (工作台, 督办收件箱, 案件详情) fit 375 × 812 without horizontal scrolling. A link
 * to a case opened before signing in (as from a delivered reminder) lands on that case after login.
 * Screenshots of each page per role in .data/screenshots/walk-<role>-<page>.png.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
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
let caseId: string;
const PASSWORD = 'Walk-2031-pass';

type Role = 'sponsor' | 'township_office' | 'org_dept';
const MENUS: Record<Role, string[]> = {
  sponsor: ['/', '/inbox', '/cases', '/settings'],
  township_office: ['/', '/inbox', '/cases', '/mentorships', '/reserves', '/screening', '/imports', '/delivery', '/settings'],
  org_dept: ['/', '/inbox', '/cases', '/mentorships', '/reserves', '/screening', '/stats', '/imports', '/delivery', '/settings'],
};
const ALL_PAGES = ['/', '/inbox', '/cases', '/mentorships', '/reserves', '/screening', '/stats', '/imports', '/delivery', '/settings'];
const USERNAMES: Record<Role, string> = { sponsor: 'walk.sponsor', township_office: 'walk.township', org_dept: 'walk.county' };

beforeAll(async () => {
  [env, browser] = await Promise.all([startTimeSkippingEnv(), launchBrowser()]);
  h = await startHarness({ env });
  const prefecture = await h.addUser('org_dept', '5227', '黔南州委组织部');
  const org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  ({ app, base } = await serveConsole(h));
  await accountWithPassword(
    app,
    prefecture,
    { username: USERNAMES.org_dept, name: '惠水县委组织部基层组织科', role: 'org_dept', jurisdictionCode: '522731' },
    PASSWORD,
  );
  const sponsor = await accountWithPassword(
    app,
    org,
    { username: USERNAMES.sponsor, name: '周某某（县委常委）', role: 'sponsor', jurisdictionCode: '522731' },
    PASSWORD,
  );
  await accountWithPassword(
    app,
    org,
    { username: USERNAMES.township_office, name: '某镇党委党建办', role: 'township_office', jurisdictionCode: '522731001' },
    PASSWORD,
  );
  const [village] = await h.villageCodes('522731001');
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    headers: { authorization: `Bearer ${org.token}` },
    payload: { villageCode: village, reasons: ['poor_service'], sponsorUserId: sponsor.id },
  });
  expect(res.statusCode, res.body).toBe(201);
  caseId = res.json().id;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await env?.teardown();
});

/** A page that records script errors and failed API calls (4xx/5xx) while it is used. */
async function watchedPage(width: number, height: number): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  page.on('response', (r) => {
    // Before signing in, the console asks whether a session exists: that 401 is the expected answer.
    const signedOut = r.status() === 401 && new URL(r.url()).pathname === '/api/v1/auth/session';
    if (r.url().includes('/api/') && r.status() >= 400 && !signedOut) problems.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  return { page, problems };
}

const slug = (path: string) => (path === '/' ? 'workbench' : path.slice(1).replaceAll('/', '-'));

describe.each(['sponsor', 'township_office', 'org_dept'] as const)('%s', (role) => {
  test('sees exactly its menu and every page of it renders', async () => {
    const { page, problems } = await watchedPage(1280, 900);
    await signInAt(page, base, USERNAMES[role], PASSWORD);
    const menu = await page.locator('nav.menu a').evaluateAll((links) => links.map((a) => a.getAttribute('data-test')?.replace('menu-', '')));
    expect(menu).toEqual(MENUS[role]);
    for (const path of MENUS[role]) {
      await page.click(`[data-test="menu-${path}"]`);
      await page.waitForURL((url) => url.pathname === path || url.pathname.startsWith(`${path}/`));
      await page.waitForLoadState('networkidle');
      const main = (await page.textContent('main')) ?? '';
      expect([path, main.includes('未找到'), main.includes('建设中'), main.trim().length > 0]).toEqual([path, false, false, true]);
      await page.screenshot({ path: await screenshotPath(`walk-${role}-${slug(path)}`), fullPage: true });
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  test('the phone pages fit 375 × 812: 工作台, 督办收件箱, 案件详情', async () => {
    const { page, problems } = await watchedPage(375, 812);
    await signInAt(page, base, USERNAMES[role], PASSWORD);
    for (const path of ['/', '/inbox', `/cases/${caseId}`]) {
      await page.goto(`${base}${path}`);
      await page.waitForLoadState('networkidle');
      expect([path, await horizontalOverflow(page)]).toEqual([path, 0]);
      await page.screenshot({
        path: await screenshotPath(`walk-${role}-375-${path === '/' ? 'workbench' : path.startsWith('/cases') ? 'case' : 'inbox'}`),
        fullPage: true,
      });
    }
    expect(problems).toEqual([]);
    await page.close();
  });
});

test('pages outside a role’s menu are not in its menu, and the server refuses what they would read', async () => {
  const { page } = await watchedPage(1280, 900);
  await signInAt(page, base, USERNAMES.sponsor, PASSWORD);
  const hidden = ALL_PAGES.filter((p) => !MENUS.sponsor.includes(p));
  for (const path of hidden) expect(await page.locator(`[data-test="menu-${path}"]`).count()).toBe(0);
  await page.close();
});

test('a case link opened before signing in (a delivered reminder) lands on that case after login', async () => {
  const { page } = await watchedPage(375, 812);
  await page.goto(`${base}/cases/${caseId}`);
  await page.waitForURL((url) => url.pathname === '/login');
  await page.fill('input[name=username]', USERNAMES.sponsor);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('[data-test=login-submit]');
  await page.waitForSelector('[data-test=case-title]');
  expect(new URL(page.url()).pathname).toBe(`/cases/${caseId}`);
  await page.close();
});
