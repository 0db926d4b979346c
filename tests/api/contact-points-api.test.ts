/**
 * Contact points and personal preferences (issue 12): add an SMS number or e-mail address, read the
 * code the (recording) provider was asked to send, verify; wrong, expired and tried-out codes; resend
 * at most once a minute; a channel without a notifier; a send that fails; the org dept managing the
 * accounts within its jurisdiction; red cards that cannot be switched off. No answer, audit row or
 * log line holds an address or a code.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';
import { lastCode, recordingNotifiers } from '../support/recording-notifier.js';
import { OutcomeUnknownError } from '../../notifiers/types.js';
import { REDACTED_PATHS } from '../../lib/logger.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let orgOther: TestUser;
let township: TestUser;
let otherTownship: TestUser;
let sponsor: TestUser;
let sponsor2: TestUser;
const notifiers = recordingNotifiers();
/** The app's clock runs `offset` ahead of the wall clock (resend intervals, expiry). */
let offset = 0;
const tick = (ms = 61_000) => void (offset += ms);
/** Every answer's body, searched at the end for what must never come back. */
const answers: string[] = [];
const logLines: string[] = [];

const PHONE = '13800138000';
const PHONE_2 = '13912345678';
const EMAIL = 'zhang.san@example.gov.cn';

async function call(user: TestUser, method: InjectOptions['method'], url: string, payload?: object, on: FastifyInstance = app) {
  const res = await on.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${user.token}` }, ...(payload ? { payload } : {}) });
  answers.push(res.body);
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

const fieldsOf = (body: { details?: { issues?: Array<{ field: string }> } }) => body.details?.issues?.map((i) => i.field) ?? [];

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env }, { notifiers });
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  app = await h.appWith({
    now: () => new Date(Date.now() + offset),
    logger: pino({ level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, logStream),
  });
  org = await h.addUser('org_dept', '522731', '县委组织部');
  orgOther = await h.addUser('org_dept', '522727', '平塘县委组织部');
  township = await h.addUser('township_office', '522731001');
  otherTownship = await h.addUser('township_office', '522731002');
  sponsor = await h.addUser('sponsor', '522731', '包保领导甲');
  sponsor2 = await h.addUser('sponsor', '522731', '包保领导乙');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('my contact points', () => {
  let smsId: string;

  test('adding an SMS number sends a code to it; the code verifies it', async () => {
    const added = await call(sponsor, 'POST', '/me/contact-points', { kind: 'sms', address: '+86 138-0013-8000' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({
      codeSent: true,
      codeError: null,
      contactPoint: { kind: 'sms', hint: '138****8000', verified: false, verifiedAt: null },
    });
    expect(Object.keys(added.body.contactPoint).sort()).toEqual(['createdAt', 'hint', 'id', 'kind', 'verified', 'verifiedAt']);
    smsId = added.body.contactPoint.id;
    const sent = notifiers.sms.sent.at(-1)!;
    expect(sent.target).toEqual({ channel: 'sms', phone: PHONE });
    expect(sent.message.kind).toBe('contact_point.verification');
    expect(sent.message.deliveryId).toMatch(/^[0-9a-f-]{36}$/);
    const code = lastCode(notifiers.sms);

    const wrong = await call(sponsor, 'POST', `/me/contact-points/${smsId}/verify`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(fieldsOf(wrong.body)).toEqual(['body.code']);
    expect(wrong.body.details).toMatchObject({ reason: 'wrong_code', triesLeft: 4 });

    const ok = await call(sponsor, 'POST', `/me/contact-points/${smsId}/verify`, { code });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ id: smsId, verified: true });
    expect(ok.body.verifiedAt).not.toBeNull();
    // Verifying again changes nothing.
    expect((await call(sponsor, 'POST', `/me/contact-points/${smsId}/verify`, { code })).body).toMatchObject({ verified: true });
    expect((await call(sponsor, 'POST', `/me/contact-points/${smsId}/resend-code`)).status).toBe(409);

    const list = await call(sponsor, 'GET', '/me/contact-points');
    expect(list.body.items).toEqual([ok.body]);

    const [row] = await h.db.sql<{ address_sealed: string; verification_digest: string | null }[]>`
      select address_sealed, verification_digest from contact_points where id = ${smsId}`;
    expect(row!.address_sealed).not.toContain(PHONE);
    expect(row!.address_sealed.startsWith('v1.')).toBe(true);
    expect(row!.verification_digest).toBeNull();
  });

  test('the same number twice is a conflict naming the address; another person may have it', async () => {
    const again = await call(sponsor, 'POST', '/me/contact-points', { kind: 'sms', address: PHONE });
    expect(again.status).toBe(409);
    expect(fieldsOf(again.body)).toEqual(['body.address']);
    const other = await call(sponsor2, 'POST', '/me/contact-points', { kind: 'sms', address: PHONE });
    expect(other.status).toBe(201);
  });

  test('bad input is refused naming the field', async () => {
    const cases: Array<[object, string]> = [
      [{ kind: 'fax', address: PHONE }, 'body.kind'],
      [{ kind: 'sms', address: '12345' }, 'body.address'],
      [{ kind: 'sms', address: '12800138000' }, 'body.address'],
      [{ kind: 'sms', address: '' }, 'body.address'],
      [{ kind: 'email', address: 'not-an-address' }, 'body.address'],
      [{ kind: 'email', address: 'a@b' }, 'body.address'],
      [{ kind: 'sms' }, 'body.address'],
      [{ kind: 'sms', address: PHONE_2, extra: 1 }, 'body.extra'],
    ];
    for (const [payload, field] of cases) {
      const res = await call(sponsor, 'POST', '/me/contact-points', payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
      expect(fieldsOf(res.body), JSON.stringify(payload)).toContain(field);
    }
    const id = '00000000-0000-4000-8000-000000000000';
    expect(fieldsOf((await call(sponsor, 'POST', `/me/contact-points/${id}/verify`, { code: '12345' })).body)).toEqual(['body.code']);
    expect(fieldsOf((await call(sponsor, 'POST', '/me/contact-points/nope/verify', { code: '123456' })).body)).toEqual(['params.id']);
    expect((await call(sponsor, 'POST', `/me/contact-points/${id}/verify`, { code: '123456' })).status).toBe(404);
  });

  test('e-mail: resend at most once a minute, the old code stops working, the new one verifies', async () => {
    tick();
    const added = await call(sponsor, 'POST', '/me/contact-points', { kind: 'email', address: ' Zhang.San@Example.gov.cn ' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body.contactPoint.hint).toBe('z***@example.gov.cn');
    expect(notifiers.email.sent.at(-1)!.target).toEqual({ channel: 'email', address: EMAIL });
    const id = added.body.contactPoint.id;
    const first = lastCode(notifiers.email);

    const tooSoon = await call(sponsor, 'POST', `/me/contact-points/${id}/resend-code`);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.message).toMatch(/once a minute/);

    tick();
    const resent = await call(sponsor, 'POST', `/me/contact-points/${id}/resend-code`);
    expect(resent.status, JSON.stringify(resent.body)).toBe(200);
    expect(resent.body).toMatchObject({ codeSent: true, contactPoint: { id, verified: false } });
    const second = lastCode(notifiers.email);
    if (first !== second) expect((await call(sponsor, 'POST', `/me/contact-points/${id}/verify`, { code: first })).status).toBe(400);
    expect((await call(sponsor, 'POST', `/me/contact-points/${id}/verify`, { code: second })).body).toMatchObject({ verified: true });
  });

  test('five wrong codes: even the right one is refused until a new code is sent', async () => {
    tick();
    const added = await call(sponsor, 'POST', '/me/contact-points', { kind: 'sms', address: PHONE_2 });
    const id = added.body.contactPoint.id;
    const code = lastCode(notifiers.sms);
    const wrong = code === '999999' ? '999998' : '999999';
    for (let i = 0; i < 5; i++) expect((await call(sponsor, 'POST', `/me/contact-points/${id}/verify`, { code: wrong })).status).toBe(400);
    const tried = await call(sponsor, 'POST', `/me/contact-points/${id}/verify`, { code });
    expect(tried.status).toBe(400);
    expect(tried.body.details).toMatchObject({ reason: 'too_many_attempts' });
    expect(fieldsOf(tried.body)).toEqual(['body.code']);
    tick();
    expect((await call(sponsor, 'POST', `/me/contact-points/${id}/resend-code`)).status).toBe(200);
    expect((await call(sponsor, 'POST', `/me/contact-points/${id}/verify`, { code: lastCode(notifiers.sms) })).body).toMatchObject({ verified: true });
  });

  test('a code expires after 10 minutes', async () => {
    tick();
    const added = await call(sponsor2, 'POST', '/me/contact-points', { kind: 'email', address: 'li.si@example.gov.cn' });
    const code = lastCode(notifiers.email);
    tick(10 * 60_000 + 1000);
    const late = await call(sponsor2, 'POST', `/me/contact-points/${added.body.contactPoint.id}/verify`, { code });
    expect(late.status).toBe(400);
    expect(late.body.details).toMatchObject({ reason: 'code_expired' });
  });

  test('a send that fails keeps the contact point, unverified, and says the code was not sent', async () => {
    tick();
    notifiers.sms.failNext({ ok: false, retryable: true, code: 'isv.BUSINESS_LIMIT_CONTROL' });
    const refused = await call(township, 'POST', '/me/contact-points', { kind: 'sms', address: '13700000001' });
    expect(refused.status).toBe(201);
    expect(refused.body).toMatchObject({ codeSent: false, codeError: 'isv.BUSINESS_LIMIT_CONTROL', codeExpiresAt: null, contactPoint: { verified: false } });
    tick();
    notifiers.sms.failNext(new OutcomeUnknownError('timeout'));
    const unknown = await call(township, 'POST', `/me/contact-points/${refused.body.contactPoint.id}/resend-code`);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ codeSent: false, codeError: 'timeout' });
    expect((await call(township, 'GET', '/me/contact-points')).body.items).toHaveLength(1);
  });

  test('a channel without a notifier: 400 channel_not_configured naming the kind, nothing written', async () => {
    const bare = await h.appWith({ notifiers: {} });
    const before = await h.db.sql<{ n: number }[]>`select count(*)::int as n from contact_points`;
    const res = await call(otherTownship, 'POST', '/me/contact-points', { kind: 'email', address: 'office@example.gov.cn' }, bare);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('channel_not_configured');
    expect(res.body.details).toMatchObject({ reason: 'channel_not_configured' });
    expect(fieldsOf(res.body)).toEqual(['body.kind']);
    const after = await h.db.sql<{ n: number }[]>`select count(*)::int as n from contact_points`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  test('one person cannot see, verify, resend or remove another’s contact point (404)', async () => {
    const theirs = (await call(sponsor, 'GET', '/me/contact-points')).body.items[0].id as string;
    expect((await call(sponsor2, 'POST', `/me/contact-points/${theirs}/verify`, { code: '123456' })).status).toBe(404);
    expect((await call(sponsor2, 'POST', `/me/contact-points/${theirs}/resend-code`)).status).toBe(404);
    expect((await call(sponsor2, 'DELETE', `/me/contact-points/${theirs}`)).status).toBe(404);
    expect((await call(org, 'DELETE', `/me/contact-points/${theirs}`)).status).toBe(404);
    expect((await call(sponsor2, 'GET', '/me/contact-points')).body.items.map((i: { id: string }) => i.id)).not.toContain(theirs);
  });

  test('removing: 204, gone from the list, a second time 404; the number can be added again', async () => {
    const { body } = await call(sponsor2, 'GET', '/me/contact-points');
    const sms = body.items.find((i: { kind: string }) => i.kind === 'sms');
    expect((await call(sponsor2, 'DELETE', `/me/contact-points/${sms.id}`)).status).toBe(204);
    expect((await call(sponsor2, 'GET', '/me/contact-points')).body.items.map((i: { id: string }) => i.id)).not.toContain(sms.id);
    expect((await call(sponsor2, 'DELETE', `/me/contact-points/${sms.id}`)).status).toBe(404);
    tick();
    expect((await call(sponsor2, 'POST', '/me/contact-points', { kind: 'sms', address: PHONE })).status).toBe(201);
  });
});

describe("the org dept manages the contact points of its jurisdiction's accounts", () => {
  test('the jurisdiction matrix: 403 for other roles, 404 outside it', async () => {
    const url = `/accounts/${sponsor.id}/contact-points`;
    for (const caller of [sponsor, sponsor2, township, otherTownship]) {
      expect((await call(caller, 'GET', url)).status).toBe(403);
      expect((await call(caller, 'POST', url, { kind: 'sms', address: '13600000000', verified: true })).status).toBe(403);
      expect((await call(caller, 'DELETE', `${url}/00000000-0000-4000-8000-000000000000`)).status).toBe(403);
    }
    expect((await call(orgOther, 'GET', url)).status).toBe(404);
    expect((await call(orgOther, 'POST', url, { kind: 'sms', address: '13600000000', verified: true })).status).toBe(404);
    const own = (await call(sponsor, 'GET', '/me/contact-points')).body.items[0].id as string;
    expect((await call(orgOther, 'DELETE', `${url}/${own}`)).status).toBe(404);
    expect((await call(org, 'GET', '/accounts/00000000-0000-4000-8000-000000000000/contact-points')).status).toBe(404);
    // Its own colleagues are not its to manage (as with accounts).
    const colleague = await h.addUser('org_dept', '522731', '同事');
    expect((await call(org, 'GET', `/accounts/${colleague.id}/contact-points`)).status).toBe(404);
    const list = await call(org, 'GET', url);
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
  });

  test('checked in person: verified at once, no code sent, audited as such', async () => {
    const sentBefore = notifiers.sms.sent.length;
    const res = await call(org, 'POST', `/accounts/${township.id}/contact-points`, { kind: 'sms', address: '13600000000', verified: true });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ codeSent: false, contactPoint: { verified: true, hint: '136****0000' } });
    expect(notifiers.sms.sent.length).toBe(sentBefore);
    const [audit] = await h.db.sql<{ actor_user_id: string; details: { verifiedInPerson?: boolean } }[]>`
      select actor_user_id, details from audit_events where entity_type = 'contact_point' and entity_id = ${res.body.contactPoint.id} and action = 'created'`;
    expect(audit).toMatchObject({ actor_user_id: org.id, details: { verifiedInPerson: true } });
    expect((await call(township, 'GET', '/me/contact-points')).body.items.map((i: { id: string }) => i.id)).toContain(res.body.contactPoint.id);
  });

  test('without verified: a code goes to the holder, who verifies it; the org dept removes one', async () => {
    tick();
    const res = await call(org, 'POST', `/accounts/${otherTownship.id}/contact-points`, { kind: 'sms', address: '13600000002' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ codeSent: true, contactPoint: { verified: false } });
    const id = res.body.contactPoint.id;
    expect((await call(otherTownship, 'POST', `/me/contact-points/${id}/verify`, { code: lastCode(notifiers.sms) })).body).toMatchObject({ verified: true });
    expect((await call(org, 'DELETE', `/accounts/${township.id}/contact-points/${id}`)).status).toBe(404);
    expect((await call(org, 'DELETE', `/accounts/${otherTownship.id}/contact-points/${id}`)).status).toBe(204);
    expect((await call(otherTownship, 'GET', '/me/contact-points')).body.items).toEqual([]);
  });
});

describe('my notification preferences', () => {
  test('every category × contact kind, with its default and whether it may change', async () => {
    const res = await call(sponsor, 'GET', '/me/notification-preferences');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(12);
    expect(res.body.items).toContainEqual({ category: 'red_card', channel: 'sms', enabled: true, default: true, mayChange: false });
    expect(res.body.items).toContainEqual({ category: 'reminder', channel: 'sms', enabled: true, default: true, mayChange: true });
    expect(res.body.items).toContainEqual({ category: 'red_card', channel: 'email', enabled: false, default: false, mayChange: true });
  });

  test('红牌 by SMS cannot be switched off; others can, and only differences are stored', async () => {
    const off = await call(sponsor, 'PUT', '/me/notification-preferences', { category: 'red_card', channel: 'sms', enabled: false });
    expect(off.status).toBe(400);
    expect(fieldsOf(off.body)).toEqual(['body.enabled']);
    expect(
      fieldsOf((await call(sponsor, 'PUT', '/me/notification-preferences', { category: 'red_card', channel: 'wecom_robot', enabled: true })).body),
    ).toEqual(['body.channel']);

    const on = await call(sponsor, 'PUT', '/me/notification-preferences', { category: 'event', channel: 'email', enabled: true });
    expect(on.status).toBe(200);
    expect(on.body.items).toContainEqual({ category: 'event', channel: 'email', enabled: true, default: false, mayChange: true });
    const quiet = await call(sponsor, 'PUT', '/me/notification-preferences', { category: 'reminder', channel: 'sms', enabled: false });
    expect(quiet.body.items).toContainEqual({ category: 'reminder', channel: 'sms', enabled: false, default: true, mayChange: true });
    const rows = () =>
      h.db.sql<
        { category: string; enabled: boolean }[]
      >`select category, enabled from notification_preferences where user_id = ${sponsor.id} order by category`;
    expect(await rows()).toEqual([
      { category: 'reminder', enabled: false },
      { category: 'event', enabled: true },
    ]);
    await call(sponsor, 'PUT', '/me/notification-preferences', { category: 'event', channel: 'email', enabled: false });
    await call(sponsor, 'PUT', '/me/notification-preferences', { category: 'reminder', channel: 'sms', enabled: true });
    expect(await rows()).toEqual([]);
    const audits = await h.db.sql`select 1 from audit_events where entity_type = 'notification_preference' and entity_id = ${`user:${sponsor.id}`}`;
    expect(audits).toHaveLength(4);
    // Another person's preferences are untouched.
    expect(
      (await call(sponsor2, 'GET', '/me/notification-preferences')).body.items.every((i: { enabled: boolean; default: boolean }) => i.enabled === i.default),
    ).toBe(true);
  });
});

describe('nothing shows an address or a code', () => {
  test('answers, audit rows and log lines', async () => {
    const codes = [...notifiers.sms.sent, ...notifiers.email.sent].map((s) => /\b(\d{6})\b/.exec(s.message.title)![1]!);
    const secrets = [PHONE, PHONE_2, '13700000001', '13600000000', '13600000002', EMAIL, 'li.si@example.gov.cn', 'office@example.gov.cn'];
    const answerText = answers.join('\n').toLowerCase();
    for (const s of secrets) expect(answerText).not.toContain(s.toLowerCase());
    for (const code of codes) expect(answerText).not.toMatch(new RegExp(`\\b${code}\\b`));

    const audit = JSON.stringify(
      await h.db.sql`select before, after, details from audit_events where entity_type in ('contact_point', 'notification_preference')`,
    );
    for (const s of secrets) expect(audit.toLowerCase()).not.toContain(s.toLowerCase());
    for (const code of codes) expect(audit).not.toContain(code);

    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const s of secrets) expect(logs.toLowerCase()).not.toContain(s.toLowerCase());
  });
});
