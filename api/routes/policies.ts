import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeadlinePolicySchema } from '../../domain/policy-schema.js';
import type { PolicyService } from '../../services/policies.js';
import { userOf } from '../plugins/auth.js';
import { DivisionCode, errorResponses, text } from '../schemas/common.js';

const PolicySchema = z
  .object({
    id: z.uuid(),
    jurisdictionCode: z.string(),
    name: z.string(),
    version: z.number().int(),
    body: DeadlinePolicySchema,
    createdBy: z.uuid().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Policy' });

type Row = Awaited<ReturnType<PolicyService['create']>>;
const toDto = (row: Row): z.output<typeof PolicySchema> => ({ ...row, createdAt: row.createdAt.toISOString() });

export const policyRoutes: FastifyPluginAsyncZod<{ policies: PolicyService }> = async (app, { policies }) => {
  app.get('/policies', {
    schema: {
      operationId: 'listPolicies',
      summary: '期限策略（本级、上级与下级）',
      tags: ['policies'],
      response: { 200: z.object({ items: z.array(PolicySchema) }), ...errorResponses },
    },
    handler: async (request) => ({ items: (await policies.list(userOf(request))).map(toDto) }),
  });

  app.post('/policies', {
    schema: {
      operationId: 'createPolicyVersion',
      summary: '新建期限策略版本（已运行案例不受影响）',
      tags: ['policies'],
      body: z.strictObject({
        name: text(100).default('default'),
        jurisdictionCode: DivisionCode.optional().describe('缺省为本人管辖区划'),
        body: DeadlinePolicySchema,
      }),
      response: { 201: PolicySchema, ...errorResponses },
    },
    handler: async (request, reply) => reply.code(201).send(toDto(await policies.create(userOf(request), request.body))),
  });
};
