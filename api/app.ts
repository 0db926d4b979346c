/**
 * The API as a Fastify plugin-composed app: external plugins, then ours, then routes. Only
 * api/server.ts listens; tests build this and use `app.inject`.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { findUserByToken } from '../db/queries/users.js';
import { findIdempotentResponse, saveIdempotentResponse } from '../db/queries/idempotency.js';
import { coalescedDispatcherWake, type TemporalHandle } from '../temporal/client.js';
import { createCaseService } from '../services/cases.js';
import { createInboxService } from '../services/inbox.js';
import { createObligationService } from '../services/obligations.js';
import { createEscalationService } from '../services/escalations.js';
import { createDeliveryService } from '../services/deliveries.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { createPolicyService } from '../services/policies.js';
import { createVillageSecretaryService } from '../services/village-secretary.js';
import { createDivisionService } from '../services/divisions.js';
import { createCalendarService } from '../services/calendar.js';
import { createMentorshipService } from '../services/mentorships.js';
import { createReserveService } from '../services/reserves.js';
import { createScreeningService } from '../services/screening.js';
import { createStatsService } from '../services/stats.js';
import { createExportService } from '../services/exports.js';
import { createAuditService } from '../services/audit.js';
import { createImportService } from '../services/imports.js';
import { createAuthService, TooManyRequestsError, authSettingsFromConfig, type AuthSettings } from '../services/auth.js';
import { createAccountService } from '../services/accounts.js';
import { createPasswordHasher, type PasswordHashSettings } from '../lib/password-hash.js';
import { loadConfig } from '../config/config.js';
import { errorBody, errorHandler } from './errors.js';
import { authPlugin } from './plugins/auth.js';
import { idempotencyPlugin } from './plugins/idempotency.js';
import { rateLimitsFromConfig, rateLimitsPlugin, type RateLimits } from './plugins/rate-limits.js';
import { contentSecurityPolicy } from './plugins/security-headers.js';
import { consolePlugin, sendConsolePage, wantsConsolePage } from './plugins/console.js';
import { metricsPlugin } from './plugins/metrics.js';
import { tracingPlugin } from './plugins/tracing.js';
import type { Metrics } from '../lib/metrics.js';
import { createMetricsService } from '../services/metrics.js';
import { caseRoutes } from './routes/cases.js';
import { inboxRoutes } from './routes/inbox.js';
import { obligationRoutes } from './routes/obligations.js';
import { escalationRoutes } from './routes/escalations.js';
import { policyRoutes } from './routes/policies.js';
import { metaRoutes } from './routes/meta.js';
import { villageRoutes } from './routes/villages.js';
import { calendarRoutes } from './routes/calendar.js';
import { mentorshipRoutes } from './routes/mentorships.js';
import { reserveRoutes } from './routes/reserves.js';
import { screeningRoutes } from './routes/screening.js';
import { statsRoutes } from './routes/stats.js';
import { exportRoutes } from './routes/exports.js';
import { importRoutes } from './routes/imports.js';
import { authRoutes } from './routes/auth.js';
import { accountRoutes } from './routes/accounts.js';
import { auditRoutes } from './routes/audit.js';
import { contactPointRoutes } from './routes/contact-points.js';
import { myPreferenceRoutes, officeChannelRoutes } from './routes/office-channels.js';
import { createContactPointService } from '../services/contact-points.js';
import { createOfficeChannelService } from '../services/office-channels.js';
import { createPreferenceService } from '../services/notification-preferences.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Notifiers } from '../notifiers/types.js';

export interface AppDeps {
  db: Db;
  temporal: TemporalHandle;
  logger?: Logger | false;
  bodyLimit?: number;
  /** Sign-in settings (config: authSettingsFromConfig); defaults are the config schema's. */
  auth?: AuthSettings;
  passwordHash?: PasswordHashSettings;
  /** The clock sessions and lockouts run on (tests move it). */
  now?: () => Date;
  /** When a designation is recorded (its first deadlines count from it); tests give the Temporal test server's time. */
  designationClock?: () => Date | Promise<Date>;
  /** The built console (web/dist) to serve at `/`; without it the API serves only itself. */
  consoleDir?: string;
  /** Prune the login log past its retention at start and daily (the serving process does; tests call it). */
  loginRetention?: boolean;
  /** Per-user and per-IP limits (config API_RATE_LIMIT_*); default: the config schema's. RATE_LIMITS_OFF for none. */
  rateLimits?: RateLimits;
  /** Fastify's trustProxy (config TRUST_PROXY); default false: the peer address is the client. */
  trustProxy?: boolean | number | string;
  /** The process's figures: request durations are counted into it; none, nothing is counted. */
  metrics?: Metrics;
  /** Serve GET /metrics on this app behind this bearer token (METRICS_TOKEN); without it, not here. */
  metricsToken?: string;
  /** Fastify's request lines (default on). Off, errors are still logged, with the request id. */
  requestLogging?: boolean;
  /** A server span per request, the parent of its Temporal calls (when lib/tracing.ts has started the SDK). */
  tracing?: boolean;
  /** Seals contact addresses, robot URLs and secrets (DELIVERY_ENCRYPTION_KEY). */
  secretBox: SecretBox;
  /** The channels this process can send on (verification codes, channel tests); a missing one is not configured. */
  notifiers: Notifiers;
  /** Office channels may be http://127.0.0.1 or localhost (tests' local receivers); otherwise https only. */
  allowLoopbackHttpChannels?: boolean;
}

