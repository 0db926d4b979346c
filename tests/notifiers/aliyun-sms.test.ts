// Aliyun SMS through the real SDK against a stub that verifies its ACS3-HMAC-SHA256 signature.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { createAliyunSms, shanghaiDate } from '../../notifiers/aliyun-sms.js';
import { createNotifiers } from '../../notifiers/index.js';
import { OutcomeUnknownError, type Notifier, type OutgoingMessage, type Target } from '../../notifiers/types.js';
import { startAliyunSmsStub } from '../support/provider-stubs.js';
import { closedPort, expectNoLeak, settle } from './leak-check.js';

const KEYS = { accessKeyId: 'LTAI5tTestKeyId', accessKeySecret: 'aliyun-secret-7f3c9e' };
const PHONE = '13912345678';
const target: Target = { channel: 'sms', phone: `+86 139-1234-5678` };
const SECRETS = [PHONE, '1234-5678', KEYS.accessKeySecret];
const TIMEOUT_MS = 800;

/** Fixed instants: 2024-03-31T16:30Z is 00:30 on 2024-04-01 in Beijing (the date must be Beijing's). */
const AFTER_MIDNIGHT = new Date('2024-03-31T16:30:00Z');

let clock = AFTER_MIDNIGHT;
let stub: Awaited<ReturnType<typeof startAliyunSmsStub>>;
let sms: Notifier;
let seq = 0;

const message = (deliveryId = `dlv-aliyun-${++seq}`): OutgoingMessage => ({
  deliveryId,
  kind: 'escalation.reminder',
  title: '整改到期提醒：高原村道路硬化工程问题整改（详见 https://rectify.example.gov.cn/cases/42 ）将于三日后到期，请及时处理',
  lines: ['高原村道路硬化', '高原村饮水工程'],
  more: 1,
});

const configFor = (endpoint: string, secret = KEYS.accessKeySecret) =>
  loadConfig({
    SMS_PROVIDER: 'aliyun',
    ALIYUN_SMS_ACCESS_KEY_ID: KEYS.accessKeyId,
    ALIYUN_SMS_ACCESS_KEY_SECRET: secret,
    ALIYUN_SMS_ENDPOINT: `http://${endpoint}`,
    ALIYUN_SMS_SIGN_NAME: '某某县委组织部',
    ALIYUN_SMS_TEMPLATE_CODE: 'SMS_400000001',
    DELIVERY_HTTP_TIMEOUT_MS: String(TIMEOUT_MS),
  });

beforeAll(async () => {
  stub = await startAliyunSmsStub({ ...KEYS, now: () => clock });
  sms = createNotifiers(configFor(stub.endpoint)).sms!;
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  clock = AFTER_MIDNIGHT;
});

