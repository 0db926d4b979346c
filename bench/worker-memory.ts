/**
 * Benchmark 5, worker memory per cached workflow: a worker in this process with a cache larger
 * than the fleet, N open cases, memory after forced GC compared with the same worker holding only
 * a warm-up handful that went the same way. Default mode runs workflows in the worker thread as
 * production does (RSS: V8 heaps of both threads + the Rust core's per-run state);
 * `--main-thread` runs them in this thread (`debugMode`) so the V8 heap they use can be measured
 * on its own.
 *
 * By default every case has "a year of history" first, through the case service as the API
 * drives it: the plan, a monthly report for each of 12 report periods (the policy's period is
 * `--period` seconds, 8 by default; a report waits for its period to open), the acceptance request and a passed review, so it
 * sits in follow-up waiting on a one-hour timer and nothing fires while memory is measured.
 * `--fresh` measures freshly designated cases instead (waiting on their plan deadline).
 *
 * Building the cases leaves this process's allocator at its high-water mark, so its RSS overstates
 * what the cache holds. Unless `--main-thread`, the same cases are then measured a second way: this
 * worker stops, a fresh production worker process (bench/support/cache-worker.ts) starts, and a
 * query to each case makes it replay the case's history into its cache, as after a worker restart.
 *
 * Unless `--main-thread`, the SDK's own floor is measured last, the same way: a fresh worker
 * process caching N workflows that hold nothing (`--floor-only`: that alone, no cases).
 *
 *   npx tsx bench/worker-memory.ts [--n=2000] [--fresh] [--main-thread] [--period=8] [--lanes=50] [--floor-only]
 *
 * (`--lanes`: cases walked through their year at once. On 2 cores, 250 lanes starved the worker
 * thread (workflow tasks of 5–7 s, Updates timing out); 100 lanes walk 500 cases in ~10 minutes.)
 */
import { spawn, spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createCalendarSource } from '../services/calendar-source.js';
import { workflowBundle } from '../temporal/worker.js';
import { workerTracing } from '../temporal/tracing.js';
import { rectificationWorkflowId } from '../temporal/client.js';
import { PROJECT_ROOT } from '../temporal/binaries.js';
import { snapshotQuery as rectificationSnapshotQuery } from '../workflows/rectification-messages.js';
import type { CacheWorkerMemory } from './support/cache-worker.js';
import { DomainError } from '../domain/errors.js';
import { FULL_LADDER, designate, openWorld, pool, runBench, secondsPolicy, type BenchWorld } from './support/env.js';
import { sleep } from './support/processes.js';
import { idleQuery, idleWorkflow } from './workflows/trivial.js';
import { args, intArg, log, printTable, saveResult, type Row } from './support/report.js';

// Forced GC needs --expose-gc: run again with it (same arguments).
if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const a = args();
const N = intArg(a, 'n', 2000);
const MAIN_THREAD = a['main-thread'] !== undefined;
const FRESH = a['fresh'] !== undefined;
/** Only the SDK's floor (no cases). */
const FLOOR_ONLY = a['floor-only'] !== undefined;
// The warm-up handful goes the same way as the measured cases (a year of them takes minutes here).
const WARMUP = FRESH ? 50 : 20;
const PERIODS = 12;

// Every deadline an hour or more away (the ladder's reminder a minute before it), report periods
// of a few seconds: a year of monthly reports passes in under two minutes and no rung fires while
// memory is measured. A period must be longer than a report takes to file under load: with 1–3 s
// periods on this shared 2-core machine the reports fell behind, periods nobody reported on kept
// opening (one projection each) and took the capacity the reports needed.
const PERIOD_S = intArg(a, 'period', 8);
const POLICY = { ...secondsPolicy(3_600_000, FULL_LADDER(60)), ...(FRESH ? {} : { reportPeriod: `PT${PERIOD_S}S` }) };
const PLAN = { plan: { summary: '一村一策', issues: ['组织生活不正常'], measures: [{ measure: '每月主题党日', owner: '村党支部' }] } };

