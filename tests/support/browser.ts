/**
 * A real browser for the console's tests: Debian's Chromium driven by playwright-core (Playwright's
 * own browser download does not work here). Missing, the test fails and says how to install it.
 */
import { accessSync, constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { PROJECT_ROOT } from '../../temporal/binaries.js';
import { CONSOLE_DIR } from '../../api/plugins/console.js';
import type { AppDeps } from '../../api/app.js';
import { startHarness, type Harness } from './harness.js';
import { startTimeSkippingEnv } from './servers.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Notifiers } from '../../notifiers/types.js';

export const INSTALL_BROWSER = 'apt-get install -y chromium fonts-wqy-microhei   (as root; scripts/setup.sh does it when it can)';
export const SCREENSHOTS_DIR = path.join(PROJECT_ROOT, '.data', 'screenshots');

function findChromium(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = path.join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  throw new Error(`No Chromium on PATH for the console's browser tests. Install it: ${INSTALL_BROWSER}`);
}

export async function launchBrowser(): Promise<Browser> {
  // As root Chromium needs --no-sandbox; the pages are our own.
  return chromium.launch({ executablePath: findChromium(), args: ['--no-sandbox', '--disable-dev-shm-usage'], headless: true });
}

export async function screenshotPath(name: string): Promise<string> {
  await fs.mkdir(SCREENSHOTS_DIR, { recursive: true });
  return path.join(SCREENSHOTS_DIR, `${name}.png`);
}

/** The API with the built console on a loopback port, for a browser to open. */
export async function serveConsole(h: Harness, overrides: Partial<AppDeps> = {}): Promise<{ app: FastifyInstance; base: string }> {
  const app = await h.appWith({ consoleDir: CONSOLE_DIR, ...overrides });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { app, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

/**
 * An account made by `manager` through the API, whose one-time password is already changed to
 * `password` (through the API too), ready to sign in at the console.
 */
export async function accountWithPassword(
  app: FastifyInstance,
  manager: { token: string },
  account: { username: string; name: string; role: 'sponsor' | 'township_office' | 'org_dept'; jurisdictionCode: string },
  password: string,
): Promise<{ id: string; username: string }> {
  const created = await app.inject({ method: 'POST', url: '/api/v1/accounts', headers: { authorization: `Bearer ${manager.token}` }, payload: account });
  if (created.statusCode !== 201) throw new Error(`creating ${account.username}: ${created.statusCode} ${created.body}`);
  const oneTime = created.json().oneTimePassword as string;
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: account.username, password: oneTime } });
  const cookie = `rectify_session=${login.cookies.find((c) => c.name === 'rectify_session')?.value}`;
  const changed = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/password',
    headers: { cookie, 'x-csrf-token': login.json().csrfToken },
    payload: { currentPassword: oneTime, newPassword: password },
  });
  if (changed.statusCode !== 204) throw new Error(`changing ${account.username}'s password: ${changed.statusCode} ${changed.body}`);
  return { id: created.json().account.id as string, username: account.username };
}

/** Signs in at the console's login page and waits for the workbench. */
export async function signInAt(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('[data-test=login-submit]');
  await page.waitForSelector('[data-test=workbench-inbox]');
}

/** Pixels the page is wider than the viewport (0: no horizontal scrolling). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/**
 * Every page `browser.newPage` opens from now on reports what the content security policy refused
 * (Chromium logs "…violates the following Content Security Policy directive…", and the page sees a
 * securitypolicyviolation event) into the returned list: a test asserts it stays empty.
 */
