import { z } from 'zod';
import { CONTACT_KINDS, DELIVERY_CHANNELS, DELIVERY_STATUSES, NOTIFICATION_CATEGORIES, OFFICE_CHANNEL_KINDS } from '../../domain/delivery.js';
import type { DeliveryView } from '../../db/queries/deliveries.js';
import { ROLES } from '../../domain/roles.js';
import type { ContactPoint, OfficeChannel } from '../../db/queries/delivery-settings.js';
import type { ContactPointAnswer } from '../../services/contact-points.js';
import { Instant, iso } from './common.js';

/** A contact point as answers show it: the hint, never the address. */
export const ContactPointSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(CONTACT_KINDS),
    hint: z.string().meta({ description: '掩码，如 138****0000、z***@example.gov.cn；地址本身不回显' }),
    verified: z.boolean(),
    verifiedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ContactPoint' });

export const ContactPointAnswerSchema = z
  .object({
    contactPoint: ContactPointSchema,
    codeSent: z.boolean().meta({ description: '验证码是否已发出；false 时可稍后“重新发送”' }),
    codeError: z.string().nullable().meta({ description: '未发出时服务商的错误码（不含地址）' }),
    codeExpiresAt: z.string().nullable(),
  })
  .meta({ id: 'ContactPointAnswer' });

export const OfficeChannelSchema = z
  .object({
    id: z.uuid(),
    officeRole: z.enum(ROLES),
    officeDivisionCode: z.string(),
    kind: z.enum(OFFICE_CHANNEL_KINDS),
    label: z.string(),
    urlHint: z.string().meta({ description: '只含协议与主机，如 https://qyapi.weixin.qq.com/…；地址与密钥不回显' }),
    hasSecret: z.boolean(),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastTestAt: z.string().nullable(),
    lastTestResult: z.string().nullable(),
  })
  .meta({ id: 'OfficeChannel' });

export const PreferenceItemSchema = z
  .object({
    category: z.enum(NOTIFICATION_CATEGORIES),
    channel: z.enum(DELIVERY_CHANNELS),
    enabled: z.boolean(),
    default: z.boolean(),
    mayChange: z.boolean().meta({ description: 'false：红牌、通报默认开启的渠道不能关闭' }),
  })
  .meta({ id: 'NotificationPreference' });

export const toContactPointDto = (c: ContactPoint): z.infer<typeof ContactPointSchema> => ({
  id: c.id,
  kind: c.kind,
  hint: c.hint,
  verified: c.verifiedAt !== null,
  verifiedAt: iso(c.verifiedAt),
  createdAt: c.createdAt.toISOString(),
});

export const toContactPointAnswerDto = (a: ContactPointAnswer): z.infer<typeof ContactPointAnswerSchema> => ({
  contactPoint: toContactPointDto(a.contactPoint),
  codeSent: a.codeSent,
  codeError: a.codeError,
  codeExpiresAt: iso(a.codeExpiresAt),
});

export const toOfficeChannelDto = (c: OfficeChannel): z.infer<typeof OfficeChannelSchema> => ({
  id: c.id,
  officeRole: c.officeRole,
  officeDivisionCode: c.officeDivisionCode,
  kind: c.kind,
  label: c.label,
  urlHint: c.urlHint,
  hasSecret: c.hasSecret,
  enabled: c.enabled,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
  lastTestAt: iso(c.lastTestAt),
  lastTestResult: c.lastTestResult,
});

export const DeliverySchema = z
  .object({
    id: z.uuid(),
    notificationId: z.uuid(),
    notificationTitle: z.string(),
    notificationKind: z.string(),
    channel: z.enum(DELIVERY_CHANNELS),
    targetHint: z.string().describe('接收方的脱敏显示（138****0000、群机器人地址的主机）；号码、地址、密钥从不返回'),
    targetLabel: z.string().nullable().describe('群机器人的名称'),
    divisionCode: z.string(),
    category: z.enum(NOTIFICATION_CATEGORIES),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    resends: z.number().int().describe('人工重发次数（每次留痕）'),
    notBefore: Instant.nullable().describe('发送时段开启的时间（工作日 08:30–18:00 等）'),
    sentAt: Instant.nullable(),
    deliveredAt: Instant.nullable(),
    finishedAt: Instant.nullable(),
    providerMessageId: z.string().nullable(),
    lastErrorCode: z.string().nullable().describe('服务商的错误码'),
    digestOf: z.uuid().nullable().describe('合并发送时，携带它的那条发送记录'),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'Delivery' });

export function toDeliveryDto(d: DeliveryView): z.output<typeof DeliverySchema> {
  return {
    ...d,
    notBefore: iso(d.notBefore),
    sentAt: iso(d.sentAt),
    deliveredAt: iso(d.deliveredAt),
    finishedAt: iso(d.finishedAt),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}
