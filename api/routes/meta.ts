import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DIVISION_LEVELS, isWithin } from '../../domain/divisions.js';
import { NotFoundError } from '../../domain/errors.js';
import { ROLES, ROLE_LABELS } from '../../domain/roles.js';
import type { DivisionService } from '../../services/divisions.js';
import { userOf } from '../plugins/auth.js';
import { DivisionPrefix, ErrorSchema, errorResponses } from '../schemas/common.js';

const DivisionSummarySchema = z.object({ code: z.string(), name: z.string(), level: z.enum(DIVISION_LEVELS) });

const LightCountsSchema = z
  .object({ red: z.number().int(), yellow: z.number().int(), green: z.number().int(), total: z.number().int() })
  .meta({ id: 'LightCounts' });
const DivisionLightsFields = {
  cases: LightCountsSchema.describe('未结案的整顿案例'),
  mentorships: LightCountsSchema.nullable().describe('未结束的 1+1 帮带；包保领导为 null'),
  reserves: LightCountsSchema.nullable().describe('培养中的后备人选；包保领导为 null'),
};
const DivisionLightsSchema = DivisionSummarySchema.extend({
  parentCode: z.string().nullable(),
  scope: z.enum(['jurisdiction', 'own_cases']).describe('own_cases：包保领导只统计本人包保的案例'),
  path: z.array(DivisionSummarySchema).describe('从本人管辖区划到该区划（面包屑）'),
  totals: z.object(DivisionLightsFields),
  children: z.array(DivisionSummarySchema.extend(DivisionLightsFields).meta({ id: 'DivisionLightsChild' })),
}).meta({ id: 'DivisionLights' });

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
        200: DivisionSummarySchema.extend({
          parentCode: z.string().nullable(),
          children: z.array(DivisionSummarySchema),
          secretary: z
            .object({ name: z.string().nullable(), vacantSince: z.string().nullable() })
            .nullable()
            .describe('村党组织书记（仅村级）：在任者姓名，或空缺起始日期'),
        }).meta({ id: 'Division' }),
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

  app.get('/divisions/:code/lights', {
    schema: {
      operationId: 'getDivisionLights',
      summary: '下级区划的红黄绿灯数（未结案的案例、帮带、后备人选）',
      description: '逐级下钻：县 → 乡镇 → 村。村级区划没有下级，只给本村合计。只统计本人管辖范围；包保领导只统计本人包保的案例。',
      tags: ['divisions'],
      params: z.strictObject({ code: DivisionPrefix }),
      response: { 200: DivisionLightsSchema, ...errorResponses },
    },
    handler: async (request) => divisions.lights(userOf(request), request.params.code),
  });
};
