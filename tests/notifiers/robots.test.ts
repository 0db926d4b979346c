// WeCom and DingTalk group robots and our signed webhook against a local receiver.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROBOT_MESSAGES_PER_MINUTE } from '../../domain/delivery.js';
import { createDingtalkRobot, dingtalkSign } from '../../notifiers/dingtalk-robot.js';
import { createSignedWebhook, webhookSignature } from '../../notifiers/signed-webhook.js';
import { OutcomeUnknownError, type Notifier, type OutgoingMessage, type Target } from '../../notifiers/types.js';
import { createWecomRobot } from '../../notifiers/wecom-robot.js';
import { startRobotReceiver } from '../support/provider-stubs.js';
import { closedPort, expectNoLeak, settle } from './leak-check.js';

const TIMEOUT_MS = 600;
const DING_SECRET = 'SECdingtalk-secret-4a1f';
const HOOK_SECRET = 'webhook-secret-93bd';

let receiver: Awaited<ReturnType<typeof startRobotReceiver>>;
let seq = 0;
const message = (deliveryId = `dlv-robot-${++seq}`): OutgoingMessage => ({
  deliveryId,
  kind: 'escalation.township_office',
  title: '黄牌督办：3 项整改逾期',
  lines: ['高原村道路硬化', '新寨村饮水工程', '石桥村集体经济'],
  more: 2,
});

const wecom = createWecomRobot({ timeoutMs: TIMEOUT_MS });
const dingtalk = createDingtalkRobot({ timeoutMs: TIMEOUT_MS });
const webhook = createSignedWebhook({ timeoutMs: TIMEOUT_MS });

beforeAll(async () => {
  receiver = await startRobotReceiver({
    dingtalkSecrets: { 'ding-token-1': DING_SECRET, 'ding-token-2': DING_SECRET },
    webhookSecrets: { county: HOOK_SECRET },
  });
});
afterAll(async () => {
  await receiver.close();
});

/** Each case below, for each of the three channels. */
const channels: { name: string; notifier: Notifier; target: (robot: string) => Target; secrets: (robot: string) => string[] }[] = [
  { name: 'WeCom', notifier: wecom, target: (robot) => ({ channel: 'wecom_robot', url: receiver.wecomUrl(robot), secret: null }), secrets: (robot) => [robot] },
  {
    name: 'DingTalk',
    notifier: dingtalk,
    target: (robot) => ({ channel: 'dingtalk_robot', url: receiver.dingtalkUrl(robot), secret: DING_SECRET }),
    secrets: (robot) => [robot, DING_SECRET],
  },
  {
    name: 'signed webhook',
    notifier: webhook,
    target: () => ({ channel: 'signed_webhook', url: receiver.webhookUrl('county'), secret: HOOK_SECRET }),
    secrets: () => [HOOK_SECRET],
  },
];

