import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { StatsService } from '../../services/stats.js';
import { userOf } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';
import {
  CohortQuery,
  ConversionStatsSchema,
  EscalationStatsSchema,
  MentoringStatsSchema,
  SupportCoverageStatsSchema,
  MostOverdueStatsSchema,
  OverdueQuery,
  OverdueStatsSchema,
  PeriodQuery,
  ReportTimelinessStatsSchema,
  ReserveStatsSchema,
  StatsQuery,
  StructureQuery,
  StructureStatsSchema,
  TimeToDelistingStatsSchema,
} from '../schemas/stats.js';

const tags = ['statistics'];

/**
 * /stats/*: what the org dept watches, scoped to the caller's jurisdiction (a division outside it
 * answers 404) and, for a sponsor, to their own cases. Definitions: domain/stats.ts.
 */
export const statsRoutes: FastifyPluginAsyncZod<{ stats: StatsService }> = async (app, { stats }) => {
  app.get('/stats/conversion', {
    schema: {
      operationId: 'getConversionStats',
      summary: '按年度（批次）统计转化率、按期转化率、反弹率',
      description: '转化率 = 销号 ÷（确定 − 撤销）；按期转化：促成销号的验收申请在原定整顿期限内提出；反弹率 = 销号后12个月内反弹 ÷ 销号。',
      tags,
      querystring: CohortQuery,
      response: { 200: ConversionStatsSchema, ...errorResponses },
    },
    handler: async (request) => stats.conversion(userOf(request), request.query),
  });

  app.get('/stats/time-to-delisting', {
    schema: {
      operationId: 'getTimeToDelistingStats',
      summary: '转化时长：Kaplan–Meier 生存曲线与中位天数（未销号案例删失）',
      tags,
      querystring: CohortQuery,
      response: { 200: TimeToDelistingStatsSchema, ...errorResponses },
    },
    handler: async (request) => stats.timeToDelisting(userOf(request), request.query),
  });

  app.get('/stats/overdue', {
    schema: {
      operationId: 'getOverdueStats',
      summary: '各周期超期率（容错免责另列）',
      description: '超期率 = 截至周期末（或统计时点）仍未完成 ÷ 周期内到期；到期前已撤销的事项不计。',
      tags,
      querystring: OverdueQuery,
      response: { 200: OverdueStatsSchema, ...errorResponses },
    },
    handler: async (request) => {
      const { kind, ...query } = request.query;
      return stats.overdue(userOf(request), { ...query, kinds: kind });
    },
  });

  app.get('/stats/report-timeliness', {
    schema: {
      operationId: 'getReportTimelinessStats',
      summary: '月度进展报告及时率',
      tags,
      querystring: PeriodQuery,
      response: { 200: ReportTimelinessStatsSchema, ...errorResponses },
    },
    handler: async (request) => stats.reportTimeliness(userOf(request), request.query),
  });

  app.get('/stats/escalations', {
    schema: {
      operationId: 'getOpenEscalationStats',
      summary: '未办结的催办督办（按级别）',
      tags,
      querystring: StatsQuery,
      response: { 200: EscalationStatsSchema, ...errorResponses },
    },
    handler: async (request) => stats.escalations(userOf(request), request.query),
  });

  app.get('/stats/most-overdue', {
    schema: {
      operationId: 'getMostOverdueCases',
      summary: '超期最久的10个案例',
      tags,
      querystring: StatsQuery,
      response: { 200: MostOverdueStatsSchema, ...errorResponses },
    },
    handler: async (request) => stats.mostOverdue(userOf(request), request.query),
  });

  app.get('/stats/reserves', {
    schema: {
      operationId: 'getReserveStats',
      summary: '村党组织书记后备力量覆盖率与结构（不足2人的村预警）',
      description: '在库 = 培养流程中已入库、跟岗实训、年度考评的人选，加上导入的现有名册中尚未纳入流程的“在库”人员。',
      tags,
      querystring: StatsQuery,
      response: { 200: ReserveStatsSchema, ...errorResponses },
    },
    handler: async (request) => stats.reserves(userOf(request), request.query),
  });

  app.get('/stats/mentoring', {
    schema: {
      operationId: 'getMentoringStats',
      summary: '1+1 帮带覆盖率与结业率',
      tags,
      querystring: StatsQuery,
      response: { 200: MentoringStatsSchema, ...errorResponses },
    },
    handler: async (request) => stats.mentoring(userOf(request), request.query),
  });

  app.get('/stats/support-package', {
    schema: {
      operationId: 'getSupportPackageStats',
      summary: '包保责任体系：未结案案例中缺少各岗位（包保领导、包村干部、第一书记、工作队、结对帮扶单位）的数量',
      tags,
      querystring: StatsQuery,
      response: { 200: SupportCoverageStatsSchema, ...errorResponses },
    },
    handler: async (request) => stats.supportPackage(userOf(request), request.query),
  });

  app.get('/stats/structure', {
    schema: {
      operationId: 'getStructureSheet',
      summary: '一乡一表：班子年龄、性别、学历、民族、党员结构及提示',
      tags,
      querystring: StructureQuery,
      response: { 200: StructureStatsSchema, ...errorResponses },
    },
    handler: async (request) => stats.structure(userOf(request), request.query),
  });
};
