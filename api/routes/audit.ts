import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditService } from '../../services/audit.js';
import { userOf } from '../plugins/auth.js';
import { AuditQueryShape, AuditEventSchema } from '../schemas/audit.js';
import { errorResponses, PaginationQuery } from '../schemas/common.js';

export const auditRoutes: FastifyPluginAsyncZod<{ audit: AuditService }> = async (app, { audit }) => {
  app.get('/audit', {
    schema: {
      operationId: 'listAuditEvents',
      summary: '审计记录（谁在何时做了什么）：组织部查阅管辖范围内的，最新的在前；每条带哈希链，可用 npm run admin -- verify-audit 校验',
      tags: ['audit'],
      querystring: z.strictObject({ ...AuditQueryShape, ...PaginationQuery }),
      response: { 200: z.object({ total: z.number().int(), items: z.array(AuditEventSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const { from, to, ...rest } = request.query;
      const page = await audit.list(userOf(request), { ...rest, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) });
      return { total: page.total, items: page.items.map((e) => ({ ...e, at: e.at.toISOString() })) };
    },
  });
};