describe('WeCom robot', () => {
  it('posts markdown with WeCom’s duplicate check; errcode 0 is success', async () => {
    const outcome = await wecom.send({ channel: 'wecom_robot', url: receiver.wecomUrl('wk-key-ok'), secret: null }, message());
    expect(outcome).toEqual({ ok: true, providerMessageId: null });
    const hit = receiver.hits.at(-1)!;
    expect(hit).toMatchObject({ kind: 'wecom', robot: 'wk-key-ok', answered: 200 });
    expect(hit.body).toMatchObject({ msgtype: 'markdown', enable_duplicate_check: 1 });
    expect(hit.body.duplicate_check_interval).toBeGreaterThan(0);
    expect((hit.body.markdown as { content: string }).content).toBe(
      ['### 黄牌督办：3 项整改逾期', '- 高原村道路硬化', '- 新寨村饮水工程', '- 石桥村集体经济', '另有 2 项'].join('\n'),
    );
  });

  it('HTTP 200 with errcode ≠ 0 is a failure; 45009 is retryable after a minute', async () => {
    const target: Target = { channel: 'wecom_robot', url: receiver.wecomUrl('wk-key-refused'), secret: null };
    receiver.fault({ kind: 'errcode', errcode: 93000 });
    expect(await wecom.send(target, message())).toEqual({ ok: false, retryable: false, code: 'errcode:93000' });
    receiver.fault({ kind: 'throttle' });
    expect(await wecom.send(target, message())).toEqual({ ok: false, retryable: true, code: 'errcode:45009', retryAfterMs: 60_000 });
  });

  it('the receiver enforces ROBOT_MESSAGES_PER_MINUTE per robot', async () => {
    const target: Target = { channel: 'wecom_robot', url: receiver.wecomUrl('wk-key-busy'), secret: null };
    const violations = receiver.stats.rateViolations;
    for (let i = 0; i < ROBOT_MESSAGES_PER_MINUTE; i++) expect(await wecom.send(target, message())).toMatchObject({ ok: true });
    expect(await wecom.send(target, message())).toMatchObject({ ok: false, retryable: true, code: 'errcode:45009' });
    expect(receiver.stats.rateViolations).toBe(violations + 1);
    // Another robot is not held back.
    expect(await wecom.send({ channel: 'wecom_robot', url: receiver.wecomUrl('wk-key-other'), secret: null }, message())).toMatchObject({ ok: true });
  });
});

describe('DingTalk robot', () => {
  it('signs timestamp + sign (verified by the receiver); markdown title and text', async () => {
    const outcome = await dingtalk.send({ channel: 'dingtalk_robot', url: receiver.dingtalkUrl('ding-token-1'), secret: DING_SECRET }, message());
    expect(outcome).toEqual({ ok: true, providerMessageId: null });
    const hit = receiver.hits.at(-1)!;
    expect(hit).toMatchObject({ kind: 'dingtalk', robot: 'ding-token-1', signatureValid: true });
    expect(hit.body).toMatchObject({ msgtype: 'markdown', markdown: { title: '黄牌督办：3 项整改逾期' } });
    expect(receiver.stats.badSignatures).toBe(0);
  });

  it('a wrong secret is refused by the receiver (errcode 310000, final)', async () => {
    const outcome = await dingtalk.send({ channel: 'dingtalk_robot', url: receiver.dingtalkUrl('ding-token-1'), secret: 'SECwrong' }, message());
    expect(outcome).toEqual({ ok: false, retryable: false, code: 'errcode:310000' });
    expect(receiver.hits.at(-1)!.signatureValid).toBe(false);
    expectNoLeak(outcome, ['SECwrong', 'ding-token-1']);
  });

  it('130101 (sending too fast) is retryable after 10 minutes', async () => {
    receiver.fault({ kind: 'throttle' });
    expect(await dingtalk.send({ channel: 'dingtalk_robot', url: receiver.dingtalkUrl('ding-token-2'), secret: DING_SECRET }, message())).toEqual({
      ok: false,
      retryable: true,
      code: 'errcode:130101',
      retryAfterMs: 600_000,
    });
  });

  it('the sign is DingTalk’s: urlencode(base64(HMAC-SHA256(secret, timestamp\\nsecret)))', () => {
    // A fixed vector: the sign of timestamp 1700000000000 with secret "SECabc".
    expect(decodeURIComponent(dingtalkSign('SECabc', 1_700_000_000_000))).toBe(createHmac('sha256', 'SECabc').update('1700000000000\nSECabc').digest('base64'));
    expect(dingtalkSign('SECabc', 1_700_000_000_000)).not.toMatch(/[+/=]/);
  });
});

