/**
 * The console in a real browser, against the real API, Temporal and Postgres (issue 11, first
 * part): sign in with a one-time password, the forced change, the workbench, a failed login's
 * notice, the idle timeout sending the user back to sign in, and the 375 px phone width; the header
 * and the watermark (on every page, the not-found one too) name the user's office.
 * Screenshots land in .data/screenshots/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { horizontalOverflow, launchBrowser, recordCspViolations, screenshotPath, serveConsole } from '../support/browser.js';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let browser: Browser;
/** What the content security policy refused on any page (api/plugins/security-headers.ts): none. */
let cspViolations: string[] = [];
let org: TestUser;
let app: FastifyInstance;
let base: string;
/** The server's clock (sessions run on it); the browser's stays real. */
let clock = new Date('2031-03-03T02:00:00Z');

beforeAll(async () => {
  // tests/support/global-setup.ts built the console.
  [env, browser] = await Promise.all([startTimeSkippingEnv(), launchBrowser()]);
  cspViolations = recordCspViolations(browser);
  h = await startHarness({ env });
  org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  ({ app, base } = await serveConsole(h, { now: () => clock }));
}, 180_000);

afterEach(() => {
  expect(cspViolations, 'content security policy violations').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await env?.teardown();
});

let counter = 0;
async function newAccount(role: 'sponsor' | 'township_office', jurisdictionCode: string, name: string) {
  const username = `browser.${role.replace('_', '')}${++counter}`;
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/accounts',
    headers: { authorization: `Bearer ${org.token}` },
    payload: { username, name, role, jurisdictionCode },
  });
  expect(created.statusCode, created.body).toBe(201);
  return { username, oneTimePassword: (created.json() as { oneTimePassword: string }).oneTimePassword };
}

