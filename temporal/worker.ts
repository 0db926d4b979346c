import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../activities/index.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Our sources import `./x.js` (ESM); webpack must find the `.ts` behind it. */
const webpackConfigHook = (config: Parameters<NonNullable<Parameters<typeof bundleWorkflowCode>[0]['webpackConfigHook']>>[0]) => {
  config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
  return config;
};

let cachedBundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundles workflow code once per process (tests start many workers). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  cachedBundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, webpackConfigHook, logger: Runtime.instance().logger });
  return cachedBundle;
}

export async function createWorker(options: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  maxCachedWorkflows?: number;
}): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: options.activities,
    maxCachedWorkflows: options.maxCachedWorkflows,
  });
}
