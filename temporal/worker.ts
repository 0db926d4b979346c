import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';
import type { DeliveryActivities } from '../activities/deliveries.js';
import type { Tracing } from '../lib/tracing.js';
import { PROJECT_ROOT } from './binaries.js';
import { WORKFLOW_TRACING_INTERCEPTORS, workerTracing } from './tracing.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Our sources import `./x.js` (ESM); webpack must find the `.ts` behind it. */
export const webpackConfigHook = (config: Parameters<NonNullable<Parameters<typeof bundleWorkflowCode>[0]['webpackConfigHook']>>[0]) => {
  config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
  return config;
};

const cachedBundles = new Map<boolean, Promise<WorkflowBundleWithSourceMap>>();

/**
 * The workflow bundle, built once per process (tests start many workers) and kept on disk between
 * processes (`npm start`, each test file, each worker restart: webpack takes ~3–4 s here). The disk
 * copy is named by a hash of everything the bundle is built from: the workflow and domain sources
 * (workflows import nothing else but types and packages), this file's webpack setup, the
 * interceptor modules built in (tracing.ts), the lock file and the Node version; any change builds
 * a new one. A cache that cannot be read or written is only slower.
 */
export function workflowBundle(options: { tracing?: boolean } = {}): Promise<WorkflowBundleWithSourceMap> {
  const tracing = options.tracing ?? false;
  let bundle = cachedBundles.get(tracing);
  if (!bundle) cachedBundles.set(tracing, (bundle = bundleFromDiskOrBuild(tracing)));
  return bundle;
}

const BUNDLE_CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'rectify-workflow-bundle');

async function bundleFromDiskOrBuild(tracing: boolean): Promise<WorkflowBundleWithSourceMap> {
  const key = await bundleSourceHash(tracing).catch(() => null);
  const file = key ? path.join(BUNDLE_CACHE_DIR, `${key}.json`) : null;
  if (file) {
    const cached = await readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as WorkflowBundleWithSourceMap,
      () => null,
    );
    if (cached?.code && cached.sourceMap) return cached;
  }
  const bundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    // Only with tracing on: see WORKFLOW_TRACING_INTERCEPTORS.
    workflowInterceptorModules: tracing ? [WORKFLOW_TRACING_INTERCEPTORS] : [],
    webpackConfigHook,
    // Our workflow and domain modules hold no per-workflow state (each run's state lives in its
    // workflow function's closures; module level has only constants and activity proxies, which
    // reach the current workflow when called): evaluated once and shared by every cached run
    // instead of once per run. Measured: bench/worker-memory.ts (BENCHMARKS.md, figure 5).
    preloadModules: [WORKFLOWS_PATH],
    logger: Runtime.instance().logger,
  });
  if (file) {
    try {
      await mkdir(BUNDLE_CACHE_DIR, { recursive: true });
      // Written aside and renamed: a process reading it meanwhile sees the whole file or none.
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ code: bundle.code, sourceMap: bundle.sourceMap }));
      await rename(tmp, file);
      for (const old of await readdir(BUNDLE_CACHE_DIR)) {
        // The other variant (tracing on/off) of the same sources stays.
        if (!old.startsWith(key!.slice(0, 32)) && old.endsWith('.json')) await rm(path.join(BUNDLE_CACHE_DIR, old), { force: true });
      }
    } catch {
      // A read-only install: bundle per process, as before.
    }
  }
  return bundle;
}

async function bundleSourceHash(tracing: boolean): Promise<string> {
  const hash = createHash('sha256').update(process.version);
  const files: string[] = [
    fileURLToPath(import.meta.url),
    fileURLToPath(new URL('./tracing.ts', import.meta.url)),
    path.join(PROJECT_ROOT, 'package-lock.json'),
  ];
  for (const dir of ['workflows', 'domain']) {
    for (const entry of (await readdir(path.join(PROJECT_ROOT, dir), { recursive: true })).sort()) {
      if (entry.endsWith('.ts')) files.push(path.join(PROJECT_ROOT, dir, entry));
    }
  }
  for (const file of files)
    hash
      .update(path.relative(PROJECT_ROOT, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return `${hash.digest('hex').slice(0, 32)}${tracing ? '-traced' : ''}`;
}

/** A worker's size, from the WORKER_* settings (config/config.ts). */
export interface WorkerTuning {
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentLocalActivityExecutions?: number;
}

export async function createWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** The processes' activities, or (on the delivery queue) the delivery activities. */
  activities: Activities | DeliveryActivities;
  maxCachedWorkflows?: number;
  /** Concurrency limits (unset: the SDK's defaults); see WORKER_* in config/config.ts. */
  tuning?: WorkerTuning;
  /** Another build of the workflows (tests run a released version's); default: this code's. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Tracing (lib/tracing.ts): activity spans and the workflows' spans exported; null: dropped. */
  tracing?: Tracing | null;
}): Promise<Worker> {
  return Worker.create({
    ...workerTracing(options.tracing),
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle ?? (await workflowBundle({ tracing: Boolean(options.tracing) })),
    activities: options.activities,
    maxCachedWorkflows: options.maxCachedWorkflows ?? options.tuning?.maxCachedWorkflows,
    ...(options.tuning?.maxConcurrentWorkflowTaskExecutions ? { maxConcurrentWorkflowTaskExecutions: options.tuning.maxConcurrentWorkflowTaskExecutions } : {}),
    ...(options.tuning?.maxConcurrentLocalActivityExecutions
      ? { maxConcurrentLocalActivityExecutions: options.tuning.maxConcurrentLocalActivityExecutions }
      : {}),
  });
}
