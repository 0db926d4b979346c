/**
 * The production worker (`npm run worker`): the rectification workflows and the real activities
 * against Postgres. It also holds a Temporal client, because the relapse activity opens a new case
 * and starts that case's workflow. `runWorker` is reused in-process by `npm start` (scripts/start.ts).
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities/index.js';
import { loadConfig, type Config } from '../config/config.js';
import { setAuditHashAlgorithm } from '../db/queries/audit-chain.js';
import { createDb, type Db } from '../db/client.js';
import { createLogger, resolveLogFormat, temporalLoggerAdapter } from '../lib/logger.js';
import { createMetrics, type Metrics } from '../lib/metrics.js';
import { startMetricsServer, type MetricsServer } from '../lib/metrics-server.js';
import { createMetricsService } from '../services/metrics.js';
import { stopOnSignals } from '../lib/shutdown.js';
import { startTracing, type Tracing } from '../lib/tracing.js';
import { createCalendarSource } from '../services/calendar-source.js';
import { createCaseService } from '../services/cases.js';
import { createMentorshipService } from '../services/mentorships.js';
import { createReserveService } from '../services/reserves.js';
import { createScreeningService } from '../services/screening.js';
import { connectTemporal, type TemporalHandle } from './client.js';
import { createWorker, type WorkerTuning } from './worker.js';
import { startDeliveryWorker } from './delivery-worker.js';
import { deliveryFromConfig } from '../notifiers/index.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Notifiers } from '../notifiers/types.js';

/**
 * Installs the Temporal Runtime with our pino logger. Must run before the first NativeConnection or
 * workflow bundle (both instantiate a default Runtime otherwise), and only once per process.
 *
 * With `metricsAddress` (TEMPORAL_METRICS_ADDRESS, IP:port) the SDK core serves its own Prometheus
 * exporter there at /metrics: workflow task and activity latencies, sticky cache size, task slots,
 * polls. Names and units are the SDK's defaults (`temporal_` prefix, milliseconds), so Temporal's
 * published dashboards work unchanged.
 */
export function installTemporalRuntime(
  logger: Logger,
  options: { metricsAddress?: string; /** tracing is on: keep trace ids on workflow and activity lines */ traceIds?: boolean } = {},
): void {
  Runtime.install({
    logger: temporalLoggerAdapter(logger.child({ component: 'temporal' }), { traceIds: options.traceIds ?? false }),
    telemetryOptions: {
      // Native (Rust core) logs go through the same logger instead of straight to the console.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(options.metricsAddress ? { metrics: { prometheus: { bindAddress: options.metricsAddress } } } : {}),
    },
    // We stop the worker ourselves and in order (API first, servers last); the SDK's own signal
    // handling would shut the worker down behind our back.
    shutdownSignals: [],
  });
}

export interface WorkerDeps {
  db: Db;
  /** Client side: the relapse activity opens a new case and starts its workflow through it. */
  temporal: TemporalHandle;
  /** Worker side (polls the task queue of `temporal.taskQueue`). */
  connection: NativeConnection;
  namespace: string;
  logger: Logger;
  /** The process's figures: the projection activities count escalations and notifications into it. */
  metrics?: Metrics;
  /** Tracing (lib/tracing.ts): activity and workflow spans exported; `temporal` should carry it too. */
  tracing?: Tracing | null;
  /** Delivery to SMS, e-mail and robots (its own task queue); none: notifications stay in the inbox. */
  delivery?: { secretBox: SecretBox; notifiers: Notifiers };
  /** Cache size and concurrency (WORKER_* settings); none: the SDK's defaults. */
  tuning?: WorkerTuning;
}

/** The worker's size from its settings (unset ones stay the SDK's defaults). */
export function workerTuningOf(config: Config): WorkerTuning {
  return {
    ...(config.WORKER_MAX_CACHED_WORKFLOWS ? { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS } : {}),
    ...(config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS ? { maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS } : {}),
    ...(config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES ? { maxConcurrentLocalActivityExecutions: config.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES } : {}),
  };
}

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped: resolves after `stop()`, rejects if the worker failed. */
  done: Promise<void>;
  /** Drains in-flight tasks and stops polling; safe to call more than once. */
  stop(): Promise<void>;
}

