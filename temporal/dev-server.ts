import { spawn, type ChildProcess } from 'node:child_process';
import { isListening } from '../lib/ports.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';

export interface DevServerOptions {
  /** Absolute path of the `temporal` CLI (see `resolveTemporalCli`). */
  cliPath: string;
  /** Directory for `temporal.sqlite`; omit for an in-memory server whose state dies with it. */
  dataDir?: string;
  port: number;
  /** Web UI port; omit to run headless (tests). */
  uiPort?: number;
  /** Interface to bind; default 127.0.0.1 so a laptop never exposes an unauthenticated server. */
  ip?: string;
  /** With `dataDir`: the SQLite pragmas (default FILE_SQLITE_PRAGMAS; the dev-server bench compares others). */
  sqlitePragmas?: readonly string[];
  /** Extra `start-dev` flags, e.g. `--search-attribute`. */
  extraArgs?: readonly string[];
  startTimeoutMs?: number;
  logger?: Logger;
}

export interface DevServer {
  /** host:port for `Connection.connect` / `NativeConnection.connect`. */
  address: string;
  uiUrl: string | null;
  /** The server's process (benches read its CPU time). */
  pid: number | undefined;
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 10_000;

/**
 * SQLite settings of a file-backed server (`npm start`): a write-ahead log, synced at checkpoints
 * rather than at every commit. `npm run bench:dev-server` measured 37 → 93 workflow starts/s on
 * this 2-core machine (12 → 23 workflows run to completion/s), close to the in-memory server's 133.
 * What it gives up: after a power loss or an OS crash (not a crash of the server process) the last
 * moments of workflow state may be lost; a local development server accepts that, production runs
 * on a Temporal cluster with its own database.
 */
export const FILE_SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'] as const;
// Keep the first lines too: an early "Error: unknown flag" is followed by a screenful of usage.
const HEAD_LINES = 10;
const TAIL_LINES = 30;

/** Children still running; killed if this process exits without calling stop(). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackForExit(child: ChildProcess): void {
  live.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

/** Runs `temporal server start-dev` and resolves once the frontend answers for the `default` namespace. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const address = `${ip}:${options.port}`;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const log = options.logger;

  await assertPortFree(ip, options.port, 'gRPC', 'DEV_SERVER_PORT');
  if (options.uiPort !== undefined) await assertPortFree(ip, options.uiPort, 'Web UI', 'DEV_SERVER_UI_PORT');

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port), '--log-level', 'warn'];
  if (options.dataDir) {
    await fs.mkdir(options.dataDir, { recursive: true });
    args.push('--db-filename', path.join(options.dataDir, 'temporal.sqlite'));
    for (const pragma of options.sqlitePragmas ?? FILE_SQLITE_PRAGMAS) args.push('--sqlite-pragma', pragma);
  }
  if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  args.push(...(options.extraArgs ?? []));

  const startedAt = Date.now();
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  trackForExit(child);

  const head: string[] = [];
  const tail: string[] = [];
  let dropped = 0;
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line.trim()) continue;
      if (head.length < HEAD_LINES) head.push(line);
      else {
        tail.push(line);
        if (tail.length > TAIL_LINES) {
          tail.shift();
          dropped++;
        }
      }
      if (stream === 'stderr') log?.warn({ devServer: address }, line);
      else log?.debug({ devServer: address }, line);
    }
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      spawnError = error;
      live.delete(child);
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited || spawnError) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exitPromise;
      clearTimeout(timer);
    })();
    return stopping;
  };

  const output = () => [...head, ...(dropped ? [`[... ${dropped} lines ...]`] : []), ...tail].join('\n');
  const describeFailure = (why: string) =>
    new Error(`Temporal dev server (${options.cliPath} ${args.join(' ')}) ${why}.` + (head.length ? `\nOutput:\n${output()}` : ' It printed nothing.'));

  try {
    await waitUntilReady(address, startedAt + startTimeoutMs, () => {
      if (spawnError) throw describeFailure(`could not be started: ${spawnError.message}`);
      if (exited) throw describeFailure(`exited with ${exited.code ?? exited.signal} before becoming ready`);
    });
  } catch (error) {
    await stop();
    if (error instanceof TimeoutError) {
      throw describeFailure(`did not become ready on ${address} within ${startTimeoutMs / 1000}s`);
    }
    throw error;
  }

  log?.info({ address, ms: Date.now() - startedAt }, 'Temporal dev server ready');
  child.once('exit', (code, signal) => {
    if (!stopping) log?.error({ address, code, signal, output: output() }, 'Temporal dev server exited unexpectedly');
  });

  return {
    address,
    uiUrl: options.uiPort !== undefined ? `http://${ip}:${options.uiPort}` : null,
    pid: child.pid,
    stop,
  };
}

class TimeoutError extends Error {}

async function waitUntilReady(address: string, deadline: number, checkChild: () => void): Promise<void> {
  for (;;) {
    checkChild();
    if (Date.now() > deadline) throw new TimeoutError();
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      // The frontend can answer before the dev server has registered its namespace.
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await connection?.close().catch(() => {});
    }
  }
}

/** Fails with a message a human can act on when something already listens where we want to. */
async function assertPortFree(ip: string, port: number, what: string, envVar: string): Promise<void> {
  if (!(await isListening(ip, port))) return;
  const temporal = what === 'gRPC' && (await looksLikeTemporal(`${ip}:${port}`));
  const occupant = temporal ? 'a Temporal server (another `npm start` or `temporal server start-dev`?)' : 'another process';
  throw new Error(
    `Cannot start the Temporal dev server: ${what} port ${port} on ${ip} is already in use by ${occupant}. ` +
      `Stop it, or set ${envVar} to a free port` +
      (temporal ? `, or set TEMPORAL_ADDRESS=${ip}:${port} to use that server instead.` : '.'),
  );
}

async function looksLikeTemporal(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 2_000 });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}
