/**
 * A worker for bench/workflows/trivial.ts only (no activities), run as its own process like the
 * production worker: `tsx bench/support/bare-worker.ts <temporal address> <task queue>`.
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

const [address, taskQueue] = process.argv.slice(2);
if (!address || !taskQueue) {
  process.stderr.write('usage: bare-worker.ts <temporal address> <task queue>\n');
  process.exit(2);
}
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGTERM', 'SIGINT'] });
const workflowBundle = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(new URL('../workflows/trivial.ts', import.meta.url)),
  logger: new DefaultLogger('WARN'),
});
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({ connection, taskQueue, workflowBundle });
await worker.run();
await connection.close();