const DAY_MS = 86_400_000;

/** The config schema's defaults, for a caller (a test, a benchmark) that passes no settings. */
export function defaultAuthOptions(): { auth: AuthSettings; passwordHash: PasswordHashSettings } {
  const config = loadConfig({});
  return { auth: authSettingsFromConfig(config), passwordHash: passwordHashSettingsFromConfig(config) };
}

export function passwordHashSettingsFromConfig(config: ReturnType<typeof loadConfig>): PasswordHashSettings {
  return { logN: config.AUTH_SCRYPT_LOG_N, r: 8, p: 1, concurrency: config.AUTH_HASH_CONCURRENCY, maxQueued: config.AUTH_HASH_QUEUE };
}

export const API_PREFIX = '/api/v1';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (deps.logger || undefined) as FastifyBaseLogger | undefined,
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
    // A hop count becomes Fastify's function form (its types take no number).
    trustProxy: typeof deps.trustProxy === 'number' ? (_address: string, hop: number) => hop < (deps.trustProxy as number) : (deps.trustProxy ?? false),
    ...(deps.requestLogging === false ? { logController: new LogController({ disableRequestLogging: true }) } : {}),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    reply.code(404).send(errorBody(request, 404, `未找到 ${request.method} ${request.url} (route not found)`));
  // With the console, a browser's deep link (/cases/…) gets the console, which routes it itself.
  app.setNotFoundHandler((request, reply) => (deps.consoleDir && wantsConsolePage(request) ? sendConsolePage(reply) : notFound(request, reply)));
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });
  // Before everything else, so every other hook (rate limits, auth) runs inside the request's span.
  if (deps.tracing) await app.register(tracingPlugin);
  if (deps.metrics) {
    // First, so its onResponse hook times every route registered after it.
    const service = createMetricsService({ db: deps.db, metrics: deps.metrics, databaseGauges: true });
    await app.register(metricsPlugin, { metrics: deps.metrics, service, ...(deps.metricsToken ? { token: deps.metricsToken } : {}) });
  }

  // Security headers on every answer (API, console, /docs); the CSP is the one the console works under.
  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy() } });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Rectify API · 软弱涣散基层党组织整顿',
        description: '包保整顿案例、期限督办与收件箱。所有接口需 Bearer 令牌或登录会话（健康检查与登录除外）。',
        version: '1.0.0',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'rectify_session', description: '登录后的会话；更改类请求另需 X-CSRF-Token' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const { db, temporal } = deps;
  // A designation's notice may have outbox rows: the dispatcher is woken for them as the worker does.
  const dispatcher = coalescedDispatcherWake(temporal, { logger: app.log });
  app.addHook('onClose', async () => dispatcher.cancel());
  const services = {
    cases: createCaseService({
      db,
      temporal,
      clock: deps.designationClock,
      deliveriesWritten: dispatcher.wake,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    }),
    inbox: createInboxService({ db, now: deps.now }),
    obligations: createObligationService({ db, now: deps.now }),
    escalations: createEscalationService({ db, now: deps.now }),
    deliveries: createDeliveryService({ db, temporal: deps.temporal, now: deps.now }),
    policies: createPolicyService({ db }),
    divisions: createDivisionService({ db }),
    calendar: createCalendarService({ db, temporal }),
    mentorships: createMentorshipService({ db, temporal }),
    reserves: createReserveService({ db, temporal }),
    stats: createStatsService({ db }),
    imports: createImportService({ db }),
    audit: createAuditService({ db }),
    contactPoints: createContactPointService({ db, secretBox: deps.secretBox, notifiers: deps.notifiers, now: deps.now }),
    officeChannels: createOfficeChannelService({
      db,
      secretBox: deps.secretBox,
      notifiers: deps.notifiers,
      allowLoopbackHttp: deps.allowLoopbackHttpChannels ?? false,
      now: deps.now,
    }),
    preferences: createPreferenceService({ db, now: deps.now }),
    villageSecretary: createVillageSecretaryService({ db, now: deps.now }),
  };
  const screening = createScreeningService({ db, temporal, cases: services.cases });
  const exports = createExportService({ db, stats: services.stats, audit: services.audit });
  const defaults = deps.auth && deps.passwordHash ? undefined : defaultAuthOptions();
  const authSettings = deps.auth ?? defaults!.auth;
  const hasher = createPasswordHasher(deps.passwordHash ?? defaults!.passwordHash);
  const auth = createAuthService({ db, hasher, settings: authSettings, now: deps.now });
  const accounts = createAccountService({ db, hasher, settings: authSettings, now: deps.now });

  const ready = async () => {
    const [database, workflow] = await Promise.all([
      db.execute('select 1').then(
        () => true,
        () => false,
      ),
      temporal.connection.healthService.check({}).then(
        () => true,
        () => false,
      ),
    ]);
    return { postgres: database, temporal: workflow };
  };

  if (deps.loginRetention) {
    const prune = () =>
      auth.pruneLoginRecords().then(
        (pruned) => app.log.info(pruned, 'login log pruned past its retention'),
        (error: unknown) => app.log.warn({ err: error }, 'login log pruning failed; retried tomorrow'),
      );
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      void prune();
      timer = setInterval(() => void prune(), DAY_MS).unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  }

  if (deps.consoleDir) await app.register(consolePlugin, { root: deps.consoleDir });

  await app.register(cookie);
  // Limits are per route (login); a 429 is an error in the common shape.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(`请求过于频繁，请 ${Math.ceil(context.ttl / 1000)} 秒后再试 (rate limit exceeded)`, Math.ceil(context.ttl / 1000)),
  });

  // Tokens, sessions and Idempotency-Key apply to the API; /docs and /openapi.json stay open.
  await app.register(
    async (api) => {
      // Before auth, so a flood with a known credential is refused without auth's database lookup.
      await api.register(rateLimitsPlugin, { limits: deps.rateLimits ?? rateLimitsFromConfig(loadConfig({})) });
      await api.register(authPlugin, { findUserByToken: (token) => findUserByToken(db, token), auth });
      await api.register(idempotencyPlugin, {
        store: {
          find: (userId, key) => findIdempotentResponse(db, userId, key),
          save: (userId, key, entry) => saveIdempotentResponse(db, userId, key, entry),
        },
      });

      await api.register(metaRoutes, { divisions: services.divisions, ready });
      await api.register(villageRoutes, { secretary: services.villageSecretary });
      await api.register(caseRoutes, { cases: services.cases });
      await api.register(inboxRoutes, { inbox: services.inbox });
      await api.register(obligationRoutes, { obligations: services.obligations });
      await api.register(escalationRoutes, { escalations: services.escalations });
      await api.register(deliveryRoutes, { deliveries: services.deliveries });
      await api.register(policyRoutes, { policies: services.policies });
      await api.register(calendarRoutes, { calendar: services.calendar });
      await api.register(mentorshipRoutes, { mentorships: services.mentorships });
      await api.register(reserveRoutes, { reserves: services.reserves });
      await api.register(screeningRoutes, { screening });
      await api.register(statsRoutes, { stats: services.stats });
      await api.register(exportRoutes, { exports });
      await api.register(importRoutes, { imports: services.imports });
      await api.register(authRoutes, { auth });
      await api.register(accountRoutes, { accounts });
      await api.register(auditRoutes, { audit: services.audit });
      await api.register(contactPointRoutes, { contactPoints: services.contactPoints });
      await api.register(officeChannelRoutes, { officeChannels: services.officeChannels, preferences: services.preferences });
      await api.register(myPreferenceRoutes, { preferences: services.preferences });
    },
    { prefix: API_PREFIX },
  );
  return app;
}
