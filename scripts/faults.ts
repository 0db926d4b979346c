/**
 * `npm run test:faults`: the fault-injection tests, each against real processes (embedded Postgres,
 * file-backed Temporal dev server, production worker and API processes; see tests/faults/).
 * Prints the counts (expected, delivered, duplicated, lost) per fault and exits non-zero on any
 * violation. Bounded in time; every process and temporary directory is removed on exit.
 *
 *   npm run test:faults [-- --only=worker,temporal,postgres,api,delivery,self-check]
 */
import { apiKilledMidCommand } from '../tests/faults/api-kill.js';
import { workerKilledMidSend } from '../tests/faults/delivery-faults.js';
import { Cluster, type FaultResult } from '../tests/faults/cluster.js';
import { ledgerSelfCheck, postgresDownWhileFiring, temporalStoppedAcrossDueTime, workerKilledMidBurst } from '../tests/faults/escalation-faults.js';

const HARD_LIMIT_MS = 9 * 60_000;
const began = Date.now();
const log = (line: string) => process.stderr.write(`[faults ${((Date.now() - began) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

const SCENARIOS: Array<{ id: string; run: (c: Cluster) => Promise<FaultResult> }> = [
  { id: 'worker', run: workerKilledMidBurst },
  { id: 'temporal', run: temporalStoppedAcrossDueTime },
  { id: 'postgres', run: postgresDownWhileFiring },
  { id: 'api', run: apiKilledMidCommand },
  { id: 'delivery', run: workerKilledMidSend },
  { id: 'self-check', run: ledgerSelfCheck },
];
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const selected = SCENARIOS.filter((s) => !only || only.includes(s.id));

const cluster = new Cluster(log);
let closing: Promise<void> | undefined;
const close = () => (closing ??= cluster.close());
const abort = (why: string) => {
  log(why);
  void close().finally(() => process.exit(1));
};
const hardLimit = setTimeout(() => abort(`over the ${HARD_LIMIT_MS / 60_000} min limit: stopping`), HARD_LIMIT_MS);
process.once('SIGINT', () => abort('SIGINT'));
process.once('SIGTERM', () => abort('SIGTERM'));

const results: FaultResult[] = [];
try {
  log('starting Postgres, Temporal dev server, worker and API');
  await cluster.start();
  log('cluster ready');
  for (const scenario of selected) {
    log(`--- ${scenario.id}`);
    try {
      results.push(await scenario.run(cluster));
    } catch (error) {
      results.push({
        name: scenario.id,
        expected: 0,
        delivered: 0,
        duplicated: 0,
        lost: 0,
        notes: [],
        failures: [`error: ${error instanceof Error ? error.message : String(error)}`],
        seconds: 0,
      });
    }
    const r = results.at(-1)!;
    log(`${r.failures.length ? 'FAILED' : 'passed'} ${r.name}${r.failures.length ? `: ${r.failures.join('; ')}` : ''}`);
    // A scenario that broke a process leaves it to the next one in working order.
    if (cluster.worker?.exited()) await cluster.startWorker().catch((e: unknown) => log(`worker restart: ${String(e)}`));
    if (cluster.api?.exited()) await cluster.startApi().catch((e: unknown) => log(`api restart: ${String(e)}`));
  }
} catch (error) {
  log(`setup failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  results.push({ name: 'setup', expected: 0, delivered: 0, duplicated: 0, lost: 0, notes: [], failures: ['setup failed'], seconds: 0 });
} finally {
  clearTimeout(hardLimit);
  await close();
}

const head = ['fault', 'expected', 'delivered', 'duplicated', 'lost', 'result', 'time', 'notes'];
const rows = results.map((r) => [
  r.name,
  String(r.expected),
  String(r.delivered),
  String(r.duplicated),
  String(r.lost),
  r.failures.length ? 'FAILED' : 'passed',
  `${r.seconds.toFixed(0)} s`,
  [...r.notes, ...r.failures.map((f) => `FAILURE: ${f}`)].join('; '),
]);
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
process.stdout.write(['', line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''].join('\n'));
const failed = results.filter((r) => r.failures.length > 0).length;
process.stdout.write(`\nfault tests: ${((Date.now() - began) / 1000).toFixed(0)} s\n${results.length - failed} passed, ${failed} failed\n`);
process.exit(failed > 0 || results.length === 0 ? 1 : 0);
