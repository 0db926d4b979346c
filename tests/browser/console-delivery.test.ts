/**
 * Reminders to SMS, e-mail and group robots in a real browser, against the real API, Temporal and
 * Postgres, the providers replaced by a recording notifier: a township office adds a WeCom robot,
 * tests it (the notifier answers, the result shows) and disables it; a sponsor adds a phone number,
 * enters a wrong code (the error at the field, with the tries left), then the one the notifier
 * carried (已验证), and switches a preference (the mandatory ones locked, with the reason); the org
 * dept opens 发送记录, sees the county's sends by status and resends a failed one and an in-doubt
 * one (after the warning that it may arrive twice); the township office sees its item's sends in
 * the inbox. Screenshots at 1366×768 and a 390-wide phone in .data/screenshots/.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { accountWithPassword, closeConsoleTest, countyConsole, horizontalOverflow, screenshotPath, signInAt, startConsoleTest } from '../support/browser.js';
import type { Harness, TestUser } from '../support/harness.js';
import { lastCode, recordingNotifiers } from '../support/recording-notifier.js';
import { addOfficeChannel } from '../support/deliveries.js';
import { insertNotifications } from '../../db/queries/deadline-projection.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let browser: Browser;
let app: FastifyInstance;
let base: string;
let org: TestUser;
const notifiers = recordingNotifiers();
const PASSWORD = 'Delivery-2031-pass';
const TOWNSHIP = 'delivery.township';
const SPONSOR = 'delivery.sponsor';
const ROBOT_URL = 'http://127.0.0.1:9/cgi-bin/webhook/send?key=console-test-key';

beforeAll(async () => {
  ({ env, browser, h } = await startConsoleTest({ notifiers }));
  ({ org, app, base } = await countyConsole(h, 'delivery', PASSWORD));
  await accountWithPassword(app, org, { username: TOWNSHIP, name: '某镇党委党建办', role: 'township_office', jurisdictionCode: '522731001' }, PASSWORD);
  await accountWithPassword(app, org, { username: SPONSOR, name: '李某某（县委常委）', role: 'sponsor', jurisdictionCode: '522731' }, PASSWORD);
}, 180_000);

afterAll(() => closeConsoleTest(browser, h, env));

/** A page at the office's usual screen (1366×768), signed in. */
async function desktop(username: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await signInAt(page, base, username, PASSWORD);
  return page;
}

/** The page at a phone's width: a full-page screenshot, and no horizontal scrolling. */
async function atPhoneWidth(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  expect(await horizontalOverflow(page), `${name} scrolls sideways on a phone`).toBe(0);
  await page.screenshot({ path: await screenshotPath(name), fullPage: true, animations: 'disabled' });
  await page.setViewportSize({ width: 1366, height: 768 });
}

async function confirmBox(page: Page): Promise<string> {
  await page.waitForSelector('.el-message-box');
  const text = (await page.textContent('.el-message-box__message')) ?? '';
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await page.waitForSelector('.el-message-box', { state: 'hidden' });
  return text;
}

test('a township office adds a WeCom robot, tests it (the result shows) and disables it', async () => {
  const page = await desktop(TOWNSHIP);
  await page.click('[data-test="menu-/delivery"]');
  await page.waitForURL(`${base}/delivery/channels`);
  await page.waitForSelector('[data-test=robot-empty]');
  // A township office manages its own office only: no office to pick.
  expect(await page.locator('[data-test=office-select]').count()).toBe(0);

  await page.click('[data-test=robot-add]');
  await page.waitForSelector('[data-test=channel-dialog]', { state: 'visible' });
  // WeCom's secret is in its URL: no secret field.
  expect(await page.locator('[data-test=channel-dialog] input[name=secret]').count()).toBe(0);
  await page.fill('[data-test=channel-dialog] input[name=label]', '党建办工作群');
  await page.fill('[data-test=channel-dialog] input[name=url]', ROBOT_URL);
  await page.click('[data-test=channel-submit]');
  await page.waitForSelector('[data-test=channel-dialog]', { state: 'hidden' });
  const row = page.locator('[data-test=robot]');
  await row.waitFor();
  expect(await row.textContent()).toContain('党建办工作群');
  expect(await row.textContent()).toContain('企业微信群机器人');
  // The address is shown masked: its key never comes back.
  expect(await page.textContent('[data-test=robot-url]')).not.toContain('console-test-key');

  await page.click('[data-test=robot-test]');
  await page.waitForSelector('[data-test=robot-test-result]');
  expect(await page.textContent('[data-test=robot-test-result]')).toBe('测试消息已发出（ok）');
  expect(notifiers.wecom_robot.sent).toHaveLength(1);

  // The office's preferences: WeCom now a column; 红牌 and 通报 cannot be switched off.
  await page.waitForSelector('[data-test=office-preference-grid]');
  expect(await page.locator('[data-test=pref-red_card-wecom_robot] .el-switch.is-disabled').count()).toBe(1);
  await page.screenshot({ path: await screenshotPath('delivery-robots'), fullPage: true, animations: 'disabled' });
  await atPhoneWidth(page, 'delivery-robots-phone');

  await page.click('[data-test=robot-enabled] .el-switch');
  await page.waitForSelector('[data-test=robot-enabled] .el-switch:not(.is-checked)');
  await page.waitForSelector('.el-message--success');
  const listed = await app.inject({
    method: 'GET',
    url: '/api/v1/office-channels?officeDivisionCode=522731001',
    headers: { authorization: `Bearer ${org.token}` },
  });
  expect(listed.json().items).toMatchObject([{ label: '党建办工作群', enabled: false, lastTestResult: 'ok' }]);
  // A disabled robot is not tested.
  expect(await page.locator('[data-test=robot-test]').isDisabled()).toBe(true);
  await page.close();
});

