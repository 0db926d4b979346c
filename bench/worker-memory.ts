/**
 * Benchmark 5, worker memory per cached workflow: a worker in this process with a cache larger
 * than the fleet, N open cases (each waiting on its deadlines), memory after forced GC compared
 * with the same worker holding only a warm-up handful. Default mode runs workflows in the worker
 * thread as production does (RSS: V8 heaps of both threads + the Rust core's per-run state);
 * `--main-thread` runs them in this thread (`debugMode`) so the V8 heap they use can be measured
 * on its own.
 *
 *   npx tsx bench/worker-memory.ts [--n=2000] [--main-thread]
 */
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createCalendarSource } from '../services/calendar-source.js';
import { workflowBundle } from '../temporal/worker.js';
import { workerTracing } from '../temporal/tracing.js';
import { FULL_LADDER, designate, openWorld, pool, runBench, secondsPolicy } from './support/env.js';
import { sleep } from './support/processes.js';
import { args, intArg, log, printTable, saveResult, type Row } from './support/report.js';

// Forced GC needs --expose-gc: run again with it (same arguments).
if (typeof globalThis.gc !== 'function') {
  const r = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const a = args();
const N = intArg(a, 'n', 2000);
const MAIN_THREAD = a['main-thread'] !== undefined;
const WARMUP = 50;

Runtime.install({ logger: new DefaultLogger('WARN') });

async function settle(): Promise<{ rss: number; heap: number; external: number }> {
  for (let i = 0; i < 4; i++) {
    globalThis.gc!();
    await sleep(500);
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: v8.getHeapStatistics().used_heap_size, external: m.external + m.arrayBuffers };
}

await runBench(async (onCleanup) => {
  const world = await openWorld({ villagesNeeded: N + WARMUP, log, poolMax: 10 });
  onCleanup(() => world.close());
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

  const policyId = await world.policy(world.villages[0]!.slice(0, 2), secondsPolicy(3_600_000, FULL_LADDER(60)));
  const policyFor = async (v: string) =>
    v.startsWith(world.villages[0]!.slice(0, 2)) ? policyId : world.policy(v.slice(0, 2), secondsPolicy(3_600_000, FULL_LADDER(60)));
  await pool(WARMUP, 16, async (i) => void (await designate(world.cases, world.actors, world.villages[i]!, await policyFor(world.villages[i]!))));
  const base = await settle();
  const baseCached = worker.getStatus().numCachedWorkflows;
  log(`baseline: ${baseCached} cached, rss ${(base.rss / 2 ** 20).toFixed(0)} MiB, heap ${(base.heap / 2 ** 20).toFixed(0)} MiB; opening ${N} cases`);

  await pool(N, 32, async (i) => {
    const v = world.villages[WARMUP + i]!;
    await designate(world.cases, world.actors, v, await policyFor(v));
    if (i % 500 === 499) log(`${i + 1} open`);
  });
  await sleep(2_000);
  const full = await settle();
  const cached = worker.getStatus().numCachedWorkflows;
  const delta = cached - baseCached;
  if (delta < N * 0.99) throw new Error(`only ${delta} more workflows cached, expected ${N}`);
  const kb = (bytes: number) => `${(bytes / 1024 / delta).toFixed(0)} KB`;
  const rssPer = (full.rss - base.rss) / 1024 / delta;
  const heapPer = (full.heap - base.heap) / 1024 / delta;
  const rows: Row[] = [
    {
      figure: `memory per cached workflow (${MAIN_THREAD ? 'main thread, debugMode' : 'worker thread, as in production'}): RSS`,
      value: kb(full.rss - base.rss),
      ambition: '≤ 200 KB',
      met: rssPer <= 200,
      note: `${delta} cached workflows; RSS ${(base.rss / 2 ** 20).toFixed(0)} → ${(full.rss / 2 ** 20).toFixed(0)} MiB`,
    },
    {
      figure: MAIN_THREAD ? '  of which V8 heap (this isolate, after GC)' : '  V8 heap of the main thread (workflows live in the worker thread)',
      value: `${heapPer.toFixed(0)} KB`,
      note: `heap ${(base.heap / 2 ** 20).toFixed(0)} → ${(full.heap / 2 ** 20).toFixed(0)} MiB`,
    },
    { figure: '  external + array buffers', value: kb(full.external - base.external) },
  ];
  const context = { n: N, cached, mode: MAIN_THREAD ? 'main-thread' : 'worker-thread' };
  printTable('Worker memory', rows, context);
  await saveResult(MAIN_THREAD ? 'worker-memory-main-thread' : 'worker-memory', { title: 'Worker memory', rows, context, machine: world.machine });
});