/** The label `months` after a YYYY-MM label. */
function plusMonths(label: string, months: number): string {
  const [y, m] = label.split('-').map(Number) as [number, number];
  const total = y * 12 + (m - 1) + months;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/** Designates a case; unless `--fresh`, walks it through a year of reports into follow-up. Answers its id. */
async function openCase(world: BenchWorld, village: string, policyId: string): Promise<string> {
  const id = await designate(world.cases, world.actors, village, policyId);
  if (FRESH) return id;
  const { sponsor, org } = world.actors.byProvince.get(village.slice(0, 2))!;
  // Each command carries an Idempotency-Key (its Update ID): an Update that timed out under load
  // is sent again and applied once.
  const planned = await retried(() => world.cases.submitPlan(sponsor, id, PLAN, `${id}:plan`));
  const first = planned.obligations.find((o) => o.kind === 'monthly_report' && o.status === 'open')!.key;
  for (let i = 0; i < PERIODS; i++) {
    const period = plusMonths(first, i);
    for (let refused = 0; ; refused++) {
      try {
        const key = `${id}:report:${period}:${refused}`;
        await retried(() => world.cases.submitReport(sponsor, id, { period, report: { progress: `第${i + 1}月进展` } }, key));
        break;
      } catch (error) {
        // The service refuses a report for a period that has not opened yet: wait for it. (Reports
        // filed as their periods open keep one report owed at a time, as a diligent sponsor would.)
        if (!(error instanceof DomainError && /尚未开始/.test(error.message))) throw error;
        await sleep(PERIOD_S * 250);
      }
    }
  }
  await retried(() => world.cases.requestAcceptance(sponsor, id, { summary: '整顿完成' }, `${id}:acceptance`));
  await retried(() => world.cases.reviewAcceptance(org, id, { score: 85, representativesTotal: 20, representativesDissatisfied: 1 }, `${id}:review`));
  return id;
}

/** Runs a command again while Temporal answers with a service error or an Update's RPC timed out (a busy machine). */
async function retried<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const timedOut = error instanceof ServiceError || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError;
      if (!timedOut || attempt >= 10) throw error;
      await sleep(1000);
    }
  }
}

/** History length of each case's workflow (the current run). */
async function historyLengths(world: BenchWorld, ids: readonly string[]): Promise<number[]> {
  const lengths: number[] = new Array(ids.length);
  await pool(ids.length, 16, async (i) => {
    lengths[i] = (await world.client.client.workflow.getHandle(rectificationWorkflowId(ids[i]!)).describe()).historyLength;
  });
  return lengths;
}

Runtime.install({ logger: new DefaultLogger('WARN') });

async function settle(): Promise<{ rss: number; heap: number; external: number }> {
  for (let i = 0; i < 4; i++) {
    globalThis.gc!();
    await sleep(500);
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: v8.getHeapStatistics().used_heap_size, external: m.external + m.arrayBuffers };
}

/** A fresh cache worker process (bench/support/cache-worker.ts) and a way to ask its memory. */
function spawnCacheWorker(world: BenchWorld, taskQueue: string, maxCached: number, bare: boolean, onCleanup: (fn: () => Promise<unknown>) => void) {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'bench/support/cache-worker.ts', world.temporal.address, taskQueue, String(maxCached), ...(bare ? ['bare'] : [])],
    { cwd: PROJECT_ROOT, env: { ...process.env, DATABASE_URL: world.database.url }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  onCleanup(async () => {
    if (child.connected) child.disconnect();
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  });
  return {
    measure: () =>
      new Promise<CacheWorkerMemory>((resolve) => {
        child.once('message', (m) => resolve(m as CacheWorkerMemory));
        child.send('measure');
      }),
  };
}

/** The rows of memory per cached workflow between two measurements of a cache worker. */
function cacheRows(figure: string, base: CacheWorkerMemory, full: CacheWorkerMemory, expected: number): Row[] {
  const delta = full.cached - base.cached;
  if (delta < expected * 0.99) throw new Error(`the fresh worker cached only ${delta} more workflows, expected ${expected}`);
  const rssPer = (full.rss - base.rss) / 1024 / delta;
  return [
    {
      figure: `${figure}: RSS`,
      value: `${rssPer.toFixed(0)} KB`,
      ambition: '≤ 150 KB',
      met: rssPer <= 150,
      note: `${delta} cached workflows; RSS ${(base.rss / 2 ** 20).toFixed(0)} → ${(full.rss / 2 ** 20).toFixed(0)} MiB`,
    },
    { figure: '  V8 heap of its main thread', value: `${((full.heap - base.heap) / 1024 / delta).toFixed(0)} KB` },
  ];
}

