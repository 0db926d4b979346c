/**
 * A fresh production worker for bench/worker-memory.ts's replay measurement, in its own process so
 * its RSS holds only what its cache holds (not the high-water mark of building the cases):
 * `node --expose-gc --import tsx bench/support/cache-worker.ts <temporal address> <task queue> <max cached> [bare]`
 * with DATABASE_URL set (unless `bare`), spawned with an IPC channel. `bare`: a worker of
 * bench/workflows/trivial.ts only (no activities, no database), for the SDK's own floor. On each "measure" message it collects garbage
 * and answers its memory and how many workflows its cache holds.
 */
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createCalendarSource } from '../../services/calendar-source.js';
import { createWorker } from '../../temporal/worker.js';
import { createDb } from '../../db/client.js';

export interface CacheWorkerMemory {
  rss: number;
  heap: number;
  external: number;
  cached: number;
}

const [address, taskQueue, maxCached, mode] = process.argv.slice(2);
const BARE = mode === 'bare';
const TRIVIAL_WORKFLOWS = fileURLToPath(new URL('../workflows/trivial.ts', import.meta.url));
if (!address || !taskQueue || !maxCached || (!BARE && !process.env.DATABASE_URL) || typeof globalThis.gc !== 'function' || !process.send) {
  process.stderr.write(
    'usage: DATABASE_URL=… node --expose-gc --import tsx cache-worker.ts <address> <task queue> <max cached> [bare] (with an IPC channel)\n',
  );
  process.exit(2);
}
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGTERM', 'SIGINT'] });
const db = BARE ? null : createDb(process.env.DATABASE_URL!, { max: 4 });
const connection = await NativeConnection.connect({ address });
const worker = db
  ? await createWorker({
      connection,
      namespace: 'default',
      taskQueue,
      // Replaying runs no activity; a relapse designation would need the case service, which this worker lacks.
      activities: createActivities({
        db: db.db,
        calendars: createCalendarSource(db.db),
        designateRelapse: () => Promise.reject(new Error('the bench cache worker designates no relapse')),
      }),
      maxCachedWorkflows: Number(maxCached),
      tracing: null,
    })
  : await Worker.create({
      connection,
      taskQueue,
      // Preloaded like the production bundle (temporal/worker.ts), so the floor compares like with like.
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: TRIVIAL_WORKFLOWS,
        preloadModules: [TRIVIAL_WORKFLOWS],
        logger: new DefaultLogger('WARN'),
      }),
      maxCachedWorkflows: Number(maxCached),
    });

process.on('message', (message) => {
  if (message !== 'measure') return;
  void (async () => {
    for (let i = 0; i < 4; i++) {
      globalThis.gc!();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const m = process.memoryUsage();
    const answer: CacheWorkerMemory = {
      rss: m.rss,
      heap: v8.getHeapStatistics().used_heap_size,
      external: m.external + m.arrayBuffers,
      cached: worker.getStatus().numCachedWorkflows,
    };
    process.send!(answer);
  })();
});
process.on('disconnect', () => worker.shutdown());
await worker.run();
await connection.close();
await db?.close();
