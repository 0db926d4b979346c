import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { VillageSecretaryService } from '../../services/village-secretary.js';
import { userOf } from '../plugins/auth.js';
import { DivisionCode, IsoDate, errorResponses, text } from '../schemas/common.js';

const VillageParams = z.strictObject({ villageCode: DivisionCode });

const SecretaryPostSchema = z
  .object({
    villageCode: z.string(),
    villageName: z.string(),
    organizationName: z.string().nullable(),
    holder: z.object({ personId: z.uuid(), name: z.string() }).nullable().describe('在任书记；空缺或未登记时为 null'),
    vacantSince: z.string().nullable().describe('空缺起始日期（YYYY-MM-DD）；在任或未登记时为 null'),
    monthsVacant: z.number().int().nullable().describe('截至今天空缺的整月数'),
  })
  .meta({ id: 'VillageSecretaryPost' });

/**
 * The village party secretary post (村党组织书记): who holds it or since when it is vacant. The
 * screening campaign's hard trigger "post vacant for more than 3 months" is pre-filled from it.
 */
export const villageRoutes: FastifyPluginAsyncZod<{ secretary: VillageSecretaryService }> = async (app, { secretary }) => {
  app.get('/villages/:villageCode/secretary', {
    schema: {
      operationId: 'getVillageSecretary',
      summary: '村党组织书记：在任者或空缺起始日期',
      tags: ['divisions'],
      params: VillageParams,
      response: { 200: SecretaryPostSchema, ...errorResponses },
    },
    handler: async (request) => secretary.get(userOf(request), request.params.villageCode),
  });

  app.put('/villages/:villageCode/secretary', {
    schema: {
      operationId: 'setVillageSecretary',
      summary: '登记村党组织书记（乡镇党委：本乡镇各村；组织部：本县）',
      description: 'personId 为 null：自 since 起空缺；为某人：在任（清除空缺日期）。排查研判的硬性条件“村党组织书记空缺超过3个月”据此预填。',
      tags: ['divisions'],
      params: VillageParams,
      body: z.strictObject({
        personId: z.uuid().nullable().describe('在任书记；null 表示空缺'),
        since: IsoDate.describe('任职或空缺起始日期，不晚于今天'),
        reason: text(500),
      }),
      response: { 200: SecretaryPostSchema, ...errorResponses },
    },
    handler: async (request) => secretary.set(userOf(request), request.params.villageCode, request.body),
  });
};
