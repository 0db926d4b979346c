/**
 * Benchmark 2, escalation lateness: N cases whose plan deadlines (each with the four-rung ladder)
 * are spread over a couple of minutes, on the real dev server with the production worker process.
 * Lateness = escalations.committed_at − the rung's scheduled instant. Beside it, in the same run and
 * on the same Postgres, the same deadlines through what a team would otherwise write: a poller that
 * scans a deadlines table every minute, and pg-boss jobs with `startAfter`.
 *
 *   npx tsx bench/escalation-lateness.ts [--n=200] [--spread=120] [--poll=60] [--concurrency=16] [--no-pgboss]
 */
import { startPgBoss, startPoller, type Baseline } from './support/baselines.js';
import { FULL_LADDER, designate, openWorld, pool, runBench, secondsPolicy } from './support/env.js';
import { escalationLedger, scheduledRungs } from './support/ledger.js';
import { sleep, startWorkerProcess, until } from './support/processes.js';
import { args, intArg, log, ms, printTable, saveResult, summary, type Row } from './support/report.js';

const a = args();
const N = intArg(a, 'n', 200);
const SPREAD_S = intArg(a, 'spread', 120);
const POLL_S = intArg(a, 'poll', 60);
const CONCURRENCY = intArg(a, 'concurrency', 16);
const PGBOSS = a['no-pgboss'] === undefined;
const POLICIES = 12;
/** The earliest plan deadline, so that every rung lies after the designation phase. */
const FIRST_DUE_S = 45;

await runBench(async (onCleanup) => {
  const world = await openWorld({ villagesNeeded: N, log });
  onCleanup(() => world.close());
  const worker = await startWorkerProcess({
    connection: world.client.connection,
    databaseUrl: world.database.url,
    temporalAddress: world.temporal.address,
    taskQueue: world.client.taskQueue,
  });
  onCleanup(() => worker.stop());

  const baselines: Baseline[] = [await startPoller(world.db, POLL_S * 1000)];
  if (PGBOSS) baselines.push(await startPgBoss(world.db, world.database.url));
  onCleanup(async () => {
    for (const b of baselines) await b.stop();
  });

  const ladder = FULL_LADDER(5, 2, 4, 7);
  const policyIds: string[] = [];
  const province = world.villages[0]!.slice(0, 2);
  for (let k = 0; k < POLICIES; k++) {
    const dueMs = (FIRST_DUE_S + (k * SPREAD_S) / (POLICIES - 1)) * 1000;
    policyIds.push(await world.policy(province, secondsPolicy(dueMs, ladder)));
  }
  const villages = world.villages.filter((v) => v.startsWith(province)).slice(0, N);
  if (villages.length < N) throw new Error(`need ${N} villages in province ${province}`);

  log(`designating ${N} cases; plan deadlines ${FIRST_DUE_S}–${FIRST_DUE_S + SPREAD_S} s after designation`);
  const caseIds: string[] = [];
  const t0 = Date.now();
  await pool(N, CONCURRENCY, async (i) => {
    const id = await designate(world.cases, world.actors, villages[i]!, policyIds[i % POLICIES]!);
    caseIds.push(id);
    // The baselines get the very same instants, as soon as the case has them.
    const rungs = await scheduledRungs(world.db, [id]);
    for (const b of baselines) await b.add(rungs);
  });
  log(`designated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const all = await scheduledRungs(world.db, caseIds);
  const lastAt = Math.max(...all.map((r) => Date.parse(r.at)));
  const dueBefore = new Date(lastAt);
  const deadline = lastAt + POLL_S * 1000 + 60_000;
  log(`${all.length} rungs due until ${new Date(lastAt).toISOString()}; waiting`);
  await until(
    'every rung in every system',
    async () => {
      const l = await escalationLedger(world.db, { caseIds, dueBefore });
      const b = await Promise.all(baselines.map((x) => x.results()));
      return l.delivered === l.expected && b.every((r) => r.length >= all.length);
    },
    Math.max(deadline - Date.now(), 10_000),
    2_000,
  ).catch((error: unknown) => log(String(error)));
  await sleep(1_000);

  const ledger = await escalationLedger(world.db, { caseIds, dueBefore });
  const t = summary(ledger.latenessMs);
  const rows: Row[] = [
    {
      figure: 'Rectify (Temporal timers) lateness p50 / p99 / max',
      value: `${ms(t.p50)} / ${ms(t.p99)} / ${ms(t.max)}`,
      ambition: 'p99 ≤ 1 s',
      met: t.p99 <= 1000,
      note: `expected ${ledger.expected}, delivered ${ledger.delivered}, duplicated ${ledger.duplicated}, lost ${ledger.lost}, early ${ledger.early}`,
    },
  ];
  const expectedKeys = new Set(all.map((r) => `${r.obligationId}|${r.rung}`));
  for (const b of baselines) {
    const res = (await b.results()).filter((r) => expectedKeys.has(r.key));
    const s = summary(res.map((r) => r.latenessMs));
    rows.push({
      figure: `${b.name} lateness p50 / p99 / max`,
      value: `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`,
      note: `expected ${expectedKeys.size}, delivered ${res.length}, duplicated ${res.filter((r) => r.deliveries > 1).length}, lost ${expectedKeys.size - res.length}`,
    });
  }
  const context = { cases: N, rungs: all.length, spreadSeconds: SPREAD_S, pollSeconds: POLL_S };
  printTable('Escalation lateness', rows, context);
  await saveResult('escalation-lateness', { title: 'Escalation lateness', rows, context, machine: world.machine });
  if (ledger.lost || ledger.duplicated || ledger.early)
    throw new Error(`escalations lost ${ledger.lost}, duplicated ${ledger.duplicated}, early ${ledger.early}`);
});
