import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import type { InboxService } from '../../services/inbox.js';
import { userOf } from '../plugins/auth.js';
import { PaginationQuery, errorResponses, iso } from '../schemas/common.js';

const InboxItemSchema = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    title: z.string(),
    body: z.string(),
    caseId: z.uuid().nullable(),
    mentorshipId: z.uuid().nullable(),
    reserveCandidateId: z.uuid().nullable().describe('后备力量；覆盖预警不指向具体人员，三者皆空'),
    escalationId: z.uuid().nullable(),
    recipientRole: z.enum(ROLES),
    recipientDivisionCode: z.string(),
    createdAt: z.string(),
    ackedAt: z.string().nullable(),
    ackedBy: z.uuid().nullable(),
  })
  .meta({ id: 'InboxItem' });

type Item = Awaited<ReturnType<InboxService['list']>>['items'][number];
const toDto = (i: Item): z.output<typeof InboxItemSchema> => ({ ...i, createdAt: i.createdAt.toISOString(), ackedAt: iso(i.ackedAt) });

export const inboxRoutes: FastifyPluginAsyncZod<{ inbox: InboxService }> = async (app, { inbox }) => {
  app.get('/inbox', {
    schema: {
      operationId: 'listInbox',
      summary: '收件箱：提醒、督办与通知（本人及本单位）',
      tags: ['inbox'],
      querystring: z.strictObject({
        unacked: z.enum(['true', 'false']).default('false').describe('只看未确认的'),
        ...PaginationQuery,
      }),
      response: { 200: z.object({ items: z.array(InboxItemSchema), total: z.number().int() }), ...errorResponses },
    },
    handler: async (request) => {
      const { unacked, limit, offset } = request.query;
      const { items, total } = await inbox.list(userOf(request), { unackedOnly: unacked === 'true', limit, offset });
      return { items: items.map(toDto), total };
    },
  });

  app.post('/inbox/:id/ack', {
    schema: {
      operationId: 'ackInboxItem',
      summary: '确认收到',
      tags: ['inbox'],
      params: z.strictObject({ id: z.uuid() }),
      response: { 200: InboxItemSchema, ...errorResponses },
    },
    handler: async (request) => {
      const item = await inbox.ack(userOf(request), request.params.id);
      return toDto(item);
    },
  });
};
