import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeadlinePolicyChangesSchema, DeadlinePolicySchema } from '../../domain/policy-schema.js';
import { ESCALATION_RUNGS, RAG_COLOURS } from '../../domain/escalation.js';
import { PREVIEW_KINDS } from '../../domain/policy.js';
import type { PolicyService } from '../../services/policies.js';
import { userOf } from '../plugins/auth.js';
import { DivisionCode, DivisionPrefix, errorResponses, IsoDate, text } from '../schemas/common.js';

const PolicySchema = z
  .object({
    id: z.uuid(),
    jurisdictionCode: z.string(),
    name: z.string(),
    version: z.number().int(),
    body: DeadlinePolicySchema,
    createdBy: z.uuid().nullable(),
    createdAt: z.string(),
    basedOn: z.string().nullable().describe('所基于的策略 id、defaults（内置默认值），或 null（完整给出）'),
    retiredAt: z.string().nullable().describe('停用时间：已停用的策略仍用于按它运行的案例，不再用于新建'),
    retiredBy: z.uuid().nullable(),
    retiredReason: z.string().nullable(),
  })
  .meta({ id: 'Policy' });

const PolicyPreviewSchema = z
  .object({
    division: z.string().describe('按其工作日历（含本地调整）计算的区划'),
    after: z.string().nullable().describe('到期所用的策略时长（如 15WD）；直接给出 dueDate 时为 null'),
    countedFrom: z.string().nullable().describe('起算日（月度报告为该月最后一天）'),
    due: z.object({ dueAt: z.string(), dueDate: z.string().nullable(), provisional: z.boolean() }),
    rungs: z.array(
      z.object({
        rung: z.enum(ESCALATION_RUNGS),
        offset: z.string(),
        at: z.string().describe('该梯级触发的时刻（工作日的办公时间）'),
        rag: z.enum(RAG_COLOURS),
        provisional: z.boolean().optional(),
      }),
    ),
  })
  .meta({ id: 'PolicyPreview' });

type Row = Awaited<ReturnType<PolicyService['create']>>;
const toDto = (row: Row): z.output<typeof PolicySchema> => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  retiredAt: row.retiredAt?.toISOString() ?? null,
});

export const policyRoutes: FastifyPluginAsyncZod<{ policies: PolicyService }> = async (app, { policies }) => {
  app.get('/policies', {
    schema: {
      operationId: 'listPolicies',
      summary: '期限策略（本级、上级与下级）',
      tags: ['policies'],
      querystring: z.strictObject({
        includeRetired: z.enum(['true', 'false']).default('false').describe('true：连同已停用的版本'),
      }),
      response: { 200: z.object({ items: z.array(PolicySchema) }), ...errorResponses },
    },
    handler: async (request) => ({ items: (await policies.list(userOf(request), { includeRetired: request.query.includeRetired === 'true' })).map(toDto) }),
  });

  app.get('/policies/defaults', {
    schema: {
      operationId: 'getDefaultPolicy',
      summary: '内置默认期限（未制定策略时适用；可作为新策略的基础 basedOn: defaults）',
      tags: ['policies'],
      response: { 200: z.object({ body: DeadlinePolicySchema }), ...errorResponses },
    },
    handler: async () => ({ body: policies.defaults() }),
  });

  app.post('/policies/preview', {
    schema: {
      operationId: 'previewPolicy',
      summary: '期限预览：按策略（草稿或现行版本）与起算日，在工作日历上计算到期日与各梯级（提醒、黄牌、红牌、通报）的触发时间；不保存',
      tags: ['policies'],
      body: z.strictObject({
        body: DeadlinePolicySchema.optional().describe('完整的策略草稿；与 basedOn 二选一'),
        basedOn: z
          .union([z.literal('defaults'), z.uuid()])
          .optional()
          .describe('所基于的策略 id，或 defaults；不给 changes 即预览该版本本身'),
        changes: DeadlinePolicyChangesSchema.optional(),
        kind: z.enum(PREVIEW_KINDS).optional().describe('事项类型：决定按哪个时长到期（与 from 同用）'),
        from: IsoDate.optional().describe('起算日（如认定日）；与 dueDate 二选一'),
        dueDate: IsoDate.optional().describe('直接给出到期日（顺延至工作日），只看梯级'),
        division: DivisionPrefix.optional().describe('按该区划的日历；缺省为本人管辖区划'),
      }),
      response: { 200: PolicyPreviewSchema, ...errorResponses },
    },
    handler: async (request) => policies.preview(userOf(request), request.body),
  });

  app.post('/policies/:id/retire', {
    schema: {
      operationId: 'retirePolicy',
      summary: '停用期限策略版本（按它运行的案例不受影响；不再用于新建）',
      tags: ['policies'],
      params: z.strictObject({ id: z.uuid() }),
      body: z.strictObject({ reason: text(500).min(1) }),
      response: { 200: PolicySchema, ...errorResponses },
    },
    handler: async (request) => toDto(await policies.retire(userOf(request), request.params.id, request.body.reason)),
  });

  app.post('/policies', {
    schema: {
      operationId: 'createPolicyVersion',
      summary: '新建期限策略版本（已运行案例不受影响）',
      tags: ['policies'],
      body: z.strictObject({
        name: text(100).default('default'),
        jurisdictionCode: DivisionCode.optional().describe('缺省为本人管辖区划'),
        body: DeadlinePolicySchema.optional().describe('完整的策略；与 basedOn 二选一'),
        basedOn: z
          .union([z.literal('defaults'), z.uuid()])
          .optional()
          .describe('所基于的策略 id，或 defaults（内置默认值）；只需在 changes 中给出改动的字段'),
        changes: DeadlinePolicyChangesSchema.optional().describe('相对 basedOn 改动的字段（ladder 整体替换，mentorship/reserve 逐项合并）'),
      }),
      response: { 201: PolicySchema, ...errorResponses },
    },
    handler: async (request, reply) => reply.code(201).send(toDto(await policies.create(userOf(request), request.body))),
  });
};
