/**
 * `npm run bench`: every benchmark in turn, each in its own process with its own servers, then one
 * table of all figures (also in .data/bench/summary.md), ready for BENCHMARKS.md.
 *
 *   npm run bench [-- --wait-idle]   (--wait-idle: before each, wait up to 10 min for a quiet machine)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../temporal/binaries.js';
import { RESULTS_DIR, type Row } from './support/report.js';

const BENCHES: Array<{ file: string; result: string; args?: string[] }> = [
  { file: 'case-fleet.ts', result: 'case-fleet' },
  { file: 'escalation-lateness.ts', result: 'escalation-lateness' },
  { file: 'month-end-burst.ts', result: 'month-end-burst-2000' },
  { file: 'command-round-trip.ts', result: 'command-round-trip' },
  { file: 'worker-memory.ts', result: 'worker-memory' },
  { file: 'worker-memory.ts', result: 'worker-memory-main-thread', args: ['--main-thread'] },
];
const waitIdle = process.argv.includes('--wait-idle');
const began = Date.now();
const failed: string[] = [];

for (const b of BENCHES) {
  if (waitIdle) {
    const until = Date.now() + 10 * 60_000;
    while (os.loadavg()[0]! > 1.5 && Date.now() < until) await new Promise((r) => setTimeout(r, 10_000));
  }
  await fs.rm(path.join(RESULTS_DIR, `${b.result}.json`), { force: true });
  process.stderr.write(`\n=== bench/${b.file} ${(b.args ?? []).join(' ')}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench', b.file), ...(b.args ?? [])], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) failed.push(b.file);
}

const lines: string[] = [];
let machine: Record<string, string> | undefined;
for (const b of BENCHES) {
  const file = path.join(RESULTS_DIR, `${b.result}.json`);
  const result = JSON.parse(await fs.readFile(file, 'utf8').catch(() => 'null')) as {
    title: string;
    rows: Row[];
    context: Record<string, unknown>;
    machine: Record<string, string>;
    load: string;
  } | null;
  if (!result) {
    lines.push(`| ${b.file} | no result | | | |`);
    continue;
  }
  machine ??= result.machine;
  const ctx = Object.entries(result.context)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  for (const [i, row] of result.rows.entries()) {
    const verdict = row.met === undefined ? '' : row.met ? 'met' : '**missed**';
    lines.push(`| ${i === 0 ? `${result.title} (${ctx})` : ''} | ${row.figure.trim()} | ${row.value} | ${row.ambition ?? ''} ${verdict} | ${row.note ?? ''} |`);
  }
  lines.push(`| | _${result.load}_ | | | |`);
}
const md = [
  `Run ${new Date().toISOString()}, ${((Date.now() - began) / 60_000).toFixed(1)} min: \`npm run bench\``,
  '',
  ...(machine ? Object.entries(machine).map(([k, v]) => `- ${k}: ${v}`) : []),
  '',
  '| benchmark | figure | value | ambition | note |',
  '|---|---|---|---|---|',
  ...lines,
].join('\n');
await fs.mkdir(RESULTS_DIR, { recursive: true });
await fs.writeFile(path.join(RESULTS_DIR, 'summary.md'), `${md}\n`);
process.stdout.write(`\n${md}\n`);
if (failed.length) {
  process.stderr.write(`failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
