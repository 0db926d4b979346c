// E-mail through nodemailer against a local SMTP server (smtp-server, parsed with mailparser).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { createEmail } from '../../notifiers/email.js';
import { createNotifiers } from '../../notifiers/index.js';
import { OutcomeUnknownError, type Notifier, type OutgoingMessage, type Target } from '../../notifiers/types.js';
import { startSmtpStub } from '../support/provider-stubs.js';
import { closedPort, expectNoLeak, settle } from './leak-check.js';

const ADDRESS = 'zhang.wei@county.example.gov.cn';
const target: Target = { channel: 'email', address: ADDRESS };
const SECRETS = [ADDRESS, 'zhang.wei'];
const TIMEOUT_MS = 800;

let smtp: Awaited<ReturnType<typeof startSmtpStub>>;
let email: Notifier;
let seq = 0;
const message = (deliveryId = `dlv-mail-${++seq}`): OutgoingMessage => ({
  deliveryId,
  kind: 'reserve.coverage_alert',
  title: '后备力量预警：2 个村（社区）储备不足',
  lines: Array.from({ length: 22 }, (_, i) => `第 ${i + 1} 村储备不足`),
  more: 3,
});

beforeAll(async () => {
  smtp = await startSmtpStub();
  email = createNotifiers(
    loadConfig({ SMTP_URL: smtp.url, SMTP_FROM: '"整改督办" <noreply@rectify.example.gov.cn>', DELIVERY_HTTP_TIMEOUT_MS: String(TIMEOUT_MS) }),
  ).email!;
});
afterAll(async () => {
  await smtp.close();
});

describe('e-mail', () => {
  it('subject = title, text = at most DIGEST_MAX_LINES lines then 另有 N 项, Message-ID <deliveryId@rectify>', async () => {
    const m = message();
    const outcome = await email.send(target, m);
    expect(outcome).toEqual({ ok: true, providerMessageId: `<${m.deliveryId}@rectify>` });
    const mail = smtp.messages.at(-1)!;
    expect(mail).toMatchObject({ subject: m.title, messageId: `<${m.deliveryId}@rectify>`, to: [ADDRESS], from: 'noreply@rectify.example.gov.cn' });
    const lines = mail.text!.trim().split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('第 1 村储备不足');
    expect(lines[19]).toBe('第 20 村储备不足');
    expect(lines[20]).toBe('另有 5 项');
  });

  it('two sends of one delivery carry the same Message-ID', async () => {
    const m = message();
    await email.send(target, m);
    await email.send(target, m);
    const ids = smtp.messages
      .filter((x) => x.subject === m.title)
      .slice(-2)
      .map((x) => x.messageId);
    expect(ids).toEqual([`<${m.deliveryId}@rectify>`, `<${m.deliveryId}@rectify>`]);
  });

  it('SMTP 4xx is retryable, 5xx is final', async () => {
    smtp.fault({ kind: 'reply', code: 451 });
    const soft = await email.send(target, message());
    expect(soft).toEqual({ ok: false, retryable: true, code: 'smtp:451' });
    smtp.fault({ kind: 'reply', code: 550 });
    const hard = await email.send(target, message());
    expect(hard).toEqual({ ok: false, retryable: false, code: 'smtp:550' });
    expectNoLeak([soft, hard], SECRETS);
  });

  it('a connection dropped after DATA → OutcomeUnknownError, the server holding exactly one copy', async () => {
    const m = message();
    smtp.fault({ kind: 'reset-after-data' });
    const error = await settle(email.send(target, m));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).code).toBe('connection_reset');
    expect(smtp.messages.filter((x) => x.messageId === `<${m.deliveryId}@rectify>`)).toHaveLength(1);
    expectNoLeak(error, SECRETS);
  });

  it('no answer after DATA → OutcomeUnknownError(timeout) within the timeout', async () => {
    smtp.fault({ kind: 'hang-after-data' });
    const started = Date.now();
    const error = await settle(email.send(target, message()));
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1_500);
    expectNoLeak(error, SECRETS);
  });

  it('connection refused → connect_failed', async () => {
    const dead = createEmail({ url: `smtp://127.0.0.1:${await closedPort()}`, from: 'noreply@rectify.invalid', timeoutMs: TIMEOUT_MS });
    const outcome = await dead.send(target, message());
    expect(outcome).toEqual({ ok: false, retryable: true, code: 'connect_failed' });
    expectNoLeak(outcome, SECRETS);
  });
});