/**
 * The caller's worker must have stopped (else it would answer the queries from its own cache). Starts a fresh worker process, has it
 * replay the warm-up cases (baseline) and then every measured case into its cache by querying each,
 * and answers the rows of its memory per cached workflow.
 */
async function replayedIntoFreshWorker(
  world: BenchWorld,
  warmIds: readonly string[],
  ids: readonly string[],
  onCleanup: (fn: () => Promise<unknown>) => void,
): Promise<Row[]> {
  const worker = spawnCacheWorker(world, world.client.taskQueue, ids.length + warmIds.length + 100, false, onCleanup);
  const replay = (list: readonly string[]) =>
    pool(list.length, 16, async (i) => {
      await retried(() => world.client.client.workflow.getHandle(rectificationWorkflowId(list[i]!)).query(rectificationSnapshotQuery));
    });
  const t0 = Date.now();
  await replay(warmIds);
  const base = await worker.measure();
  log(`fresh worker: ${base.cached} cached after the warm-up, rss ${(base.rss / 2 ** 20).toFixed(0)} MiB; replaying ${ids.length} cases`);
  await replay(ids);
  const full = await worker.measure();
  log(`fresh worker: ${full.cached} cached, rss ${(full.rss / 2 ** 20).toFixed(0)} MiB (replayed in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  return cacheRows('memory per cached workflow, replayed into a fresh worker process (as after a restart)', base, full, ids.length);
}

/**
 * The SDK's own floor, measured the same way: a fresh bare worker process (the trivial workflows
 * only) caching `n` workflows that hold no state of their own (bench/workflows/trivial.ts's
 * idleWorkflow), each queried once it has run its first task.
 */
async function sdkFloor(world: BenchWorld, n: number, onCleanup: (fn: () => Promise<unknown>) => void): Promise<Row[]> {
  const taskQueue = 'bare-memory';
  const worker = spawnCacheWorker(world, taskQueue, n + WARMUP + 100, true, onCleanup);
  const wf = world.client.client.workflow;
  const start = (prefix: string, count: number) =>
    pool(count, 16, async (i) => {
      const handle = await wf.start(idleWorkflow, { taskQueue, workflowId: `${prefix}-${i}` });
      await retried(() => handle.query(idleQuery));
    });
  await start('idle-warm', WARMUP);
  const base = await worker.measure();
  await start('idle', n);
  const full = await worker.measure();
  log(`bare worker: ${full.cached} cached, rss ${(base.rss / 2 ** 20).toFixed(0)} → ${(full.rss / 2 ** 20).toFixed(0)} MiB`);
  return cacheRows("the SDK's own floor: a workflow holding nothing, in a fresh bare worker process", base, full, n);
}

await runBench(async (onCleanup) => {
  const world = await openWorld({ villagesNeeded: FLOOR_ONLY ? 1 : N + WARMUP, log, poolMax: 10 });
  onCleanup(() => world.close());
  if (FLOOR_ONLY) {
    const rows = await sdkFloor(world, N, onCleanup);
    printTable('Worker memory: the SDK floor', rows, { n: N });
    await saveResult('worker-memory-floor', { title: 'Worker memory: the SDK floor', rows, context: { n: N }, machine: world.machine });
    return;
  }
  const connection = await NativeConnection.connect({ address: world.temporal.address });
  onCleanup(() => connection.close());
  const worker = await Worker.create({
    connection,
    taskQueue: world.client.taskQueue,
    workflowBundle: await workflowBundle(),
    ...workerTracing(null),
    activities: createActivities({ db: world.db.db, calendars: createCalendarSource(world.db.db), designateRelapse: world.cases.designateRelapse }),
    maxCachedWorkflows: N + WARMUP + 100,
    debugMode: MAIN_THREAD,
  });
  const running = worker.run();
  onCleanup(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => {});
  });

  const policyFor = (v: string) => world.policy(v.slice(0, 2), POLICY);
  const t0 = Date.now();
  const warmIds: string[] = new Array(WARMUP);
  await pool(WARMUP, WARMUP, async (i) => void (warmIds[i] = await openCase(world, world.villages[i]!, await policyFor(world.villages[i]!))));
  const base = await settle();
  const baseCached = worker.getStatus().numCachedWorkflows;
  log(`baseline: ${baseCached} cached, rss ${(base.rss / 2 ** 20).toFixed(0)} MiB, heap ${(base.heap / 2 ** 20).toFixed(0)} MiB; opening ${N} cases`);

  const ids: string[] = new Array(N);
  // Each case waits ~12 periods: more lanes than a designation alone needs.
  await pool(N, intArg(a, 'lanes', FRESH ? 32 : 50), async (i) => {
    const v = world.villages[WARMUP + i]!;
    ids[i] = await openCase(world, v, await policyFor(v));
    if (i % 100 === 99) log(`${i + 1} open`);
  });
  const opened = (Date.now() - t0) / 1000;
  await sleep(2_000);
  const lengthsBefore = await historyLengths(world, ids);
  const tasksBefore = worker.getStatus();
  const full = await settle();
  const status = worker.getStatus();
  const cached = status.numCachedWorkflows;
  const lengthsAfter = await historyLengths(world, ids);
  // Nothing may change while memory is measured: no history grew, no workflow entered or left the cache.
  const grown = lengthsAfter.filter((n, i) => n !== lengthsBefore[i]).length;
  if (grown > 0 || cached !== tasksBefore.numCachedWorkflows) {
    throw new Error(`not settled: ${grown} histories grew, cached ${tasksBefore.numCachedWorkflows} → ${cached}`);
  }
  const avgHistory = lengthsAfter.reduce((sum, n) => sum + n, 0) / N;
  log(`settled: ${cached} cached, ${status.numInFlightWorkflowActivations} activations in flight, average history ${avgHistory.toFixed(1)} events`);
  const delta = cached - baseCached;
  if (delta < N * 0.99) throw new Error(`only ${delta} more workflows cached, expected ${N}`);
  const kb = (bytes: number) => `${(bytes / 1024 / delta).toFixed(0)} KB`;
  const rssPer = (full.rss - base.rss) / 1024 / delta;
  const heapPer = (full.heap - base.heap) / 1024 / delta;
  const rows: Row[] = [
    {
      figure: `memory per cached workflow (${FRESH ? 'fresh cases' : 'a year of history'}, ${MAIN_THREAD ? 'main thread, debugMode' : 'worker thread, as in production'}): RSS`,
      value: kb(full.rss - base.rss),
      ambition: '≤ 150 KB',
      met: rssPer <= 150,
      note: `${delta} cached workflows; RSS ${(base.rss / 2 ** 20).toFixed(0)} → ${(full.rss / 2 ** 20).toFixed(0)} MiB`,
    },
    {
      figure: MAIN_THREAD ? '  of which V8 heap (this isolate, after GC)' : '  V8 heap of the main thread (workflows live in the worker thread)',
      value: `${heapPer.toFixed(0)} KB`,
      note: `heap ${(base.heap / 2 ** 20).toFixed(0)} → ${(full.heap / 2 ** 20).toFixed(0)} MiB`,
    },
    { figure: '  external + array buffers', value: kb(full.external - base.external) },
    { figure: 'history per case (events, average)', value: avgHistory.toFixed(1), note: `opened in ${opened.toFixed(0)} s` },
  ];
  if (!MAIN_THREAD) {
    // This worker stops first, so the fresh one receives every case.
    worker.shutdown();
    await running;
    rows.push(...(await replayedIntoFreshWorker(world, warmIds, ids, onCleanup)));
    rows.push(...(await sdkFloor(world, N, onCleanup)));
  }
  const context = { n: N, cached, mode: MAIN_THREAD ? 'main-thread' : 'worker-thread', cases: FRESH ? 'fresh' : 'a year of history' };
  printTable('Worker memory', rows, context);
  const name = `worker-memory${FRESH ? '-fresh' : ''}${MAIN_THREAD ? '-main-thread' : ''}`;
  await saveResult(name, { title: 'Worker memory', rows, context, machine: world.machine });
});
