/**
 * A whole Rectify backend for tests: a fresh migrated database with real divisions, a real Temporal
 * server (time-skipping or dev server), a worker with the real activities, the services and the app.
 */
import { NativeConnection, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { createDb, type DbHandle } from '../../db/client.js';
import { importDivisions } from '../../db/seed/import-divisions.js';
import { createUser } from '../../db/queries/users.js';
import { createActivities, type Activities } from '../../activities/index.js';
import { createWorker } from '../../temporal/worker.js';
import type { TemporalHandle } from '../../temporal/client.js';
import { createCaseService, type CaseService } from '../../services/cases.js';
import { createMentorshipService, type MentorshipService } from '../../services/mentorships.js';
import { createReserveService, type ReserveService } from '../../services/reserves.js';
import { createCalendarSource } from '../../services/calendar-source.js';
import { buildApp, defaultAuthOptions, type AppDeps } from '../../api/app.js';
import { RATE_LIMITS_OFF } from '../../api/plugins/rate-limits.js';
import type { PasswordHashSettings } from '../../lib/password-hash.js';
import type { AuthSettings } from '../../services/auth.js';
import type { AuthUser, Role, UserPost } from '../../domain/roles.js';
import type { Calendar } from '../../domain/calendar.js';
import type { Metrics } from '../../lib/metrics.js';
import type { Tracing } from '../../lib/tracing.js';
import { clientTracingInterceptors } from '../../temporal/tracing.js';
import { startDeliveryWorker, type DeliveryWorker } from '../../temporal/delivery-worker.js';
import { createSecretBox, type SecretBox } from '../../lib/secret-box.js';
import type { Notifiers } from '../../notifiers/types.js';
import { testDatabaseUrl, type TestDatabase } from './servers.js';
import { calendarLastYearFromEnv, useTestCalendar, yearRange } from './test-calendar.js';

export interface TestUser extends AuthUser {
  token: string;
}

export interface Harness {
  db: DbHandle;
  /** The test database's URL: for a second pool with other settings (a statement_timeout), or a child process's own worker. */
  databaseUrl: string;
  temporal: TemporalHandle;
  cases: CaseService;
  /** Opens cases as releases before 'designation-precomputed' did (the workflow opens them): upgrade tests. */
  casesAsReleased: CaseService;
  mentorships: MentorshipService;
  reserves: ReserveService;
  worker: Worker;
  /** The delivery worker (with the `deliveries` option): `wake()` wakes the dispatcher. */
  delivery: DeliveryWorker | null;
  /** Stops the worker and starts another on the same task queue (a deploy: other code or activities). */
  replaceWorker(choice: WorkerChoice): Promise<void>;
  /** Builds the API on the same backend (lazily; workflow tests need none). */
  app(): Promise<FastifyInstance>;
  /** Another API on the same backend with other settings (a moved clock, low limits); closed with the harness. */
  appWith(overrides: Partial<AppDeps>): Promise<FastifyInstance>;
  addUser(role: Role, jurisdictionCode: string, name?: string, options?: { personId?: string; post?: UserPost }): Promise<TestUser>;
  /** Real village codes under a prefix, in code order. */
  villageCodes(prefix: string): Promise<string[]>;
  /** The calendar the backend counts with for a division (national + overrides): compute expectations from it. */
  calendarFor(divisionCode?: string): Promise<Calendar>;
  /** Makes exactly `years` loaded in this test's database (see test-calendar.ts); the rest are provisional. */
  useCalendar(years: readonly number[]): Promise<void>;
  close(): Promise<void>;
}

let taskQueueCounter = 0;

/** Every test backend seals addresses with this key (32 bytes; a test key, never a real one). */

/** What a worker runs: the activities (wrapped, for fault tests) and the workflow build (default: this code). */
export interface WorkerChoice {
  wrapActivities?: (real: Activities) => Activities;
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** 0: no sticky queue (a worker to be replaced, so its successor gets the next task at once). */
  maxCachedWorkflows?: number;
}

/** scrypt at N=2^10: the same code path as production's 2^17, a thousandth of the cost. */
export const TEST_PASSWORD_HASH: PasswordHashSettings = { logN: 10, r: 8, p: 1, concurrency: 4, maxQueued: 1000 };

/**
 * The sign-in settings tests run with: production's, with login limits no test reaches by
 * accident (the rate-limit test sets its own).
 */
export function testAuthSettings(overrides: Partial<AuthSettings> = {}): AuthSettings {
  return { ...defaultAuthOptions().auth, loginLimitPerIp: 10_000, loginLimitPerUsername: 10_000, ...overrides };
}

/** The fixed DELIVERY_ENCRYPTION_KEY of tests (32 bytes, base64): a test can open what the app sealed. */
export const TEST_DELIVERY_KEY = Buffer.alloc(32, 7).toString('base64');
export const TEST_SECRET_BOX: SecretBox = createSecretBox(TEST_DELIVERY_KEY);
export const testSecretBox = (): SecretBox => TEST_SECRET_BOX;

/** Divisions every test database gets: two townships of 惠水县 and one of 平塘县. */
export const FIXTURE_PREFIXES = ['522731001', '522731002', '522727001'];

export async function startHarness(
  server: { env: TestWorkflowEnvironment } | { address: string },
  options: {
    divisions?: string[];
    workflowHistoryLimit?: number;
    /** counted by the worker's activities */
    metrics?: Metrics;
    /** Started by the test (lib/tracing.ts): the client, the worker and the apps trace as in production. */
    tracing?: Tracing;
    /** The channels the apps send on (a recording notifier in tests); default: the `deliveries` ones, else none. */
    notifiers?: Notifiers;
    /** Delivery to SMS, e-mail and robots through these notifiers (a delivery worker on its own queue, sealing with TEST_SECRET_BOX). */
    deliveries?: { notifiers: Notifiers; now?: () => Date };
  } & WorkerChoice = {},
): Promise<Harness> {
  const database: TestDatabase = await testDatabaseUrl();
  const db = createDb(database.url, { max: 10 });
  for (const prefix of options.divisions ?? FIXTURE_PREFIXES) await importDivisions(db.sql, prefix);
  // The calendar-horizon knob (npm run test:dates): every database loaded up to that year only.
  const lastYear = calendarLastYearFromEnv();
  if (lastYear !== null) await useTestCalendar(db.db, yearRange(2004, lastYear));
  const calendars = createCalendarSource(db.db);

  const taskQueue = `test-${process.pid}-${++taskQueueCounter}`;
  let temporal: TemporalHandle;
  let nativeConnection: NativeConnection;
  let ownsConnections = false;
  const interceptors = { workflow: clientTracingInterceptors(options.tracing) };
  if ('env' in server) {
    const client = options.tracing ? new Client({ connection: server.env.connection, interceptors }) : server.env.client;
    temporal = { client, connection: server.env.connection, taskQueue, close: async () => {} };
    nativeConnection = server.env.nativeConnection;
  } else {
    const connection = await Connection.connect({ address: server.address });
    temporal = { client: new Client({ connection, interceptors }), connection, taskQueue, close: () => connection.close() };
    nativeConnection = await NativeConnection.connect({ address: server.address });
    ownsConnections = true;
  }

  // Designations are recorded on the Temporal server's clock: the time-skipping server's runs ahead of
  // the wall clock after a skip (and test:dates moves it), and a case's deadlines count from it.
  const designationClock = 'env' in server ? async () => new Date(await server.env.currentTimeMs()) : undefined;
  const cases = createCaseService({
    db: db.db,
    temporal,
    workflowHistoryLimit: options.workflowHistoryLimit,
    clock: designationClock,
    calendars,
    // Set below (the delivery worker is started after the services); called only after a designation commits.
    deliveriesWritten: () => delivery?.wake(),
  });
  // Cases opened as releases before 'designation-precomputed' did (by the workflow), for tests of upgrades.
  const casesAsReleased = createCaseService({
    db: db.db,
    temporal,
    workflowHistoryLimit: options.workflowHistoryLimit,
    clock: designationClock,
    calendars,
    opening: 'in-workflow',
  });
  const mentorships = createMentorshipService({ db: db.db, temporal, workflowHistoryLimit: options.workflowHistoryLimit });
  const reserves = createReserveService({ db: db.db, temporal, workflowHistoryLimit: options.workflowHistoryLimit });
  const delivery = options.deliveries
    ? await startDeliveryWorker({
        db: db.db,
        temporal,
        connection: nativeConnection,
        namespace: 'default',
        calendars,
        secretBox: TEST_SECRET_BOX,
        notifiers: options.deliveries.notifiers,
        nudgeEveryMs: 0,
        ...(options.deliveries.now ? { now: options.deliveries.now } : {}),
      })
    : null;
  const realActivities = createActivities({
    db: db.db,
    calendars,
    ...(delivery ? { deliveriesWritten: delivery.wake } : {}),
    designateRelapse: cases.designateRelapse,
    proposeMentorship: mentorships.proposeForPlacement,
    continueTransferredReserve: reserves.continueTransferred,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const startWorker = (choice: WorkerChoice) =>
    createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: (choice.wrapActivities ?? ((a) => a))(realActivities),
      maxCachedWorkflows: choice.maxCachedWorkflows ?? options.maxCachedWorkflows,
      workflowBundle: choice.workflowBundle,
      tracing: options.tracing ?? null,
    });
  let worker = await startWorker(options);
  let workerRun = worker.run();
  let app: FastifyInstance | undefined;
  const extraApps: FastifyInstance[] = [];
  const secretBox = testSecretBox();
  const appDelivery = { secretBox, notifiers: options.notifiers ?? options.deliveries?.notifiers ?? {}, allowLoopbackHttpChannels: true };

  return {
    db,
    databaseUrl: database.url,
    temporal,
    cases,
    casesAsReleased,
    mentorships,
    reserves,
    get worker() {
      return worker;
    },
    delivery,
    async replaceWorker(choice) {
      worker.shutdown();
      await workerRun;
      worker = await startWorker(choice);
      workerRun = worker.run();
    },
    async app() {
      // Tests send requests faster than anyone clicks: no rate limits unless a test sets its own.
      app ??= await buildApp({
        db: db.db,
        temporal,
        logger: false,
        auth: testAuthSettings(),
        passwordHash: TEST_PASSWORD_HASH,
        rateLimits: RATE_LIMITS_OFF,
        tracing: Boolean(options.tracing),
        designationClock,
        ...appDelivery,
      });
      return app;
    },
    async appWith(overrides) {
      const built = await buildApp({
        db: db.db,
        temporal,
        logger: false,
        auth: testAuthSettings(),
        passwordHash: TEST_PASSWORD_HASH,
        rateLimits: RATE_LIMITS_OFF,
        tracing: Boolean(options.tracing),
        designationClock,
        ...appDelivery,
        ...overrides,
      });
      extraApps.push(built);
      return built;
    },
    async addUser(role, jurisdictionCode, name = `${role}-${jurisdictionCode}`, extra = {}) {
      const { user, token } = await createUser(db.db, {
        name,
        role,
        jurisdictionCode,
        personId: extra.personId,
        post: extra.post,
        actor: { actorLabel: 'test' },
      });
      return { id: user.id, name: user.name, role: user.role, jurisdictionCode: user.jurisdictionCode, token };
    },
    async villageCodes(prefix) {
      const rows = await db.sql<{ code: string }[]>`select code from divisions where level = 'village' and code like ${prefix + '%'} order by code`;
      return rows.map((r) => r.code);
    },
    calendarFor: (divisionCode) => calendars.calendarFor(divisionCode),
    async useCalendar(years) {
      await useTestCalendar(db.db, years);
    },
    async close() {
      await app?.close();
      for (const extra of extraApps) await extra.close();
      worker.shutdown();
      await Promise.all([workerRun, delivery?.stop()]);
      if (ownsConnections) {
        await nativeConnection.close();
        await temporal.close();
      }
      await db.close();
      await database.drop();
    },
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false && value !== null) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The civil date in Beijing of an instant. */
export function beijingDate(at: Date | string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

/** The instant a day-level deadline on `date` falls due: the end of that day in Beijing. */
export function endOfBeijingDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00+08:00`) + 24 * 3600_000).toISOString();
}
