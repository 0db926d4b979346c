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
 * The bare baseline (issue 14), in the same run on the same dev server after the burst: N trivial
 * workflows (bench/workflows/burst-row.ts) whose timers fire at one instant T′ and each write one
 * row through one activity, on as many bench worker processes as the burst had production ones.
 * Rectify's drain rate ÷ the baseline's is the figure (ambition ≥ 60%).
 *
 * Scale-out (issue 14): `--workers` production worker processes and `--apis` API processes against
 * the one dev server; reads go round-robin over the API processes; `--kill-worker-after=k` kills the
 * last worker with SIGKILL at T + k s, and the ledger shows whether anything was lost or doubled.
 *
 *   npx tsx bench/month-end-burst.ts [--n=2000] [--concurrency=16] [--api-rate=10] [--lead=s] [--no-baseline]
 *                                    [--workers=1] [--apis=1] [--kill-worker-after=s]
 *   npx tsx bench/month-end-burst.ts --n=50000     # the size (setup alone takes long here)
 */
import { designate, freePort, openWorld, pool, runBench, secondsPolicy } from './support/env.js';
import { BURST_ROWS_DDL } from './support/burst-row-activities.js';
import { escalationLedger } from './support/ledger.js';
import {
  sleep,
  spawnTsx,
  startApiProcess,
  startWorkerProcess,
  until,
  workerPolls,
  type ApiProcess,
  type Child,
  type WorkerProcess,
} from './support/processes.js';
import { args, intArg, log, ms, printTable, rate, saveResult, summary, type Row } from './support/report.js';
import { burstRowWorkflow } from './workflows/burst-row.js';

const a = args();
const N = intArg(a, 'n', 2000);
const CONCURRENCY = intArg(a, 'concurrency', 16);
const API_RATE = intArg(a, 'api-rate', 10);
/** Seconds from now to the common due instant; default: from the warm-up's designation rate, × 1.6. */
const LEAD_SECONDS = intArg(a, 'lead', 0);
const WORKERS = Math.max(1, intArg(a, 'workers', 1));
const APIS = Math.max(1, intArg(a, 'apis', 1));
/** Seconds after T at which the last worker is killed (SIGKILL); none: no kill. */
const KILL_AFTER = a['kill-worker-after'] === undefined ? null : intArg(a, 'kill-worker-after', 0);
const BASELINE = a['no-baseline'] === undefined && a.baseline !== 'false';
const WARMUP = 40;
const BUCKET_MS = 250;
const FIVE_MINUTES_MS = 5 * 60_000;
if (KILL_AFTER !== null && WORKERS < 2) throw new Error('--kill-worker-after needs --workers=2 or more: a worker must be left to drain the burst');

