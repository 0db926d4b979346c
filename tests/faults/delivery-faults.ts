/**
 * The delivery fault: the worker process is killed (-9) while SMS sends are in flight, after the
 * provider (the Aliyun stub, verifying every signature) has taken them and before any outcome was
 * committed. Expected: each SMS reached the provider exactly once; the next worker finds the claims
 * without outcomes, does not send again, marks them `unknown` and reconciles each through
 * QuerySendDetails by OutId to `sent`.
 */
import { randomUUID } from 'node:crypto';
import { createPolicyVersion } from '../../db/queries/policies.js';
import { maskPhone } from '../../domain/delivery.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { createSecretBox } from '../../lib/secret-box.js';
import { sleep, until } from '../../bench/support/processes.js';
import { startAliyunSmsStub } from '../support/provider-stubs.js';
import type { Cluster, FaultResult } from './cluster.js';

const KEYS = { accessKeyId: 'LTAI5tFaultKey', accessKeySecret: 'fault-aliyun-secret' };
const DELIVERY_KEY = Buffer.alloc(32, 5).toString('base64');

export async function workerKilledMidSend(cluster: Cluster): Promise<FaultResult> {
  const started = Date.now();
  const n = 20;
  const failures: string[] = [];
  const stub = await startAliyunSmsStub(KEYS);
  try {
    // The next worker has its delivery side on; the provider takes each send and never answers.
    cluster.workerEnv = {
      DELIVERY_ENCRYPTION_KEY: DELIVERY_KEY,
      SMS_PROVIDER: 'aliyun',
      ALIYUN_SMS_ACCESS_KEY_ID: KEYS.accessKeyId,
      ALIYUN_SMS_ACCESS_KEY_SECRET: KEYS.accessKeySecret,
      ALIYUN_SMS_ENDPOINT: `http://${stub.endpoint}`,
      ALIYUN_SMS_SIGN_NAME: '县委组织部',
      ALIYUN_SMS_TEMPLATE_CODE: 'SMS_400000001',
      DELIVERY_HTTP_TIMEOUT_MS: '60000',
    };

    const box = createSecretBox(DELIVERY_KEY);
    const province = cluster.villages[0]!.slice(0, 2);
    const org = cluster.actors.byProvince.get(province)!.org;
    await createPolicyVersion(cluster.db.db, org, {
      jurisdictionCode: `${province}0000000000`,
      name: 'default',
      body: { ...DEFAULT_POLICY, sendWindow: 'always' },
    });
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const phone = `135${String(i).padStart(8, '0')}`;
      const [user] = await cluster.db.sql<{ id: string }[]>`
        insert into users (username, name, role, jurisdiction_code, must_change_password)
        values (${`fault-sms-${i}`}, ${`干部${i}`}, 'sponsor', ${`${province}0000000000`}, false) returning id`;
      const contactId = randomUUID();
      await cluster.db.sql`insert into contact_points (id, user_id, kind, address_sealed, address_digest, address_hint, verified_at)
        values (${contactId}, ${user!.id}, 'sms', ${box.seal(phone)}, ${box.digest(phone)}, ${maskPhone(phone)}, now())`;
      const [row] = await cluster.db.sql<{ id: string }[]>`
        with n as (insert into notifications (dedupe_key, recipient_user_id, recipient_role, recipient_division_code, kind, title, body)
                   values (${`fault-sms-${i}`}, ${user!.id}, 'sponsor', ${`${province}0000000000`}, 'escalation.reminder', '到期提醒', '整顿方案将于三个工作日后到期。') returning id)
        insert into deliveries (notification_id, channel, contact_point_id, target_id, division_code, category)
        select n.id, 'sms', ${contactId}, ${contactId}, ${`${province}0000000000`}, 'reminder' from n returning id`;
      ids.push(row!.id);
    }
    // A worker with its delivery side on: its start-up nudge wakes the dispatcher. Wait for the provider to hold all.
    stub.fault({ kind: 'hang' }, n);
    await cluster.worker!.kill9();
    await cluster.startWorker();
    await until('the provider took every SMS', async () => new Set(stub.sends.map((s) => s.outId)).size >= n || null, 120_000, 200);
    await cluster.worker!.kill9();
    cluster.log(`delivery-kill: kill -9 with ${n} SMS taken by the provider, no outcome committed`);
    const [inFlight] = await cluster.db.sql<
      { n: number }[]
    >`select count(*)::int as n from deliveries where id in ${cluster.db.sql(ids)} and status = 'sending'`;
    if (inFlight!.n !== n) failures.push(`${inFlight!.n} of ${n} were 'sending' at the kill`);
    await sleep(1_000);
    await cluster.startWorker();
    const final = await until(
      'every SMS reconciled',
      async () => {
        const rows = await cluster.db.sql<
          { status: string; n: number }[]
        >`select status, count(*)::int as n from deliveries where id in ${cluster.db.sql(ids)} group by status`;
        return rows.every((r) => r.status === 'sent' || r.status === 'delivered' || r.status === 'failed') ? rows : null;
      },
      150_000,
      500,
    ).catch((error: unknown) => {
      failures.push(String(error));
      return [] as Array<{ status: string; n: number }>;
    });
    const perOutId = new Map<string, number>();
    for (const s of stub.sends) perOutId.set(s.outId ?? '', (perOutId.get(s.outId ?? '') ?? 0) + 1);
    const delivered = ids.filter((id) => perOutId.get(id) === 1).length;
    const duplicated = ids.filter((id) => (perOutId.get(id) ?? 0) > 1).length;
    const lost = ids.filter((id) => !perOutId.has(id)).length;
    const reconciled = final.filter((r) => r.status === 'sent' || r.status === 'delivered').reduce((a, r) => a + r.n, 0);
    if (reconciled !== n) failures.push(`${reconciled} of ${n} reconciled to sent (${JSON.stringify(final)})`);
    if (duplicated) failures.push(`${duplicated} SMS sent twice`);
    if (lost) failures.push(`${lost} SMS never reached the provider`);
    return {
      name: 'worker kill -9 with SMS in flight',
      expected: n,
      delivered,
      duplicated,
      lost,
      notes: [`provider requests ${stub.sends.length} for ${n} deliveries; ${reconciled} reconciled by QuerySendDetails`],
      failures,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    cluster.workerEnv = {};
    await stub.close();
  }
}
