/**
 * Exactly once where the provider cannot drop a duplicate, through the real adapters against the
 * provider stubs (which verify the real signatures) on the time-skipping server:
 * - an SMS the stub accepted whose answer was lost (accept-then-reset): the retry does not send it
 *   again; the delivery becomes `unknown` and is reconciled by QuerySendDetails (OutId);
 * - a DingTalk message lost the same way stays `unknown` (no status query, no resend);
 * - a WeCom message lost the same way is sent again (WeCom drops the duplicate: enable_duplicate_check);
 * - nothing the stubs were given (phone numbers, robot keys, secrets) is in Temporal history.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { workerLogEntries } from '../support/quiet-runtime.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { addContactPoint, addOfficeChannel } from '../support/deliveries.js';
import { startAliyunSmsStub, startRobotReceiver } from '../support/provider-stubs.js';
import { yearRange } from '../support/test-calendar.js';
import { loadConfig } from '../../config/config.js';
import { createNotifiers } from '../../notifiers/index.js';
import { insertNotifications } from '../../db/queries/deadline-projection.js';
import { deliveryTaskQueue } from '../../temporal/client.js';
import { deliveryDispatcherWorkflowId, deliverySenderWorkflowId } from '../../workflows/ids.js';
import { createPolicyVersion } from '../../db/queries/policies.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';

const KEYS = { accessKeyId: 'LTAI5tExactlyOnce', accessKeySecret: 'aliyun-secret-exactly-once' };
const PHONE = '13700137003';
const DINGTALK_SECRET = 'SECdingtalk-exactly-once';

let env: TestWorkflowEnvironment;
let h: Harness;
let sponsor: TestUser;
let aliyun: Awaited<ReturnType<typeof startAliyunSmsStub>>;
let robots: Awaited<ReturnType<typeof startRobotReceiver>>;
let wecomUrl: string;
let serverOffsetMs = 0;
let dingtalkUrl: string;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  // The stub dates its records by the server's clock, as the provider's would be by the real one:
  // the reconciliation asks by the date of the claim, which is server time (moved under test:dates).
  serverOffsetMs = (await env.currentTimeMs()) - Date.now();
  aliyun = await startAliyunSmsStub({ ...KEYS, now: () => new Date(Date.now() + serverOffsetMs) });
  robots = await startRobotReceiver({ dingtalkSecrets: { 'org-token-exactly': DINGTALK_SECRET } });
  const notifiers = createNotifiers(
    loadConfig({
      SMS_PROVIDER: 'aliyun',
      ALIYUN_SMS_ACCESS_KEY_ID: KEYS.accessKeyId,
      ALIYUN_SMS_ACCESS_KEY_SECRET: KEYS.accessKeySecret,
      ALIYUN_SMS_ENDPOINT: `http://${aliyun.endpoint}`,
      ALIYUN_SMS_SIGN_NAME: '惠水县委组织部',
      ALIYUN_SMS_TEMPLATE_CODE: 'SMS_400000001',
      DELIVERY_HTTP_TIMEOUT_MS: '2000',
    }),
  );
  h = await startHarness({ env }, { deliveries: { notifiers } });
  const year = new Date(await env.currentTimeMs()).getUTCFullYear();
  await h.useCalendar(yearRange(year - 1, year + 2));
  sponsor = await h.addUser('sponsor', '522731', '包保县领导');
  await addContactPoint(h, sponsor.id, 'sms', PHONE);
  wecomUrl = robots.wecomUrl('township-key-exactly');
  dingtalkUrl = robots.dingtalkUrl('org-token-exactly');
  await addOfficeChannel(h, { role: 'township_office', divisionCode: '522731001000' }, 'wecom_robot', wecomUrl);
  await addOfficeChannel(h, { role: 'org_dept', divisionCode: '522731000000' }, 'dingtalk_robot', dingtalkUrl, DINGTALK_SECRET);
  // Messages at any hour (this file is about outcomes, not windows): the county's policy says so.
  const org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  await createPolicyVersion(h.db.db, org, { jurisdictionCode: '522731000000', name: 'default', body: { ...DEFAULT_POLICY, sendWindow: 'always' } });
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
  await aliyun?.close();
  await robots?.close();
});

async function notify(
  recipient: { userId: string | null; role: 'sponsor' | 'township_office' | 'org_dept'; divisionCode: string },
  kind: string,
  title: string,
) {
  const at = new Date(await env.currentTimeMs());
  const key = `test:${kind}:${title}`;
  await h.db.db.transaction((tx) => insertNotifications(tx, null, null, [{ dedupeKey: key, recipient, kind, title, body: `${title}，请及时处理。` }], at));
  h.delivery!.wake();
  const [row] = await h.db.sql<{ id: string }[]>`select d.id from deliveries d join notifications n on n.id = d.notification_id where n.dedupe_key = ${key}`;
  return row!.id;
}

async function statusOf(id: string): Promise<string> {
  const [row] = await h.db.sql<{ status: string }[]>`select status from deliveries where id = ${id}`;
  return row!.status;
}

/** Lets the send activity's retry (30 s backoff) come due on the skipping server. */
async function skip(ms: number) {
  await env.sleep(ms);
  serverOffsetMs = (await env.currentTimeMs()) - Date.now();
}

