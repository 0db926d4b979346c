import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ReserveService } from '../../services/reserves.js';
import { userOf } from '../plugins/auth.js';
import { clockDecisionRoute } from './clock-decision.js';
import { errorResponses, iso } from '../schemas/common.js';
import { ClockRequestBody, IdempotencyHeaders } from '../schemas/deadlines.js';
import {
  AnnualReviewBody,
  ExitBody,
  ListReservesQuery,
  NominateBody,
  PeriodicReviewBody,
  PlacementBody,
  PublicizeBody,
  ReserveCoverageQuery,
  ReserveCoverageSchema,
  ReserveDetailSchema,
  ReserveIdParams,
  ReservePipelineQuery,
  ReservePipelineSchema,
  ReserveSummarySchema,
  ReviewResultBody,
  StartTrainingBody,
  TrainingRecordBody,
  TransferBody,
  toReserveDetail,
  toReserveSummary,
} from '../schemas/reserves.js';

const tags = ['reserves'];

export const reserveRoutes: FastifyPluginAsyncZod<{ reserves: ReserveService }> = async (app, { reserves }) => {
  app.post('/reserves', {
    schema: {
      operationId: 'nominateReserve',
      summary: '提名村党组织书记后备力量（乡镇党委）；超过35岁仅提示',
      tags,
      headers: IdempotencyHeaders,
      body: NominateBody,
      response: { 201: ReserveDetailSchema, ...errorResponses, 422: errorResponses[409] },
    },
    handler: async (request, reply) => {
      const detail = await reserves.nominate(userOf(request), request.body, request.idempotencyKey);
      return reply.code(201).send(toReserveDetail(detail));
    },
  });

  app.get('/reserves', {
    schema: {
      operationId: 'listReserves',
      summary: '后备力量列表（按状态、红黄绿灯、来源、区划筛选；村、乡镇、姓名与最近期限）',
      tags,
      querystring: ListReservesQuery,
      response: {
        200: z.object({ items: z.array(ReserveSummarySchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const q = request.query;
      const { items, total } = await reserves.list(userOf(request), {
        state: q.state,
        rag: q.rag,
        source: q.source,
        division: q.division,
        sort: q.sort,
        limit: q.limit,
        offset: q.offset,
      });
      return { items: items.map(toReserveSummary), total, limit: q.limit, offset: q.offset };
    },
  });

  app.get('/reserves/:id', {
    schema: {
      operationId: 'getReserve',
      summary: '后备力量详情：状态、提示、期限、督办、登记材料、时间线',
      tags,
      params: ReserveIdParams,
      response: { 200: ReserveDetailSchema, ...errorResponses },
    },
    handler: async (request) => toReserveDetail(await reserves.get(userOf(request), request.params.id)),
  });

  app.get('/reserve-coverage', {
    schema: {
      operationId: 'getReserveCoverage',
      summary: '后备力量覆盖：每村在库人数与预警；覆盖率 = 在库≥2人的村 / 村',
      tags,
      querystring: ReserveCoverageQuery,
      response: { 200: ReserveCoverageSchema, ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query;
      const r = await reserves.coverage(userOf(request), { division: q.division, belowTargetOnly: q.belowTarget === 'true', limit: q.limit, offset: q.offset });
      return {
        division: r.division,
        totals: r.totals,
        villages: r.villages.map((v) => ({
          villageCode: v.villageCode,
          villageName: v.villageName,
          inPool: v.inPool,
          alert: v.belowTarget,
          alertRaisedAt: iso(v.alertRaisedAt),
        })),
      };
    },
  });

  app.get('/reserve-pipeline', {
    schema: {
      operationId: 'getReservePipeline',
      summary: '后备力量培养漏斗：各流程状态的人数（提名 → 资格审查 → 考察 → 公示 → 入库 → 实训 → 使用）',
      tags,
      querystring: ReservePipelineQuery,
      response: { 200: ReservePipelineSchema, ...errorResponses },
    },
    handler: async (request) => reserves.pipeline(userOf(request), request.query.division),
  });

  /** One POST per command; each becomes an Update on the candidate's workflow and answers the new state. */
  const command = <B extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    body: B,
    run: (request: { user: ReturnType<typeof userOf>; id: string; body: z.output<B>; key: string | undefined }) => ReturnType<ReserveService['get']>,
  ) =>
    app.post(`/reserves/:id/${path}`, {
      schema: {
        operationId,
        summary,
        tags,
        params: ReserveIdParams,
        headers: IdempotencyHeaders,
        body,
        response: { 200: ReserveDetailSchema, ...errorResponses, 422: errorResponses[409] },
      },
      handler: async (request) =>
        toReserveDetail(await run({ user: userOf(request), id: request.params.id, body: request.body as z.output<B>, key: request.idempotencyKey })),
    });

  command('qualification', 'qualifyReserve', '资格审查（组织部）：通过待考察，未通过出库', ReviewResultBody, ({ user, id, body, key }) =>
    reserves.qualify(user, id, body, key),
  );
  command('inspection', 'inspectReserve', '组织考察（组织部）：通过待公示，未通过出库', ReviewResultBody, ({ user, id, body, key }) =>
    reserves.inspect(user, id, body, key),
  );
  command('publicity', 'publicizeReserve', '公示（5个工作日，期满自动入库）', PublicizeBody, ({ user, id, body, key }) =>
    reserves.publicize(user, id, body, key),
  );
  command('training', 'startReserveTraining', '安排跟岗实训', StartTrainingBody, ({ user, id, body, key }) => reserves.startTraining(user, id, body, key));
  command('training-records', 'fileTrainingRecord', '登记季度书面报告或谈心谈话', TrainingRecordBody, ({ user, id, body, key }) =>
    reserves.fileTrainingRecord(user, id, body, key),
  );
  command('periodic-reviews', 'periodicReviewReserve', '半年动态调整（乡镇党委）：保留或出库', PeriodicReviewBody, ({ user, id, body, key }) =>
    reserves.periodicReview(user, id, body, key),
  );
  command('annual-reviews', 'annualReviewReserve', '年度考评：继续培养或出库', AnnualReviewBody, ({ user, id, body, key }) =>
    reserves.annualReview(user, id, body, key),
  );
  command('placement', 'placeReserve', '使用：任村党组织书记或“两委”成员（新任书记自动提出1+1帮带）', PlacementBody, ({ user, id, body, key }) =>
    reserves.place(user, id, body, key),
  );
  command('exit', 'exitReserve', '调出后备库', ExitBody, ({ user, id, body, key }) => reserves.exit(user, id, body, key));
  command('transfer', 'transferReserve', '调往他村：在目标村后备力量库中继续（新记录，互相关联）', TransferBody, ({ user, id, body, key }) =>
    reserves.transfer(user, id, body, key),
  );
  command('clock-requests', 'requestReserveClockChange', '申请延期（到期前）或容错（已逾期），由上级审批', ClockRequestBody, ({ user, id, body, key }) =>
    reserves.requestClockChange(user, id, body, key),
  );
  clockDecisionRoute(app, {
    resource: 'reserves',
    operationId: 'decideReserveClockChange',
    tags,
    detail: ReserveDetailSchema,
    decide: async (user, id, args, key) => toReserveDetail(await reserves.decideClockChange(user, id, args, key)),
  });
};
