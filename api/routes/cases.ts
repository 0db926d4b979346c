import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CaseService } from '../../services/cases.js';
import { userOf } from '../plugins/auth.js';
import { clockDecisionRoute } from './clock-decision.js';
import { DivisionPrefix, errorResponses, text } from '../schemas/common.js';
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
import { SupportMemberBody, SupportReportBody, SupportSheetQuery, SupportSheetSchema, VisitBody, toSupportPackageDto } from '../schemas/support-package.js';

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
        missingPost: q.missingPost,
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
  command('relapse', 'reportRelapse', '认定反弹并重新立案（可依据回头看走访记录）', RelapseBody, ({ user, id, body, key }) =>
    cases.relapse(user, id, body, key),
  );
  command(
    'support-members',
    'changeSupportMember',
    '调整包保责任人（包村干部、第一书记、工作队、结对帮扶单位；null 为空缺）',
    SupportMemberBody,
    ({ user, id, body, key }) => cases.changeSupportMember(user, id, body, key),
  );
  command('support-reports', 'submitSupportReport', '提交结对帮扶单位季度帮扶措施报告', SupportReportBody, ({ user, id, body, key }) =>
    cases.submitSupportReport(user, id, body, key),
  );
  command('visits', 'recordFollowUpVisit', '记录回头看走访（日期、人员、发现、反弹风险）', VisitBody, ({ user, id, body, key }) =>
    cases.recordVisit(user, id, body, key),
  );

  app.get('/people', {
    schema: {
      operationId: 'pickPeople',
      summary: '可选人员（本管辖范围内登记的人员，按姓名）：明确包村干部、第一书记、工作队、结对帮扶单位联系人时选用',
      tags,
      querystring: z.strictObject({
        division: DivisionPrefix.optional().describe('区划代码前缀；缺省为本管辖范围'),
        name: text(50).optional().describe('姓名包含'),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
      response: {
        200: z.object({ items: z.array(z.object({ id: z.uuid(), name: z.string(), divisionCode: z.string().nullable(), position: z.string().nullable() })) }),
        ...errorResponses,
      },
    },
    handler: async (request) => ({ items: await cases.pickPeople(userOf(request), request.query) }),
  });

  app.get('/support-assignments', {
    schema: {
      operationId: 'getSupportSheet',
      summary: '包保责任体系一览（一乡一表）：各在办案例的包保领导、包村干部、第一书记、工作队、结对帮扶单位，及缺岗统计',
      tags,
      querystring: SupportSheetQuery,
      response: { 200: SupportSheetSchema, ...errorResponses },
    },
    handler: async (request) => {
      const sheet = await cases.supportSheet(userOf(request), request.query.division);
      return {
        openCases: sheet.openCases,
        missing: sheet.missing,
        rows: sheet.rows.map((r) => ({
          caseId: r.caseId,
          villageCode: r.villageCode,
          villageName: r.villageName,
          townshipCode: r.townshipCode,
          townshipName: r.townshipName,
          state: r.state,
          supportPackage: toSupportPackageDto(r.supportPackage),
          vacantPosts: r.vacantPosts,
        })),
      };
    },
  });
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