describe('signed webhook', () => {
  it('posts the message with timestamp, signature and X-Rectify-Delivery = deliveryId', async () => {
    const m = message();
    const outcome = await webhook.send({ channel: 'signed_webhook', url: receiver.webhookUrl('county'), secret: HOOK_SECRET }, m);
    expect(outcome).toEqual({ ok: true, providerMessageId: null });
    const hit = receiver.hits.at(-1)!;
    expect(hit).toMatchObject({ kind: 'webhook', signatureValid: true, answered: 200 });
    expect(hit.headers['x-rectify-delivery']).toBe(m.deliveryId);
    expect(hit.body).toEqual({ deliveryId: m.deliveryId, kind: m.kind, title: m.title, lines: m.lines, more: 2 });
    const timestamp = String(hit.headers['x-rectify-timestamp']);
    expect(hit.headers['x-rectify-signature']).toBe(webhookSignature(HOOK_SECRET, timestamp, JSON.stringify(hit.body)));
  });

  it('a retry of one delivery carries the same X-Rectify-Delivery (the receiver sees a duplicate)', async () => {
    const m = message();
    const target: Target = { channel: 'signed_webhook', url: receiver.webhookUrl('county'), secret: HOOK_SECRET };
    const duplicates = receiver.stats.duplicateDeliveries;
    await webhook.send(target, m);
    await webhook.send(target, m);
    expect(receiver.stats.duplicateDeliveries).toBe(duplicates + 1);
  });

  it('429 honours Retry-After; 5xx retryable; other 4xx final; a bad signature is refused', async () => {
    const target: Target = { channel: 'signed_webhook', url: receiver.webhookUrl('county'), secret: HOOK_SECRET };
    receiver.fault({ kind: 'http', status: 429, retryAfter: '120' });
    expect(await webhook.send(target, message())).toEqual({ ok: false, retryable: true, code: 'http:429', retryAfterMs: 120_000 });
    receiver.fault({ kind: 'http', status: 503 });
    expect(await webhook.send(target, message())).toEqual({ ok: false, retryable: true, code: 'http:503' });
    receiver.fault({ kind: 'http', status: 404 });
    expect(await webhook.send(target, message())).toEqual({ ok: false, retryable: false, code: 'http:404' });
    expect(await webhook.send({ ...target, secret: 'not-the-secret' }, message())).toEqual({ ok: false, retryable: false, code: 'http:401' });
    expect(await webhook.send({ ...target, secret: null }, message())).toEqual({ ok: false, retryable: false, code: 'secret_missing' });
  });
});

describe.each(channels)('$name: transport failures', ({ notifier, target, secrets }) => {
  it('a hang past the timeout → OutcomeUnknownError(timeout), in time', async () => {
    receiver.fault({ kind: 'hang' });
    const started = Date.now();
    const error = await settle(notifier.send(target('hang-key-1'), message()));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
    expectNoLeak(error, secrets('hang-key-1'));
  });

  it('accept-then-reset → OutcomeUnknownError(connection_reset), exactly one request received', async () => {
    const before = receiver.hits.length;
    receiver.fault({ kind: 'reset' });
    const error = await settle(notifier.send(target('reset-key-1'), message()));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).code).toBe('connection_reset');
    // Received once (fetch does not resend a POST on its own), then dropped unanswered.
    expect(receiver.hits.slice(before).map((h) => h.answered)).toEqual(['reset']);
    expectNoLeak(error, secrets('reset-key-1'));
  });

  it('connection refused → connect_failed (nothing sent), without the URL', async () => {
    const port = await closedPort();
    const t = target('refused-key-1');
    const dead = { ...t, url: (t as { url: string }).url.replace(/:\d+\//, `:${port}/`) } as Target;
    const outcome = await notifier.send(dead, message());
    expect(outcome).toEqual({ ok: false, retryable: true, code: 'connect_failed' });
    expectNoLeak(outcome, [...secrets('refused-key-1'), String(port)]);
  });

  it('HTTP 5xx is retryable', async () => {
    receiver.fault({ kind: 'http', status: 502 });
    expect(await notifier.send(target('five-key-1'), message())).toEqual({ ok: false, retryable: true, code: 'http:502' });
  });
});
