import { DeliverySchema, toDeliveryDto } from '../schemas/delivery.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../../domain/roles.js';
import type { InboxService } from '../../services/inbox.js';
import { userOf } from '../plugins/auth.js';
import { Instant, IsoInstant, PaginationQuery, errorResponses, iso } from '../schemas/common.js';
import { csvEnum } from '../schemas/deadlines.js';
import { ESCALATION_RUNGS, OBLIGATION_KINDS, OBLIGATION_STATUSES } from '../../domain/escalation.js';

const PROCESSES = ['case', 'mentorship', 'reserve', 'screening'] as const;

const InboxObligationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(OBLIGATION_KINDS),
    key: z.string().describe('期次（月度报告为 YYYY-MM）'),
    dueAt: Instant,
    dueDate: z.string().nullable().describe('按日计的到期日（北京时间）；按时刻计的为 null'),
    provisional: z.boolean().describe('暂定：所在年份的节假日安排尚未公布'),
    status: z.enum(OBLIGATION_STATUSES),
    exemptedAt: Instant.nullable().describe('容错免责批准时间'),
    workingDaysLeft: z.number().int().nullable().describe('距到期的工作日数（按该村日历，含调休）；负数为已超期的工作日数；已完成、已容错或按时刻计的为 null'),
  })
  .meta({ id: 'InboxObligation' });

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
    process: z.enum(PROCESSES).nullable().describe('所涉流程：case 整顿、mentorship 帮带、reserve 后备力量（覆盖预警亦属后备力量）'),
    villageCode: z.string().nullable().describe('所涉村；覆盖预警不指向具体村，为 null'),
    villageName: z.string().nullable(),
    townshipName: z.string().nullable(),
    subjectName: z.string().nullable().describe('事项对象：案例为村名，帮带为新任村干部，后备力量为后备人选'),
    obligation: InboxObligationSchema.nullable().describe('督办所针对的义务（到期日与超期工作日）；其他通知为 null'),
    deliveries: z.array(DeliverySchema).describe('站外送达：短信、邮件、群机器人（脱敏的接收方、状态、时间）'),
  })
  .meta({ id: 'InboxItem' });

type Item = Awaited<ReturnType<InboxService['list']>>['items'][number];
const toDto = (i: Item): z.output<typeof InboxItemSchema> => ({
  ...i,
  createdAt: i.createdAt.toISOString(),
  ackedAt: iso(i.ackedAt),
  obligation: i.obligation ? { ...i.obligation, dueAt: i.obligation.dueAt.toISOString(), exemptedAt: iso(i.obligation.exemptedAt) } : null,
  deliveries: i.deliveries.map(toDeliveryDto),
});

export const inboxRoutes: FastifyPluginAsyncZod<{ inbox: InboxService }> = async (app, { inbox }) => {
  app.get('/inbox', {
    schema: {
      operationId: 'listInbox',
      summary: '收件箱：提醒、督办与通知（本人及本单位）',
      tags: ['inbox'],
      querystring: z
        .strictObject({
          caseId: z.uuid().optional().describe('只看该整顿案件的'),
          mentorshipId: z.uuid().optional().describe('只看该帮带结对的'),
          reserveCandidateId: z.uuid().optional().describe('只看该后备人选的'),
          kind: z
            .string()
            .transform((v) => v.split(',').filter(Boolean))
            .pipe(z.array(z.string().regex(/^[a-z_]+(\.[a-z_]+)*$/, '消息类型如 escalation.org_dept (kind such as escalation.org_dept)')).max(50))
            .optional()
            .describe('消息类型，逗号分隔（如 escalation.reminder,acceptance.failed）'),
          rung: csvEnum(ESCALATION_RUNGS).describe('督办级别，逗号分隔：reminder 提醒、township_office 黄牌、org_dept 红牌、standing_committee 通报'),
          acked: z.enum(['true', 'false']).optional().describe('true 只看已确认的；false 只看未确认的'),
          unacked: z.enum(['true', 'false']).optional().describe('旧参数：true 等同 acked=false'),
          process: z.enum(PROCESSES).optional().describe('所涉流程：case 整顿、mentorship 帮带、reserve 后备力量（含覆盖预警）'),
          from: IsoInstant.optional().describe('创建时间不早于'),
          to: IsoInstant.optional().describe('创建时间早于'),
          ...PaginationQuery,
        })
        .superRefine((q, ctx) => {
          if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to))
            ctx.addIssue({ code: 'custom', path: ['to'], message: 'to 须不早于 from (to must not be before from)' });
          if (q.acked !== undefined && q.unacked === 'true' && q.acked === 'true')
            ctx.addIssue({ code: 'custom', path: ['unacked'], message: 'unacked=true 与 acked=true 矛盾 (contradicts acked=true)' });
        }),
      response: {
        200: z.object({
          items: z.array(InboxItemSchema),
          total: z.number().int().describe('符合全部筛选条件的条数'),
          counts: z
            .object({
              byKind: z.record(z.string(), z.number().int()).describe('各消息类型的条数（按除类型、级别外的筛选条件）'),
              acked: z.number().int().describe('已确认条数（按除确认状态外的筛选条件）'),
              unacked: z.number().int().describe('未确认条数（按除确认状态外的筛选条件）'),
            })
            .describe('筛选栏的计数'),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const q = request.query;
      // A rung is the kind of its escalation notice (escalation.<rung>); both filters combine as one set.
      const rungKinds = q.rung?.map((r) => `escalation.${r}`);
      const kinds = q.kind && rungKinds ? q.kind.filter((k) => rungKinds.includes(k)) : (q.kind ?? rungKinds);
      const acked = q.acked !== undefined ? q.acked === 'true' : q.unacked === 'true' ? false : undefined;
      const { items, total, counts } = await inbox.list(userOf(request), {
        caseId: q.caseId,
        mentorshipId: q.mentorshipId,
        reserveCandidateId: q.reserveCandidateId,
        kinds,
        acked,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        process: q.process,
        limit: q.limit,
        offset: q.offset,
      });
      return { items: items.map(toDto), total, counts };
    },
  });

  app.get('/inbox/summary', {
    schema: {
      operationId: 'inboxSummary',
      summary: '收件箱未确认条数：按督办级别（菜单角标）',
      tags: ['inbox'],
      response: {
        200: z.object({
          unacked: z.number().int().describe('未确认总数'),
          byRung: z
            .object(Object.fromEntries(ESCALATION_RUNGS.map((r) => [r, z.number().int()])) as Record<(typeof ESCALATION_RUNGS)[number], z.ZodNumber>)
            .describe('各级督办未确认条数'),
          other: z.number().int().describe('其他通知未确认条数'),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => inbox.summary(userOf(request)),
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
