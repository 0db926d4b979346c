import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CaseService } from '../../services/cases.js';
import { userOf } from '../plugins/auth.js';
import { clockDecisionRoute } from './clock-decision.js';
import { errorResponses } from '../schemas/common.js';
import { ClockRequestBody } from '../schemas/deadlines.js';
import {
  AcceptanceRequestBody,
  AcceptanceReviewBody,
  CancelBody,
  CasePolicyBody,
  ClockPauseBody,
  InterruptBody,
  CaseDetailSchema,
  CaseIdParams,
  CaseSummarySchema,
  DesignateBody,
  ListCasesQuery,
  PlanBody,
  RelapseBody,
  ReportBody,
  SponsorBody,
  toCaseDetail,
  toCaseSummary,
} from '../schemas/cases.js';

const tags = ['cases'];
const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().optional().describe('同一键重复提交只生效一次，并返回相同结果 (same key, same answer, one change)'),
});

export const caseRoutes: FastifyPluginAsyncZod<{ cases: CaseService }> = async (app, { cases }) => {
  app.post('/cases', {
    schema: {
      operationId: 'designateCase',
      summary: '确定软弱涣散村党组织（立案）',
      tags,
      headers: IdempotencyHeaders,
      body: DesignateBody,
      response: { 201: CaseDetailSchema, ...errorResponses },
    },
    handler: async (request, reply) => {
      const detail = await cases.designate(userOf(request), request.body, request.idempotencyKey);
      return reply.code(201).send(toCaseDetail(detail));
    },
  });

  app.get('/cases', {
    schema: {
      operationId: 'listCases',
      summary: '案例列表（按状态、红黄绿灯、区划、包保领导筛选）',
      tags,
      querystring: ListCasesQuery,
      response: {
        200: z.object({ items: z.array(CaseSummarySchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const q = request.query;
      const { items, total } = await cases.list(userOf(request), {
        state: q.state,
        rag: q.rag,
        division: q.division,
        sponsorUserId: q.sponsor,
        sort: q.sort,
        limit: q.limit,
        offset: q.offset,
      });
      return { items: items.map(toCaseSummary), total, limit: q.limit, offset: q.offset };
    },
  });

  app.get('/cases/:id', {
    schema: {
      operationId: 'getCase',
      summary: '案例详情：状态、期限、督办、时间线',
      tags,
      params: CaseIdParams,
      response: { 200: CaseDetailSchema, ...errorResponses },
    },
    handler: async (request) => toCaseDetail(await cases.get(userOf(request), request.params.id)),
  });

  /** One POST per command; each becomes an Update on the case's workflow and answers the new state. */
  const command = <B extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    body: B,
    run: (request: { user: ReturnType<typeof userOf>; id: string; body: z.output<B>; key: string | undefined }) => ReturnType<CaseService['get']>,
  ) =>
    app.post(`/cases/:id/${path}`, {
      schema: {
        operationId,
        summary,
        tags,
        params: CaseIdParams,
        headers: IdempotencyHeaders,
        body,
        response: { 200: CaseDetailSchema, ...errorResponses, 422: errorResponses[409] },
      },
      handler: async (request) =>
        toCaseDetail(await run({ user: userOf(request), id: request.params.id, body: request.body as z.output<B>, key: request.idempotencyKey })),
    });

  command('plan', 'submitPlan', '提交整顿方案（一村一策）', PlanBody, ({ user, id, body, key }) => cases.submitPlan(user, id, { plan: body }, key));
  command('reports', 'submitReport', '提交月度进展报告', ReportBody, ({ user, id, body, key }) => {
    const { period, ...report } = body;
    return cases.submitReport(user, id, { period, report }, key);
  });
  command('acceptance-requests', 'requestAcceptance', '申请验收', AcceptanceRequestBody, ({ user, id, body, key }) =>
    cases.requestAcceptance(user, id, body, key),
  );
  command('acceptance-reviews', 'reviewAcceptance', '验收评定（≥70分且不满意不过半为通过）', AcceptanceReviewBody, ({ user, id, body, key }) =>
    cases.reviewAcceptance(user, id, body, key),
  );
  command('sponsor', 'changeSponsor', '调整包保领导（null 为调离空缺）', SponsorBody, ({ user, id, body, key }) => cases.changeSponsor(user, id, body, key));
  command('cancel', 'cancelCase', '撤销案例（村撤并或误定）', CancelBody, ({ user, id, body, key }) => cases.cancel(user, id, body, key));
  command('relapse', 'reportRelapse', '认定反弹并重新立案', RelapseBody, ({ user, id, body, key }) => cases.relapse(user, id, body, key));
  command('clock-requests', 'requestClockChange', '申请延期（到期前）或容错（已逾期），由上级审批', ClockRequestBody, ({ user, id, body, key }) =>
    cases.requestClockChange(user, id, body, key),
  );
  command('suspend', 'suspendClock', '暂停计时（保留剩余工作日）', ClockPauseBody, ({ user, id, body, key }) => cases.suspendClock(user, id, body, key));
  command('resume', 'resumeClock', '恢复计时', ClockPauseBody, ({ user, id, body, key }) => cases.resumeClock(user, id, body, key));
  command('interrupt', 'interruptClock', '重新计时（从零开始）', InterruptBody, ({ user, id, body, key }) => cases.interruptClock(user, id, body, key));
  command('policy', 'changeCasePolicy', '将在办案例改用另一期限策略版本（留痕）', CasePolicyBody, ({ user, id, body, key }) =>
    cases.changePolicy(user, id, body, key),
  );

  clockDecisionRoute(app, {
    resource: 'cases',
    operationId: 'decideClockChange',
    tags,
    detail: CaseDetailSchema,
    decide: async (user, id, args, key) => toCaseDetail(await cases.decideClockChange(user, id, args, key)),
  });
};
