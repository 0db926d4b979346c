import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ScreeningService } from '../../services/screening.js';
import { userOf } from '../plugins/auth.js';
import { ErrorSchema, errorResponses } from '../schemas/common.js';
import { DomainError } from '../../domain/errors.js';
import { XLSX_MIME } from '../../services/excel/table.js';
import { ImportQuery, ImportReportSchema } from '../schemas/stats.js';
import { IMPORT_BODY_LIMIT } from './imports.js';
import { fileResponse, sendFile } from './exports.js';
import { screeningStatsWorkbook } from '../../services/exports.js';
import { IdempotencyHeaders } from '../schemas/deadlines.js';
import {
  AmendmentBody,
  ApprovalBody,
  CampaignDetailSchema,
  CampaignIdParams,
  CampaignSummarySchema,
  DesignationBody,
  JudgmentBody,
  ListCampaignsQuery,
  OpenCampaignBody,
  ScreeningStatsSchema,
  SheetBody,
  SheetParams,
  SubmitSheetBody,
  toCampaignDetail,
  toCampaignSummary,
} from '../schemas/screening.js';

const tags = ['screening'];
const FILE_TYPES = [XLSX_MIME, 'text/csv', 'application/octet-stream'];

export const screeningRoutes: FastifyPluginAsyncZod<{ screening: ScreeningService }> = async (app, { screening }) => {
  // Raw file bodies for the sheet upload (this plugin's routes only).
  app.addContentTypeParser(FILE_TYPES, { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.post('/screening-campaigns', {
    schema: {
      operationId: 'openScreeningCampaign',
      summary: '启动年度软弱涣散村党组织排查研判（县委组织部）：各乡镇须在期限内报送排查表，硬性情形自动预填',
      tags,
      body: OpenCampaignBody,
      response: { 201: CampaignDetailSchema, ...errorResponses },
    },
    handler: async (request, reply) => reply.code(201).send(toCampaignDetail(await screening.open(userOf(request), request.body))),
  });

  app.get('/screening-campaigns', {
    schema: {
      operationId: 'listScreeningCampaigns',
      summary: '排查研判列表（乡镇党委只见本乡镇的进度）',
      tags,
      querystring: ListCampaignsQuery,
      response: { 200: z.object({ items: z.array(CampaignSummarySchema) }), ...errorResponses },
    },
    handler: async (request) => ({ items: (await screening.list(userOf(request), { year: request.query.year })).map(toCampaignSummary) }),
  });

  app.get('/screening-campaigns/:id', {
    schema: {
      operationId: 'getScreeningCampaign',
      summary: '排查研判详情：各乡镇进度、排查结论、预填硬性情形、研判、审定、调整与确定结果',
      tags,
      params: CampaignIdParams,
      response: { 200: CampaignDetailSchema, ...errorResponses },
    },
    handler: async (request) => toCampaignDetail(await screening.get(userOf(request), request.params.id)),
  });

  app.put('/screening-campaigns/:id/sheets/:townshipCode', {
    schema: {
      operationId: 'saveScreeningSheet',
      summary: '填写本乡镇排查表（乡镇党委）：各村逐项结论、建议，及对预填硬性情形的答复；报送前可多次保存',
      tags,
      params: SheetParams,
      body: SheetBody,
      response: { 200: CampaignDetailSchema, ...errorResponses },
    },
    handler: async (request) => toCampaignDetail(await screening.save(userOf(request), request.params.id, request.params.townshipCode, request.body)),
  });

  app.post('/screening-campaigns/:id/sheets/:townshipCode/submit', {
    schema: {
      operationId: 'submitScreeningSheet',
      summary: '报送本乡镇排查表：每个村都须排查、每项预填硬性情形都须答复；只能报送一次',
      tags,
      params: SheetParams,
      headers: IdempotencyHeaders,
      body: SubmitSheetBody,
      response: { 200: CampaignDetailSchema, ...errorResponses },
    },
    handler: async (request) => {
      const body = request.body;
      const input = body ? { entries: body.entries ?? [], ...(body.triggerAnswers && { triggerAnswers: body.triggerAnswers }) } : undefined;
      return toCampaignDetail(await screening.submit(userOf(request), request.params.id, request.params.townshipCode, input, request.idempotencyKey));
    },
  });

  app.post('/screening-campaigns/:id/sheets/:townshipCode/upload', {
    bodyLimit: IMPORT_BODY_LIMIT,
    schema: {
      operationId: 'uploadScreeningSheet',
      summary: '上传本乡镇排查表（xlsx 或 CSV，模板见 template）：逐行校验，任何一行有误则不写入，返回 422 与行号、列名、问题',
      tags,
      consumes: FILE_TYPES,
      params: SheetParams,
      querystring: ImportQuery,
      body: z.any().meta({ description: '.xlsx 或 CSV 文件（中文表头，见模板）', format: 'binary' }),
      response: { 200: ImportReportSchema, ...errorResponses, 415: ErrorSchema, 422: ErrorSchema },
    },
    handler: async (request) => {
      if (!Buffer.isBuffer(request.body)) {
        throw new DomainError(415, 'Unsupported Media Type', `请以文件上传（Content-Type: ${XLSX_MIME} 或 text/csv）(send the file itself)`);
      }
      return screening.upload(userOf(request), request.params.id, request.params.townshipCode, {
        bytes: request.body,
        fileName: request.query.fileName ?? null,
        dryRun: request.query.dryRun,
      });
    },
  });

  app.get('/screening-campaigns/:id/sheets/:townshipCode/template', {
    schema: {
      operationId: 'getScreeningSheetTemplate',
      summary: '下载本乡镇排查表模板（xlsx：已列出本乡镇各村，排查情形见表头说明）',
      tags,
      params: SheetParams,
      response: { 200: fileResponse('乡镇排查表模板', [XLSX_MIME]), ...errorResponses },
    },
    handler: async (request, reply) => {
      sendFile(reply, await screening.template(userOf(request), request.params.id, request.params.townshipCode));
    },
  });

  app.post('/screening-campaigns/:id/judgment', {
    schema: {
      operationId: 'judgeScreeningCampaign',
      summary: '研判（县委组织部）：确认、增加或移除，每项须说明理由，形成拟定名单',
      tags,
      params: CampaignIdParams,
      headers: IdempotencyHeaders,
      body: JudgmentBody,
      response: { 200: CampaignDetailSchema, ...errorResponses },
    },
    handler: async (request) => toCampaignDetail(await screening.judge(userOf(request), request.params.id, request.body, request.idempotencyKey)),
  });

  app.post('/screening-campaigns/:id/approval', {
    schema: {
      operationId: 'approveScreeningList',
      summary: '登记审定（日期、会议、文号）：审定后名单冻结，此后只能经调整（留痕）变更',
      tags,
      params: CampaignIdParams,
      headers: IdempotencyHeaders,
      body: ApprovalBody,
      response: { 200: CampaignDetailSchema, ...errorResponses },
    },
    handler: async (request) => toCampaignDetail(await screening.approve(userOf(request), request.params.id, request.body, request.idempotencyKey)),
  });

  app.post('/screening-campaigns/:id/amendments', {
    schema: {
      operationId: 'amendScreeningList',
      summary: '调整已审定的名单（增加或移除一个村，须说明理由，留痕）',
      tags,
      params: CampaignIdParams,
      headers: IdempotencyHeaders,
      body: AmendmentBody,
      response: { 200: CampaignDetailSchema, ...errorResponses },
    },
    handler: async (request) => toCampaignDetail(await screening.amend(userOf(request), request.params.id, request.body, request.idempotencyKey)),
  });

  app.post('/screening-campaigns/:id/designation', {
    schema: {
      operationId: 'designateScreeningList',
      summary: '确定整顿对象：审定名单中的每个村建立整顿案例（含包保责任体系）；重复调用不会重复建立',
      tags,
      params: CampaignIdParams,
      headers: IdempotencyHeaders,
      body: DesignationBody,
      response: { 200: CampaignDetailSchema, ...errorResponses },
    },
    handler: async (request) => toCampaignDetail(await screening.designate(userOf(request), request.params.id, request.body, request.idempotencyKey)),
  });

  app.get('/screening-campaigns/:id/stats', {
    schema: {
      operationId: 'getScreeningStats',
      summary: '排查研判统计：各乡镇排查与按时报送、建议与最终名单、确定比例（5–10%之外标记）、未排查的村、硬性情形及答复',
      tags,
      params: CampaignIdParams,
      response: { 200: ScreeningStatsSchema, ...errorResponses },
    },
    handler: async (request) => screening.stats(userOf(request), request.params.id),
  });

  app.get('/screening-campaigns/:id/stats/export', {
    schema: {
      operationId: 'exportScreeningStats',
      summary: '导出排查研判统计（xlsx：各乡镇及合计、硬性情形、未排查的村）',
      tags,
      params: CampaignIdParams,
      response: { 200: fileResponse('排查研判统计', [XLSX_MIME]), ...errorResponses },
    },
    handler: async (request, reply) => {
      sendFile(reply, await screeningStatsWorkbook(await screening.stats(userOf(request), request.params.id)));
    },
  });
};
