/**
 * Benchmark 4, command round trip: API commands (each becomes an Update on the case's workflow,
 * is projected to Postgres and answers the new state) sent over real HTTP to the production API
 * process at a steady open-loop rate. The first command to a case files its plan, the following
 * ones move its sponsor back and forth; every request carries its own Idempotency-Key.
 * Beside it, the same Update sent straight through the Temporal client (no HTTP, no read-back).
 *
 *   npx tsx bench/command-round-trip.ts [--rate=10] [--seconds=30] [--cases=50]
 */
import { createUser } from '../db/queries/users.js';
import { executeCaseCommand } from '../temporal/client.js';
import { changeSponsorUpdate } from '../workflows/rectification-messages.js';
import { FULL_LADDER, designate, freePort, openWorld, pool, runBench, secondsPolicy } from './support/env.js';
import { sleep, startApiProcess, startWorkerProcess } from './support/processes.js';
import { args, intArg, log, ms, printTable, saveResult, summary, type Row } from './support/report.js';

const a = args();
const RATE = intArg(a, 'rate', 10);
const SECONDS = intArg(a, 'seconds', 30);
const CASES = intArg(a, 'cases', 50);

await runBench(async (onCleanup) => {
  const world = await openWorld({ villagesNeeded: CASES, log });
  onCleanup(() => world.close());
  const common = { databaseUrl: world.database.url, temporalAddress: world.temporal.address, taskQueue: world.client.taskQueue };
  const worker = await startWorkerProcess({ connection: world.client.connection, ...common });
  onCleanup(() => worker.stop());
  const api = await startApiProcess({ ...common, port: await freePort() });
  onCleanup(() => api.stop());

  const province = world.villages[0]!.slice(0, 2);
  const { org, sponsor } = world.actors.byProvince.get(province)!;
  const other = (await createUser(world.db.db, { name: 'bench-sponsor-2', role: 'sponsor', jurisdictionCode: province, actor: { actorLabel: 'bench' } })).user;
  const policyId = await world.policy(province, secondsPolicy(3_600_000, FULL_LADDER(60)));
  const villages = world.villages.filter((v) => v.startsWith(province)).slice(0, CASES);
  const caseIds: string[] = [];
  await pool(villages.length, 16, async (i) => void caseIds.push(await designate(world.cases, world.actors, villages[i]!, policyId)));
  log(`${caseIds.length} cases; ${RATE}/s for ${SECONDS} s`);

  // The org dept moves sponsors; the sponsor in post files the plan (offices file only while the post is vacant).
  const post = async (path: string, body: unknown, key: string, as: { token: string } = org) => {
    const t0 = performance.now();
    const res = await fetch(`${api.url}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${as.token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { state?: string; sponsorUserId?: string };
    return { ms: performance.now() - t0, status: res.status, json };
  };

  // Warm-up (JIT, connections), not counted.
  for (let i = 0; i < 5; i++) await post(`/cases/${caseIds[i]}/sponsor`, { sponsorUserId: sponsor.id, reason: 'warm-up' }, `warm-${i}`);

  type Sample = { kind: 'plan' | 'sponsor'; ms: number; ok: boolean };
  const samples: Sample[] = [];
  const planned = new Set<string>();
  const sponsorOf = new Map<string, string>();
  const total = RATE * SECONDS;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    if (due > performance.now()) await sleep(due - performance.now());
    const caseId = caseIds[i % caseIds.length]!;
    inflight.push(
      (async () => {
        if (!planned.has(caseId)) {
          planned.add(caseId);
          const r = await post(
            `/cases/${caseId}/plan`,
            { summary: '方案', issues: ['班子'], measures: [{ measure: '配强书记', owner: '乡镇党委' }] },
            `plan-${i}`,
            sponsor,
          );
          samples.push({ kind: 'plan', ms: r.ms, ok: r.status === 200 && r.json.state === 'rectifying' });
        } else {
          const next = sponsorOf.get(caseId) === other.id ? sponsor.id : other.id;
          sponsorOf.set(caseId, next);
          const r = await post(`/cases/${caseId}/sponsor`, { sponsorUserId: next, reason: '工作调整' }, `sponsor-${i}`);
          samples.push({ kind: 'sponsor', ms: r.ms, ok: r.status === 200 && r.json.sponsorUserId === next });
        }
      })(),
    );
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - start) / 1000;

  // The Update alone (Temporal client → workflow → projection → answer), at the same rate.
  const direct: number[] = [];
  const dStart = performance.now();
  const dInflight: Promise<void>[] = [];
  for (let i = 0; i < Math.min(total, RATE * 15); i++) {
    const due = dStart + (i * 1000) / RATE;
    if (due > performance.now()) await sleep(due - performance.now());
    const caseId = caseIds[i % caseIds.length]!;
    const next = sponsorOf.get(caseId) === other.id ? sponsor.id : other.id;
    sponsorOf.set(caseId, next);
    dInflight.push(
      (async () => {
        const t0 = performance.now();
        await executeCaseCommand(world.client, caseId, changeSponsorUpdate, [
          { sponsorUserId: next, reason: 'direct', actor: { userId: org.id, label: org.name, role: 'org_dept' } },
        ]);
        direct.push(performance.now() - t0);
      })(),
    );
  }
  await Promise.all(dInflight);

  const all = summary(samples.map((s) => s.ms));
  const plans = summary(samples.filter((s) => s.kind === 'plan').map((s) => s.ms));
  const sponsors = summary(samples.filter((s) => s.kind === 'sponsor').map((s) => s.ms));
  const d = summary(direct);
  const failed = samples.filter((s) => !s.ok).length;
  const rows: Row[] = [
    {
      figure: 'API command round trip p50 / p99 / max',
      value: `${ms(all.p50)} / ${ms(all.p99)} / ${ms(all.max)}`,
      ambition: 'p99 ≤ 150 ms',
      met: all.p99 <= 150,
      note: `${samples.length} commands at ${RATE}/s (achieved ${(samples.length / elapsed).toFixed(1)}/s), ${failed} failed`,
    },
    { figure: '  plan filed (p50 / p99)', value: `${ms(plans.p50)} / ${ms(plans.p99)}`, note: `${plans.n} commands` },
    { figure: '  sponsor changed (p50 / p99)', value: `${ms(sponsors.p50)} / ${ms(sponsors.p99)}`, note: `${sponsors.n} commands` },
    {
      figure: 'the Update alone, Temporal client (p50 / p99)',
      value: `${ms(d.p50)} / ${ms(d.p99)}`,
      note: `${d.n} Updates at ${RATE}/s: no HTTP, auth, idempotency store or read-back`,
    },
  ];
  const context = { rate: RATE, seconds: SECONDS, cases: CASES };
  printTable('Command round trip', rows, context);
  await saveResult('command-round-trip', { title: 'Command round trip', rows, context, machine: world.machine });
  if (failed) throw new Error(`${failed} commands failed`);
});
