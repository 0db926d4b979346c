/**
 * A real browser for the console's tests: Debian's Chromium driven by playwright-core (Playwright's
 * own browser download does not work here). Missing, the test fails and says how to install it.
 */
import { accessSync, constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from '../../temporal/binaries.js';

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
