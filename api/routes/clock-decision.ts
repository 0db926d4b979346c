/**
 * `POST /<resource>/:id/clock-requests/:requestId/decision`: the org dept approves or refuses a
 * 延期/容错 request, the same route for every process (each answers its own detail).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthUser } from '../../domain/roles.js';
import { userOf } from '../plugins/auth.js';
import { errorResponses, key } from '../schemas/common.js';
import { ClockDecisionBody, IdempotencyHeaders } from '../schemas/deadlines.js';

export function clockDecisionRoute(
  app: Parameters<FastifyPluginAsyncZod>[0],
  options: {
    resource: 'cases' | 'mentorships' | 'reserves';
    operationId: string;
    tags: string[];
    /** The process's detail schema: the answer is validated against it when serialized. */
    detail: z.ZodType;
    decide: (user: AuthUser, id: string, args: { requestId: string; approved: boolean; comment?: string }, key: string | undefined) => Promise<unknown>;
  },
): void {
  app.post(`/${options.resource}/:id/clock-requests/:requestId/decision`, {
    schema: {
      operationId: options.operationId,
      summary: '审批延期或容错申请（组织部；组织部自身的期限由上级组织部审批）',
      tags: options.tags,
      params: z.strictObject({ id: z.uuid(), requestId: key(100) }),
      headers: IdempotencyHeaders,
      body: ClockDecisionBody,
      response: { 200: options.detail, ...errorResponses, 422: errorResponses[409] },
    },
    handler: async (request) =>
      options.decide(userOf(request), request.params.id, { requestId: request.params.requestId, ...request.body }, request.idempotencyKey),
  });
}
