/**
 * An office's group robots and signed webhooks (issue 12). An office is a role at a division, as
 * its notifications are addressed: a township office manages its own office's channels; the org
 * dept its own and those of the offices within its jurisdiction; sponsors have none (403). A
 * channel outside what the caller manages is not found (404), whatever its id. URL and secret are
 * sealed at rest; answers carry the URL's host (`urlHint`) and whether there is a secret.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { divisionExists } from '../db/queries/divisions.js';
import {
  getOfficeChannel,
  insertOfficeChannel,
  listOfficeChannels,
  recordDeliveryAudit,
  recordOfficeChannelTest,
  sealedChannelOf,
  updateOfficeChannel,
  type OfficeChannel,
} from '../db/queries/delivery-settings.js';
import { CHANNEL_LABELS, CHANNEL_TEST_MESSAGE_KIND, maskUrl, type OfficeChannelKind } from '../domain/delivery.js';
import { isWithin, jurisdictionPrefix, levelOfCode, toFullCode } from '../domain/divisions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { AuthUser, Role } from '../domain/roles.js';
import type { SecretBox } from '../lib/secret-box.js';
import type { Notifiers } from '../notifiers/types.js';

export interface Office {
  role: Role;
  divisionCode: string;
}

const NOT_FOUND = '未找到该渠道 (no such channel)';
/** Kinds that sign their requests with a secret (DingTalk's 加签, our HMAC webhook). */
const SIGNED_KINDS: readonly OfficeChannelKind[] = ['dingtalk_robot', 'signed_webhook'];

function requireOfficeUser(caller: AuthUser): void {
  if (caller.role === 'sponsor') throw new ForbiddenError('包保领导没有办公室渠道 (sponsors have no office channels)');
}

/**
 * The office a request names (default: the caller's own), if the caller manages it; a 4xx naming
 * the field otherwise. The division must exist (it is a foreign key).
 */
export async function resolveOffice(db: Db, caller: AuthUser, requested: { officeRole?: Role; officeDivisionCode?: string }): Promise<Office> {
  requireOfficeUser(caller);
  const own = toFullCode(caller.jurisdictionCode);
  const code = toFullCode(requested.officeDivisionCode ?? own);
  if (caller.role === 'township_office') {
    if (code !== own) throw new ValidationError('乡镇党委只能管理本乡镇的渠道 (a township office manages its own office only)', 'officeDivisionCode');
    if ((requested.officeRole ?? 'township_office') !== 'township_office')
      throw new ValidationError('乡镇党委只能管理本乡镇的渠道 (a township office manages its own office only)', 'officeRole');
    return { role: 'township_office', divisionCode: own };
  }
  if (!isWithin(code, caller.jurisdictionCode) || !(await divisionExists(db, code))) {
    throw new ValidationError('未找到该区划，或不在您的管辖范围内 (no such division in your jurisdiction)', 'officeDivisionCode');
  }
  const level = levelOfCode(code);
  const role = requested.officeRole ?? (level === 'township' ? 'township_office' : 'org_dept');
  if (role === 'sponsor') throw new ValidationError('办公室须为乡镇党委或组织部 (an office is a township office or an org dept)', 'officeRole');
  if (role === 'township_office' && level !== 'township')
    throw new ValidationError('乡镇党委的区划须为乡镇 (a township office belongs to a township)', 'officeDivisionCode');
  if (role === 'org_dept' && (level === 'township' || level === 'village'))
    throw new ValidationError('组织部的区划须为县级或以上 (an org dept belongs to a county or above)', 'officeDivisionCode');
  return { role, divisionCode: code };
}

/** Whether the caller manages this office (the channels it may see). */
export function managesOffice(caller: AuthUser, office: Office): boolean {
  if (caller.role === 'township_office') return office.role === 'township_office' && office.divisionCode === toFullCode(caller.jurisdictionCode);
  if (caller.role === 'org_dept') return office.role !== 'sponsor' && isWithin(office.divisionCode, caller.jurisdictionCode);
  return false;
}

/** https, or http to this machine where the process allows it (tests' local receivers). */
export function checkChannelUrl(raw: string, allowLoopbackHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ValidationError('须为有效的 https 地址 (a valid https URL)', 'url');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(allowLoopbackHttp && url.protocol === 'http:' && loopback)) {
    throw new ValidationError('须为 https 地址 (the URL must use https)', 'url');
  }
  return url.toString();
}

