import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ESCALATION_RUNGS, OBLIGATION_KINDS, OBLIGATION_STATUSES, RESPONSIBLE_PARTIES } from '../../domain/escalation.js';
import { ROLES } from '../../domain/roles.js';
import type { EscalationService } from '../../services/escalations.js';
import { userOf } from '../plugins/auth.js';
import { Instant, errorResponses, iso } from '../schemas/common.js';

const EscalationSheetSchema = z
  .object({
    id: z.uuid(),
    rung: z.enum(ESCALATION_RUNGS),
    scheduledAt: Instant,
    raisedAt: Instant,
    resolvedAt: Instant.nullable(),
    targetRole: z.enum(ROLES),
    targetDivisionName: z.string().nullable().describe('督办对象单位所在区划'),
    process: z.enum(['case', 'mentorship', 'reserve', 'screening']),
    entityId: z.uuid(),
    obligation: z.object({
      kind: z.enum(OBLIGATION_KINDS),
      responsible: z.enum(RESPONSIBLE_PARTIES),
      dueAt: Instant,
      dueDate: z.string().nullable(),
      status: z.enum(OBLIGATION_STATUSES),
      closedAt: Instant.nullable(),
    }),
    villageCode: z.string(),
    villageName: z.string().nullable(),
    townshipName: z.string().nullable(),
    countyName: z.string().nullable(),
    subjectName: z.string().nullable(),
    sponsorName: z.string().nullable(),
    overdueWorkingDays: z.number().int().nullable().describe('打印时已超期的工作日数（按该村日历）；已完成的为 null'),
    prints: z.number().int().describe('已打印次数（每次打印都记录打印人和时间）'),
  })
  .meta({ id: 'EscalationSheet' });

const PrintRecordSchema = z
  .object({
    sheet: EscalationSheetSchema,
    printNo: z.number().int().describe('本次为第几次打印'),
    printedAt: Instant,
    printedBy: z.string(),
  })
  .meta({ id: 'EscalationPrint' });

type Sheet = Awaited<ReturnType<EscalationService['sheet']>>['sheet'];
function toSheetDto(sheet: Sheet, prints: number, overdueWorkingDays: number | null): z.output<typeof EscalationSheetSchema> {
  return {
    ...sheet,
    scheduledAt: sheet.scheduledAt.toISOString(),
    raisedAt: sheet.raisedAt.toISOString(),
    resolvedAt: iso(sheet.resolvedAt),
    obligation: {
      ...sheet.obligation,
      status: sheet.obligation.status as (typeof OBLIGATION_STATUSES)[number],
      dueAt: sheet.obligation.dueAt.toISOString(),
      closedAt: iso(sheet.obligation.closedAt),
    },
    overdueWorkingDays,
    prints,
  };
}

export const escalationRoutes: FastifyPluginAsyncZod<{ escalations: EscalationService }> = async (app, { escalations }) => {
  const params = z.strictObject({ id: z.uuid() });

  app.get('/escalations/:id/sheet', {
    schema: {
      operationId: 'getEscalationSheet',
      summary: '督办单内容（查看不留痕；打印另见 print）',
      tags: ['inbox'],
      params,
      response: { 200: EscalationSheetSchema, ...errorResponses },
    },
    handler: async (request) => {
      const { sheet, prints, overdueWorkingDays } = await escalations.sheet(userOf(request), request.params.id);
      return toSheetDto(sheet, prints, overdueWorkingDays);
    },
  });

  app.post('/escalations/:id/print', {
    schema: {
      operationId: 'printEscalationSheet',
      summary: '打印督办单：记录打印人和打印时间，返回本次为第几次打印',
      tags: ['inbox'],
      params,
      response: { 200: PrintRecordSchema, ...errorResponses },
    },
    handler: async (request) => {
      const { sheet, printNo, printedAt, printedBy, overdueWorkingDays } = await escalations.print(userOf(request), request.params.id);
      return { sheet: toSheetDto(sheet, printNo, overdueWorkingDays), printNo, printedAt: printedAt.toISOString(), printedBy };
    },
  });
};
