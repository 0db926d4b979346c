import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.js';
import { importTemplate } from '../../services/exports.js';
import type { ImportService } from '../../services/imports.js';
import type { ImportKind } from '../../services/excel/people-sheets.js';
import { XLSX_MIME } from '../../services/excel/table.js';
import { userOf } from '../plugins/auth.js';
import { ErrorSchema, errorResponses } from '../schemas/common.js';
import { ImportQuery, ImportReportSchema } from '../schemas/stats.js';
import { fileResponse, sendFile } from './exports.js';

const tags = ['imports'];

/** Spreadsheets are larger than JSON bodies: 20 MB holds ~100,000 rows of people. */
export const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;
const FILE_TYPES = [XLSX_MIME, 'text/csv', 'application/octet-stream'];

const KIND_BY_PATH: Record<string, ImportKind> = { people: 'people', 'reserve-nominations': 'reserve_nominations', 'annual-assessments': 'annual_assessments' };

export const importRoutes: FastifyPluginAsyncZod<{ imports: ImportService }> = async (app, { imports }) => {
  // Raw file bodies, for this plugin's routes only (Fastify encapsulation).
  app.addContentTypeParser(FILE_TYPES, { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));

  const route = (path: 'people' | 'reserve-nominations' | 'annual-assessments', operationId: string, summary: string) =>
    app.post(`/imports/${path}`, {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        operationId,
        summary,
        description:
          '请求体为文件本身（Content-Type: xlsx 或 text/csv）。先逐行校验：任何一行有误则不导入任何数据，返回 422，details.report 列出行号、列名和问题；全部通过才在一个事务中导入。重复导入同一文件不产生重复数据。',
        tags,
        consumes: FILE_TYPES,
        querystring: ImportQuery,
        body: z.any().meta({ description: '.xlsx 或 CSV 文件（中文表头，见模板）', format: 'binary' }),
        response: { 200: ImportReportSchema, ...errorResponses, 415: ErrorSchema, 422: ErrorSchema },
      },
      handler: async (request) => {
        if (!Buffer.isBuffer(request.body)) {
          throw new DomainError(415, 'Unsupported Media Type', `请以文件上传（Content-Type: ${XLSX_MIME} 或 text/csv）(send the file itself)`);
        }
        return imports.importFile(
          { user: userOf(request) },
          { kind: KIND_BY_PATH[path]!, bytes: request.body, fileName: request.query.fileName ?? null, dryRun: request.query.dryRun },
        );
      },
    });

  route('people', 'importTeamMembers', '导入班子成员（乡镇领导班子、村“两委”班子）');
  route('reserve-nominations', 'importReserveNominations', '导入村党组织书记后备力量提名');
  route('annual-assessments', 'importAnnualAssessments', '导入村党组织年度考核结果（排名、群众满意度）：排查研判的硬性情形据此预填');

  app.get('/imports/templates/:kind', {
    schema: {
      operationId: 'getImportTemplate',
      summary: '下载导入模板（xlsx：表头、填写说明、下拉选项）',
      tags,
      params: z.strictObject({ kind: z.enum(['people', 'reserve-nominations', 'annual-assessments']) }),
      response: { 200: fileResponse('导入模板', [XLSX_MIME]), ...errorResponses },
    },
    handler: async (request, reply) => {
      sendFile(reply, await importTemplate(KIND_BY_PATH[request.params.kind]!));
    },
  });
};
