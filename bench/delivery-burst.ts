/**
 * Benchmark: a month-end burst of red cards delivered. N red cards (default 50,000), each to one of
 * R office robots (default 500: WeCom and DingTalk, half each) and one of P phones (default 5,000),
 * written into the outbox at once; the production worker process (its delivery side: dispatcher,
 * senders, the real adapters) sends them to local provider stubs (the robot receiver enforces 20
 * messages a minute per robot; the Aliyun stub verifies every signature). Figures: time until every
 * delivery is final, messages per robot and per phone, and the checks: every delivery `sent`,
 * `digested` or `failed`; messages received = deliveries `sent` (none lost, none twice); no robot
 * over 20 a minute. The window is open (a policy with sendWindow `always`): this measures throughput.
 *
 *   npx tsx bench/delivery-burst.ts [--n=50000] [--robots=500] [--phones=5000]
 */
import { randomUUID } from 'node:crypto';
import { createPolicyVersion } from '../db/queries/policies.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import { maskPhone, maskUrl } from '../domain/delivery.js';
import { createSecretBox } from '../lib/secret-box.js';
import { startAliyunSmsStub, startRobotReceiver } from '../tests/support/provider-stubs.js';
import { openWorld, runBench } from './support/env.js';
import { sleep, startWorkerProcess } from './support/processes.js';
import { args, intArg, log, ms, printTable, rate, saveResult, summary } from './support/report.js';

const a = args();
const N = intArg(a, 'n', 50_000);
const ROBOTS = intArg(a, 'robots', 500);
const PHONES = intArg(a, 'phones', 5_000);
const KEYS = { accessKeyId: 'LTAI5tBenchKey', accessKeySecret: 'bench-aliyun-secret' };
const DELIVERY_KEY = Buffer.alloc(32, 9).toString('base64');

