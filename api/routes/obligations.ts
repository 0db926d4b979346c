import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OBLIGATION_KINDS, OBLIGATION_STATUSES, RESPONSIBLE_PARTIES } from '../../domain/escalation.js';
import type { ObligationService } from '../../services/obligations.js';
import { userOf } from '../plugins/auth.js';
import { Instant, PaginationQuery, errorResponses } from '../schemas/common.js';
import { csvEnum } from '../schemas/deadlines.js';

const PROCESSES = ['case', 'mentorship', 'reserve', 'screening'] as const;

const ObligationRowSchema = z
  .object({
    id: z.string(),
    process: z.enum(PROCESSES).describe('case 整顿案例、mentorship 1+1帮带、reserve 后备力量'),
    entityId: z.uuid().describe('所属案例、帮带或后备人选的编号'),
    kind: z.enum(OBLIGATION_KINDS),
    key: z.string().describe('期次：月度报告为 YYYY-MM，季度 Q1…，半年 H1…，年度 Y1…；一次性义务为 1（验收重试为次数）'),
    responsible: z.enum(RESPONSIBLE_PARTIES),
    dueAt: Instant,
    dueDate: z.string().nullable().describe('按日计的到期日（北京时间）'),
    provisional: z.boolean().describe('暂定：所在年份的节假日安排尚未公布'),
    status: z.enum(OBLIGATION_STATUSES),
    closedAt: Instant.nullable().describe('完成（或撤销）时间'),
    exempted: z.boolean().describe('已批准容错'),
    workingDaysLeft: z.number().int().nullable().describe('距到期的工作日数（按该村日历，含调休）；负数为已超期；已完成或按时刻计的为 null'),
    villageCode: z.string(),
    villageName: z.string().nullable(),
    townshipName: z.string().nullable(),
    subjectName: z.string().nullable().describe('事项对象：案例为村名，帮带为新任村干部，后备力量为后备人选'),
  })
  .meta({ id: 'ObligationRow' });

export const obligationRoutes: FastifyPluginAsyncZod<{ obligations: ObligationService }> = async (app, { obligations }) => {
  app.get('/obligations', {
    schema: {
      operationId: 'listObligations',
      summary: '待办：本人（本单位）须完成的各项义务，跨整顿、帮带、后备力量，按到期先后',
      tags: ['obligations'],
      querystring: z.strictObject({
        responsible: z.enum(['me', 'visible']).default('me').describe('me 本人或本单位须完成的；visible 管辖范围内可见的全部'),
        status: z.enum([...OBLIGATION_STATUSES, 'all']).default('open'),
        process: z.enum(PROCESSES).optional(),
        kind: csvEnum(OBLIGATION_KINDS).describe('义务类型，逗号分隔（如 monthly_report）'),
        current: z
          .enum(['true', 'false'])
          .default('false')
          .describe('true：只看本期——各事项每类义务的最新一期（如本月月报），已撤销的不列，已完成的到期前仍列出（显示“已提交”）；先取本期，再按 status 筛选'),
        ...PaginationQuery,
      }),
      response: { 200: z.object({ items: z.array(ObligationRowSchema), total: z.number().int() }), ...errorResponses },
    },
    handler: async (request) => {
      const q = request.query;
      const page = await obligations.list(userOf(request), {
        scope: q.responsible === 'me' ? 'mine' : 'visible',
        status: q.status,
        ...(q.process ? { process: q.process } : {}),
        ...(q.kind ? { kinds: q.kind } : {}),
        currentPeriod: q.current === 'true',
        limit: q.limit,
        offset: q.offset,
      });
      return { total: page.total, items: page.items.map((r) => ({ ...r, dueAt: r.dueAt.toISOString(), closedAt: r.closedAt?.toISOString() ?? null })) };
    },
  });
};