describe('a send whose answer was lost', () => {
  test('SMS: sent once, marked unknown, reconciled by QuerySendDetails to sent', async () => {
    aliyun.fault({ kind: 'reset' });
    const id = await notify({ userId: sponsor.id, role: 'sponsor', divisionCode: '522731000000' }, 'escalation.reminder', '整顿方案到期提醒');
    await eventually('the stub took it', async () => aliyun.sends.some((s) => s.outId === id));
    await skip(90_000);
    await eventually('reconciled', async () => (await statusOf(id)) === 'sent');
    expect(aliyun.sends.filter((s) => s.outId === id)).toHaveLength(1);
    const [row] = await h.db.sql<
      { attempts: number; provider_message_id: string | null }[]
    >`select attempts, provider_message_id from deliveries where id = ${id}`;
    expect(row!.attempts).toBe(1);
  });

  test('DingTalk: sent once and left unknown (it cannot drop a duplicate, nor say what it got)', async () => {
    robots.fault({ kind: 'reset' });
    const id = await notify({ userId: null, role: 'org_dept', divisionCode: '522731000000' }, 'escalation.org_dept', '红牌督办');
    await eventually('the robot took it', async () => robots.hits.some((hit) => hit.kind === 'dingtalk' && JSON.stringify(hit.body).includes('红牌督办')));
    await skip(90_000);
    await eventually('unknown', async () => (await statusOf(id)) === 'unknown');
    await skip(10 * 60_000);
    expect(robots.hits.filter((hit) => hit.kind === 'dingtalk' && JSON.stringify(hit.body).includes('红牌督办'))).toHaveLength(1);
  });

  test('WeCom: sent again with the same duplicate check, and sent', async () => {
    robots.fault({ kind: 'reset' });
    const id = await notify({ userId: null, role: 'township_office', divisionCode: '522731001000' }, 'escalation.township_office', '黄牌督办');
    await eventually('the robot took it', async () => robots.hits.some((hit) => hit.kind === 'wecom' && JSON.stringify(hit.body).includes('黄牌督办')));
    await skip(90_000);
    await eventually('sent', async () => (await statusOf(id)) === 'sent');
    const hits = robots.hits.filter((hit) => hit.kind === 'wecom' && JSON.stringify(hit.body).includes('黄牌督办'));
    expect(hits).toHaveLength(2);
    expect(hits.every((hit) => (hit.body as { enable_duplicate_check?: number }).enable_duplicate_check === 1)).toBe(true);
  });
});

test('no phone number, robot key or secret in the delivery workflows’ histories or the worker’s log lines', async () => {
  const text: string[] = [];
  const targets = await h.db.sql<{ target_id: string }[]>`select distinct target_id from deliveries`;
  const ids = [deliveryDispatcherWorkflowId(deliveryTaskQueue(h.temporal.taskQueue)), ...targets.map((t) => deliverySenderWorkflowId(t.target_id))];
  for (const id of ids) text.push(JSON.stringify(await h.temporal.client.workflow.getHandle(id).fetchHistory()));
  expect(text.length).toBeGreaterThan(3);
  const all = text.join('\n');
  expect(all).toContain('sendDeliveries');
  // The lost answers above were logged as failed attempts (WARN): with codes, never addresses.
  const logged = JSON.stringify(workerLogEntries(), (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
  expect(logged).toContain('OutcomeUnknown');
  for (const secret of [PHONE, '0137003', 'township-key-exactly', 'org-token-exactly', DINGTALK_SECRET, KEYS.accessKeySecret])
    expect(logged).not.toContain(secret);

  // `RECORD_REPLAY_HISTORIES=1`: these runs become the delivery workflows' committed histories (tests/replay), once.
  if (process.env.RECORD_REPLAY_HISTORIES === '1') {
    const { historyToJSON } = await import('@temporalio/common/lib/proto-utils.js');
    const { access, writeFile } = await import('node:fs/promises');
    const dir = new URL('../replay/histories/', import.meta.url);
    const smsTarget = (await h.db.sql<{ target_id: string }[]>`select target_id from deliveries where channel = 'sms' limit 1`)[0]!.target_id;
    const wecomTarget = (await h.db.sql<{ target_id: string }[]>`select target_id from deliveries where channel = 'wecom_robot' limit 1`)[0]!.target_id;
    for (const [file, id] of [
      ['delivery-dispatcher-v1.json', deliveryDispatcherWorkflowId(deliveryTaskQueue(h.temporal.taskQueue))],
      ['delivery-sender-v1-sms-unknown-reconciled.json', deliverySenderWorkflowId(smsTarget)],
      ['delivery-sender-v1-wecom-resent.json', deliverySenderWorkflowId(wecomTarget)],
    ] as const) {
      const target = new URL(file, dir);
      if (
        await access(target).then(
          () => true,
          () => false,
        )
      )
        continue;
      await writeFile(target, historyToJSON(await h.temporal.client.workflow.getHandle(id).fetchHistory()));
    }
  }
  for (const secret of [PHONE, '0137003', 'township-key-exactly', 'org-token-exactly', DINGTALK_SECRET, KEYS.accessKeySecret])
    expect(all).not.toContain(secret);
});
