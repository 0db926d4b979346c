/**
 * The delivery side of a worker process: a Worker on the delivery task queue running the
 * dispatcher and senders with the delivery activities, and the nudges that wake the dispatcher —
 * right after a projection wrote outbox rows (coalesced: a burst of escalations is one signal, not
 * thousands) and once a minute (a nudge lost with a crashed process is only a minute late).
 */
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createDeliveryActivities } from '../activities/deliveries.js';
import type { CalendarSource } from '../activities/deadlines.js';
import type { Db } from '../db/client.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Tracing } from '../lib/tracing.js';
import type { Notifiers } from '../notifiers/types.js';
import { coalescedDispatcherWake, deliveryTaskQueue, wakeDeliverySender, type TemporalHandle } from './client.js';
import { createWorker } from './worker.js';

export interface DeliveryWorkerDeps {
  db: Db;
  temporal: TemporalHandle;
  connection: NativeConnection;
  namespace: string;
  calendars: CalendarSource;
  secretBox: SecretBox;
  notifiers: Notifiers;
  logger?: Logger;
  tracing?: Tracing | null;
  /** The periodic nudge (ms); 0: none (tests wake it themselves). */
  nudgeEveryMs?: number;
  now?: () => Date;
}

export interface DeliveryWorker {
  worker: Worker;
  done: Promise<void>;
  /** Wakes the dispatcher soon (calls within 200 ms are one signal). */
  wake(): void;
  stop(): Promise<void>;
}

const COALESCE_MS = 200;

export async function startDeliveryWorker(deps: DeliveryWorkerDeps): Promise<DeliveryWorker> {
  const { temporal, logger } = deps;
  const worker = await createWorker({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deliveryTaskQueue(temporal.taskQueue),
    activities: createDeliveryActivities({
      db: deps.db,
      calendars: deps.calendars,
      secretBox: deps.secretBox,
      notifiers: deps.notifiers,
      wakeSender: (targetId) => wakeDeliverySender(temporal, targetId),
      ...(deps.now ? { now: deps.now } : {}),
    }),
    tracing: deps.tracing ?? null,
  });
  const done = worker.run();
  done.catch(() => {});

  const dispatcher = coalescedDispatcherWake(temporal, { coalesceMs: COALESCE_MS, ...(logger ? { logger } : {}) });
  const signalNow = dispatcher.now;
  void signalNow();
  const nudge = deps.nudgeEveryMs === 0 ? null : setInterval(() => void signalNow(), deps.nudgeEveryMs ?? 60_000);
  nudge?.unref();

  let stopping: Promise<void> | undefined;
  return {
    worker,
    done,
    wake: dispatcher.wake,
    stop() {
      stopping ??= (async () => {
        if (nudge) clearInterval(nudge);
        dispatcher.cancel();
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done.catch((error: unknown) => logger?.warn({ err: error }, 'delivery worker stopped with an error'));
      })();
      return stopping;
    },
  };
}
