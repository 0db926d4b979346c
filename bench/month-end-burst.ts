/**
 * Benchmark 3, month-end burst: N obligations due at the same instant T (as monthly reports all
 * fall due together), each with one rung at its due instant. Figures: how long until every
 * escalation is committed in Postgres, and the API's latency before and during the burst (real
 * HTTP to the production API process, while the production worker process works the burst).
 *
 * A case's plan is due a policy duration after its workflow starts, so each case gets the policy
 * (one per 250 ms bucket) whose duration ends at T, less the running median of the start lag; the
 * spread of the scheduled instants is printed.
 *
 *   npx tsx bench/month-end-burst.ts [--n=2000] [--concurrency=32] [--api-rate=10]
 *   npx tsx bench/month-end-burst.ts --n=50000     # the size (setup alone takes long here)
 */
import { designate, freePort, openWorld, pool, runBench, secondsPolicy } from './support/env.js';
import { escalationLedger } from './support/ledger.js';
import { sleep, startApiProcess, startWorkerProcess, until } from './support/processes.js';
import { args, intArg, log, ms, printTable, rate, saveResult, summary, type Row } from './support/report.js';

const a = args();
const N = intArg(a, 'n', 2000);
const CONCURRENCY = intArg(a, 'concurrency', 16);
const API_RATE = intArg(a, 'api-rate', 10);
/** Seconds from now to the common due instant; default: from the warm-up's designation rate, × 1.6. */
const LEAD_SECONDS = intArg(a, 'lead', 0);
const WARMUP = 40;
const BUCKET_MS = 250;

