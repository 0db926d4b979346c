/** Figures: percentiles, a printed table, and a JSON copy in .data/bench/ for `npm run bench`. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../temporal/binaries.js';

export const RESULTS_DIR = path.join(PROJECT_ROOT, '.data', 'bench');

/** The machine is shared (other test runs may be going on): the load is part of every result. */
const loadAtStart = os.loadavg()[0]!;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summary(values: readonly number[]): { n: number; p50: number; p99: number; max: number; mean: number } {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
    mean: values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN,
  };
}

export const ms = (v: number) => (Number.isFinite(v) ? (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`) : '–');
export const rate = (v: number) => `${v.toFixed(1)}/s`;

export interface Row {
  figure: string;
  value: string;
  ambition?: string;
  /** true met, false missed, undefined: context figure. */
  met?: boolean;
  note?: string;
}

export function printTable(title: string, rows: Row[], context: Record<string, unknown>): void {
  const head = ['figure', 'value', 'ambition', '', 'note'];
  const body = rows.map((r) => [r.figure, r.value, r.ambition ?? '', r.met === undefined ? '' : r.met ? 'met' : 'MISSED', r.note ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => width(b[i]!))));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - width(c))).join(' | ')} |`;
  const out = [
    `\n## ${title}`,
    Object.entries(context)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('  '),
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/** East Asian wide characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

export async function saveResult(
  name: string,
  result: { title: string; rows: Row[]; context: Record<string, unknown>; machine: Record<string, string> },
): Promise<void> {
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  const load = `1-min load average ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0]!.toFixed(1)} at end`;
  process.stdout.write(`${load}\n`);
  await fs.writeFile(path.join(RESULTS_DIR, `${name}.json`), JSON.stringify({ name, at: new Date().toISOString(), load, ...result }, null, 2));
}

/** `--n=500 --concurrency=32` → { n: '500', concurrency: '32' }. */
export function args(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of process.argv.slice(2)) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (m) out[m[1]!] = m[2] ?? 'true';
  }
  return out;
}

export function intArg(a: Record<string, string>, name: string, fallback: number): number {
  const v = a[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number, got ${v}`);
  return n;
}

export function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}
