/**
 * The servers a benchmark or fault test runs against, all on this machine: a real Temporal dev
 * server (`temporal server start-dev`), a real Postgres (DATABASE_URL's server, else the local
 * 127.0.0.1:5432, else an embedded one on a free port) with a fresh migrated database, the real
 * divisions, users and seconds-level policies, and the services the API uses.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../config/config.js';
import { createDb, type DbHandle } from '../../db/client.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../db/embedded.js';
import { runMigrations } from '../../db/migrate.js';
import { importDivisions } from '../../db/seed/import-divisions.js';
import { createUser } from '../../db/queries/users.js';
import type { DeadlinePolicy } from '../../domain/policy.js';
import type { AuthUser } from '../../domain/roles.js';
import { createCaseService, type CaseService } from '../../services/cases.js';
import { createPolicyService } from '../../services/policies.js';
import { INSTALL_HINT, resolveTemporalCli } from '../../temporal/binaries.js';
import type { TemporalHandle } from '../../temporal/client.js';
import { startDevServer, type DevServer } from '../../temporal/dev-server.js';

export const config = loadConfig();

// Below the ephemeral range, like the tests' (lib/ports.ts says why).
import { freePort } from '../../lib/ports.js';
export { freePort };

// --- Postgres --------------------------------------------------------------------------------------

export interface PgServer {
  adminUrl: string;
  source: string;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** A directory the `postgres` system user can enter (embedded Postgres runs as it under root). */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `rectify-${prefix}-`));
  await fs.chmod(dir, 0o755);
  return dir;
}

/** An embedded Postgres of our own: it can be stopped and started again on the same data and port. */
export async function startOwnPostgres(dataDir: string, port: number): Promise<EmbeddedPostgres> {
  return startEmbeddedPostgres({ dataDir, port });
}

export async function startPostgres(options: { own?: boolean } = {}): Promise<PgServer> {
  if (!options.own && config.DATABASE_URL) return { adminUrl: config.DATABASE_URL, source: 'DATABASE_URL', stop: async () => {} };
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (!options.own && (await answers(local))) return { adminUrl: local, source: 'local Postgres 127.0.0.1:5432', stop: async () => {} };
  const dir = await scratchDir('pg');
  const server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), ephemeral: true });
  return {
    adminUrl: server.adminUrl,
    source: 'embedded Postgres',
    stop: async () => {
      await server.stop().catch(() => {});
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Database {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createDatabase(adminUrl: string, prefix = 'rectify_bench'): Promise<Database> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`create database ${admin(name)}`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await runMigrations(url.toString());
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await sql`drop database if exists ${sql(name)} with (force)`;
      } finally {
        await sql.end({ timeout: 5 });
      }
    },
  };
}

// --- Temporal ----------------------------------------------------------------------------------------

export async function temporalCli(): Promise<string> {
  const cli = await resolveTemporalCli(config);
  if (!cli) throw new Error(`Temporal CLI not found. ${INSTALL_HINT}`);
  return cli;
}

