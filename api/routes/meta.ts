import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DIVISION_LEVELS, isWithin } from '../../domain/divisions.js';
import { NotFoundError } from '../../domain/errors.js';
import { ROLES, ROLE_LABELS } from '../../domain/roles.js';
import type { DivisionService } from '../../services/divisions.js';
import { userOf } from '../plugins/auth.js';
import { DivisionPrefix, ErrorSchema, errorResponses } from '../schemas/common.js';

const DivisionSummarySchema = z.object({ code: z.string(), name: z.string(), level: z.enum(DIVISION_LEVELS) });

export const metaRoutes: FastifyPluginAsyncZod<{ divisions: DivisionService; ready(): Promise<Record<string, boolean>> }> = async (
  app,
  { divisions, ready },
) => {
  app.get('/healthz', {
    config: { public: true },
    schema: { operationId: 'health', summary: '进程存活', tags: ['ops'], response: { 200: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    config: { public: true },
    schema: {
      operationId: 'ready',
      summary: '依赖就绪（Postgres、Temporal）',
      tags: ['ops'],
      response: { 200: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.boolean()) }), 503: ErrorSchema },
    },
    handler: async (request, reply) => {
      const checks = await ready();
      if (Object.values(checks).every(Boolean)) return { status: 'ready' as const, checks };
      return reply.code(503).send({ requestId: request.id, statusCode: 503, error: 'Service Unavailable', message: '依赖未就绪 (not ready)', details: checks });
    },
  });

  app.get('/me', {
    schema: {
      operationId: 'me',
      summary: '当前用户',
      tags: ['users'],
      response: {
        200: z.object({ id: z.uuid(), name: z.string(), role: z.enum(ROLES), roleLabel: z.string(), jurisdictionCode: z.string() }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const user = userOf(request);
      return { id: user.id, name: user.name, role: user.role, roleLabel: ROLE_LABELS[user.role], jurisdictionCode: user.jurisdictionCode };
    },
  });

  app.get('/divisions/:code', {
    schema: {
      operationId: 'getDivision',
      summary: '行政区划及其下级',
      tags: ['divisions'],
      params: z.strictObject({ code: DivisionPrefix }),
      response: {
        200: DivisionSummarySchema.extend({ parentCode: z.string().nullable(), children: z.array(DivisionSummarySchema) }).meta({ id: 'Division' }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const user = userOf(request);
      const division = await divisions.get(request.params.code);
      // Outside the caller's jurisdiction is the same as not there. A sponsor sees their county.
      if (!division || !isWithin(division.code, user.jurisdictionCode)) throw new NotFoundError('未找到该区划 (division not found)');
      return division;
    },
  });
};
