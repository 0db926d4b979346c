import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CalendarService } from '../../services/calendar.js';
import { userOf } from '../plugins/auth.js';
import { DivisionCode, DivisionPrefix, IsoDate, IsoMonth, errorResponses, text } from '../schemas/common.js';

const tags = ['calendar'];
const Division = DivisionPrefix.optional().describe('区划代码；缺省为本人管辖区划（其日历含上级与本级调整）');

const DaySchema = z
  .object({
    date: z.string(),
    workday: z.boolean(),
    weekend: z.boolean(),
    name: z.string().nullable(),
    source: z.string().nullable(),
    provisional: z.boolean().describe('该年国务院安排尚未载入：按周末规则推定'),
  })
  .meta({ id: 'CalendarDay' });

const OverrideSchema = z
  .object({
    id: z.uuid(),
    divisionCode: z.string(),
    date: z.string(),
    workday: z.boolean(),
    reason: z.string(),
    createdBy: z.uuid(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    revokedBy: z.uuid().nullable(),
  })
  .meta({ id: 'CalendarOverride' });

type Override = Awaited<ReturnType<CalendarService['createOverride']>>;
const toOverride = (o: Override): z.output<typeof OverrideSchema> => ({
  ...o,
  createdAt: o.createdAt.toISOString(),
  revokedAt: o.revokedAt ? o.revokedAt.toISOString() : null,
});

export const calendarRoutes: FastifyPluginAsyncZod<{ calendar: CalendarService }> = async (app, { calendar }) => {
  app.get('/calendar', {
    schema: {
      operationId: 'listCalendarDays',
      summary: '工作日历：某区划的日期（节假日、调休、本地调整）',
      tags,
      querystring: z.strictObject({ from: IsoDate, to: IsoDate, division: Division }),
      response: { 200: z.object({ division: z.string(), days: z.array(DaySchema) }), ...errorResponses },
    },
    handler: async (request) => calendar.days(userOf(request), request.query),
  });

  app.get('/calendar/due-date', {
    schema: {
      operationId: 'calendarDueDate',
      summary: '期限计算：from 之后第 N 个工作日（from 当日不计）',
      tags,
      querystring: z.strictObject({ from: IsoDate, workingDays: z.coerce.number().int().min(1).max(1000), division: Division }),
      response: {
        200: z.object({ division: z.string(), from: z.string(), workingDays: z.number().int(), dueDate: z.string(), provisional: z.boolean() }),
        ...errorResponses,
      },
    },
    handler: async (request) => calendar.dueDate(userOf(request), request.query),
  });

  app.get('/calendar/nth-working-day', {
    schema: {
      operationId: 'calendarNthWorkingDay',
      summary: '某月第 N 个工作日（如月报：次月第5个工作日）',
      tags,
      querystring: z.strictObject({
        month: IsoMonth('须为 YYYY-MM (month must be YYYY-MM)'),
        n: z.coerce.number().int().min(1).max(23),
        division: Division,
      }),
      response: {
        200: z.object({ division: z.string(), month: z.string(), n: z.number().int(), date: z.string(), provisional: z.boolean() }),
        ...errorResponses,
      },
    },
    handler: async (request) => calendar.nthWorkingDay(userOf(request), request.query),
  });

  app.get('/calendar/overrides', {
    schema: {
      operationId: 'listCalendarOverrides',
      summary: '本级、上级与下级的日历调整',
      tags,
      response: { 200: z.object({ items: z.array(OverrideSchema) }), ...errorResponses },
    },
    handler: async (request) => ({ items: (await calendar.listOverrides(userOf(request))).map(toOverride) }),
  });

  app.post('/calendar/overrides', {
    schema: {
      operationId: 'createCalendarOverride',
      summary: '本地日历调整（如台风停工、地方假日）；辖区内在办案例的期限随之重算',
      tags,
      body: z.strictObject({ divisionCode: DivisionCode, date: IsoDate, workday: z.boolean(), reason: text(500) }),
      response: { 201: OverrideSchema, ...errorResponses },
    },
    handler: async (request, reply) => reply.code(201).send(toOverride(await calendar.createOverride(userOf(request), request.body))),
  });

  app.post('/calendar/overrides/:id/revoke', {
    schema: {
      operationId: 'revokeCalendarOverride',
      summary: '撤销日历调整',
      tags,
      params: z.strictObject({ id: z.uuid() }),
      response: { 200: OverrideSchema, ...errorResponses },
    },
    handler: async (request) => toOverride(await calendar.revokeOverride(userOf(request), request.params.id)),
  });
};
