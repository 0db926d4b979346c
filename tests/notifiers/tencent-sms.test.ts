// Tencent SMS through the real SDK against a stub that verifies its TC3-HMAC-SHA256 signature.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { createNotifiers } from '../../notifiers/index.js';
import { OutcomeUnknownError, type Notifier, type OutgoingMessage, type Target } from '../../notifiers/types.js';
import { startTencentSmsStub } from '../support/provider-stubs.js';
import { closedPort, expectNoLeak, settle } from './leak-check.js';

const KEYS = { secretId: 'AKIDtestSecretId01', secretKey: 'tencent-secret-key-b71e' };
const PHONE = '13712340000';
const target: Target = { channel: 'sms', phone: PHONE };
const SECRETS = [PHONE, KEYS.secretKey];
const TIMEOUT_MS = 800;
/** The stub records sends at this fixed instant: the pull's time window must be built from sentOn. */
const SENT_ON = new Date('2024-10-01T01:30:00Z');

let stub: Awaited<ReturnType<typeof startTencentSmsStub>>;
let sms: Notifier;
let seq = 0;

const message = (deliveryId = `dlv-tencent-${++seq}`): OutgoingMessage => ({
  deliveryId,
  kind: 'escalation.org_dept',
  title: '红牌督办：新寨村集体经济项目整改逾期',
  lines: ['新寨村集体经济项目'],
  more: 0,
});

const configFor = (endpoint: string, secretKey = KEYS.secretKey) =>
  loadConfig({
    SMS_PROVIDER: 'tencent',
    TENCENT_SMS_SECRET_ID: KEYS.secretId,
    TENCENT_SMS_SECRET_KEY: secretKey,
    TENCENT_SMS_ENDPOINT: `http://${endpoint}`,
    TENCENT_SMS_APP_ID: '1400000001',
    TENCENT_SMS_SIGN_NAME: '某某县委组织部',
    TENCENT_SMS_TEMPLATE_ID: '2000001',
    DELIVERY_HTTP_TIMEOUT_MS: String(TIMEOUT_MS),
  });

beforeAll(async () => {
  stub = await startTencentSmsStub({ ...KEYS, now: () => SENT_ON });
  sms = createNotifiers(configFor(stub.endpoint)).sms!;
});
afterAll(async () => {
  await stub.close();
});

describe('Tencent SMS', () => {
  it('sends with a valid signature, SessionContext = deliveryId, +86 number, two variables', async () => {
    const m = message();
    const outcome = await sms.send(target, m);
    const send = stub.sends.at(-1)!;
    expect(outcome).toEqual({ ok: true, providerMessageId: send.serialNo });
    expect(stub.hits.at(-1)).toEqual({ action: 'SendSms', signature: 'valid' });
    expect(send).toMatchObject({ phone: `+86${PHONE}`, sessionContext: m.deliveryId, appId: '1400000001', signName: '某某县委组织部', templateId: '2000001' });
    expect(send.params).toEqual(['红牌督办：新寨村集体经济项目整改逾期', '1']);
  });

  it('the stub refuses a wrong signature: AuthFailure is final', async () => {
    const forged = createNotifiers(configFor(stub.endpoint, 'wrong-key')).sms!;
    const before = stub.sends.length;
    const outcome = await forged.send(target, message());
    expect(outcome).toEqual({ ok: false, retryable: false, code: 'AuthFailure.SignatureFailure' });
    expect(stub.hits.at(-1)!.signature).toBe('AuthFailure.SignatureFailure');
    expect(stub.sends.length).toBe(before);
    expectNoLeak(outcome, [...SECRETS, 'wrong-key']);
  });

  it('a SendStatusSet code other than Ok (HTTP 200) is a refusal', async () => {
    stub.fault({ kind: 'status', code: 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate' });
    expect(await sms.send(target, message())).toEqual({ ok: false, retryable: false, code: 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate' });
  });

  it('frequency limits are retryable with a wait; InternalError and 5xx are retryable', async () => {
    stub.fault({ kind: 'status', code: 'LimitExceeded.PhoneNumberThirtySecondLimit' });
    expect(await sms.send(target, message())).toEqual({ ok: false, retryable: true, code: 'LimitExceeded.PhoneNumberThirtySecondLimit', retryAfterMs: 30_000 });
    stub.fault({ kind: 'error', code: 'RequestLimitExceeded' });
    expect(await sms.send(target, message())).toMatchObject({ ok: false, retryable: true, code: 'RequestLimitExceeded', retryAfterMs: 1_000 });
    stub.fault({ kind: 'error', code: 'InternalError.Timeout' });
    expect(await sms.send(target, message())).toMatchObject({ ok: false, retryable: true, code: 'InternalError.Timeout' });
    const hitsBefore = stub.hits.length;
    stub.fault({ kind: 'http', status: 502 });
    expect(await sms.send(target, message())).toEqual({ ok: false, retryable: true, code: 'http:502' });
    expect(stub.hits.length - hitsBefore).toBe(1);
  });

  it('a hang ends in OutcomeUnknownError(timeout) within the timeout', async () => {
    stub.fault({ kind: 'hang' });
    const started = Date.now();
    const error = await settle(sms.send(target, message()));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_500);
    expectNoLeak(error, SECRETS);
  });

  it('accept-then-reset ends in OutcomeUnknownError(connection_reset) with exactly one send recorded', async () => {
    const m = message();
    stub.fault({ kind: 'reset' });
    const error = await settle(sms.send(target, m));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).code).toBe('connection_reset');
    expect(stub.sends.filter((s) => s.sessionContext === m.deliveryId)).toHaveLength(1);
    expectNoLeak(error, SECRETS);
  });

  it('connection refused: connect_failed', async () => {
    const dead = createNotifiers(configFor(`127.0.0.1:${await closedPort()}`)).sms!;
    const outcome = await dead.send(target, message());
    expect(outcome).toEqual({ ok: false, retryable: true, code: 'connect_failed' });
    expectNoLeak(outcome, SECRETS);
  });

  it('query() finds the receipt by SessionContext around sentOn', async () => {
    const m = message();
    await sms.send(target, m);
    const other = message();
    await sms.send(target, other);
    stub.setReport(other.deliveryId, 'SUCCESS');
    // No receipt yet for ours: not found (Tencent lists receipts only).
    expect(await sms.query!(target, m.deliveryId, SENT_ON)).toEqual({ found: false });
    stub.setReport(m.deliveryId, 'SUCCESS');
    const serialNo = stub.sends.find((s) => s.sessionContext === m.deliveryId)!.serialNo;
    expect(await sms.query!(target, m.deliveryId, SENT_ON)).toEqual({ found: true, status: 'delivered', providerMessageId: serialNo });
    stub.setReport(m.deliveryId, 'FAIL');
    expect(await sms.query!(target, m.deliveryId, SENT_ON)).toEqual({ found: true, status: 'failed', providerMessageId: serialNo, code: 'MK:0001' });
    // A window a week off does not hold it.
    expect(await sms.query!(target, m.deliveryId, new Date(SENT_ON.getTime() + 7 * 86_400_000))).toEqual({ found: false });
    expect(stub.hits.filter((h) => h.action === 'PullSmsSendStatusByPhoneNumber').every((h) => h.signature === 'valid')).toBe(true);
  });
});