export function createOfficeChannelService(deps: { db: Db; secretBox: SecretBox; notifiers: Notifiers; allowLoopbackHttp?: boolean; now?: () => Date }) {
  const { db, secretBox, notifiers } = deps;
  const now = deps.now ?? (() => new Date());
  const actorOf = (user: AuthUser) => ({ actorUserId: user.id, actorLabel: user.name });

  /** The channel, if the caller manages its office; 404 otherwise (never "exists but not yours"). */
  const visible = async (caller: AuthUser, id: string): Promise<OfficeChannel> => {
    requireOfficeUser(caller);
    const channel = await getOfficeChannel(db, id);
    if (!channel || !managesOffice(caller, { role: channel.officeRole, divisionCode: channel.officeDivisionCode })) throw new NotFoundError(NOT_FOUND);
    return channel;
  };

  const snapshot = (c: OfficeChannel) => ({
    officeRole: c.officeRole,
    officeDivisionCode: c.officeDivisionCode,
    kind: c.kind,
    label: c.label,
    urlHint: c.urlHint,
    hasSecret: c.hasSecret,
    enabled: c.enabled,
  });

  return {
    async list(caller: AuthUser, filter: { officeRole?: Role; officeDivisionCode?: string }): Promise<OfficeChannel[]> {
      requireOfficeUser(caller);
      if (caller.role === 'township_office') {
        const own = toFullCode(caller.jurisdictionCode);
        if (filter.officeRole && filter.officeRole !== 'township_office') return [];
        if (filter.officeDivisionCode && !isWithin(own, filter.officeDivisionCode)) return [];
        return listOfficeChannels(db, { divisionPrefix: own, roles: ['township_office'], divisionCode: own });
      }
      if (filter.officeDivisionCode && !isWithin(filter.officeDivisionCode, caller.jurisdictionCode)) return [];
      const roles: Role[] = filter.officeRole ? (filter.officeRole === 'sponsor' ? [] : [filter.officeRole]) : ['township_office', 'org_dept'];
      return listOfficeChannels(db, { divisionPrefix: jurisdictionPrefix(filter.officeDivisionCode ?? caller.jurisdictionCode), roles });
    },

    async create(
      caller: AuthUser,
      input: { kind: OfficeChannelKind; url: string; secret?: string; label: string; officeRole?: Role; officeDivisionCode?: string },
    ): Promise<OfficeChannel> {
      const office = await resolveOffice(db, caller, input);
      const url = checkChannelUrl(input.url, deps.allowLoopbackHttp ?? false);
      const secret = input.secret?.trim() ? input.secret.trim() : null;
      if (SIGNED_KINDS.includes(input.kind) && !secret)
        throw new ValidationError(`${CHANNEL_LABELS[input.kind]}须填写签名密钥 (a secret is required)`, 'secret');
      if (!SIGNED_KINDS.includes(input.kind) && secret)
        throw new ValidationError(`${CHANNEL_LABELS[input.kind]}的密钥在地址里，不另填 (this kind has no separate secret)`, 'secret');
      const at = now();
      return db.transaction(async (tx) => {
        const created = await insertOfficeChannel(tx, {
          officeRole: office.role,
          officeDivisionCode: office.divisionCode,
          kind: input.kind,
          label: input.label,
          urlSealed: secretBox.seal(url),
          urlHint: maskUrl(url),
          secretSealed: secret ? secretBox.seal(secret) : null,
          createdBy: caller.id,
          at,
        });
        await recordDeliveryAudit(tx, {
          entityType: 'office_channel',
          entityId: created.id,
          action: 'created',
          actor: actorOf(caller),
          at,
          after: snapshot(created),
        });
        return created;
      });
    },

    async update(caller: AuthUser, id: string, change: { label?: string; enabled?: boolean }): Promise<OfficeChannel> {
      const before = await visible(caller, id);
      if (change.label === undefined && change.enabled === undefined) throw new ValidationError('请至少修改一项 (nothing to change)', 'enabled');
      const at = now();
      return db.transaction(async (tx) => {
        const after = await updateOfficeChannel(tx, id, { ...change, at });
        const action = change.enabled === undefined || change.enabled === before.enabled ? 'updated' : change.enabled ? 'enabled' : 'disabled';
        await recordDeliveryAudit(tx, {
          entityType: 'office_channel',
          entityId: id,
          action,
          actor: actorOf(caller),
          at,
          before: { label: before.label, enabled: before.enabled },
          after: { label: after.label, enabled: after.enabled },
        });
        return after;
      });
    },

    /** Sends a test message now; the outcome is an answer (`ok`, the provider's code), recorded on the channel. */
    async test(caller: AuthUser, id: string): Promise<{ ok: boolean; code: string; channel: OfficeChannel }> {
      const channel = await visible(caller, id);
      const notifier = notifiers[channel.kind];
      let result: { ok: boolean; code: string };
      if (!notifier) {
        result = { ok: false, code: 'channel_not_configured' };
      } else {
        const sealed = (await sealedChannelOf(db, id))!;
        try {
          const outcome = await notifier.send(
            { channel: channel.kind, url: secretBox.open(sealed.urlSealed), secret: sealed.secretSealed ? secretBox.open(sealed.secretSealed) : null },
            {
              deliveryId: randomUUID(),
              kind: CHANNEL_TEST_MESSAGE_KIND,
              title: '督办提醒测试消息',
              lines: [`“${channel.label}”已接通，督办提醒将发到这里。`],
              more: 0,
            },
          );
          result = outcome.ok ? { ok: true, code: 'ok' } : { ok: false, code: outcome.code };
        } catch (error) {
          // Notifier errors carry codes only (notifiers/types.ts); anything else is not shown.
          const code = (error as { code?: unknown }).code;
          result = { ok: false, code: typeof code === 'string' ? code : 'send_failed' };
        }
      }
      const at = now();
      const updated = await db.transaction(async (tx) => {
        const after = await recordOfficeChannelTest(tx, id, at, result.code.slice(0, 200));
        await recordDeliveryAudit(tx, { entityType: 'office_channel', entityId: id, action: 'tested', actor: actorOf(caller), at, details: result });
        return after;
      });
      return { ...result, channel: updated };
    },
  };
}

export type OfficeChannelService = ReturnType<typeof createOfficeChannelService>;
