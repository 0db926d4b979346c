import { z } from 'zod';
import { CONTACT_KINDS, DELIVERY_CHANNELS, NOTIFICATION_CATEGORIES, OFFICE_CHANNEL_KINDS } from '../../domain/delivery.js';
import { ROLES } from '../../domain/roles.js';
import type { ContactPoint, OfficeChannel } from '../../db/queries/delivery-settings.js';
import type { ContactPointAnswer } from '../../services/contact-points.js';
import { iso } from './common.js';

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
