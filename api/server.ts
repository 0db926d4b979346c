/**
 * The only module that listens (`npm run api`). `startApi` is reused in-process by `npm start`.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../config/config.js';
import { setAuditHashAlgorithm } from '../db/queries/audit-chain.js';
import { CONSOLE_DIR } from './plugins/console.js';
import { createDb, type Db } from '../db/client.js';
import { createLogger, resolveLogFormat } from '../lib/logger.js';
import { createMetrics, type Metrics } from '../lib/metrics.js';
import { startMetricsServer, type MetricsServer } from '../lib/metrics-server.js';
import { createMetricsService } from '../services/metrics.js';
import { stopOnSignals } from '../lib/shutdown.js';
import { startTracing, type Tracing } from '../lib/tracing.js';
import { connectTemporal, type TemporalHandle } from '../temporal/client.js';
import { API_PREFIX, buildApp, passwordHashSettingsFromConfig } from './app.js';
import { authSettingsFromConfig } from '../services/auth.js';
import { rateLimitsFromConfig } from './plugins/rate-limits.js';
import { randomBytes } from 'node:crypto';
import { createSecretBox, type SecretBox } from '../lib/secret-box.js';
import type { Notifiers } from '../notifiers/types.js';
import { createNotifiers } from '../notifiers/index.js';

export interface ApiDeps {
  db: Db;
  temporal: TemporalHandle;
  logger: Logger;
  host: string;
  /** 0 picks a free port; `RunningApi.url` tells which. */
  port: number;
  bodyLimit?: number;
  /** Sign-in settings, rate limits and TRUST_PROXY from the config (api/app.ts: the config schema's defaults otherwise). */
  config?: Config;
  /** The built console to serve at `/` (npm start builds it; `npm run api` serves web/dist if it is there). */
  consoleDir?: string;
  /** The process's figures; served per METRICS_PORT / METRICS_TOKEN of `config`. */
  metrics?: Metrics;
  /** Fastify's two lines per request (default on); npm start's readable output keeps only errors. */
  requestLogging?: boolean;
  /** A span per request (lib/tracing.ts started in this process). */
  tracing?: boolean;
  /** Default: from DELIVERY_ENCRYPTION_KEY (secretBoxFromConfig). */
  secretBox?: SecretBox;
  /** The channels this process sends verification codes and channel tests on (default: none configured). */
  notifiers?: Notifiers;
}

/**
 * The SecretBox for DELIVERY_ENCRYPTION_KEY. Without one, production refuses to start; elsewhere a
 * key for this process only is made, with a warning (what it seals is unreadable after a restart).
 */
export function secretBoxFromConfig(config: Config | undefined, logger: Logger): SecretBox {
  if (config?.DELIVERY_ENCRYPTION_KEY) return createSecretBox(config.DELIVERY_ENCRYPTION_KEY);
  if (config?.NODE_ENV === 'production') throw new Error('DELIVERY_ENCRYPTION_KEY is not set (openssl rand -base64 32)');
  logger.warn('DELIVERY_ENCRYPTION_KEY is not set: contact points and office channels are sealed with a key for this process only');
  return createSecretBox(randomBytes(32).toString('base64'));
}

export interface RunningApi {
  app: FastifyInstance;
  /** Base URL for humans, e.g. http://127.0.0.1:3000 (a wildcard host is shown as loopback). */
  url: string;
  /** Where /metrics is served: its own listener (METRICS_PORT), this port behind METRICS_TOKEN, or null. */
  metricsUrl: string | null;
  /** Stops accepting connections and waits for in-flight requests; safe to call more than once. */
  close(): Promise<void>;
}

