import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DELIVERY_CHANNELS, DELIVERY_STATUSES } from '../../domain/delivery.js';
import type { DeliveryService } from '../../services/deliveries.js';
import { userOf } from '../plugins/auth.js';
import { DivisionPrefix, errorResponses, PaginationQuery } from '../schemas/common.js';
import { DeliverySchema, toDeliveryDto } from '../schemas/delivery.js';

export const deliveryRoutes: FastifyPluginAsyncZod<{ deliveries: DeliveryService }> = async (app, { deliveries }) => {
  const params = z.strictObject({ id: z.uuid() });

  app.get('/deliveries', {
    schema: {
      operationId: 'listDeliveries',
      summary: '短信、邮件、群机器人的发送记录（组织部看本县，乡镇党委看本乡镇），最新的在前，附各状态的数量',
      tags: ['delivery'],
      querystring: z.strictObject({
        status: z.enum(DELIVERY_STATUSES).optional(),
        channel: z.enum(DELIVERY_CHANNELS).optional(),
        division: DivisionPrefix.optional().describe('管辖范围内的区划（前缀）'),
        ...PaginationQuery,
      }),
      response: {
        200: z.object({ total: z.number().int(), byStatus: z.record(z.enum(DELIVERY_STATUSES), z.number().int()), items: z.array(DeliverySchema) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { limit, offset, ...filter } = request.query;
      const page = await deliveries.list(userOf(request), filter, { limit, offset });
      return { total: page.total, byStatus: page.byStatus, items: page.items.map(toDeliveryDto) };
    },
  });

  app.get('/deliveries/:id', {
    schema: { operationId: 'getDelivery', summary: '一条发送记录', tags: ['delivery'], params, response: { 200: DeliverySchema, ...errorResponses } },
    handler: async (request) => toDeliveryDto(await deliveries.get(userOf(request), request.params.id)),
  });

  app.post('/deliveries/:id/retry', {
    schema: {
      operationId: 'retryDelivery',
      summary: '重发发送失败或结果不明的消息（留痕）；结果不明的短信、钉钉消息可能已送达，须 confirmInDoubt: true',
      tags: ['delivery'],
      params,
      body: z.strictObject({
        confirmInDoubt: z.boolean().default(false).describe('已知对方可能收到两次，仍要重发'),
        reason: z.string().trim().max(500).optional(),
      }),
      response: { 200: DeliverySchema, ...errorResponses },
    },
    handler: async (request) => toDeliveryDto(await deliveries.retry(userOf(request), request.params.id, request.body)),
  });
};
