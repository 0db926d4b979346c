import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CONTACT_KINDS, NOTIFICATION_CATEGORIES, OFFICE_CHANNEL_KINDS } from '../../domain/delivery.js';
import { ROLES } from '../../domain/roles.js';
import type { OfficeChannelService } from '../../services/office-channels.js';
import type { PreferenceService } from '../../services/notification-preferences.js';
import { userOf } from '../plugins/auth.js';
import { DivisionPrefix, errorResponses, printable, text } from '../schemas/common.js';
import { OfficeChannelSchema, PreferenceItemSchema, toOfficeChannelDto } from '../schemas/delivery.js';

const Id = z.strictObject({ id: z.uuid() });
const OfficeQuery = z.strictObject({
  officeRole: z.enum(ROLES).optional().describe('默认：本人所在办公室的角色'),
  officeDivisionCode: DivisionPrefix.optional().describe('默认：本人的管辖区划'),
});
const OfficePreferences = z
  .object({ officeRole: z.enum(ROLES), officeDivisionCode: z.string(), items: z.array(PreferenceItemSchema) })
  .meta({ id: 'OfficeNotificationPreferences' });
const PreferenceChange = <const T extends readonly [string, ...string[]]>(channels: T) =>
  z.strictObject({ category: z.enum(NOTIFICATION_CATEGORIES), channel: z.enum(channels), enabled: z.boolean() });

/**
 * An office's group robots and signed webhooks (township offices: their own; the org dept: its own
 * and its jurisdiction's), their test message, and which categories they carry.
 */
export const officeChannelRoutes: FastifyPluginAsyncZod<{ officeChannels: OfficeChannelService; preferences: PreferenceService }> = async (
  app,
  { officeChannels, preferences },
) => {
  app.get('/office-channels', {
    schema: {
      operationId: 'listOfficeChannels',
      summary: '办公室的群机器人与 Webhook（乡镇党委：本乡镇；组织部：管辖范围内）',
      tags: ['delivery'],
      querystring: OfficeQuery,
      response: { 200: z.object({ items: z.array(OfficeChannelSchema) }), ...errorResponses },
    },
    handler: async (request) => ({ items: (await officeChannels.list(userOf(request), request.query)).map(toOfficeChannelDto) }),
  });

  app.post('/office-channels', {
    schema: {
      operationId: 'createOfficeChannel',
      summary: '添加群机器人或签名 Webhook：地址与密钥加密保存，不再回显',
      tags: ['delivery'],
      body: z.strictObject({
        kind: z.enum(OFFICE_CHANNEL_KINDS),
        url: printable(z.string().min(1, '不能为空 (must not be empty)').max(2000, '至多 2000 个字符 (at most 2000 characters)')).meta({
          description: 'https 地址（企业微信、钉钉机器人的 Webhook 地址含其密钥）',
        }),
        secret: printable(z.string().max(500, '至多 500 个字符 (at most 500 characters)'))
          .optional()
          .meta({ description: '加签密钥：钉钉机器人与签名 Webhook 必填' }),
        label: text(100),
        officeRole: z.enum(ROLES).optional(),
        officeDivisionCode: DivisionPrefix.optional(),
      }),
      response: { 201: OfficeChannelSchema, ...errorResponses },
    },
    handler: async (request, reply) => reply.code(201).send(toOfficeChannelDto(await officeChannels.create(userOf(request), request.body))),
  });

  app.get('/office-channels/preferences', {
    schema: {
      operationId: 'getOfficeNotificationPreferences',
      summary: '办公室渠道接收哪些提醒（各类别 × 机器人类型）',
      tags: ['delivery'],
      querystring: OfficeQuery,
      response: { 200: OfficePreferences, ...errorResponses },
    },
    handler: async (request) => {
      const { office, items } = await preferences.office(userOf(request), request.query);
      return { officeRole: office.role, officeDivisionCode: office.divisionCode, items };
    },
  });

  app.put('/office-channels/preferences', {
    schema: {
      operationId: 'setOfficeNotificationPreference',
      summary: '更改办公室渠道的一项接收设置（红牌、通报不能关闭）',
      tags: ['delivery'],
      querystring: OfficeQuery,
      body: PreferenceChange(OFFICE_CHANNEL_KINDS),
      response: { 200: OfficePreferences, ...errorResponses },
    },
    handler: async (request) => {
      const { office, items } = await preferences.setOffice(userOf(request), request.query, request.body);
      return { officeRole: office.role, officeDivisionCode: office.divisionCode, items };
    },
  });

  app.patch('/office-channels/:id', {
    schema: {
      operationId: 'updateOfficeChannel',
      summary: '修改名称，或停用、启用',
      tags: ['delivery'],
      params: Id,
      body: z.strictObject({ label: text(100).optional(), enabled: z.boolean().optional() }),
      response: { 200: OfficeChannelSchema, ...errorResponses },
    },
    handler: async (request) => toOfficeChannelDto(await officeChannels.update(userOf(request), request.params.id, request.body)),
  });

  app.post('/office-channels/:id/test', {
    schema: {
      operationId: 'testOfficeChannel',
      summary: '立即发送一条测试消息，答复是否成功及服务商的代码',
      tags: ['delivery'],
      params: Id,
      response: {
        200: z.object({
          ok: z.boolean(),
          code: z.string().meta({ description: 'ok，或服务商的错误码、channel_not_configured' }),
          channel: OfficeChannelSchema,
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const result = await officeChannels.test(userOf(request), request.params.id);
      return { ok: result.ok, code: result.code, channel: toOfficeChannelDto(result.channel) };
    },
  });
};

/** A person's own preferences, over their contact kinds. */
export const myPreferenceRoutes: FastifyPluginAsyncZod<{ preferences: PreferenceService }> = async (app, { preferences }) => {
  const Items = z.object({ items: z.array(PreferenceItemSchema) });
  app.get('/me/notification-preferences', {
    schema: {
      operationId: 'getMyNotificationPreferences',
      summary: '我接收哪些提醒（各类别 × 短信、电子邮件）',
      tags: ['delivery'],
      response: { 200: Items, ...errorResponses },
    },
    handler: async (request) => ({ items: await preferences.mine(userOf(request)) }),
  });

  app.put('/me/notification-preferences', {
    schema: {
      operationId: 'setMyNotificationPreference',
      summary: '更改一项接收设置（红牌短信不能关闭）',
      tags: ['delivery'],
      body: PreferenceChange(CONTACT_KINDS),
      response: { 200: Items, ...errorResponses },
    },
    handler: async (request) => ({ items: await preferences.setMine(userOf(request), request.body) }),
  });
};
