/**
 * The 督办收件箱 in a real browser on the real Temporal dev server (no time skipping), with a
 * policy in seconds: a plan deadline climbs its ladder, the township office sees its 黄牌 on the
 * page, named by village and township with its due time, acknowledges it and sees the change; the neighbouring township sees nothing of it; the page
 * fits a phone. Screenshots land in .data/screenshots/.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { accountWithPassword, horizontalOverflow, launchBrowser, screenshotPath, serveConsole, signInAt } from '../support/browser.js';
import { startTestTemporal, type TestTemporal } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';
import { FULL_LADDER, secondsPolicy } from '../../bench/support/env.js';

let temporal: TestTemporal;
let h: Harness;
let browser: Browser;
let app: FastifyInstance;
let base: string;
let org: TestUser;
let sponsor: TestUser;

const PASSWORD = 'Inbox-2031-pass';

beforeAll(async () => {
  [temporal, browser] = await Promise.all([startTestTemporal(), launchBrowser()]);
  h = await startHarness({ address: temporal.address });
  org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  sponsor = await h.addUser('sponsor', '522731', '王某某');
  ({ app, base } = await serveConsole(h));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
  await temporal?.stop();
});

const asOrg = () => ({ authorization: `Bearer ${org.token}` });

const townshipAccount = async (township: string, name: string) =>
  (await accountWithPassword(app, org, { username: `inbox.${township}`, name, role: 'township_office', jurisdictionCode: township }, PASSWORD)).username;
const signIn = (page: Page, username: string) => signInAt(page, base, username, PASSWORD);

test('the township office sees its 黄牌 arrive, acknowledges it, and the page shows it acknowledged', async () => {
  const own = await townshipAccount('522731001', '某镇党委党建办');
  const neighbour = await townshipAccount('522731002', '邻镇党委党建办');
  const policy = await app.inject({
    method: 'POST',
    url: '/api/v1/policies',
    headers: asOrg(),
    payload: {
      name: 'browser-seconds',
      // The 黄牌 a second after a plan due 3 s after designation; the red card and notice an hour on.
      body: secondsPolicy(3000, FULL_LADDER(2, 1, 3600, 7200)),
    },
  });
  expect(policy.statusCode, policy.body).toBe(201);
  const [village] = await h.villageCodes('522731001');
  const designated = await app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    headers: asOrg(),
    payload: { villageCode: village, reasons: ['leadership_incomplete'], sponsorUserId: sponsor.id, policyId: policy.json().id },
  });
  expect(designated.statusCode, designated.body).toBe(201);

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, own);
  await page.click('[data-test="menu-/inbox"]');
  await page.waitForURL(/\/inbox$/);
  // The 黄牌 fires about 4 s after designation; the page shows it once reloaded.
  const deadline = Date.now() + 30_000;
  while (!(await page.locator('[data-test=rung]', { hasText: '黄牌' }).count())) {
    if (Date.now() > deadline) throw new Error(`no 黄牌 on the page: ${await page.textContent('[data-test=inbox-list]')}`);
    await page.waitForTimeout(1000);
    await page.reload();
    await page.waitForSelector('[data-test=inbox-list]');
  }
  await page.screenshot({ path: await screenshotPath('inbox'), animations: 'disabled' });
  // The card says which village it is about, in which township, and when the plan fell due (an exact
  // deadline here, so no working days: the policy counts seconds).
  const [names] = await h.db.sql<{ village: string; township: string }[]>`
    select v.name as village, t.name as township from divisions v join divisions t on t.code = v.parent_code where v.code = ${village!}`;
  const about = (
    (await page
      .locator('.item', { has: page.locator('[data-test=rung]', { hasText: '黄牌' }) })
      .first()
      .locator('[data-test=inbox-about]')
      .textContent()) ?? ''
  ).replace(/\s+/g, ' ');
  expect(about).toMatch(new RegExp(`^整顿 ?${names!.village} · ${names!.township} · \\d{4}年\\d{1,2}月\\d{1,2}日 \\d{2}:\\d{2}到期$`));
  const badge = Number(await page.textContent('[data-test=inbox-badge]'));
  expect(badge).toBeGreaterThanOrEqual(1);
  const card = page.locator('.item', { has: page.locator('[data-test=rung]', { hasText: '黄牌' }) }).first();
  await card.locator('[data-test=ack]').click();
  // Acknowledged: it leaves the 未确认 tab and shows under 已确认 with its time.
  await page.waitForFunction(() => !document.querySelector('[data-test=inbox-list]')?.textContent?.includes('黄牌'));
  await page.click('text=已确认');
  await page.waitForFunction((before) => Number(document.querySelector('[data-test=inbox-badge]')?.textContent ?? 0) < before, badge);
  await page.waitForSelector('[data-test=acked]');
  expect(await page.locator('.item', { hasText: '黄牌' }).locator('[data-test=acked]').count()).toBe(1);
  await page.screenshot({ path: await screenshotPath('inbox-acked') });

  const [row] = await h.db.sql<{ acked_by: string | null }[]>`
    select n.acked_by from notifications n join escalations e on e.id = n.escalation_id
    where e.case_id = ${designated.json().id} and e.rung = 'township_office'`;
  expect(row?.acked_by).not.toBeNull();

  // At a phone's width the page fits.
  await page.setViewportSize({ width: 375, height: 812 });
  await page.reload();
  await page.waitForSelector('[data-test=inbox-list]');
  expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
  await page.screenshot({ path: await screenshotPath('inbox-375') });
  await page.close();

  // The neighbouring township's office sees none of it.
  const other = await browser.newPage();
  await signIn(other, neighbour);
  await other.goto(`${base}/inbox`);
  await other.click('text=全部');
  await other.waitForSelector('[data-test=inbox-list]');
  await other.waitForTimeout(500);
  expect(await other.locator('[data-test=rung]', { hasText: '黄牌' }).count()).toBe(0);
  await other.close();
}, 120_000);
