/**
 * Which categories reach which channels (issue 12): a person's for their contact points, an
 * office's for its robot channels. Only what differs from the default (domain/delivery.ts) is
 * stored; set back to the default, the row goes. 红牌 and 通报 cannot be switched off where they are
 * on by default.
 */
import type { Db } from '../db/client.js';
import { listPreferences, recordDeliveryAudit, setPreference, type PreferenceOwner } from '../db/queries/delivery-settings.js';
import {
  CATEGORY_LABELS,
  CHANNEL_LABELS,
  CONTACT_KINDS,
  defaultEnabled,
  mayDisable,
  NOTIFICATION_CATEGORIES,
  OFFICE_CHANNEL_KINDS,
  type DeliveryChannel,
  type NotificationCategory,
} from '../domain/delivery.js';
import { ValidationError } from '../domain/errors.js';
import type { AuthUser, Role } from '../domain/roles.js';
import { resolveOffice, type Office } from './office-channels.js';

export interface PreferenceItem {
  category: NotificationCategory;
  channel: DeliveryChannel;
  enabled: boolean;
  default: boolean;
  mayChange: boolean;
}

export interface PreferenceChange {
  category: NotificationCategory;
  channel: DeliveryChannel;
  enabled: boolean;
}

export function createPreferenceService(deps: { db: Db; now?: () => Date }) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  const items = async (owner: PreferenceOwner, channels: readonly DeliveryChannel[]): Promise<PreferenceItem[]> => {
    const stored = new Map((await listPreferences(db, owner)).map((p) => [`${p.category}:${p.channel}`, p.enabled]));
    return NOTIFICATION_CATEGORIES.flatMap((category) =>
      channels.map((channel) => {
        const fallback = defaultEnabled(category, channel);
        return { category, channel, enabled: stored.get(`${category}:${channel}`) ?? fallback, default: fallback, mayChange: mayDisable(category, channel) };
      }),
    );
  };

  const change = async (caller: AuthUser, owner: PreferenceOwner, entityId: string, channels: readonly DeliveryChannel[], input: PreferenceChange) => {
    if (!channels.includes(input.channel))
      throw new ValidationError(`渠道须为 ${channels.join('、')} 之一 (channel must be one of ${channels.join(', ')})`, 'channel');
    if (!input.enabled && !mayDisable(input.category, input.channel)) {
      throw new ValidationError(
        `${CATEGORY_LABELS[input.category]}必须经${CHANNEL_LABELS[input.channel]}送达，不能关闭 (${input.category} cannot be switched off on ${input.channel})`,
        'enabled',
      );
    }
    const current = (await items(owner, [input.channel])).find((i) => i.category === input.category)!;
    if (current.enabled === input.enabled) return;
    const at = now();
    await db.transaction(async (tx) => {
      await setPreference(tx, owner, {
        category: input.category,
        channel: input.channel,
        enabled: input.enabled === current.default ? null : input.enabled,
        by: caller.id,
        at,
      });
      await recordDeliveryAudit(tx, {
        entityType: 'notification_preference',
        entityId,
        action: 'changed',
        actor: { actorUserId: caller.id, actorLabel: caller.name },
        at,
        before: { category: input.category, channel: input.channel, enabled: current.enabled },
        after: { category: input.category, channel: input.channel, enabled: input.enabled },
      });
    });
  };

  const officeOwner = (office: Office): PreferenceOwner => ({ officeRole: office.role, officeDivisionCode: office.divisionCode });
  const officeEntity = (office: Office) => `office:${office.role}:${office.divisionCode}`;

  return {
    /** Every category × contact kind for the caller. */
    mine: (caller: AuthUser) => items({ userId: caller.id }, CONTACT_KINDS),
    async setMine(caller: AuthUser, input: PreferenceChange): Promise<PreferenceItem[]> {
      await change(caller, { userId: caller.id }, `user:${caller.id}`, CONTACT_KINDS, input);
      return items({ userId: caller.id }, CONTACT_KINDS);
    },

    /** Every category × robot kind for an office the caller manages (default: its own). */
    async office(caller: AuthUser, requested: { officeRole?: Role; officeDivisionCode?: string }): Promise<{ office: Office; items: PreferenceItem[] }> {
      const office = await resolveOffice(db, caller, requested);
      return { office, items: await items(officeOwner(office), OFFICE_CHANNEL_KINDS) };
    },
    async setOffice(
      caller: AuthUser,
      requested: { officeRole?: Role; officeDivisionCode?: string },
      input: PreferenceChange,
    ): Promise<{ office: Office; items: PreferenceItem[] }> {
      const office = await resolveOffice(db, caller, requested);
      await change(caller, officeOwner(office), officeEntity(office), OFFICE_CHANNEL_KINDS, input);
      return { office, items: await items(officeOwner(office), OFFICE_CHANNEL_KINDS) };
    },
  };
}

export type PreferenceService = ReturnType<typeof createPreferenceService>;