await runBench(async (onCleanup) => {
  const world = await openWorld({ villagesNeeded: N + WARMUP, log, poolMax: 20 });
  onCleanup(() => world.close());
  const common = { databaseUrl: world.database.url, temporalAddress: world.temporal.address, taskQueue: world.client.taskQueue };
  const workers: WorkerProcess[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const worker = await startWorkerProcess({ connection: world.client.connection, ...common, name: `worker-${i + 1}` });
    onCleanup(() => worker.stop());
    workers.push(worker);
  }
  const apis: ApiProcess[] = [];
  for (let i = 0; i < APIS; i++) {
    const api = await startApiProcess({ ...common, port: await freePort() });
    onCleanup(() => api.stop());
    apis.push(api);
  }
  log(`${WORKERS} worker process(es) (pid ${workers.map((w) => w.pid).join(', ')}), ${APIS} API process(es) (${apis.map((p) => p.url).join(', ')})`);

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
  const samples: Array<{ at: number; ms: number; ok: boolean; api: number }> = [];
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
      // Each API process gets both kinds of read in turn.
      const apiIndex = Math.floor(k / 2) % apis.length;
      inflight.push(
        (async () => {
          const t0 = performance.now();
          const res = await fetch(`${apis[apiIndex]!.url}${path}`, { headers: { authorization: `Bearer ${org.token}` } }).catch(() => null);
          await res?.arrayBuffer();
          samples.push({ at: Date.now(), ms: performance.now() - t0, ok: res?.status === 200, api: apiIndex });
        })(),
      );
    }
    await Promise.all(inflight);
  })();
  await sleep(Math.max(0, T - 15_000 - Date.now()));
  const probeFrom = Date.now();

  // One worker of several killed mid-burst: the others (and the server's retries) must deliver all.
  let killed: { name: string; pid: number; at: number; committed: number } | null = null;
  let burstOver = false;
  const killer =
    KILL_AFTER === null
      ? Promise.resolve()
      : (async () => {
          await sleep(Math.max(0, T + KILL_AFTER * 1000 - Date.now()));
          if (burstOver) return;
          const victim = workers[workers.length - 1]!;
          const [row] = await world.db.sql<{ n: number }[]>`select count(*)::int as n from escalations`;
          const at = Date.now();
          await victim.kill9();
          killed = { name: victim.name, pid: victim.pid, at, committed: row!.n };
          log(`SIGKILL ${victim.name} (pid ${victim.pid}) at T+${((at - T) / 1000).toFixed(1)} s, ${row!.n}/${N} committed`);
        })();

  await until(
    `${N} escalations committed`,
    async () => {
      const [row] = await world.db.sql<{ n: number }[]>`select count(*)::int as n from escalations`;
      return row!.n >= N;
    },
    Math.max(T - Date.now(), 0) + 30 * 60_000,
    500,
  );
  burstOver = true;
  probing = false;
  await probe;
  await killer;

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
  const rectifyRate = N / Math.max(0.001, (lastCommit - firstDue) / 1000);
  const baseline = BASELINE ? await runBaseline() : null;
  const killedAt = killed as { name: string; pid: number; at: number; committed: number } | null;
  const perApi = (list: typeof samples) => apis.map((p, i) => ({ api: p, s: summary(list.filter((x) => x.api === i).map((x) => x.ms)) }));
  const rows: Row[] = [
    {
      figure: 'all escalations committed, after T',
      value: `${allCommittedS.toFixed(1)} s`,
      ambition: '50,000 in ≤ 5 min',
      met: N >= 50_000 ? allCommittedS <= 300 : undefined,
      note: `${N} obligations; throughput ${rate(rectifyRate)}`,
    },
    {
      figure: 'every escalation committed ≤ 5 min after its instant',
      value: `max ${ms(lat.max)}`,
      ambition: '≤ 5 min',
      met: ledger.lost === 0 && lat.max <= FIVE_MINUTES_MS,
    },
    {
      figure: 'Rectify drain rate',
      value: rate(rectifyRate),
      note: 'N ÷ (last commit − first scheduled instant)',
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
    ...(apis.length > 1
      ? perApi(during).map(({ api, s: l }, i) => ({
          figure: `  API ${i + 1} (pid ${api.pid}) during the burst p50 / p99`,
          value: `${ms(l.p50)} / ${ms(l.p99)}`,
          note: `${l.n} requests`,
        }))
      : []),
    {
      figure: 'expected / delivered / duplicated / lost / early',
      value: `${ledger.expected} / ${ledger.delivered} / ${ledger.duplicated} / ${ledger.lost} / ${ledger.early}`,
      ambition: 'expected = delivered; 0 / 0 / 0',
      met: ledger.expected === N && ledger.delivered === ledger.expected && !ledger.duplicated && !ledger.lost && !ledger.early && !ledger.unexpected,
      note: ledger.unexpected ? `${ledger.unexpected} unexpected` : undefined,
    },
    { figure: 'worker / API processes', value: `${WORKERS} / ${APIS}`, note: 'production processes against one dev server' },
    ...(KILL_AFTER === null
      ? []
      : [
          killedAt
            ? {
                figure: 'worker killed (SIGKILL)',
                value: `${killedAt.name} (pid ${killedAt.pid}) at T+${((killedAt.at - T) / 1000).toFixed(1)} s`,
                note: `${killedAt.committed}/${N} escalations committed at the kill; ${WORKERS - 1} worker(s) left`,
              }
            : { figure: 'worker killed (SIGKILL)', value: 'not killed', note: `the burst was over before T+${KILL_AFTER} s` },
        ]),
    { figure: 'designation during setup', value: rate(N / setupS), note: `${N} cases in ${setupS.toFixed(0)} s` },
    ...(baseline
      ? [
          {
            figure: 'bare baseline: all rows committed, after its instant',
            value: `${(baseline.drainMs / 1000).toFixed(1)} s`,
            note: `${N} workflows: a timer at one instant, one activity writing one row; ${WORKERS} bench worker process(es), same server`,
          },
          { figure: 'bare baseline drain rate', value: rate(baseline.rate) },
          {
            figure: 'bare baseline expected / committed / early',
            value: `${N} / ${baseline.committed} / ${baseline.early}`,
            note: `${baseline.armed} timers armed before the instant; starts took ${(baseline.startMs / 1000).toFixed(0)} s`,
          },
          {
            figure: 'bare baseline lateness p50 / p99 / max',
            value: `${ms(baseline.lateness.p50)} / ${ms(baseline.lateness.p99)} / ${ms(baseline.lateness.max)}`,
          },
          {
            figure: 'Rectify drain rate ÷ bare baseline',
            value: `${((rectifyRate / baseline.rate) * 100).toFixed(0)}%`,
            ambition: '≥ 60%',
            met: rectifyRate / baseline.rate >= 0.6,
          },
        ]
      : []),
  ];
  const context = { n: N, apiRate: API_RATE, concurrency: CONCURRENCY, workers: WORKERS, apis: APIS, killWorkerAfter: KILL_AFTER ?? 'no', baseline: BASELINE };
  printTable('Month-end burst', rows, context);
  // The default run keeps its name (npm run bench reads it); a scale-out run gets its own file.
  const scaled = WORKERS > 1 || APIS > 1 ? `-w${WORKERS}-a${APIS}${KILL_AFTER === null ? '' : '-kill'}` : '';
  await saveResult(`month-end-burst-${N}${scaled}`, { title: 'Month-end burst', rows, context, machine: world.machine });
  void warmIds;
  if (ledger.lost || ledger.duplicated) throw new Error(`lost ${ledger.lost}, duplicated ${ledger.duplicated}`);
  if (baseline && baseline.committed !== N) throw new Error(`bare baseline: ${baseline.committed} of ${N} rows committed`);

  /** The bare baseline: N burst-row workflows due at one instant T′, on bench worker processes. */
  async function runBaseline() {
    await world.db.sql.unsafe(BURST_ROWS_DDL);
    const queue = 'burst-baseline';
    const bench: Child[] = [];
    for (let i = 0; i < WORKERS; i++) {
      const child = spawnTsx(`burst-row-worker-${i + 1}`, 'bench/support/burst-row-worker.ts', {}, [world.temporal.address, queue, world.database.url]);
      onCleanup(() => child.stop());
      await until(
        `burst-row worker ${i + 1}`,
        async () => {
          if (child.exited()) throw new Error(`${child.name} exited: ${child.output()}`);
          return workerPolls(world.client.connection, queue, child.pid);
        },
        120_000,
        300,
      );
      bench.push(child);
    }
    const wf = world.client.client.workflow;
    // Warm-up (instant in the past: they write at once) to place T′ after the last start.
    const warmFrom = Date.now();
    await pool(WARMUP, CONCURRENCY, async (i) => {
      await wf.start(burstRowWorkflow, { taskQueue: queue, workflowId: `burst-row-warm-${i}`, args: [{ id: `warm-${i}`, at: 0 }] });
    });
    const startRate = WARMUP / ((Date.now() - warmFrom) / 1000);
    // Generous: each start's first workflow task must arm its timer before T′ (counted below).
    const Tb = Date.now() + (N / startRate) * 1000 * 3 + 20_000;
    log(
      `bare baseline: starts ~${startRate.toFixed(0)}/s; ${N} workflows due at ${new Date(Tb).toISOString()} (in ${((Tb - Date.now()) / 1000).toFixed(0)} s)`,
    );
    const startFrom = Date.now();
    await pool(N, CONCURRENCY, async (i) => {
      await wf.start(burstRowWorkflow, { taskQueue: queue, workflowId: `burst-row-${i}`, args: [{ id: `row-${i}`, at: Tb }] });
    });
    const startMs = Date.now() - startFrom;
    if (Date.now() > Tb - 5_000) throw new Error(`bare baseline: starting overran its instant (${(startMs / 1000).toFixed(0)} s); run again (load?)`);
    const countRows = async () => {
      const [row] = await world.db.sql<{ n: number }[]>`select count(*)::int as n from bench_burst_rows where id like 'row-%'`;
      return row!.n;
    };
    await until(`${N} bare baseline rows`, async () => (await countRows()) >= N, Math.max(Tb - Date.now(), 0) + 30 * 60_000, 250);
    const rowsOut = await world.db.sql<{ lateness_ms: number; armed: boolean }[]>`
      select extract(epoch from (committed_at - scheduled_at)) * 1000 as lateness_ms, timer_armed as armed from bench_burst_rows where id like 'row-%'`;
    for (const child of bench) await child.stop();
    const late = rowsOut.map((r) => Number(r.lateness_ms));
    const drainMs = Math.max(...late);
    const result = {
      committed: rowsOut.length,
      early: late.filter((l) => l < 0).length,
      armed: rowsOut.filter((r) => r.armed).length,
      drainMs,
      rate: N / Math.max(0.001, drainMs / 1000),
      lateness: summary(late),
      startMs,
    };
    log(`bare baseline: ${result.committed} rows in ${(drainMs / 1000).toFixed(1)} s after T′ (${rate(result.rate)})`);
    return result;
  }
});
