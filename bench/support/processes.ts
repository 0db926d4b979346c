/**
 * Child processes for benchmarks and fault tests: the production worker (temporal/worker-main.ts)
 * and the production API (api/server.ts), each in its own process group so a SIGKILL takes the
 * whole process, and every child is killed if this process exits without stopping it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../../temporal/binaries.js';

const live = new Set<ChildProcess>();
let hooked = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) killGroup(c, 'SIGKILL');
  });
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** Last lines of output, for failure messages. */
  output(): string;
  exited(): boolean;
  /** SIGKILL (kill -9) the whole process group and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  waitExit(timeoutMs: number): Promise<boolean>;
}

export function spawnTsx(name: string, script: string, env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []): Child {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(PROJECT_ROOT, script), ...args], {
    cwd: PROJECT_ROOT,
    // The children read their configuration from the environment (config/config.ts), as in production.
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  track(child);
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      if (tail.length > 40) tail.shift();
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitExit = async (timeoutMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const result = await Promise.race([exitPromise.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  };
  return {
    name,
    process: child,
    pid: child.pid!,
    output: () => tail.join('\n'),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async kill9() {
      killGroup(child, 'SIGKILL');
      await waitExit(10_000);
    },
    async stop(graceMs = 15_000) {
      killGroup(child, 'SIGTERM');
      if (!(await waitExit(graceMs))) {
        killGroup(child, 'SIGKILL');
        await waitExit(5_000);
      }
    },
    waitExit,
  };
}

/** Polls until `check` returns a truthy value; throws `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(intervalMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True once a worker of process `pid` polls the workflow (and activity) task queue. */
export async function workerPolls(connection: Connection, taskQueue: string, pid: number, withActivities = true): Promise<boolean> {
  // TASK_QUEUE_TYPE_WORKFLOW = 1, TASK_QUEUE_TYPE_ACTIVITY = 2; TASK_QUEUE_KIND_NORMAL = 1.
  for (const taskQueueType of withActivities ? [1, 2] : [1]) {
    const res = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue, kind: 1 }, taskQueueType });
    if (!(res.pollers ?? []).some((p) => (p.identity ?? '').startsWith(`${pid}@`))) return false;
  }
  return true;
}

export type WorkerProcess = Child;

/** The production worker (`npm run worker`) as a child process; resolves once it polls. */
export async function startWorkerProcess(options: {
  connection: Connection;
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  name?: string;
  script?: string;
  readyTimeoutMs?: number;
  /** More of the worker's configuration (delivery keys and providers). */
  env?: Record<string, string>;
}): Promise<WorkerProcess> {
  const child = spawnTsx(options.name ?? 'worker', options.script ?? 'temporal/worker-main.ts', {
    DATABASE_URL: options.databaseUrl,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    ...options.env,
  });
  try {
    await until(
      `${child.name} (pid ${child.pid}) to poll ${options.taskQueue}`,
      async () => {
        if (child.exited()) throw new Error(`${child.name} exited: ${child.output()}`);
        return workerPolls(options.connection, options.taskQueue, child.pid);
      },
      options.readyTimeoutMs ?? 120_000,
      300,
    );
  } catch (error) {
    await child.kill9();
    throw error;
  }
  return child;
}

export interface ApiProcess extends Child {
  url: string;
}

/** The production API (`npm run api`) as a child process; resolves once /api/v1/healthz answers. */
export async function startApiProcess(options: {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  port: number;
  env?: Record<string, string>;
}): Promise<ApiProcess> {
  const child = spawnTsx('api', 'api/server.ts', {
    // The benchmarks and fault tests drive one user at machine rates: no rate limits unless asked.
    API_RATE_LIMIT_PER_USER: '0',
    API_RATE_LIMIT_PER_IP: '0',
    DATABASE_URL: options.databaseUrl,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    API_HOST: '127.0.0.1',
    API_PORT: String(options.port),
    ...options.env,
  });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await until(
      `the API on ${url}`,
      async () => {
        if (child.exited()) throw new Error(`api exited: ${child.output()}`);
        const res = await fetch(`${url}/api/v1/healthz`);
        return res.ok;
      },
      60_000,
      200,
    );
  } catch (error) {
    await child.kill9();
    throw error;
  }
  return { ...child, url };
}
