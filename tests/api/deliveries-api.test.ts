/**
 * The outbox through the API: who sees which deliveries (the org dept its county, a township office
 * its township, a sponsor none; a guessed id from elsewhere is 404), the resend of a failed or
 * in-doubt delivery (an unknown SMS or DingTalk message needs confirmInDoubt; audited), and the
 * deliveries on inbox items and case details: masked targets only, never an address or a key.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';
import { addContactPoint, addOfficeChannel } from '../support/deliveries.js';
import { insertNotifications } from '../../db/queries/deadline-projection.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let otherOrg: TestUser;
let township: TestUser;
let otherTownship: TestUser;
let sponsor: TestUser;
const ROBOT_URL = 'https://oapi.dingtalk.com/robot/send?access_token=township-token-api';
const PHONE = '13600136004';

async function call(user: TestUser, url: string, method: 'GET' | 'POST' = 'GET', payload?: object) {
  const options: InjectOptions = { method, url, headers: { authorization: `Bearer ${user.token}` }, ...(payload ? { payload } : {}) };
  const res = await app.inject(options);
  return { status: res.statusCode, body: JSON.parse(res.body), raw: res.body };
}

/** A notification written the way projections write them (its deliveries in the same transaction). */
async function notify(
  recipient: { userId: string | null; role: 'sponsor' | 'township_office' | 'org_dept'; divisionCode: string },
  kind: string,
  title: string,
) {
  const key = `api-test:${kind}:${title}`;
  await h.db.db.transaction((tx) => insertNotifications(tx, null, null, [{ dedupeKey: key, recipient, kind, title, body: `${title}（正文）` }], new Date()));
  const rows = await h.db.sql<{ id: string; notification_id: string }[]>`
    select d.id, d.notification_id from deliveries d join notifications n on n.id = d.notification_id where n.dedupe_key = ${key}`;
  return rows[0]!;
}

let robotDelivery: { id: string; notification_id: string };
let smsDelivery: { id: string; notification_id: string };

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  org = await h.addUser('org_dept', '522731');
  otherOrg = await h.addUser('org_dept', '522727');
  township = await h.addUser('township_office', '522731001');
  otherTownship = await h.addUser('township_office', '522731002');
  sponsor = await h.addUser('sponsor', '522731');
  await addOfficeChannel(h, { role: 'township_office', divisionCode: '522731001000' }, 'dingtalk_robot', ROBOT_URL, 'SECapi-secret');
  await addContactPoint(h, sponsor.id, 'sms', PHONE);
  robotDelivery = await notify({ userId: null, role: 'township_office', divisionCode: '522731001000' }, 'escalation.township_office', '黄牌督办：整顿方案');
  smsDelivery = await notify({ userId: sponsor.id, role: 'sponsor', divisionCode: '522731000000' }, 'escalation.reminder', '到期提醒：月度报告');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('who sees which deliveries', () => {
  test('the org dept sees its county’s, a township office its township’s; another township, another county and sponsors do not', async () => {
    const all = await call(org, '/api/v1/deliveries');
    expect(all.status).toBe(200);
    expect(all.body.items.map((d: { id: string }) => d.id).sort()).toEqual([robotDelivery.id, smsDelivery.id].sort());
    expect(all.body.byStatus.pending).toBe(2);

    const mine = await call(township, '/api/v1/deliveries');
    expect(mine.body.items.map((d: { id: string }) => d.id)).toEqual([robotDelivery.id]);
    expect(mine.body.items[0]).toMatchObject({
      channel: 'dingtalk_robot',
      targetHint: 'https://oapi.dingtalk.com/…',
      status: 'pending',
      category: 'yellow_card',
    });

    expect((await call(otherTownship, '/api/v1/deliveries')).body.total).toBe(0);
    expect((await call(otherOrg, '/api/v1/deliveries')).body.total).toBe(0);
    expect((await call(otherTownship, `/api/v1/deliveries/${robotDelivery.id}`)).status).toBe(404);
    expect((await call(otherOrg, `/api/v1/deliveries/${robotDelivery.id}`)).status).toBe(404);
    expect((await call(sponsor, '/api/v1/deliveries')).status).toBe(403);
    expect((await call(township, `/api/v1/deliveries/${robotDelivery.id}`)).status).toBe(200);

    const outside = await call(township, '/api/v1/deliveries?division=522731002');
    expect(outside.status).toBe(400);
    expect(outside.body.details.issues[0].field).toBe('query.division');
    expect((await call(org, '/api/v1/deliveries?status=sent')).body.total).toBe(0);
    expect((await call(org, '/api/v1/deliveries?channel=sms')).body.items.map((d: { id: string }) => d.id)).toEqual([smsDelivery.id]);
  });

  test('inbox items carry their deliveries, masked; no answer holds the number, the URL key or the secret', async () => {
    const inbox = await call(township, '/api/v1/inbox');
    const item = inbox.body.items.find((i: { id: string }) => i.id === robotDelivery.notification_id);
    expect(item.deliveries).toEqual([expect.objectContaining({ id: robotDelivery.id, channel: 'dingtalk_robot', status: 'pending' })]);
    const sponsorInbox = await call(sponsor, '/api/v1/inbox');
    const reminder = sponsorInbox.body.items.find((i: { id: string }) => i.id === smsDelivery.notification_id);
    expect(reminder.deliveries[0]).toMatchObject({ channel: 'sms', targetHint: '136****6004' });
    for (const raw of [inbox.raw, sponsorInbox.raw, (await call(org, '/api/v1/deliveries')).raw]) {
      for (const secret of [PHONE, 'township-token-api', 'SECapi-secret']) expect(raw).not.toContain(secret);
    }
  });
});

