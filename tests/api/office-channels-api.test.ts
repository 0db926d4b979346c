/**
 * Office channels (issue 12): group robots and signed webhooks for a township office or the org
 * dept, sealed at rest and shown only by host; disable/enable; a test message through the
 * (recording) notifier; which categories they carry, where 红牌 and 通报 stay on. The jurisdiction
 * matrix for every route; no answer or audit row holds a URL or a secret.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, testSecretBox, type Harness, type TestUser } from '../support/harness.js';
import { recordingNotifiers } from '../support/recording-notifier.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let orgOther: TestUser;
let township: TestUser;
let otherTownship: TestUser;
let sponsor: TestUser;
const notifiers = recordingNotifiers();
const answers: string[] = [];

const WECOM_KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
const WECOM_URL = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}`;
const DING_TOKEN = 'c0ffee0123456789abcdefc0ffee0123456789abcdefc0ffee0123456789abcd';
const DING_URL = `https://oapi.dingtalk.com/robot/send?access_token=${DING_TOKEN}`;
const DING_SECRET = 'SECa1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6';
const HOOK_URL = 'http://127.0.0.1:9/rectify-hook?sig=private-path-part';
const HOOK_SECRET = 'webhook-shared-secret-9f8e7d';
const ORG_URL = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=org-dept-robot-key-123';
const SECRETS = [WECOM_KEY, DING_TOKEN, DING_SECRET, HOOK_SECRET, 'private-path-part', 'org-dept-robot-key-123'];

async function call(user: TestUser, method: InjectOptions['method'], url: string, payload?: object, on: FastifyInstance = app) {
  const res = await on.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${user.token}` }, ...(payload ? { payload } : {}) });
  answers.push(res.body);
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}
const fieldsOf = (body: { details?: { issues?: Array<{ field: string }> } }) => body.details?.issues?.map((i) => i.field) ?? [];
const ids = (body: { items: Array<{ id: string }> }) => body.items.map((i) => i.id);

let wecomId: string;
let dingId: string;
let hookId: string;
let orgChannelId: string;
let otherTownshipChannelId: string;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env }, { notifiers });
  app = await h.app();
  org = await h.addUser('org_dept', '522731', '县委组织部');
  orgOther = await h.addUser('org_dept', '522727', '平塘县委组织部');
  township = await h.addUser('township_office', '522731001');
  otherTownship = await h.addUser('township_office', '522731002');
  sponsor = await h.addUser('sponsor', '522731');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('adding channels', () => {
  test('a township office adds robots and a webhook for its own office; answers show the host only', async () => {
    const wecom = await call(township, 'POST', '/office-channels', { kind: 'wecom_robot', url: WECOM_URL, label: '乡镇党委工作群' });
    expect(wecom.status, JSON.stringify(wecom.body)).toBe(201);
    expect(wecom.body).toMatchObject({
      officeRole: 'township_office',
      officeDivisionCode: '522731001000',
      kind: 'wecom_robot',
      label: '乡镇党委工作群',
      urlHint: 'https://qyapi.weixin.qq.com/…',
      hasSecret: false,
      enabled: true,
      lastTestAt: null,
    });
    wecomId = wecom.body.id;
    const ding = await call(township, 'POST', '/office-channels', { kind: 'dingtalk_robot', url: DING_URL, secret: DING_SECRET, label: '钉钉群' });
    expect(ding.status).toBe(201);
    expect(ding.body).toMatchObject({ urlHint: 'https://oapi.dingtalk.com/…', hasSecret: true });
    dingId = ding.body.id;
    const hook = await call(township, 'POST', '/office-channels', { kind: 'signed_webhook', url: HOOK_URL, secret: HOOK_SECRET, label: '县里的平台' });
    expect(hook.status).toBe(201);
    hookId = hook.body.id;

    const [row] = await h.db.sql<{ url_sealed: string; secret_sealed: string }[]>`select url_sealed, secret_sealed from office_channels where id = ${dingId}`;
    expect(row!.url_sealed).not.toContain(DING_TOKEN);
    expect(testSecretBox().open(row!.url_sealed)).toBe(DING_URL);
    expect(testSecretBox().open(row!.secret_sealed)).toBe(DING_SECRET);
  });

  test('bad input is refused naming the field', async () => {
    const cases: Array<[object, string]> = [
      [{ kind: 'dingtalk_robot', url: DING_URL, label: 'x' }, 'body.secret'],
      [{ kind: 'signed_webhook', url: 'https://example.gov.cn/hook', secret: '  ', label: 'x' }, 'body.secret'],
      [{ kind: 'wecom_robot', url: WECOM_URL, secret: 'not-needed', label: 'x' }, 'body.secret'],
      [{ kind: 'wecom_robot', url: 'http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1', label: 'x' }, 'body.url'],
      [{ kind: 'wecom_robot', url: 'ftp://example.gov.cn/x', label: 'x' }, 'body.url'],
      [{ kind: 'wecom_robot', url: 'not a url', label: 'x' }, 'body.url'],
      [{ kind: 'wecom_robot', url: '', label: 'x' }, 'body.url'],
      [{ kind: 'wecom_robot', url: WECOM_URL }, 'body.label'],
      [{ kind: 'wecom_robot', url: WECOM_URL, label: '   ' }, 'body.label'],
      [{ kind: 'telegram', url: WECOM_URL, label: 'x' }, 'body.kind'],
      [{ kind: 'wecom_robot', url: WECOM_URL, label: 'x', officeDivisionCode: '522731002' }, 'body.officeDivisionCode'],
      [{ kind: 'wecom_robot', url: WECOM_URL, label: 'x', officeRole: 'org_dept' }, 'body.officeRole'],
      [{ kind: 'wecom_robot', url: WECOM_URL, label: 'x', officeDivisionCode: 'abc' }, 'body.officeDivisionCode'],
    ];
    for (const [payload, field] of cases) {
      const res = await call(township, 'POST', '/office-channels', payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
      expect(fieldsOf(res.body), JSON.stringify(payload)).toContain(field);
    }
  });

  test('the org dept adds for its own office and for offices in its jurisdiction, not beyond', async () => {
    const own = await call(org, 'POST', '/office-channels', { kind: 'wecom_robot', url: ORG_URL, label: '组织部工作群' });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ officeRole: 'org_dept', officeDivisionCode: '522731000000' });
    orgChannelId = own.body.id;
    const theirs = await call(org, 'POST', '/office-channels', { kind: 'wecom_robot', url: WECOM_URL, label: '二乡镇', officeDivisionCode: '522731002' });
    expect(theirs.status).toBe(201);
    expect(theirs.body).toMatchObject({ officeRole: 'township_office', officeDivisionCode: '522731002000' });
    otherTownshipChannelId = theirs.body.id;

    const bad: Array<[TestUser, object, string]> = [
      [orgOther, { officeDivisionCode: '522731001' }, 'body.officeDivisionCode'],
      [org, { officeDivisionCode: '522727001' }, 'body.officeDivisionCode'],
      [org, { officeDivisionCode: '522731999' }, 'body.officeDivisionCode'],
      [org, { officeDivisionCode: '522731', officeRole: 'township_office' }, 'body.officeDivisionCode'],
      [org, { officeDivisionCode: '522731001', officeRole: 'org_dept' }, 'body.officeDivisionCode'],
      [org, { officeRole: 'sponsor' }, 'body.officeRole'],
    ];
    for (const [caller, office, field] of bad) {
      const res = await call(caller, 'POST', '/office-channels', { kind: 'wecom_robot', url: WECOM_URL, label: 'x', ...office });
      expect(res.status, JSON.stringify(office)).toBe(400);
      expect(fieldsOf(res.body)).toEqual([field]);
    }
  });

  test('sponsors have no office channels: 403 on every route', async () => {
    const id = wecomId;
    expect((await call(sponsor, 'GET', '/office-channels')).status).toBe(403);
    expect((await call(sponsor, 'POST', '/office-channels', { kind: 'wecom_robot', url: WECOM_URL, label: 'x' })).status).toBe(403);
    expect((await call(sponsor, 'PATCH', `/office-channels/${id}`, { enabled: false })).status).toBe(403);
    expect((await call(sponsor, 'POST', `/office-channels/${id}/test`)).status).toBe(403);
    expect((await call(sponsor, 'GET', '/office-channels/preferences')).status).toBe(403);
    expect((await call(sponsor, 'PUT', '/office-channels/preferences', { category: 'reminder', channel: 'wecom_robot', enabled: false })).status).toBe(403);
  });
});

describe('who sees what', () => {
  test('lists: own office for a township, the jurisdiction for the org dept, nothing across counties', async () => {
    expect(ids((await call(township, 'GET', '/office-channels')).body).sort()).toEqual([wecomId, dingId, hookId].sort());
    expect(ids((await call(otherTownship, 'GET', '/office-channels')).body)).toEqual([otherTownshipChannelId]);
    expect(ids((await call(township, 'GET', '/office-channels?officeDivisionCode=522731002')).body)).toEqual([]);
    expect(ids((await call(org, 'GET', '/office-channels')).body).sort()).toEqual([wecomId, dingId, hookId, orgChannelId, otherTownshipChannelId].sort());
    expect(ids((await call(org, 'GET', '/office-channels?officeDivisionCode=522731001')).body).sort()).toEqual([wecomId, dingId, hookId].sort());
    expect(ids((await call(org, 'GET', '/office-channels?officeRole=org_dept')).body)).toEqual([orgChannelId]);
    expect(ids((await call(orgOther, 'GET', '/office-channels')).body)).toEqual([]);
    expect(ids((await call(orgOther, 'GET', '/office-channels?officeDivisionCode=522731')).body)).toEqual([]);
    expect(fieldsOf((await call(org, 'GET', '/office-channels?officeDivisionCode=x')).body)).toEqual(['query.officeDivisionCode']);
  });

  test('another township, or another county, cannot reach a channel even knowing its id (404)', async () => {
    for (const caller of [otherTownship, orgOther]) {
      expect((await call(caller, 'PATCH', `/office-channels/${wecomId}`, { enabled: false })).status).toBe(404);
      expect((await call(caller, 'POST', `/office-channels/${wecomId}/test`)).status).toBe(404);
    }
    // A township office does not manage the org dept's channel either.
    expect((await call(township, 'PATCH', `/office-channels/${orgChannelId}`, { label: 'x' })).status).toBe(404);
    expect((await call(township, 'PATCH', '/office-channels/00000000-0000-4000-8000-000000000000', { label: 'x' })).status).toBe(404);
  });
});

describe('changing and testing', () => {
  test('disable, enable and rename: each audited', async () => {
    const off = await call(township, 'PATCH', `/office-channels/${dingId}`, { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body.enabled).toBe(false);
    const renamed = await call(org, 'PATCH', `/office-channels/${dingId}`, { label: '钉钉群（新）', enabled: true });
    expect(renamed.body).toMatchObject({ label: '钉钉群（新）', enabled: true });
    expect(fieldsOf((await call(township, 'PATCH', `/office-channels/${dingId}`, {})).body)).toEqual(['body.enabled']);
    expect(fieldsOf((await call(township, 'PATCH', `/office-channels/${dingId}`, { label: '' })).body)).toEqual(['body.label']);
    expect(fieldsOf((await call(township, 'PATCH', `/office-channels/${dingId}`, { url: WECOM_URL })).body)).toEqual(['body.url']);
    const actions = await h.db.sql<{ action: string; actor_user_id: string }[]>`
      select action, actor_user_id from audit_events where entity_type = 'office_channel' and entity_id = ${dingId} order by id`;
    expect(actions).toEqual([
      { action: 'created', actor_user_id: township.id },
      { action: 'disabled', actor_user_id: township.id },
      { action: 'enabled', actor_user_id: org.id },
    ]);
  });

  test('a test message goes through the notifier now; the outcome is answered and recorded', async () => {
    const ok = await call(township, 'POST', `/office-channels/${dingId}/test`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, code: 'ok', channel: { id: dingId, lastTestResult: 'ok' } });
    expect(ok.body.channel.lastTestAt).not.toBeNull();
    expect(notifiers.dingtalk_robot.sent.at(-1)).toMatchObject({
      target: { channel: 'dingtalk_robot', url: DING_URL, secret: DING_SECRET },
      message: { kind: 'office_channel.test', more: 0 },
    });

    notifiers.signed_webhook.failNext({ ok: false, retryable: false, code: 'http:401' });
    const refused = await call(org, 'POST', `/office-channels/${hookId}/test`);
    expect(refused.body).toMatchObject({ ok: false, code: 'http:401', channel: { lastTestResult: 'http:401' } });
    expect(notifiers.signed_webhook.sent.at(-1)!.target).toEqual({ channel: 'signed_webhook', url: new URL(HOOK_URL).toString(), secret: HOOK_SECRET });

    notifiers.wecom_robot.failNext(new Error(`connect ECONNREFUSED with ${WECOM_URL}`));
    const thrown = await call(township, 'POST', `/office-channels/${wecomId}/test`);
    expect(thrown.body).toMatchObject({ ok: false, code: 'send_failed' });

    const bare = await h.appWith({ notifiers: {} });
    const unconfigured = await call(township, 'POST', `/office-channels/${wecomId}/test`, undefined, bare);
    expect(unconfigured.status).toBe(200);
    expect(unconfigured.body).toMatchObject({ ok: false, code: 'channel_not_configured' });
  });
});

describe('office preferences', () => {
  test('every category × robot kind; 红牌 and 通报 stay on; only differences are stored', async () => {
    const mine = await call(township, 'GET', '/office-channels/preferences');
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ officeRole: 'township_office', officeDivisionCode: '522731001000' });
    expect(mine.body.items).toHaveLength(18);
    expect(mine.body.items).toContainEqual({ category: 'red_card', channel: 'wecom_robot', enabled: true, default: true, mayChange: false });
    expect(mine.body.items).toContainEqual({ category: 'circular', channel: 'dingtalk_robot', enabled: true, default: true, mayChange: false });

    for (const category of ['red_card', 'circular']) {
      const res = await call(township, 'PUT', '/office-channels/preferences', { category, channel: 'wecom_robot', enabled: false });
      expect(res.status).toBe(400);
      expect(fieldsOf(res.body)).toEqual(['body.enabled']);
    }
    expect(fieldsOf((await call(township, 'PUT', '/office-channels/preferences', { category: 'reminder', channel: 'sms', enabled: false })).body)).toEqual([
      'body.channel',
    ]);
    const quiet = await call(township, 'PUT', '/office-channels/preferences', { category: 'coverage_alert', channel: 'wecom_robot', enabled: false });
    expect(quiet.status).toBe(200);
    expect(quiet.body.items).toContainEqual({ category: 'coverage_alert', channel: 'wecom_robot', enabled: false, default: true, mayChange: true });
    const rows = () =>
      h.db.sql`select category, channel, enabled from notification_preferences where office_role = 'township_office' and office_division_code = '522731001000'`;
    expect(await rows()).toHaveLength(1);
    await call(township, 'PUT', '/office-channels/preferences', { category: 'coverage_alert', channel: 'wecom_robot', enabled: true });
    expect(await rows()).toHaveLength(0);
  });

  test('the org dept for its jurisdiction; other townships and counties are refused naming the field', async () => {
    const q = '?officeDivisionCode=522731001';
    const byOrg = await call(org, 'PUT', `/office-channels/preferences${q}`, { category: 'event', channel: 'signed_webhook', enabled: true });
    expect(byOrg.status).toBe(200);
    expect(byOrg.body).toMatchObject({ officeRole: 'township_office', officeDivisionCode: '522731001000' });
    expect((await call(township, 'GET', '/office-channels/preferences')).body.items).toContainEqual({
      category: 'event',
      channel: 'signed_webhook',
      enabled: true,
      default: false,
      mayChange: true,
    });
    expect((await call(org, 'GET', '/office-channels/preferences')).body).toMatchObject({ officeRole: 'org_dept', officeDivisionCode: '522731000000' });
    for (const [caller, field] of [
      [otherTownship, 'query.officeDivisionCode'],
      [orgOther, 'query.officeDivisionCode'],
    ] as const) {
      expect(fieldsOf((await call(caller, 'GET', `/office-channels/preferences${q}`)).body)).toEqual([field]);
      expect(
        fieldsOf((await call(caller, 'PUT', `/office-channels/preferences${q}`, { category: 'event', channel: 'wecom_robot', enabled: true })).body),
      ).toEqual([field]);
    }
    expect(fieldsOf((await call(township, 'GET', '/office-channels/preferences?officeRole=org_dept')).body)).toEqual(['query.officeRole']);
    expect(fieldsOf((await call(org, 'GET', '/office-channels/preferences?officeDivisionCode=522731999')).body)).toEqual(['query.officeDivisionCode']);
  });
});

describe('nothing shows a URL or a secret', () => {
  test('answers and audit rows', async () => {
    const text = answers.join('\n');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const audit = JSON.stringify(
      await h.db.sql`select before, after, details from audit_events where entity_type in ('office_channel', 'notification_preference')`,
    );
    expect(audit).toContain('urlHint');
    for (const secret of SECRETS) expect(audit).not.toContain(secret);
  });
});