export function recordCspViolations(browser: Browser): string[] {
  const violations: string[] = [];
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (...args) => {
    const page = await newPage(...args);
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(`${page.url()}: ${message.text()}`);
    });
    await page.exposeFunction('__cspViolation', (text: string) => violations.push(`${page.url()}: ${text}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        void (window as unknown as { __cspViolation(text: string): Promise<void> }).__cspViolation(
          `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`,
        );
      });
    });
    return page;
  };
  return violations;
}

/** A new desktop-sized page (1280 wide), signed in as `username` and on the workbench. */
export async function signedInPage(browser: Browser, base: string, username: string, password: string, height = 900): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height } });
  await signInAt(page, base, username, password);
  return page;
}

/**
 * The page at a phone's width (375): opens `url`, waits for `selector`, saves a full-page screenshot
 * as `name`, and answers how far the page is wider than the screen (0: no horizontal scrolling).
 */
export async function overflowAtPhoneWidth(page: Page, url: string, selector: string, name: string): Promise<number> {
  await page.setViewportSize({ width: 375, height: 812 });
  await page.goto(url);
  await page.waitForSelector(selector);
  const overflow = await horizontalOverflow(page);
  await page.screenshot({ path: await screenshotPath(name), fullPage: true });
  return overflow;
}

/**
 * The county the console tests play in: the prefecture's and the county's org depts as API users,
 * the console served, and the county org dept's console account `<prefix>.county`.
 */
export async function countyConsole(h: Harness, prefix: string, password: string, overrides: Partial<AppDeps> = {}) {
  const prefecture = await h.addUser('org_dept', '5227', '黔南州委组织部');
  const org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  const { app, base } = await serveConsole(h, overrides);
  await accountWithPassword(
    app,
    prefecture,
    { username: `${prefix}.county`, name: '惠水县委组织部基层组织科', role: 'org_dept', jurisdictionCode: '522731' },
    password,
  );
  return { prefecture, org, app, base };
}

/** One API call as `user` (by bearer token), answering the status and the parsed body. */
export async function apiAs(app: FastifyInstance, user: { token: string }, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${user.token}` }, ...(payload ? { payload: payload as object } : {}) });
  return { status: res.statusCode, body: res.json() };
}

/** Closes what a browser test's beforeAll started; any of it may be missing when that failed. */
export async function closeConsoleTest(browser: Browser | undefined, h: Harness | undefined, env: { teardown(): Promise<void> } | undefined): Promise<void> {
  await browser?.close();
  await h?.close();
  await env?.teardown();
}

/**
 * What a browser test's beforeAll starts first: Temporal's time-skipping server and the browser side
 * by side, then the harness on that server. If the harness fails, the other two are closed again.
 * `notifiers`: what the apps send verification codes and robot tests through (a recording notifier).
 */
export async function startConsoleTest(options: { notifiers?: Notifiers } = {}): Promise<{ env: TestWorkflowEnvironment; browser: Browser; h: Harness }> {
  const [env, browser] = await Promise.all([startTimeSkippingEnv(), launchBrowser()]);
  try {
    return { env, browser, h: await startHarness({ env }, options.notifiers ? { notifiers: options.notifiers } : {}) };
  } catch (error) {
    await browser.close();
    await env.teardown();
    throw error;
  }
}

/**
 * Picks `option` (or, without one, the first option offered) in the Element Plus select `select` and
 * waits until the select shows it. Under load a click can land while the dropdown or its remote search
 * is still settling and the form would be sent empty, so the pick is tried again until it sticks.
 */
export async function chooseOption(page: Page, select: string, option?: string, search?: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.click(select);
      if (search) await page.keyboard.type(search);
      const item = page.locator(option ? `.el-select-dropdown__item:visible:has-text("${option}")` : '.el-select-dropdown__item:visible').first();
      const label = option ?? ((await item.textContent({ timeout: 5_000 })) ?? '').trim();
      await item.click({ timeout: 5_000 });
      await page.waitForFunction(([s, o]) => document.querySelector(s!)?.textContent?.includes(o!), [select, label], { timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
}

/** Clicks `target` until `shown` appears (a click landing during a transition on a loaded machine is lost). */
export async function clickUntil(page: Page, target: string, shown: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.click(target);
    try {
      await page.waitForSelector(shown, { timeout: 8_000 });
      return;
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
}
