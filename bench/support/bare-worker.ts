/**
 * A worker for bench/workflows/trivial.ts only (no activities), run as its own process like the
 * production worker: `tsx bench/support/bare-worker.ts <temporal address> <task queue> [autoscaling]`.
 * `autoscaling`: workflow-task pollers that scale with the backlog instead of the SDK's default (10
 * pollers, 2 of them on the normal queue, where a new workflow's first task waits).
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

const [address, taskQueue, pollers] = process.argv.slice(2);
if (!address || !taskQueue) {
  process.stderr.write('usage: bare-worker.ts <temporal address> <task queue> [autoscaling]\n');
  process.exit(2);
}
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGTERM', 'SIGINT'] });
const workflowBundle = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(new URL('../workflows/trivial.ts', import.meta.url)),
  logger: new DefaultLogger('WARN'),
});
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  taskQueue,
  workflowBundle,
  ...(pollers === 'autoscaling' ? { workflowTaskPollerBehavior: { type: 'autoscaling' as const } } : {}),
});
await worker.run();
await connection.close();