await runBench(async (onCleanup) => {
  const world = await openWorld({ villagesNeeded: ROBOTS, log, poolMax: 20 });
  onCleanup(() => world.close());
  const { db } = world;
  const box = createSecretBox(DELIVERY_KEY);
  const aliyun = await startAliyunSmsStub(KEYS);
  onCleanup(() => aliyun.close());
  const dingtalkSecrets: Record<string, string> = {};
  for (let i = 0; i < ROBOTS; i += 2) dingtalkSecrets[`bench-dt-${i}`] = `SECbench-${i}`;
  const robots = await startRobotReceiver({ dingtalkSecrets });
  onCleanup(() => robots.close());

  // Messages at any hour: the bench measures throughput, not windows.
  const province = world.villages[0]!.slice(0, 2);
  const org = world.actors.byProvince.get(province)!.org;
  await createPolicyVersion(db.db, org, { jurisdictionCode: `${province}0000000000`, name: 'default', body: { ...DEFAULT_POLICY, sendWindow: 'always' } });

  // The targets: R office channels (one per village office) and P people with a verified SMS number.
  const t0 = Date.now();
  const channelIds: string[] = [];
  for (let i = 0; i < ROBOTS; i++) {
    const dingtalk = i % 2 === 0;
    const url = dingtalk ? robots.dingtalkUrl(`bench-dt-${i}`) : robots.wecomUrl(`bench-wc-${i}`);
    const id = randomUUID();
    channelIds.push(id);
    await db.sql`insert into office_channels (id, office_role, office_division_code, kind, label, url_sealed, url_hint, secret_sealed)
      values (${id}, 'org_dept', ${world.villages[i]!}, ${dingtalk ? 'dingtalk_robot' : 'wecom_robot'}, ${`机器人${i}`}, ${box.seal(url)}, ${maskUrl(url)},
              ${dingtalk ? box.seal(dingtalkSecrets[`bench-dt-${i}`]!) : null})`;
  }
  const userIds = (
    await db.sql<{ id: string }[]>`
    insert into users (username, name, role, jurisdiction_code, must_change_password)
    select 'bench-staff-' || g, '干部' || g, 'org_dept', ${`${province}0000000000`}, false from generate_series(1, ${PHONES}) g returning id`
  ).map((r) => r.id);
  const contactIds: string[] = [];
  for (let i = 0; i < PHONES; i += 500) {
    const rows = userIds.slice(i, i + 500).map((userId, j) => {
      const phone = `139${String(i + j).padStart(8, '0')}`;
      return {
        id: randomUUID(),
        user_id: userId,
        kind: 'sms',
        address_sealed: box.seal(phone),
        address_digest: box.digest(phone),
        address_hint: maskPhone(phone),
        verified_at: new Date().toISOString(),
      };
    });
    contactIds.push(...rows.map((r) => r.id));
    await db.sql`insert into contact_points ${db.sql(rows)}`;
  }
  // The burst: N red cards, each with its robot and its phone delivery, pending, as a projection writes them.
  await db.sql`
    with n as (
      insert into notifications (dedupe_key, recipient_role, recipient_division_code, kind, title, body)
      select 'bench-red-' || g, 'org_dept', ${world.villages[0]!}, 'escalation.org_dept', '红牌督办 第' || g || '项', '整顿方案已于到期日仍未完成，现予红牌督办。'
        from generate_series(0, ${N - 1}) g
      returning id, (substring(dedupe_key from 11))::int as g
    )
    insert into deliveries (notification_id, channel, contact_point_id, office_channel_id, target_id, division_code, category)
    select n.id, oc.kind::text::delivery_channel, null, oc.id, oc.id, oc.office_division_code, 'red_card'::notification_category from n
      join office_channels oc on oc.id = (${channelIds}::uuid[])[(n.g % ${ROBOTS}) + 1]
    union all
    select n.id, 'sms'::delivery_channel, cp.id, null, cp.id, ${world.villages[0]!}, 'red_card'::notification_category from n
      join contact_points cp on cp.id = (${contactIds}::uuid[])[(n.g % ${PHONES}) + 1]`;
  const total = (await db.sql<{ total: number }[]>`select count(*)::int as total from deliveries`)[0]!.total;
  log(`setup: ${ROBOTS} robots, ${PHONES} phones, ${N} red cards → ${total} deliveries (${((Date.now() - t0) / 1000).toFixed(0)} s)`);

  // The production worker process, its delivery side on: it wakes the dispatcher as it starts.
  const started = Date.now();
  const worker = await startWorkerProcess({
    connection: world.client.connection,
    databaseUrl: world.database.url,
    temporalAddress: world.temporal.address,
    taskQueue: world.client.taskQueue,
    env: {
      DELIVERY_ENCRYPTION_KEY: DELIVERY_KEY,
      SMS_PROVIDER: 'aliyun',
      ALIYUN_SMS_ACCESS_KEY_ID: KEYS.accessKeyId,
      ALIYUN_SMS_ACCESS_KEY_SECRET: KEYS.accessKeySecret,
      ALIYUN_SMS_ENDPOINT: `http://${aliyun.endpoint}`,
      ALIYUN_SMS_SIGN_NAME: '县委组织部',
      ALIYUN_SMS_TEMPLATE_CODE: 'SMS_400000001',
    },
  });
  onCleanup(() => worker.stop());

  let last = '';
  let finishedAt: number;
  for (;;) {
    const rows = await db.sql<{ status: string; n: number }[]>`select status, count(*)::int as n from deliveries group by status order by status`;
    const line = rows.map((r) => `${r.status} ${r.n}`).join(', ');
    if (line !== last) log(`${((Date.now() - started) / 1000).toFixed(0)} s: ${line}`);
    last = line;
    if (!rows.some((r) => ['pending', 'scheduled', 'sending'].includes(r.status))) {
      finishedAt = Date.now();
      break;
    }
    if (Date.now() - started > 30 * 60_000) throw new Error(`not done after 30 minutes: ${line}`);
    await sleep(2_000);
  }
  const [counts] = await db.sql<{ sent: number; digested: number; failed: number; other: number; sent_robot: number; sent_sms: number }[]>`
    select count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status = 'digested')::int as digested,
           count(*) filter (where status = 'failed')::int as failed, count(*) filter (where status not in ('sent', 'digested', 'failed'))::int as other,
           count(*) filter (where status = 'sent' and channel <> 'sms')::int as sent_robot, count(*) filter (where status = 'sent' and channel = 'sms')::int as sent_sms
      from deliveries`;
  const robotMessages = robots.hits.filter((h) => h.answered === 200);
  const perRobot = new Map<string, number>();
  for (const hit of robotMessages) perRobot.set(hit.robot, (perRobot.get(hit.robot) ?? 0) + 1);
  const smsOutIds = aliyun.sends.map((s) => s.outId);
  const perPhone = new Map<string, number>();
  for (const s of aliyun.sends) perPhone.set(s.phone, (perPhone.get(s.phone) ?? 0) + 1);
  const seconds = (finishedAt - started) / 1000;
  const robotCounts = summary([...perRobot.values()]);
  const phoneCounts = summary([...perPhone.values()]);
  const checks = {
    allFinal: counts!.other === 0,
    robotMessagesEqualSentRows: robotMessages.length === counts!.sent_robot,
    smsEqualSentRows: aliyun.sends.length === counts!.sent_sms && new Set(smsOutIds).size === smsOutIds.length,
    noRobotOver20PerMinute: robots.stats.rateViolations === 0,
    badSignatures: robots.stats.badSignatures,
  };
  const title = `Delivery burst: ${N} red cards → ${total} deliveries to ${ROBOTS} robots and ${PHONES} phones`;
  const rows = [
    { figure: 'time until every delivery is final (from the worker start)', value: ms(finishedAt - started) },
    { figure: 'deliveries made final per second', value: rate(total / seconds) },
    { figure: 'sent / digested (merged) / failed', value: `${counts!.sent} / ${counts!.digested} / ${counts!.failed}` },
    { figure: 'robot messages received (= robot deliveries sent)', value: `${robotMessages.length} (${counts!.sent_robot})` },
    { figure: 'messages per robot p50 / max', value: `${robotCounts.p50} / ${robotCounts.max}` },
    { figure: 'SMS received (= SMS deliveries sent)', value: `${aliyun.sends.length} (${counts!.sent_sms})` },
    { figure: 'SMS per phone p50 / max', value: `${phoneCounts.p50} / ${phoneCounts.max}` },
    { figure: 'robots over 20 a minute (receiver’s count)', value: String(robots.stats.rateViolations), ambition: '0', met: robots.stats.rateViolations === 0 },
    {
      figure: 'checks',
      value: Object.entries(checks)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    },
  ];
  const context = { n: N, robots: ROBOTS, phones: PHONES, deliveries: total, seconds: Number(seconds.toFixed(1)) };
  printTable(title, rows, context);
  await saveResult('delivery-burst', { title, rows, context, machine: world.machine });
  if (!checks.allFinal || !checks.robotMessagesEqualSentRows || !checks.smsEqualSentRows || !checks.noRobotOver20PerMinute)
    throw new Error(`a check failed: ${JSON.stringify(checks)}`);
});
