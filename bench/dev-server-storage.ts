/**
 * The dev server's storage, for `npm start` (issue 14: "SQLite pragmas for a file-backed server,
 * chosen by measurement"): the same bare work on a dev server kept in memory (what the benches and
 * tests use), on a file with SQLite's defaults (how `npm start` ran it before), on a file as
 * `npm start` runs it now (temporal/dev-server.ts FILE_SQLITE_PRAGMAS), and on a file with each
 * other set of pragmas given. Per server: starts of a do-nothing workflow per second (server acknowledgement) and
 * workflows run to completion per second (start, one workflow task, completion), with latencies.
 *
 *   npx tsx bench/dev-server-storage.ts [--n=1500] [--concurrency=32] [--pragmas="journal_mode=wal,synchronous=off;…"]
 */
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { connectClient, machineInfo, pool, runBench, scratchDir, startTemporal } from './support/env.js';
import { spawnTsx, until, workerPolls } from './support/processes.js';
import { args, intArg, log, ms, printTable, rate, saveResult, summary, type Row } from './support/report.js';
import { cpuBetween, sampleCpu } from './support/cpu.js';
import { trivialWorkflow } from './workflows/trivial.js';
import { FILE_SQLITE_PRAGMAS } from '../temporal/dev-server.js';

const a = args();
const N = intArg(a, 'n', 1500);
const CONCURRENCY = intArg(a, 'concurrency', 32);
/** Sets of pragmas, `;` between sets, `,` within one. */
const PRAGMA_SETS = a.pragmas ? a.pragmas.split(';').map((set) => set.split(',').filter(Boolean)) : [];

interface Variant {
  name: string;
  file: boolean;
  /** Unset: as npm start runs it. */
  pragmas?: readonly string[];
}

const variants: Variant[] = [
  { name: 'in memory (benches, tests)', file: false },
  { name: 'file, SQLite defaults (npm start before)', file: true, pragmas: [] },
  { name: `file, as npm start runs it (${FILE_SQLITE_PRAGMAS.join(' ')})`, file: true },
  ...PRAGMA_SETS.map((pragmas) => ({ name: `file, ${pragmas.join(' ')}`, file: true, pragmas })),
];

await runBench(async (onCleanup) => {
  const rows: Row[] = [];
  for (const variant of variants) {
    const dataDir = variant.file ? await scratchDir('sqlite') : undefined;
    const server = await startTemporal({ dataDir, ...(variant.pragmas ? { sqlitePragmas: variant.pragmas } : {}) });
    const client = await connectClient(server.address, 'bare');
    const worker = spawnTsx('bare-worker', 'bench/support/bare-worker.ts', {}, [server.address, 'bare']);
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        await worker.stop();
        await client.close().catch(() => {});
        await server.stop();
        if (dataDir) await rm(dataDir, { recursive: true, force: true });
      })());
    onCleanup(stop);
    try {
      await until('the bare worker', async () => workerPolls(client.connection, 'bare', worker.pid, false), 120_000, 300);
      const wf = client.client.workflow;
      await pool(50, 8, (i) => wf.execute(trivialWorkflow, { taskQueue: 'bare', workflowId: `warm-${i}` }));
      log(`${variant.name}: ${N} starts, then ${N} run to completion`);
      const pids = { 'Temporal server': server.pid };
      let cpu0 = sampleCpu(pids);
      let t0 = performance.now();
      const startLat = await pool(N, CONCURRENCY, async (i) => void (await wf.start(trivialWorkflow, { taskQueue: 'bare', workflowId: `start-${i}` })));
      const startRate = N / ((performance.now() - t0) / 1000);
      const startCpu = cpuBetween(cpu0, sampleCpu(pids));
      cpu0 = sampleCpu(pids);
      t0 = performance.now();
      const runLat = await pool(N, CONCURRENCY, (i) => wf.execute(trivialWorkflow, { taskQueue: 'bare', workflowId: `run-${i}` }));
      const runRate = N / ((performance.now() - t0) / 1000);
      const runCpu = cpuBetween(cpu0, sampleCpu(pids));
      const s = summary(startLat);
      const r = summary(runLat);
      const serverMs = (use: typeof startCpu) => (use.byProcess[0]!.ms / N).toFixed(1);
      rows.push(
        { figure: `${variant.name}: starts`, value: rate(startRate), note: `p50 / p99 ${ms(s.p50)} / ${ms(s.p99)}; server CPU ${serverMs(startCpu)} ms each` },
        {
          figure: `${variant.name}: run to completion`,
          value: rate(runRate),
          note: `p50 / p99 ${ms(r.p50)} / ${ms(r.p99)}; server CPU ${serverMs(runCpu)} ms each`,
        },
      );
    } finally {
      await stop();
    }
  }
  const context = { n: N, concurrency: CONCURRENCY, cores: availableParallelism() };
  printTable('Dev server storage', rows, context);
  await saveResult('dev-server-storage', { title: 'Dev server storage', rows, context, machine: await machineInfo() });
});
