import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MentorshipService } from '../../services/mentorships.js';
import { userOf } from '../plugins/auth.js';
import { clockDecisionRoute } from './clock-decision.js';
import { errorResponses } from '../schemas/common.js';
import { ClockRequestBody, IdempotencyHeaders } from '../schemas/deadlines.js';
import {
  ApproveMentorshipBody,
  CheckInBody,
  ListMentorshipsQuery,
  MentorChangeBody,
  MentoringCoverageQuery,
  MentoringCoverageSchema,
  MentorshipDetailSchema,
  MentorshipIdParams,
  MentorshipReviewBody,
  MentorshipSummarySchema,
  ProposeMentorshipBody,
  TerminateMentorshipBody,
  toMentorshipDetail,
  toMentorshipSummary,
} from '../schemas/mentorships.js';

const tags = ['mentorships'];

export const mentorshipRoutes: FastifyPluginAsyncZod<{ mentorships: MentorshipService }> = async (app, { mentorships }) => {
  app.post('/mentorships', {
    schema: {
      operationId: 'proposeMentorship',
      summary: '提出1+1帮带结对（乡镇党委）',
      tags,
      headers: IdempotencyHeaders,
      body: ProposeMentorshipBody,
      response: { 201: MentorshipDetailSchema, ...errorResponses, 422: errorResponses[409] },
    },
    handler: async (request, reply) => {
      const detail = await mentorships.propose(userOf(request), request.body, request.idempotencyKey);
      return reply.code(201).send(toMentorshipDetail(detail));
    },
  });

  app.get('/mentorships', {
    schema: {
      operationId: 'listMentorships',
      summary: '1+1帮带列表（按状态、红黄绿灯、区划筛选；村、乡镇、导师姓名与最近期限）',
      tags,
      querystring: ListMentorshipsQuery,
      response: {
        200: z.object({ items: z.array(MentorshipSummarySchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const q = request.query;
      const { items, total } = await mentorships.list(userOf(request), {
        state: q.state,
        rag: q.rag,
        division: q.division,
        sort: q.sort,
        limit: q.limit,
        offset: q.offset,
      });
      return { items: items.map(toMentorshipSummary), total, limit: q.limit, offset: q.offset };
    },
  });

  app.get('/mentorships/:id', {
    schema: {
      operationId: 'getMentorship',
      summary: '帮带详情：状态、导师（含历任）、期限、督办、帮带记录、时间线',
      tags,
      params: MentorshipIdParams,
      response: { 200: MentorshipDetailSchema, ...errorResponses },
    },
    handler: async (request) => toMentorshipDetail(await mentorships.get(userOf(request), request.params.id)),
  });

  app.get('/mentoring-coverage', {
    schema: {
      operationId: 'getMentoringCoverage',
      summary: '帮带覆盖率：有在岗导师的新任村干部 / 新任村干部',
      tags,
      querystring: MentoringCoverageQuery,
      response: { 200: MentoringCoverageSchema, ...errorResponses },
    },
    handler: async (request) => mentorships.coverage(userOf(request), request.query.division),
  });

  /** One POST per command; each becomes an Update on the mentorship's workflow and answers the new state. */
  const command = <B extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    body: B,
    run: (request: { user: ReturnType<typeof userOf>; id: string; body: z.output<B>; key: string | undefined }) => ReturnType<MentorshipService['get']>,
  ) =>
    app.post(`/mentorships/:id/${path}`, {
      schema: {
        operationId,
        summary,
        tags,
        params: MentorshipIdParams,
        headers: IdempotencyHeaders,
        body,
        response: { 200: MentorshipDetailSchema, ...errorResponses, 422: errorResponses[409] },
      },
      handler: async (request) =>
        toMentorshipDetail(await run({ user: userOf(request), id: request.params.id, body: request.body as z.output<B>, key: request.idempotencyKey })),
    });

  command('approve', 'approveMentorship', '审核帮带结对（组织部），帮带开始', ApproveMentorshipBody, ({ user, id, body, key }) =>
    mentorships.approve(user, id, body, key),
  );
  command('mentor', 'changeMentor', '明确或调整帮带导师（null 为导师调离空缺）', MentorChangeBody, ({ user, id, body, key }) =>
    mentorships.changeMentor(user, id, body, key),
  );
  command('check-ins', 'logCheckIn', '填写月度帮带记录', CheckInBody, ({ user, id, body, key }) => mentorships.logCheckIn(user, id, body, key));
  command('reviews', 'reviewMentorship', '中期评估或期满考核', MentorshipReviewBody, ({ user, id, body, key }) => mentorships.review(user, id, body, key));
  command('terminate', 'terminateMentorship', '终止帮带', TerminateMentorshipBody, ({ user, id, body, key }) => mentorships.terminate(user, id, body, key));
  command('clock-requests', 'requestMentorshipClockChange', '申请延期（到期前）或容错（已逾期），由上级审批', ClockRequestBody, ({ user, id, body, key }) =>
    mentorships.requestClockChange(user, id, body, key),
  );
  clockDecisionRoute(app, {
    resource: 'mentorships',
    operationId: 'decideMentorshipClockChange',
    tags,
    detail: MentorshipDetailSchema,
    decide: async (user, id, args, key) => toMentorshipDetail(await mentorships.decideClockChange(user, id, args, key)),
  });
};