describe('Aliyun SMS', () => {
  it('sends with a valid signature, OutId = deliveryId, short variables without the URL', async () => {
    const m = message();
    const outcome = await sms.send(target, m);
    const send = stub.sends.at(-1)!;
    expect(outcome).toEqual({ ok: true, providerMessageId: send.bizId });
    expect(stub.hits.at(-1)).toEqual({ action: 'SendSms', signature: 'valid' });
    expect(send).toMatchObject({ phone: PHONE, outId: m.deliveryId, signName: '某某县委组织部', templateCode: 'SMS_400000001' });
    expect(Array.from(send.params.title!).length).toBeLessThanOrEqual(35);
    expect(send.params.title).not.toMatch(/https?:|rectify\.example/);
    expect(send.params.count).toBe('3');
    expectNoLeak(outcome, SECRETS);
  });

  it('the stub refuses a wrong signature (and the refusal is final)', async () => {
    const forged = createNotifiers(configFor(stub.endpoint, 'not-the-secret')).sms!;
    const before = stub.sends.length;
    const outcome = await forged.send(target, message());
    expect(outcome).toEqual({ ok: false, retryable: false, code: 'SignatureDoesNotMatch' });
    expect(stub.hits.at(-1)!.signature).toBe('SignatureDoesNotMatch');
    expect(stub.sends.length).toBe(before);
    expectNoLeak(outcome, [...SECRETS, 'not-the-secret']);
  });

  it('a Code other than OK with HTTP 200 is a refusal; isv.* is final', async () => {
    stub.fault({ kind: 'error', code: 'isv.MOBILE_NUMBER_ILLEGAL', message: `非法手机号 ${PHONE}` });
    const outcome = await sms.send(target, message());
    expect(outcome).toEqual({ ok: false, retryable: false, code: 'isv.MOBILE_NUMBER_ILLEGAL' });
    expectNoLeak(outcome, SECRETS);
  });

  it('throttling is retryable with a wait: isv.BUSINESS_LIMIT_CONTROL (minute, hour) and Throttling.User', async () => {
    stub.fault({ kind: 'error', code: 'isv.BUSINESS_LIMIT_CONTROL', message: '触发分钟级流控Permits:1' });
    expect(await sms.send(target, message())).toEqual({ ok: false, retryable: true, code: 'isv.BUSINESS_LIMIT_CONTROL', retryAfterMs: 60_000 });
    stub.fault({ kind: 'error', code: 'isv.BUSINESS_LIMIT_CONTROL', message: '触发小时级流控Permits:5' });
    expect(await sms.send(target, message())).toMatchObject({ retryable: true, retryAfterMs: 3_600_000 });
    stub.fault({ kind: 'error', code: 'Throttling.User', status: 400, message: 'Request was denied due to user flow control.' });
    const throttled = await sms.send(target, message());
    expect(throttled).toMatchObject({ ok: false, retryable: true, code: 'Throttling.User' });
    expect((throttled as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
  });

  it('a 5xx is retryable and the SDK does not retry it itself', async () => {
    const hitsBefore = stub.hits.length;
    stub.fault({ kind: 'error', code: 'ServiceUnavailable', status: 503 });
    const outcome = await sms.send(target, message());
    expect(outcome).toEqual({ ok: false, retryable: true, code: 'ServiceUnavailable' });
    expect(stub.hits.length - hitsBefore).toBe(1);
  });

  it('a hang ends in OutcomeUnknownError(timeout) within the timeout, after one send', async () => {
    const sendsBefore = stub.sends.length;
    stub.fault({ kind: 'hang' });
    const started = Date.now();
    const error = await settle(sms.send(target, message()));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_500);
    expect(stub.sends.length - sendsBefore).toBe(1);
    expectNoLeak(error, SECRETS);
  });

  it('accept-then-reset ends in OutcomeUnknownError(connection_reset); the stub recorded exactly one send', async () => {
    const m = message();
    stub.fault({ kind: 'reset' });
    const error = await settle(sms.send(target, m));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).code).toBe('connection_reset');
    expect(stub.sends.filter((s) => s.outId === m.deliveryId)).toHaveLength(1);
    expectNoLeak(error, SECRETS);
  });

  it('connection refused: nothing was sent, connect_failed (retryable)', async () => {
    const dead = createNotifiers(configFor(`127.0.0.1:${await closedPort()}`)).sms!;
    const outcome = await dead.send(target, message());
    expect(outcome).toEqual({ ok: false, retryable: true, code: 'connect_failed' });
    expectNoLeak(outcome, SECRETS);
  });

  it('query() finds the send by OutId on its Beijing date: sent, then delivered or failed', async () => {
    expect(shanghaiDate(AFTER_MIDNIGHT)).toBe('20240401');
    const m = message();
    await sms.send(target, m);
    // Another send to the same number the same day: the query must pick ours by OutId.
    await sms.send(target, message());
    expect(await sms.query!(target, m.deliveryId, AFTER_MIDNIGHT)).toEqual({ found: true, status: 'sent', providerMessageId: null });
    stub.setStatus(m.deliveryId, 3);
    expect(await sms.query!(target, m.deliveryId, AFTER_MIDNIGHT)).toEqual({ found: true, status: 'delivered', providerMessageId: null });
    stub.setStatus(m.deliveryId, 2, 'MK:0012');
    expect(await sms.query!(target, m.deliveryId, AFTER_MIDNIGHT)).toEqual({ found: true, status: 'failed', providerMessageId: null, code: 'MK:0012' });
    expect(await sms.query!(target, 'dlv-never-sent', AFTER_MIDNIGHT)).toEqual({ found: false });
    // The UTC date (20240331) holds nothing: a query by UTC date would miss it.
    expect(await sms.query!(target, m.deliveryId, new Date('2024-03-30T12:00:00Z'))).toEqual({ found: false });
    expect(stub.hits.filter((h) => h.action === 'QuerySendDetails').every((h) => h.signature === 'valid')).toBe(true);
  });

  it('query() also looks at the next day for a send claimed just before Beijing midnight', async () => {
    const m = message();
    clock = new Date('2024-03-31T16:01:00Z'); // the provider records it at 00:01 on 04-01
    await sms.send(target, m);
    expect(await sms.query!(target, m.deliveryId, new Date('2024-03-31T15:58:00Z'))).toMatchObject({ found: true });
  });

  it('query() pages through a busy day', async () => {
    clock = new Date('2023-11-05T02:00:00Z');
    const ours = message();
    await sms.send(target, ours);
    for (let i = 0; i < 55; i++) await sms.send(target, message());
    expect(await sms.query!(target, ours.deliveryId, clock)).toMatchObject({ found: true, status: 'sent' });
    const last = stub.sends.at(-1)!;
    expect(await sms.query!(target, last.outId!, clock)).toMatchObject({ found: true });
  });

  it('a query failure throws a code, never the phone number', async () => {
    const dead = createAliyunSms({
      ...KEYS,
      endpoint: `127.0.0.1:${await closedPort()}`,
      protocol: 'http',
      signName: 's',
      templateCode: 't',
      timeoutMs: TIMEOUT_MS,
    });
    const error = await settle(dead.query!(target, 'dlv-x', AFTER_MIDNIGHT));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/connect_failed/);
    expectNoLeak(error, SECRETS);
  });
});