export async function startApi(deps: ApiDeps): Promise<RunningApi> {
  const app = await buildApp({
    db: deps.db,
    temporal: deps.temporal,
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    ...(deps.config
      ? {
          auth: authSettingsFromConfig(deps.config),
          passwordHash: passwordHashSettingsFromConfig(deps.config),
          rateLimits: rateLimitsFromConfig(deps.config),
          trustProxy: deps.config.TRUST_PROXY,
        }
      : {}),
    loginRetention: true,
    secretBox: deps.secretBox ?? secretBoxFromConfig(deps.config, deps.logger),
    notifiers: deps.notifiers ?? {},
    ...(deps.consoleDir ? { consoleDir: deps.consoleDir } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.metrics && deps.config?.METRICS_TOKEN ? { metricsToken: deps.config.METRICS_TOKEN } : {}),
    ...(deps.requestLogging === false ? { requestLogging: false } : {}),
    ...(deps.tracing ? { tracing: true } : {}),
  });
  let metricsServer: MetricsServer | undefined;
  try {
    await app.listen({ host: deps.host, port: deps.port });
    if (deps.metrics && deps.config?.METRICS_PORT !== undefined) {
      const service = createMetricsService({ db: deps.db, metrics: deps.metrics, databaseGauges: true });
      const token = deps.config.METRICS_TOKEN;
      metricsServer = await startMetricsServer({
        scrape: service.scrape,
        host: deps.config.METRICS_HOST,
        port: deps.config.METRICS_PORT,
        ...(token ? { token } : {}),
      });
    }
  } catch (error) {
    await app.close().catch(() => {});
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Cannot start the API: ${deps.host}:${deps.port} is already in use. Stop whatever listens there or set API_PORT to a free port.`, {
        cause: error,
      });
    }
    throw error;
  }
  const address = app.server.address();
  const port = address && typeof address === 'object' ? address.port : deps.port;
  let closing: Promise<void> | undefined;
  const url = `http://${displayHost(deps.host)}:${port}`;
  return {
    app,
    url,
    metricsUrl: metricsServer?.url ?? (deps.metrics && deps.config?.METRICS_TOKEN ? `${url}/metrics` : null),
    close: () => (closing ??= Promise.all([app.close(), metricsServer?.close()]).then(() => {})),
  };
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** `npm run api`: against real servers; `npm start` is the all-in-one local alternative. */
async function main(): Promise<void> {
  const config = loadConfig();
  setAuditHashAlgorithm(config.AUDIT_HASH_ALGORITHM);
  const logger = createLogger(config.LOG_LEVEL, 'rectify-api', resolveLogFormat(config));
  const missing = [!config.DATABASE_URL && 'DATABASE_URL', !config.TEMPORAL_ADDRESS && 'TEMPORAL_ADDRESS'].filter(Boolean);
  if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
    process.stderr.write(
      `npm run api: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set.\n` +
        '  DATABASE_URL      e.g. postgres://user:password@db-host:5432/rectify (migrated with `npm run migrate`)\n' +
        '  TEMPORAL_ADDRESS  e.g. temporal-frontend:7233 (with `npm run worker` polling the same task queue)\n' +
        'For a local all-in-one run (embedded Postgres and a Temporal dev server) use `npm start`.\n',
    );
    process.exit(2);
  }

  // This pool serves only the API: its statement_timeout bounds what one request can make Postgres do.
  const db = createDb(config.DATABASE_URL, { statementTimeoutMs: config.API_STATEMENT_TIMEOUT_MS, name: 'rectify-api' });
  let temporal: TemporalHandle | undefined;
  let api: RunningApi | undefined;
  let tracing: Tracing | null = null;
  // Stop taking requests first, then release what the requests used; the last spans go out last.
  const { close } = stopOnSignals(logger, 'API', [
    ['the HTTP server', () => api?.close()],
    ['the Temporal client', () => temporal?.close()],
    ['the database pool', () => db.close()],
    ['tracing', () => tracing?.shutdown()],
  ]);

  try {
    // Before the Temporal client, whose interceptor it feeds.
    tracing = startTracing(config, { serviceName: 'rectify-api' });
    temporal = await connectTemporal({
      address: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      tracing,
    });
    api = await startApi({
      db: db.db,
      temporal,
      logger,
      host: config.API_HOST,
      port: config.API_PORT,
      bodyLimit: config.API_BODY_LIMIT,
      config,
      metrics: createMetrics(),
      tracing: tracing !== null,
      ...(existsSync(path.join(CONSOLE_DIR, 'index.html')) ? { consoleDir: CONSOLE_DIR } : {}),
      // Verification codes and channel tests go out through the configured providers.
      notifiers: createNotifiers(config),
    });
    logger.info(
      {
        url: `${api.url}${API_PREFIX}`,
        docs: `${api.url}/docs`,
        metrics: api.metricsUrl ?? 'off (METRICS_PORT / METRICS_TOKEN)',
        tracing: tracing ? config.OTEL_EXPORTER_OTLP_ENDPOINT : 'off (OTEL_EXPORTER_OTLP_ENDPOINT)',
      },
      'API listening',
    );
  } catch (error) {
    logger.fatal({ err: error }, 'API failed to start');
    await close();
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