test('a sponsor adds a phone number, a wrong code shows the tries left at the field, the right one verifies it; a preference switches', async () => {
  const page = await desktop(SPONSOR);
  // Sponsors have no robots.
  expect(await page.locator('[data-test="menu-/delivery"]').count()).toBe(0);
  await page.click('[data-test="menu-/settings"]');
  await page.click('[data-test=settings-tabs] .el-tabs__item:has-text("通知方式")');
  await page.waitForURL(`${base}/settings/notify`);
  await page.waitForSelector('[data-test=contact-add]');

  // Not a phone number: the error under the address.
  await page.fill('[data-test=contact-add] input[name=address]', '12345');
  await page.click('[data-test=contact-add-submit]');
  await page.waitForSelector('[data-test=contact-add] .el-form-item.is-error input[name=address]');

  await page.fill('[data-test=contact-add] input[name=address]', '13800138000');
  await page.click('[data-test=contact-add-submit]');
  await page.waitForSelector('[data-test=contact-state]');
  expect(await page.textContent('[data-test=contact-hint]')).toBe('138****8000');
  expect(await page.textContent('[data-test=contact-state]')).toBe('待验证');
  expect(await page.textContent('[data-test=code-sent]')).toContain('138****8000');
  const code = lastCode(notifiers.sms);
  expect(notifiers.sms.sent.at(-1)?.target).toMatchObject({ channel: 'sms', phone: '13800138000' });

  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  await page.fill('[data-test=contact-verify] input[name=code]', wrong);
  await page.click('[data-test=code-submit]');
  await page.waitForSelector('[data-test=contact-verify] .el-form-item.is-error');
  expect(await page.textContent('[data-test=contact-verify] .el-form-item__error')).toContain('还可再试 4 次');
  await page.screenshot({ path: await screenshotPath('notify-wrong-code'), fullPage: true, animations: 'disabled' });

  await page.fill('[data-test=contact-verify] input[name=code]', code);
  await page.click('[data-test=code-submit]');
  await page.waitForSelector('[data-test=contact-state]:has-text("已验证")');
  expect(await page.locator('[data-test=contact-verify]').count()).toBe(0);

  // The preferences: SMS a column; 红牌 locked on, with the reason on hover; 到期提醒 switched.
  await page.waitForSelector('[data-test=preference-grid]');
  const reminder = page.locator('[data-test=pref-reminder-sms] .el-switch');
  const before = (await reminder.getAttribute('class'))?.includes('is-checked') ?? false;
  await page.hover('[data-test=pref-red_card-sms]');
  await page.waitForSelector('.el-popper:has-text("不能关闭")');
  expect(await page.locator('[data-test=pref-red_card-sms] .el-switch.is-disabled').count()).toBe(1);
  await reminder.click();
  await page.waitForSelector(`[data-test=pref-reminder-sms] .el-switch${before ? ':not(.is-checked)' : '.is-checked'}`);
  const stored = await page.evaluate(async () => (await fetch('/api/v1/me/notification-preferences')).json());
  expect(stored.items).toContainEqual(expect.objectContaining({ category: 'reminder', channel: 'sms', enabled: !before }));
  await page.screenshot({ path: await screenshotPath('notify'), fullPage: true, animations: 'disabled' });
  await atPhoneWidth(page, 'notify-phone');
  await page.close();
});

