/**
 * The API as a Fastify plugin-composed app: external plugins, then ours, then routes. Only
 * api/server.ts listens; tests build this and use `app.inject`.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { findUserByToken } from '../db/queries/users.js';
import { findIdempotentResponse, saveIdempotentResponse } from '../db/queries/idempotency.js';
import type { TemporalHandle } from '../temporal/client.js';
import { createCaseService } from '../services/cases.js';
import { createInboxService } from '../services/inbox.js';
import { createPolicyService } from '../services/policies.js';
import { createDivisionService } from '../services/divisions.js';
import { createCalendarService } from '../services/calendar.js';
import { createMentorshipService } from '../services/mentorships.js';
import { createReserveService } from '../services/reserves.js';
import { createStatsService } from '../services/stats.js';
import { createExportService } from '../services/exports.js';
import { createImportService } from '../services/imports.js';
import { errorBody, errorHandler } from './errors.js';
import { authPlugin } from './plugins/auth.js';
import { idempotencyPlugin } from './plugins/idempotency.js';
import { caseRoutes } from './routes/cases.js';
import { inboxRoutes } from './routes/inbox.js';
import { policyRoutes } from './routes/policies.js';
import { metaRoutes } from './routes/meta.js';
import { calendarRoutes } from './routes/calendar.js';
import { mentorshipRoutes } from './routes/mentorships.js';
import { reserveRoutes } from './routes/reserves.js';
import { statsRoutes } from './routes/stats.js';
import { exportRoutes } from './routes/exports.js';
import { importRoutes } from './routes/imports.js';

export interface AppDeps {
  db: Db;
  temporal: TemporalHandle;
  logger?: Logger | false;
  bodyLimit?: number;
}

export const API_PREFIX = '/api/v1';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (deps.logger || undefined) as FastifyBaseLogger | undefined,
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody(request, 404, `未找到 ${request.method} ${request.url} (route not found)`)));
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Rectify API · 软弱涣散基层党组织整顿',
        description: '包保整顿案例、期限督办与收件箱。所有接口需 Bearer 令牌（健康检查除外）。',
        version: '1.0.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const { db, temporal } = deps;
  const services = {
    cases: createCaseService({ db, temporal }),
    inbox: createInboxService({ db }),
    policies: createPolicyService({ db }),
    divisions: createDivisionService({ db }),
    calendar: createCalendarService({ db, temporal }),
    mentorships: createMentorshipService({ db, temporal }),
    reserves: createReserveService({ db, temporal }),
    stats: createStatsService({ db }),
    imports: createImportService({ db }),
  };
  const exports = createExportService({ db, stats: services.stats });

  const ready = async () => {
    const [database, workflow] = await Promise.all([
      db.execute('select 1').then(() => true, () => false),
      temporal.connection.healthService.check({}).then(() => true, () => false),
    ]);
    return { postgres: database, temporal: workflow };
  };

  // Tokens and Idempotency-Key apply to the API; /docs and /openapi.json stay open.
  await app.register(
    async (api) => {
      await api.register(authPlugin, { findUserByToken: (token) => findUserByToken(db, token) });
      await api.register(idempotencyPlugin, {
        store: {
          find: (userId, key) => findIdempotentResponse(db, userId, key),
          save: (userId, key, entry) => saveIdempotentResponse(db, userId, key, entry),
        },
      });

      await api.register(metaRoutes, { divisions: services.divisions, ready });
      await api.register(caseRoutes, { cases: services.cases });
      await api.register(inboxRoutes, { inbox: services.inbox });
      await api.register(policyRoutes, { policies: services.policies });
      await api.register(calendarRoutes, { calendar: services.calendar });
      await api.register(mentorshipRoutes, { mentorships: services.mentorships });
      await api.register(reserveRoutes, { reserves: services.reserves });
      await api.register(statsRoutes, { stats: services.stats });
      await api.register(exportRoutes, { exports });
      await api.register(importRoutes, { imports: services.imports });
    },
    { prefix: API_PREFIX },
  );
  return app;
}
