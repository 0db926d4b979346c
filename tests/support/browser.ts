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
import type { Harness } from './harness.js';

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
  const changed = await app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: { cookie, 'x-csrf-token': login.json().csrfToken }, payload: { currentPassword: oneTime, newPassword: password } });
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