export async function startTemporal(
  options: { dataDir?: string; port?: number; sqlitePragmas?: readonly string[] } = {},
): Promise<DevServer & { port: number; cliPath: string; metricsUrl: string }> {
  const cliPath = await temporalCli();
  const port = options.port ?? (await freePort());
  // Its request counters, for benches that say what the server did (bench/support/temporal-requests.ts).
  const metricsPort = await freePort();
  const server = await startDevServer({
    cliPath,
    port,
    dataDir: options.dataDir,
    ...(options.sqlitePragmas ? { sqlitePragmas: options.sqlitePragmas } : {}),
    extraArgs: ['--metrics-port', String(metricsPort)],
  });
  return { ...server, port, cliPath, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

export async function connectClient(address: string, taskQueue: string): Promise<TemporalHandle> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  return { client, connection, taskQueue, close: () => connection.close() };
}

// --- Data ----------------------------------------------------------------------------------------

/** Division prefixes imported, in order, until there are enough villages for the run. */
const VILLAGE_SOURCES = ['5227', '52', '51', '53', '50', '45'];

export interface Actors {
  /** Per province: an org dept and a sponsor whose jurisdiction is that province. */
  byProvince: Map<string, { org: AuthUser & { token: string }; sponsor: AuthUser & { token: string }; township?: AuthUser & { token: string } }>;
}

export async function seedVillages(db: DbHandle, needed: number, log: (line: string) => void = () => {}): Promise<string[]> {
  let villages: string[] = [];
  for (const prefix of VILLAGE_SOURCES) {
    const t0 = Date.now();
    await importDivisions(db.sql, prefix);
    villages = (await db.sql<{ code: string }[]>`select code from divisions where level = 'village' order by code`).map((r) => r.code);
    log(`divisions ${prefix}: ${villages.length} villages (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    if (villages.length >= needed) return villages;
  }
  throw new Error(`only ${villages.length} villages available, ${needed} needed`);
}

export async function seedActors(db: DbHandle, villages: string[]): Promise<Actors> {
  const byProvince: Actors['byProvince'] = new Map();
  for (const province of new Set(villages.map((v) => v.slice(0, 2)))) {
    const mk = async (role: 'org_dept' | 'sponsor') => {
      const { user, token } = await createUser(db.db, { name: `bench-${role}-${province}`, role, jurisdictionCode: province, actor: { actorLabel: 'bench' } });
      return { id: user.id, name: user.name, role: user.role, jurisdictionCode: user.jurisdictionCode, token };
    };
    byProvince.set(province, { org: await mk('org_dept'), sponsor: await mk('sponsor') });
  }
  return { byProvince };
}

/** A policy in seconds: every deadline far away except the plan, whose ladder is given. */
export function secondsPolicy(planDueMs: number, ladder: DeadlinePolicy['ladder']): DeadlinePolicy {
  return {
    timeZone: 'Asia/Shanghai',
    planDue: `PT${(planDueMs / 1000).toFixed(3)}S`,
    reportPeriod: 'PT1H',
    reportDue: 'PT1H',
    rectificationDue: 'PT2H',
    retryRectificationDue: 'PT1H',
    acceptanceReviewDue: 'PT1H',
    followUpLength: 'PT1H',
    sponsorReassignmentDue: 'PT1H',
    ladder,
  };
}

export const FULL_LADDER = (before: number, ...after: number[]): DeadlinePolicy['ladder'] => [
  { rung: 'reminder', offset: `-PT${before}S`, rag: 'yellow' },
  { rung: 'township_office', offset: `PT${after[0] ?? 1}S`, rag: 'yellow' },
  { rung: 'org_dept', offset: `PT${after[1] ?? 2}S`, rag: 'red' },
  { rung: 'standing_committee', offset: `PT${after[2] ?? 3}S`, rag: 'red' },
];

/** Creates (through the policy service the API uses) one policy per province, cached by body. */
export function policyMaker(db: DbHandle, actors: Actors) {
  const policies = createPolicyService({ db: db.db });
  const cache = new Map<string, Promise<string>>();
  return (province: string, body: DeadlinePolicy): Promise<string> => {
    const key = `${province}:${JSON.stringify(body)}`;
    let id = cache.get(key);
    if (!id) {
      const org = actors.byProvince.get(province)!.org;
      id = policies.create(org, { name: `bench-${cache.size}`, body }).then((row) => row.id);
      cache.set(key, id);
    }
    return id;
  };
}

/** Designates a case exactly as `POST /cases` does (the service the route handler calls). */
export async function designate(cases: CaseService, actors: Actors, village: string, policyId: string): Promise<string> {
  const who = actors.byProvince.get(village.slice(0, 2))!;
  const detail = await cases.designate(who.org, { villageCode: village, reasons: ['leadership_incomplete'], sponsorUserId: who.sponsor.id, policyId });
  return detail.id;
}

export function caseService(db: DbHandle, temporal: TemporalHandle): CaseService {
  return createCaseService({ db: db.db, temporal });
}

// --- Concurrency -------------------------------------------------------------------------------------

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` in flight; returns per-call latencies (ms). */
export async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = new Array(n);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, n) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const t0 = performance.now();
      await fn(i);
      latencies[i] = performance.now() - t0;
    }
  });
  await Promise.all(lanes);
  return latencies;
}

// --- The machine ---------------------------------------------------------------------------------------

export async function machineInfo(pgAdminUrl?: string): Promise<Record<string, string>> {
  const cpus = os.cpus();
  const info: Record<string, string> = {
    cpu: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
  try {
    info.temporal = execFileSync(await temporalCli(), ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    info.temporal = 'unknown';
  }
  if (pgAdminUrl) {
    const sql = postgres(pgAdminUrl, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ v: string }[]>`select split_part(version(), ' on ', 1) as v`;
      info.postgres = row?.v ?? 'unknown';
    } finally {
      await sql.end({ timeout: 2 });
    }
  }
  return info;
}

// --- One benchmark's world ---------------------------------------------------------------------------

export interface BenchWorld {
  pg: PgServer;
  database: Database;
  db: DbHandle;
  temporal: Awaited<ReturnType<typeof startTemporal>>;
  /** Client side, on the task queue of the case workflows. */
  client: TemporalHandle;
  villages: string[];
  actors: Actors;
  cases: CaseService;
  policy: ReturnType<typeof policyMaker>;
  machine: Record<string, string>;
  close(): Promise<void>;
}

/** Postgres + database + dev server + data for `villagesNeeded` cases; `close()` removes it all. */
export async function openWorld(options: { villagesNeeded: number; taskQueue?: string; log: (line: string) => void; poolMax?: number }): Promise<BenchWorld> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((error: unknown) => options.log(`cleanup: ${String(error)}`));
    cleanups.length = 0;
  };
  try {
    const pg = await startPostgres();
    cleanups.push(() => pg.stop());
    const database = await createDatabase(pg.adminUrl);
    cleanups.push(() => database.drop());
    const db = createDb(database.url, { max: options.poolMax ?? 20 });
    cleanups.push(() => db.close());
    options.log(`Postgres: ${pg.source}, database ${database.name}`);
    const villages = await seedVillages(db, options.villagesNeeded, options.log);
    const actors = await seedActors(db, villages);
    const temporal = await startTemporal();
    cleanups.push(() => temporal.stop());
    options.log(`Temporal dev server on ${temporal.address}`);
    const client = await connectClient(temporal.address, options.taskQueue ?? 'rectify-bench');
    cleanups.push(() => client.close());
    const machine = await machineInfo(pg.adminUrl);
    machine.postgresSource = pg.source;
    return { pg, database, db, temporal, client, villages, actors, cases: caseService(db, client), policy: policyMaker(db, actors), machine, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs `body` with clean-up on return, failure, SIGINT and SIGTERM. */
export async function runBench(body: (registerCleanup: (fn: () => Promise<unknown>) => void) => Promise<void>): Promise<void> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => {});
    cleanups.length = 0;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: cleaning up\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  let failed = false;
  try {
    await body((fn) => cleanups.push(fn));
  } catch (error) {
    failed = true;
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  } finally {
    await cleanup();
  }
  process.exit(failed ? 1 : 0);
}
