/**
 * A worker for bench/workflows/burst-row.ts only, run as its own process like the production
 * worker and with the SDK's default worker options as the production worker has them (cache size,
 * task slots, pollers), and a pool of 10 connections like db/client.ts's default:
 * `tsx bench/support/burst-row-worker.ts <temporal address> <task queue> <database url>`.
 */
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { webpackConfigHook } from '../../temporal/worker.js';
import { createBurstRowActivities } from './burst-row-activities.js';

const [address, taskQueue, databaseUrl] = process.argv.slice(2);
if (!address || !taskQueue || !databaseUrl) {
  process.stderr.write('usage: burst-row-worker.ts <temporal address> <task queue> <database url>\n');
  process.exit(2);
}
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGTERM', 'SIGINT'] });
const workflowBundle = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(new URL('../workflows/burst-row.ts', import.meta.url)),
  webpackConfigHook,
  logger: new DefaultLogger('WARN'),
});
const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({ connection, taskQueue, workflowBundle, activities: createBurstRowActivities({ sql }) });
await worker.run();
await connection.close();
await sql.end({ timeout: 5 });