export async function runWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const { db, temporal, logger } = deps;
  // A relapse's designation wakes the dispatcher for its notice like the projections do (delivery is set below, before any task runs).
  const cases = createCaseService({ db, temporal, deliveriesWritten: () => delivery?.wake() });
  const mentorships = createMentorshipService({ db, temporal });
  const reserves = createReserveService({ db, temporal });
  const screening = createScreeningService({ db, temporal, cases });
  const calendars = createCalendarSource(db);
  const delivery = deps.delivery
    ? await startDeliveryWorker({
        db,
        temporal,
        connection: deps.connection,
        namespace: deps.namespace,
        calendars,
        secretBox: deps.delivery.secretBox,
        notifiers: deps.delivery.notifiers,
        logger,
        tracing: deps.tracing ?? null,
      })
    : null;
  const worker = await createWorker({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: temporal.taskQueue,
    activities: createActivities({
      db,
      calendars,
      ...(delivery ? { deliveriesWritten: delivery.wake } : {}),
      designateRelapse: cases.designateRelapse,
      proposeMentorship: mentorships.proposeForPlacement,
      continueTransferredReserve: reserves.continueTransferred,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    }),
    tracing: deps.tracing ?? null,
    ...(deps.tuning ? { tuning: deps.tuning } : {}),
  });
  const done = worker.run();
  // Observed by the caller through `done`; this only keeps an early failure from going unhandled.
  done.catch(() => {});
  logger.info({ taskQueue: temporal.taskQueue, namespace: deps.namespace }, 'worker running');

  // A designation, proposal or nomination stored but never started (the API died in between, or
  // Temporal was down) is started here: at boot and then every minute. Starting is idempotent.
  const reconcileOne = (what: string, startUnstarted: () => Promise<number>) =>
    startUnstarted()
      .then((n) => n > 0 && logger.warn({ started: n }, `started workflows of ${what} that had none`))
      .catch((error: unknown) => logger.warn({ err: error }, `reconciling unstarted ${what} failed`));
  const reconcile = () =>
    Promise.all([
      reconcileOne('designations', () => cases.startUnstarted()),
      reconcileOne('mentorship proposals', () => mentorships.startUnstarted()),
      reconcileOne('reserve nominations', () => reserves.startUnstarted()),
      reconcileOne('screening campaigns', () => screening.startUnstarted()),
    ]);
  void reconcile();
  const reconciler = setInterval(reconcile, 60_000);
  reconciler.unref();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(reconciler);
      // shutdown() throws unless the worker is RUNNING (e.g. it already failed or stopped).
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.all([done.catch((error: unknown) => logger.warn({ err: error }, 'worker stopped with an error')), delivery?.stop()]);
    })();
    return stopping;
  };
  return { worker, done, stop };
}

/** `npm run worker`: needs real servers; `npm start` is the all-in-one local alternative. */
async function main(): Promise<void> {
  const config = loadConfig();
  setAuditHashAlgorithm(config.AUDIT_HASH_ALGORITHM);
  const logger = createLogger(config.LOG_LEVEL, 'rectify-worker', resolveLogFormat(config));
  const missing = [!config.DATABASE_URL && 'DATABASE_URL', !config.TEMPORAL_ADDRESS && 'TEMPORAL_ADDRESS'].filter(Boolean);
  if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
    process.stderr.write(
      `npm run worker: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set.\n` +
        '  DATABASE_URL      e.g. postgres://user:password@db-host:5432/rectify (migrated with `npm run migrate`)\n' +
        '  TEMPORAL_ADDRESS  e.g. temporal-frontend:7233\n' +
        'For a local all-in-one run (embedded Postgres and a Temporal dev server) use `npm start`.\n',
    );
    process.exit(2);
  }

  const tracing = startTracing(config, { serviceName: 'rectify-worker' });
  installTemporalRuntime(logger, { metricsAddress: config.TEMPORAL_METRICS_ADDRESS, traceIds: tracing !== null });
  const db = createDb(config.DATABASE_URL, { name: 'rectify-worker', max: config.WORKER_DATABASE_POOL_MAX });
  const metrics = createMetrics();
  let temporal: TemporalHandle | undefined;
  let connection: NativeConnection | undefined;
  let running: RunningWorker | undefined;
  let metricsServer: MetricsServer | undefined;

  // Worker first (it drains activities that use the client and the pool), then what it used; the last spans go out last.
  const shutdown = stopOnSignals(logger, 'worker', [
    ['the worker', () => running?.stop()],
    ['the metrics listener', () => metricsServer?.close()],
    ['the worker connection', () => connection?.close()],
    ['the Temporal client', () => temporal?.close()],
    ['the database pool', () => db.close()],
    ['tracing', () => tracing?.shutdown()],
  ]);

  try {
    const options = { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, tracing };
    temporal = await connectTemporal(options);
    connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const delivery = deliveryFromConfig(config);
    if (!delivery) logger.warn('DELIVERY_ENCRYPTION_KEY is not set: no SMS, e-mail or robot messages are sent (notifications stay in the inbox)');
    running = await runWorker({
      db: db.db,
      temporal,
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      logger,
      metrics,
      tracing,
      tuning: workerTuningOf(config),
      ...(delivery ? { delivery } : {}),
    });
    if (tracing) logger.info({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }, 'tracing: spans exported over OTLP');
    // The worker's own registry (its pool, escalations, notifications); the database-wide gauges are the API's.
    if (config.METRICS_PORT !== undefined) {
      const service = createMetricsService({ db: db.db, metrics, databaseGauges: false });
      metricsServer = await startMetricsServer({
        scrape: service.scrape,
        host: config.METRICS_HOST,
        port: config.METRICS_PORT,
        ...(config.METRICS_TOKEN ? { token: config.METRICS_TOKEN } : {}),
      });
      logger.info({ url: metricsServer.url }, 'worker metrics listening');
    }
    if (config.TEMPORAL_METRICS_ADDRESS) logger.info({ url: `http://${config.TEMPORAL_METRICS_ADDRESS}/metrics` }, 'Temporal SDK metrics listening');
  } catch (error) {
    logger.fatal({ err: error }, 'worker failed to start');
    await shutdown.close();
    process.exit(1);
  }

  try {
    await running.done;
    if (!shutdown.begun) {
      logger.fatal('worker stopped unexpectedly');
      await shutdown.close();
      process.exit(1);
    }
  } catch (error) {
    logger.fatal({ err: error }, 'worker failed');
    await shutdown.close();
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
