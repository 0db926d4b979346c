/**
 * One client floods, another keeps its latency (issue 15). One API on real HTTP with the
 * production rate limits (API_RATE_LIMIT_* defaults: 20/s per user sustained, 60 in 2 s); a
 * "victim" user reads `GET /api/v1/cases?limit=20` open-loop 10 times a second, first alone, then
 * while a runaway script (another user's token, its own process, `--concurrency` requests in
 * flight, as fast as answers come) floods the same route. For context the same flood against an
 * API with the limits off. Ambition: the victim's p99 under the flood within 20% of its p99 alone.
 *
 *   npm run bench:flood [-- --seconds=12 --concurrency=4 --victim-rate=10]
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { RATE_LIMITS_OFF, rateLimitsFromConfig, type RateLimits } from '../api/plugins/rate-limits.js';
import { createDb } from '../db/client.js';
import { importDivisions } from '../db/seed/import-divisions.js';
import { createUser } from '../db/queries/users.js';
import { detachedTemporalHandle } from '../temporal/client.js';
import { config, createDatabase, freePort, machineInfo, runBench, startPostgres } from './support/env.js';
import { args, intArg, log, ms, printTable, saveResult, summary, type Row } from './support/report.js';
import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../lib/secret-box.js';

const a = args();
const SECONDS = intArg(a, 'seconds', 12);
const CONCURRENCY = intArg(a, 'concurrency', 4);
const VICTIM_PER_SECOND = intArg(a, 'victim-rate', 10);
const AMBITION = 1.2;
const sleep = (msec: number) => new Promise<void>((resolve) => setTimeout(resolve, msec));

/**
 * The flooder, plain JavaScript in its own Node process (its CPU is not the API's event loop):
 * CONCURRENCY loops of fetch until the deadline, then the statuses it got, as JSON.
 */
const FLOODER = `
const { URL: url, TOKEN, CONCURRENCY, MS } = process.env;
const end = Date.now() + Number(MS);
const counts = {};
const loop = async () => {
  while (Date.now() < end) {
    const r = await fetch(url, { headers: { authorization: 'Bearer ' + TOKEN } }).catch(() => null);
    if (r) await r.arrayBuffer();
    const k = r ? r.status : 'error';
    counts[k] = (counts[k] || 0) + 1;
  }
};
await Promise.all(Array.from({ length: Number(CONCURRENCY) }, loop));
process.stdout.write(JSON.stringify(counts));
`;

function flood(url: string, token: string, seconds: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', FLOODER], {
      env: { ...process.env, URL: url, TOKEN: token, CONCURRENCY: String(CONCURRENCY), MS: String(seconds * 1000) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, number>) : reject(new Error(`flooder exited ${code}`))));
  });
}

await runBench(async (registerCleanup) => {
  const pg = await startPostgres();
  registerCleanup(() => pg.stop());
  const database = await createDatabase(pg.adminUrl, 'rectify_bench_flood');
  registerCleanup(() => database.drop());
  const db = createDb(database.url, { max: 10 });
  registerCleanup(() => db.close());
  await importDivisions(db.sql, '522731');
  const user = async (name: string) => (await createUser(db.db, { name, role: 'org_dept', jurisdictionCode: '522731', actor: { actorLabel: 'bench' } })).token;
  const [victimToken, flooderToken] = [await user('victim'), await user('flooder')];

  // The routes measured never touch Temporal.
  const temporal = detachedTemporalHandle();
  const serve = async (rateLimits: RateLimits): Promise<string> => {
    const app: FastifyInstance = await buildApp({
      db: db.db,
      temporal,
      secretBox: createSecretBox(randomBytes(32).toString('base64')),
      notifiers: {},
      logger: false,
      rateLimits,
    });
    registerCleanup(() => app.close());
    const port = await freePort();
    await app.listen({ host: '127.0.0.1', port });
    return `http://127.0.0.1:${port}/api/v1/cases?limit=20`;
  };
  const limits = rateLimitsFromConfig(config);
  const limited = await serve(limits);
  const unlimited = await serve(RATE_LIMITS_OFF);

  const read = async (url: string): Promise<number> => {
    const began = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${victimToken}` } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`the victim got ${response.status}`);
    return performance.now() - began;
  };
  /** The victim, open-loop: a read every 1/rate s whether or not the last has answered. */
  const victim = async (url: string): Promise<number[]> => {
    const times: number[] = [];
    const pending: Promise<unknown>[] = [];
    const began = performance.now();
    for (let i = 0; performance.now() < began + SECONDS * 1000; i++) {
      pending.push(read(url).then((t) => times.push(t)));
      await sleep(Math.max(0, began + ((i + 1) * 1000) / VICTIM_PER_SECOND - performance.now()));
    }
    await Promise.all(pending);
    return times;
  };

  for (const url of [limited, unlimited]) for (let i = 0; i < 30; i++) await read(url); // warm-up
  log(`victim alone, ${SECONDS} s at ${VICTIM_PER_SECOND}/s`);
  const alone = summary(await victim(limited));
  await sleep(1000);
  log(`flood (${CONCURRENCY} in flight) against the limited API`);
  const [underLimits, floodLimited] = await Promise.all([victim(limited).then(summary), flood(limited, flooderToken, SECONDS)]);
  await sleep(2500); // the flooder's windows are its own; let the machine settle
  log('the same flood against an API with the limits off (context)');
  const [noLimits, floodUnlimited] = await Promise.all([victim(unlimited).then(summary), flood(unlimited, flooderToken, SECONDS)]);

  const describe = (counts: Record<string, number>) => {
    const total = Object.values(counts).reduce((s, n) => s + n, 0);
    return `${(total / SECONDS).toFixed(0)} req/s, ${Object.entries(counts)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ')}`;
  };
  const met = underLimits.p99 <= alone.p99 * AMBITION;
  const rows: Row[] = [
    { figure: 'victim alone, p50 / p99', value: `${ms(alone.p50)} / ${ms(alone.p99)}`, note: `GET /cases?limit=20 at ${VICTIM_PER_SECOND}/s, n=${alone.n}` },
    {
      figure: 'victim during the flood, limits on (defaults), p50 / p99',
      value: `${ms(underLimits.p50)} / ${ms(underLimits.p99)}`,
      ambition: `p99 ≤ ${ms(alone.p99 * AMBITION)} (alone + 20%)`,
      met,
      note: `flooder: ${describe(floodLimited)}`,
    },
    {
      figure: 'victim during the flood, limits off, p50 / p99',
      value: `${ms(noLimits.p50)} / ${ms(noLimits.p99)}`,
      note: `flooder: ${describe(floodUnlimited)}`,
    },
  ];
  const context = {
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    victimRate: VICTIM_PER_SECOND,
    perUser: `${limits.perUserPerSecond}/s`,
    burst: `${limits.userBurst}/2s`,
  };
  printTable('One client flooding, another reading (real HTTP, one API process)', rows, context);
  await saveResult('flood', { title: 'Flood', rows, context, machine: await machineInfo(pg.adminUrl).catch(() => ({})) });
});