await runBench(async (onCleanup) => {
  const world = await openWorld({ villagesNeeded: N + WARMUP, log, poolMax: 20 });
  onCleanup(() => world.close());
  const common = { databaseUrl: world.database.url, temporalAddress: world.temporal.address, taskQueue: world.client.taskQueue };
  const worker = await startWorkerProcess({ connection: world.client.connection, ...common });
  onCleanup(() => worker.stop());
  const api = await startApiProcess({ ...common, port: await freePort() });
  onCleanup(() => api.stop());

  const ladder = [{ rung: 'township_office' as const, offset: 'PT0S', rag: 'yellow' as const }];
  // A workflow's clock starts at its first workflow task, a moment after the call: the running
  // median of that lag (observed on earlier cases) is taken off the policy duration.
  const lags: number[] = [];
  const lag = () => (lags.length ? [...lags].sort((x, y) => x - y)[lags.length >> 1]! : 0);
  const designateDueAt = async (village: string, at: number): Promise<string> => {
    const calledAt = Date.now();
    const dueMs = Math.max(1_000, Math.round((at - calledAt - lag()) / BUCKET_MS) * BUCKET_MS);
    const id = await designate(world.cases, world.actors, village, await world.policy(village.slice(0, 2), secondsPolicy(dueMs, ladder)));
    const [row] = await world.db.sql<
      { due: number }[]
    >`select extract(epoch from due_at) * 1000 as due from obligations where case_id = ${id} and kind = 'plan'`;
    lags.push(Number(row!.due) - calledAt - dueMs);
    if (lags.length > 50) lags.shift();
    return id;
  };

  // Warm-up: how fast designation goes here, to place T after the last designation.
  const warmStart = Date.now();
  const warmIds: string[] = [];
  await pool(WARMUP, CONCURRENCY, async (i) => {
    const v = world.villages[N + i]!;
    warmIds.push(await designateDueAt(v, Date.now() + 3_600_000));
  });
  const estRate = WARMUP / ((Date.now() - warmStart) / 1000);
  const T = LEAD_SECONDS > 0 ? Date.now() + LEAD_SECONDS * 1000 : Date.now() + (N / estRate) * 1000 * 1.6 + 20_000;
  log(`designation ~${estRate.toFixed(1)}/s; ${N} obligations due at ${new Date(T).toISOString()} (in ${((T - Date.now()) / 1000).toFixed(0)} s)`);

  const caseIds: string[] = [];
  const setupStart = Date.now();
  await pool(N, CONCURRENCY, async (i) => {
    const v = world.villages[i]!;
    caseIds.push(await designateDueAt(v, T));
    if (i % 1000 === 999) log(`${i + 1} designated`);
  });
  const setupS = (Date.now() - setupStart) / 1000;
  if (Date.now() > T - 5_000) throw new Error(`designation overran the burst instant (${setupS.toFixed(0)} s); run again (load?)`);
  log(`${N} designated in ${setupS.toFixed(0)} s (${rate(N / setupS)})`);

  // The API under a steady read load from 15 s before T until the burst is committed.
  const org = world.actors.byProvince.get(world.villages[0]!.slice(0, 2))!.org;
  const samples: Array<{ at: number; ms: number; ok: boolean }> = [];
  let probing = true;
  const probe = (async () => {
    let i = 0;
    const inflight: Promise<void>[] = [];
    const start = Date.now();
    while (probing) {
      const due = start + (i * 1000) / API_RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      const k = i++;
      const path = k % 2 === 0 ? `/api/v1/cases/${caseIds[k % caseIds.length]}` : '/api/v1/cases?rag=yellow&limit=20';
      inflight.push(
        (async () => {
          const t0 = performance.now();
          const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${org.token}` } }).catch(() => null);
          await res?.arrayBuffer();
          samples.push({ at: Date.now(), ms: performance.now() - t0, ok: res?.status === 200 });
        })(),
      );
    }
    await Promise.all(inflight);
  })();
  await sleep(Math.max(0, T - 15_000 - Date.now()));
  const probeFrom = Date.now();

  await until(
    `${N} escalations committed`,
    async () => {
      const [row] = await world.db.sql<{ n: number }[]>`select count(*)::int as n from escalations`;
      return row!.n >= N;
    },
    Math.max(T - Date.now(), 0) + 30 * 60_000,
    500,
  );
  probing = false;
  await probe;

  // Epoch milliseconds (the Drizzle-configured client returns timestamps as strings).
  const [span] = await world.db.sql<{ first_due: number; last_due: number; last_commit: number }[]>`
    select extract(epoch from min(scheduled_at)) * 1000 as first_due, extract(epoch from max(scheduled_at)) * 1000 as last_due,
           extract(epoch from max(committed_at)) * 1000 as last_commit from escalations`;
  const firstDue = Number(span!.first_due);
  const lastDue = Number(span!.last_due);
  const ledger = await escalationLedger(world.db, { caseIds: 'all', dueBefore: new Date(T + 60_000) });
  const lastCommit = Number(span!.last_commit);
  const allCommittedS = (lastCommit - T) / 1000;
  const before = samples.filter((s) => s.at >= probeFrom && s.at < T);
  const during = samples.filter((s) => s.at >= T && s.at <= lastCommit);
  const lb = summary(before.map((s) => s.ms));
  const ld = summary(during.map((s) => s.ms));
  const lat = summary(ledger.latenessMs);
  const rows: Row[] = [
    {
      figure: 'all escalations committed, after T',
      value: `${allCommittedS.toFixed(1)} s`,
      ambition: '50,000 in ≤ 5 min',
      met: N >= 50_000 ? allCommittedS <= 300 : undefined,
      note: `${N} obligations; throughput ${rate(N / Math.max(0.001, (lastCommit - firstDue) / 1000))}`,
    },
    { figure: 'all escalations committed, after the last scheduled instant', value: `${((lastCommit - lastDue) / 1000).toFixed(1)} s` },
    {
      figure: 'scheduled instants spread',
      value: `${((lastDue - firstDue) / 1000).toFixed(2)} s`,
      note: 'policy buckets of 250 ms, start lag corrected by its running median',
    },
    { figure: 'escalation lateness p50 / p99 / max', value: `${ms(lat.p50)} / ${ms(lat.p99)} / ${ms(lat.max)}` },
    {
      figure: 'API latency before the burst p50 / p99',
      value: `${ms(lb.p50)} / ${ms(lb.p99)}`,
      note: `${before.length} requests, ${before.filter((s) => !s.ok).length} failed`,
    },
    {
      figure: 'API latency during the burst p50 / p99 / max',
      value: `${ms(ld.p50)} / ${ms(ld.p99)} / ${ms(ld.max)}`,
      note: `${during.length} requests, ${during.filter((s) => !s.ok).length} failed; GET case detail and case list`,
    },
    { figure: 'expected / delivered / duplicated / lost', value: `${ledger.expected} / ${ledger.delivered} / ${ledger.duplicated} / ${ledger.lost}` },
    { figure: 'designation during setup', value: rate(N / setupS), note: `${N} cases in ${setupS.toFixed(0)} s` },
  ];
  const context = { n: N, apiRate: API_RATE, concurrency: CONCURRENCY };
  printTable('Month-end burst', rows, context);
  await saveResult(`month-end-burst-${N}`, { title: 'Month-end burst', rows, context, machine: world.machine });
  void warmIds;
  if (ledger.lost || ledger.duplicated) throw new Error(`lost ${ledger.lost}, duplicated ${ledger.duplicated}`);
});