test('the org dept sees the county’s sends by status and resends a failed one and an in-doubt one; the township sees them in its inbox', async () => {
  // A DingTalk robot of the township (written as the API would), then two notices to the township office.
  await addOfficeChannel(
    h,
    { role: 'township_office', divisionCode: '522731001000' },
    'dingtalk_robot',
    'https://oapi.dingtalk.com/robot/send?access_token=t',
    'SECsecret',
  );
  const notify = async (title: string) => {
    const key = `console-delivery:${title}`;
    await h.db.db.transaction((tx) =>
      insertNotifications(
        tx,
        null,
        null,
        [
          {
            dedupeKey: key,
            recipient: { userId: null, role: 'township_office', divisionCode: '522731001000' },
            kind: 'escalation.township_office',
            title,
            body: `${title}（正文）`,
          },
        ],
        new Date(),
      ),
    );
    const [row] = await h.db.sql<{ id: string }[]>`
      select d.id from deliveries d join notifications n on n.id = d.notification_id where n.dedupe_key = ${key} and d.channel = 'dingtalk_robot'`;
    return row!.id;
  };
  const failed = await notify('黄牌督办：某村整顿方案逾期');
  const inDoubt = await notify('黄牌督办：某村月度报告逾期');
  await h.db.sql`update deliveries set status = 'failed', last_error_code = '310000', attempts = 3, finished_at = now() where id = ${failed}`;
  await h.db.sql`update deliveries set status = 'unknown', attempts = 1, finished_at = now() where id = ${inDoubt}`;

  const page = await desktop('delivery.county');
  await page.click('[data-test="menu-/delivery"]');
  await page.click('[data-test=delivery-tabs] .el-tabs__item:has-text("发送记录")');
  await page.waitForURL(`${base}/delivery/log`);
  await page.waitForSelector('[data-test=delivery-log] .el-table__row');
  const tabs = await page.locator('[data-test=delivery-status-tabs] .el-tabs__item').allTextContents();
  expect(tabs).toContain('发送失败（1）');
  expect(tabs).toContain('结果不明（1）');

  // Only the failed ones.
  await page.click('[data-test=delivery-status-tabs] #tab-failed');
  await page.waitForFunction(() => document.querySelectorAll('[data-test=delivery-log] .el-table__row').length === 1);
  const failedRow = page.locator('[data-test=delivery-log] .el-table__body-wrapper .el-table__row').first();
  expect(await failedRow.textContent()).toContain('整顿方案逾期');
  expect(await failedRow.textContent()).toContain('发送失败');
  expect(await failedRow.textContent()).toContain('310000');
  await page.screenshot({ path: await screenshotPath('delivery-log'), fullPage: true, animations: 'disabled' });
  await failedRow.locator('[data-test=delivery-retry]').click();
  expect(await confirmBox(page)).not.toContain('两次');
  await page.waitForSelector('.el-message--success');
  const [afterFailed] = await h.db.sql<{ status: string; resends: number }[]>`select status, resends from deliveries where id = ${failed}`;
  expect(afterFailed).toMatchObject({ status: 'scheduled', resends: 1 });

  // All of them: the failed one now 待发送; the in-doubt DingTalk message warns that it may arrive twice.
  await page.click('[data-test=delivery-status-tabs] #tab-all');
  await page.waitForSelector('[data-test=delivery-log] .el-table__row:has-text("整顿方案逾期"):has-text("待发送")');
  const doubtRow = page.locator('[data-test=delivery-log] .el-table__row:has-text("月度报告逾期")').first();
  expect(await doubtRow.textContent()).toContain('结果不明');
  await doubtRow.locator('[data-test=delivery-retry]').first().click();
  await page.waitForSelector('.el-message-box');
  await page.screenshot({ path: await screenshotPath('delivery-retry-in-doubt'), animations: 'disabled' });
  expect(await confirmBox(page)).toContain('收到两次');
  await page.waitForSelector('[data-test=delivery-log] .el-table__row:has-text("月度报告逾期"):has-text("待发送")');
  const [afterDoubt] = await h.db.sql<{ status: string }[]>`select status from deliveries where id = ${inDoubt}`;
  expect(afterDoubt!.status).toBe('scheduled');
  await atPhoneWidth(page, 'delivery-log-phone');
  await page.close();

  // The township office's inbox: each item with its sends, compactly.
  const township = await desktop(TOWNSHIP);
  await township.click('[data-test="menu-/inbox"]');
  await township.waitForSelector('[data-test=delivery-line]');
  const lines = await township.locator('[data-test=delivery-line]').allTextContents();
  // Rescheduled by the resends: waiting for the send window, or already given to the sender.
  expect(lines.filter((line) => line.startsWith('钉钉群 待发送'))).toHaveLength(2);
  await township.screenshot({ path: await screenshotPath('inbox-deliveries'), fullPage: true, animations: 'disabled' });
  await atPhoneWidth(township, 'inbox-deliveries-phone');
  await township.close();
});