describe('resending', () => {
  test('only failed or unknown; an unknown DingTalk message needs confirmInDoubt; each resend audited', async () => {
    const pending = await call(org, `/api/v1/deliveries/${robotDelivery.id}/retry`, 'POST', {});
    expect(pending.status).toBe(409);

    await h.db.sql`update deliveries set status = 'unknown', last_error_code = 'outcome_unknown', attempts = 1 where id = ${robotDelivery.id}`;
    const unconfirmed = await call(township, `/api/v1/deliveries/${robotDelivery.id}/retry`, 'POST', {});
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.details.issues[0].field).toBe('body.confirmInDoubt');
    expect((await call(otherTownship, `/api/v1/deliveries/${robotDelivery.id}/retry`, 'POST', { confirmInDoubt: true })).status).toBe(404);
    expect((await call(sponsor, `/api/v1/deliveries/${smsDelivery.id}/retry`, 'POST', { confirmInDoubt: true })).status).toBe(403);

    const resent = await call(township, `/api/v1/deliveries/${robotDelivery.id}/retry`, 'POST', { confirmInDoubt: true, reason: '群里未见该消息' });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ status: 'scheduled', resends: 1, lastErrorCode: null });
    const [audit] = await h.db.sql<{ action: string; actor_user_id: string; details: { confirmInDoubt: boolean; reason: string } }[]>`
      select action, actor_user_id, details from audit_events where entity_type = 'delivery' and entity_id = ${robotDelivery.id}`;
    expect(audit).toMatchObject({ action: 'delivery_resent', actor_user_id: township.id, details: { confirmInDoubt: true, reason: '群里未见该消息' } });

    // A failed SMS needs no confirmation (nothing went out).
    await h.db.sql`update deliveries set status = 'failed', last_error_code = 'isv.MOBILE_NUMBER_ILLEGAL' where id = ${smsDelivery.id}`;
    const retried = await call(org, `/api/v1/deliveries/${smsDelivery.id}/retry`, 'POST', {});
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('scheduled');
  });
});