/** The lines the watermark paints across the page (an SVG background), as the user sees them. */
async function watermarkText(page: Page): Promise<string[]> {
  const image = await page.locator('[data-test=watermark]').evaluate((e) => getComputedStyle(e).backgroundImage);
  const svg = decodeURIComponent(/data:image\/svg\+xml;charset=utf-8,([^"]*)/.exec(image)?.[1] ?? '');
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

async function signIn(page: Page, username: string, password: string) {
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('[data-test=login-submit]');
}

describe('signing in at the console', () => {
  test('a new user signs in with the one-time password, must change it, then sees the workbench', async () => {
    const { username, oneTimePassword } = await newAccount('township_office', '522731001', '某镇党委党建办');
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login/);
    await page.screenshot({ path: await screenshotPath('login') });

    await signIn(page, username, oneTimePassword);
    await page.waitForSelector('[data-test=password-submit]');
    await expect(page.textContent('body')).resolves.toContain('首次登录');
    // A weak new password: the server's reason appears at the field.
    await page.fill('input[name=newPassword]', 'weak');
    await page.fill('input[name=confirm]', 'weak');
    await page.click('[data-test=password-submit]');
    await page.waitForSelector('.el-form-item__error');
    expect(await page.textContent('.el-form-item__error')).toContain('至少 8 个字符');
    await page.screenshot({ path: await screenshotPath('password-change-error') });

    await page.fill('input[name=newPassword]', 'Console-2031-ok');
    await page.fill('input[name=confirm]', 'Console-2031-ok');
    await page.click('[data-test=password-submit]');
    await page.waitForSelector('[data-test=workbench-inbox]');
    expect(await page.textContent('[data-test=user-name]')).toBe('某镇党委党建办');
    // The header and the watermark name the office (from the server: the township's 党委, a 街道's 党工委).
    const [township] = await h.db.sql<{ name: string }[]>`select name from divisions where code = '522731001000'`;
    const office = `${township!.name}${township!.name.endsWith('街道') ? '党工委' : '党委'}`;
    expect(await page.textContent('[data-test=user-office]')).toBe(office);
    expect(await page.locator('[data-test=watermark]').count()).toBe(1);
    expect(await watermarkText(page)).toEqual(['某镇党委党建办', office, expect.stringMatching(/^\d{4}年\d{1,2}月\d{1,2}日$/)]);
    await page.screenshot({ path: await screenshotPath('workbench') });

    // A page that does not exist carries the watermark too.
    await page.goto(`${base}/no-such-page`);
    await page.waitForSelector('[data-test=not-found]');
    expect(await watermarkText(page)).toEqual(['某镇党委党建办', office, expect.any(String)]);
    await page.screenshot({ path: await screenshotPath('not-found') });
    await page.goto(`${base}/`);
    await page.waitForSelector('[data-test=workbench-inbox]');

    // Logging out ends the session: the workbench now asks to sign in.
    await page.click('[data-test=logout]');
    await page.waitForURL(/\/login/);
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login/);
    await page.close();
  });

  test('a wrong password shows the notice; a locked account says until when', async () => {
    const { username } = await newAccount('sponsor', '522731', '王某某');
    const page = await browser.newPage();
    await page.goto(`${base}/login`);
    for (let i = 0; i < 4; i++) {
      await signIn(page, username, `Wrong-${i}-password`);
      await page.waitForSelector('[data-test=login-notice]');
      expect(await page.textContent('[data-test=login-notice]')).toContain('用户名或密码错误');
    }
    await signIn(page, username, 'Wrong-5-password');
    await page.waitForFunction(() => document.querySelector('[data-test=login-notice]')?.textContent?.includes('锁定'));
    await page.screenshot({ path: await screenshotPath('login-locked') });
    clock = new Date(clock.getTime() + 11 * 60_000);
    await page.close();
  });

  test('after 30 idle minutes the next click goes back to sign in, and returns to the page after', async () => {
    const { username, oneTimePassword } = await newAccount('township_office', '522731001', '某镇党委');
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await signIn(page, username, oneTimePassword);
    await page.fill('input[name=newPassword]', 'Idle-2031-pass');
    await page.fill('input[name=confirm]', 'Idle-2031-pass');
    await page.click('[data-test=password-submit]');
    await page.waitForSelector('[data-test=workbench-inbox]');
    clock = new Date(clock.getTime() + 31 * 60_000);
    // The next request of the open page (no reload) answers 401: this click's, or one the workbench
    // still had in flight (then the layout is already gone and the click finds nothing; seen in CI).
    // Either way the console's handler sends the user to sign in with the notice, and back after.
    await page.click('[data-test="menu-/inbox"]', { timeout: 5_000 }).catch(() => {});
    await page.waitForURL(/\/login\?.*ended=1/);
    expect(await page.textContent('[data-test=login-notice]')).toContain('会话已结束');
    const back = new URL(page.url()).searchParams.get('redirect');
    expect(['/inbox', '/']).toContain(back);
    await signIn(page, username, 'Idle-2031-pass');
    await page.waitForURL(`${base}${back}`);
    await page.waitForSelector(back === '/inbox' ? '[data-test=inbox-tabs]' : '[data-test=workbench-inbox]');
    await page.close();
  });

  test('at 375 px wide (a phone) the login and the workbench fit: no horizontal scrolling', async () => {
    const { username, oneTimePassword } = await newAccount('sponsor', '522731', '李某某');
    const page = await browser.newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    await page.goto(`${base}/login`);
    const overflow = () => horizontalOverflow(page);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.screenshot({ path: await screenshotPath('login-375') });
    await signIn(page, username, oneTimePassword);
    await page.fill('input[name=newPassword]', 'Phone-2031-pass');
    await page.fill('input[name=confirm]', 'Phone-2031-pass');
    await page.click('[data-test=password-submit]');
    await page.waitForSelector('[data-test=workbench-cases]');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.screenshot({ path: await screenshotPath('workbench-375') });
    await page.close();
  });

  test('an unknown page under the console is its own "not found"; an unknown API route stays JSON 404', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/no/such/page`);
    await page.waitForSelector('.el-result');
    expect(await page.textContent('.el-result')).toContain('未找到');
    const api = await fetch(`${base}/api/v1/nothing-here`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { statusCode: number }).statusCode).toBe(404);
    await page.close();
  });

  test('the Swagger UI at /docs works under the same content security policy', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${base}/docs`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('.swagger-ui .information-container .title');
    expect(await page.textContent('.swagger-ui .title')).toContain('Rectify API');
    await page.waitForSelector('.swagger-ui .opblock');
    await page.close();
  });
});
