import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CASE_STATES } from '../../domain/cases.js';
import { ValidationError } from '../../domain/errors.js';
import { OBLIGATION_KINDS, RAG_COLOURS } from '../../domain/escalation.js';
import { TEAM_KINDS } from '../../domain/people.js';
import { STATS_TABLES, type ExportService, type SpreadsheetFile } from '../../services/exports.js';
import { CSV_MIME, XLSX_MIME, attachment } from '../../services/excel/table.js';
import { userOf } from '../plugins/auth.js';
import { DivisionPrefix, errorResponses } from '../schemas/common.js';
import { AsOf, CohortQueryShape, PeriodQueryShape, SpreadsheetFormat } from '../schemas/stats.js';
import { AuditQueryShape } from '../schemas/audit.js';

const tags = ['exports'];

const csvEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .optional();

/** A file answer, documented per media type (the body is sent as bytes, not serialised). */
export const fileResponse = (description: string, types: readonly string[] = [XLSX_MIME, 'text/csv']) => ({
  description,
  content: Object.fromEntries(types.map((t) => [t, { schema: z.string().meta({ format: 'binary' }) }])),
});

/**
 * Sends a file. (The reply is loosely typed here: the type provider types a 200 with per-media-type
 * content as a string, while the bytes go out as a Buffer, unserialised.)
 */
export function sendFile(reply: unknown, file: SpreadsheetFile): void {
  const r = reply as { header(name: string, value: string): unknown; send(payload: Buffer): unknown };
  r.header('content-type', file.format === 'csv' ? CSV_MIME : XLSX_MIME);
  r.header('content-disposition', attachment(file.fileName));
  r.send(file.bytes);
}

export const exportRoutes: FastifyPluginAsyncZod<{ exports: ExportService }> = async (app, { exports }) => {
  app.get('/exports/stats', {
    schema: {
      operationId: 'exportStatistics',
      summary: '导出统计表：xlsx 每表一个工作表（中文表头、日期为日期格式）；csv 每次一张表（须指定 table）',
      tags,
      querystring: z.strictObject({
        ...CohortQueryShape,
        ...PeriodQueryShape,
        kind: csvEnum(OBLIGATION_KINDS).describe('超期率：逗号分隔的事项类型'),
        team: z.enum(TEAM_KINDS).optional().describe('一乡一表：班子类型'),
        table: z.enum(STATS_TABLES).optional().describe('只导出一张表；csv 必填'),
        format: SpreadsheetFormat,
      }),
      response: { 200: fileResponse('统计表文件'), ...errorResponses },
    },
    handler: async (request, reply) => {
      const { table, format, kind, ...query } = request.query;
      const user = userOf(request);
      const q = { ...query, kinds: kind };
      if (!table && format === 'csv') throw new ValidationError('CSV 每次导出一张表，请指定 table (csv needs a table)', 'querystring.table');
      const file = table ? await exports.statsTable(user, table, format, q) : await exports.statsWorkbook(user, q);
      sendFile(reply, file);
    },
  });

  app.get('/exports/cases', {
    schema: {
      operationId: 'exportCases',
      summary: '导出案例清单（xlsx 或 csv）',
      tags,
      querystring: z.strictObject({
        state: csvEnum(CASE_STATES).describe('逗号分隔的状态'),
        rag: csvEnum(RAG_COLOURS).describe('逗号分隔的红黄绿灯'),
        division: DivisionPrefix.optional(),
        sponsor: z.uuid().optional(),
        asOf: AsOf,
        format: SpreadsheetFormat,
      }),
      response: { 200: fileResponse('案例清单文件'), ...errorResponses },
    },
    handler: async (request, reply) => {
      const q = request.query;
      const file = await exports.cases(userOf(request), q.format, {
        division: q.division,
        asOf: q.asOf,
        states: q.state,
        rags: q.rag,
        sponsorUserId: q.sponsor,
      });
      sendFile(reply, file);
    },
  });

  app.get('/exports/support-assignments', {
    schema: {
      operationId: 'exportSupportAssignments',
      summary: '导出包保责任体系一览（一乡一表：各在办案例的包保领导、包村干部、第一书记、工作队、结对帮扶单位）',
      tags,
      querystring: z.strictObject({ division: DivisionPrefix.optional(), format: SpreadsheetFormat }),
      response: { 200: fileResponse('包保责任体系文件'), ...errorResponses },
    },
    handler: async (request, reply) => {
      sendFile(reply, await exports.supportAssignments(userOf(request), request.query.format, { division: request.query.division }));
    },
  });

  app.get('/exports/people', {
    schema: {
      operationId: 'exportTeamMembers',
      summary: '导出班子成员（与导入模板同格式，可直接修改后再导入）',
      tags,
      querystring: z.strictObject({ division: DivisionPrefix.optional(), team: z.enum(TEAM_KINDS).optional(), format: SpreadsheetFormat }),
      response: { 200: fileResponse('班子成员文件'), ...errorResponses },
    },
    handler: async (request, reply) => {
      const q = request.query;
      sendFile(reply, await exports.people(userOf(request), 'people', q.format, { division: q.division, team: q.team }));
    },
  });

  app.get('/exports/reserve-nominations', {
    schema: {
      operationId: 'exportReserveNominations',
      summary: '导出后备力量提名（与导入模板同格式）',
      tags,
      querystring: z.strictObject({ division: DivisionPrefix.optional(), format: SpreadsheetFormat }),
      response: { 200: fileResponse('后备力量提名文件'), ...errorResponses },
    },
    handler: async (request, reply) => {
      const q = request.query;
      sendFile(reply, await exports.people(userOf(request), 'reserve_nominations', q.format, { division: q.division }));
    },
  });

  app.get('/exports/audit', {
    schema: {
      operationId: 'exportAuditEvents',
      summary: '导出审计记录（组织部，管辖范围内；与 GET /audit 同样的筛选；最多 50000 条）',
      tags,
      querystring: z.strictObject({ ...AuditQueryShape, format: SpreadsheetFormat }),
      response: { 200: fileResponse('审计记录文件'), ...errorResponses },
    },
    handler: async (request, reply) => {
      const { from, to, format, ...rest } = request.query;
      sendFile(
        reply,
        await exports.auditTrail(userOf(request), format, { ...rest, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) }),
      );
    },
  });
};
