/**
 * Who a notification reaches beyond the inbox (issue 12), for the outbox insert that runs in every
 * projection transaction: one statement, whatever the number of notifications.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { Tx } from './deadline-projection.js';
import {
  categoryOf,
  DELIVERY_CHANNELS,
  defaultEnabled,
  NOTIFICATION_CATEGORIES,
  type DeliveryChannel,
  type NotificationCategory,
} from '../../domain/delivery.js';
import type { Role } from '../../domain/roles.js';

export interface DeliveryRecipient {
  notificationId: string;
  /** The notification's kind (`escalation.org_dept` …): its category decides the preferences. */
  kind: string;
  recipientUserId: string | null;
  recipientRole: Role;
  recipientDivisionCode: string;
}

export interface DeliveryTarget {
  notificationId: string;
  channel: DeliveryChannel;
  contactPointId: string | null;
  officeChannelId: string | null;
  /** The contact point's or the office channel's id (the outbox's uniqueness key). */
  targetId: string;
  /** The recipient's division (its calendar opens the send window). */
  divisionCode: string;
  category: NotificationCategory;
}

/** domain/delivery.ts defaultEnabled as rows, so the statement applies the same defaults. */
const DEFAULTS = JSON.stringify(
  NOTIFICATION_CATEGORIES.flatMap((category) => DELIVERY_CHANNELS.map((channel) => ({ category, channel, enabled: defaultEnabled(category, channel) }))),
);

/**
 * The targets of each notification:
 * - to a person: their verified, live contact points whose preference (their row, else the default)
 *   is on for the notification's category;
 * - to an office: its enabled channels whose office preference is on; and for 红牌 also the SMS
 *   contact points (verified, live, preference on) of the office's active users (that role with
 *   that division as their jurisdiction).
 * One row per notification × channel × target, as the outbox's unique index wants.
 */
export async function resolveDeliveryTargets(tx: Db | Tx, recipients: readonly DeliveryRecipient[]): Promise<DeliveryTarget[]> {
  if (recipients.length === 0) return [];
  const input = JSON.stringify(
    recipients.map((r) => ({
      notification_id: r.notificationId,
      category: categoryOf(r.kind),
      recipient_user_id: r.recipientUserId,
      recipient_role: r.recipientRole,
      recipient_division_code: r.recipientDivisionCode,
    })),
  );
  const rows = await tx.execute<{
    notificationId: string;
    channel: DeliveryChannel;
    contactPointId: string | null;
    officeChannelId: string | null;
    targetId: string;
    divisionCode: string;
    category: NotificationCategory;
  }>(sql`
    with r as (
      select * from jsonb_to_recordset(${input}::jsonb) as r(
        notification_id uuid, category notification_category, recipient_user_id uuid, recipient_role role, recipient_division_code varchar
      )
    ),
    d as (
      select * from jsonb_to_recordset(${DEFAULTS}::jsonb) as d(category notification_category, channel delivery_channel, enabled boolean)
    ),
    person as (
      select r.notification_id, d.channel, cp.id as contact_point_id, null::uuid as office_channel_id, cp.id as target_id,
             r.recipient_division_code as division_code, r.category
      from r
      join contact_points cp on cp.user_id = r.recipient_user_id and cp.removed_at is null and cp.verified_at is not null
      join d on d.category = r.category and d.channel = cp.kind::text::delivery_channel
      left join notification_preferences p on p.user_id = cp.user_id and p.category = r.category and p.channel = d.channel
      where r.recipient_user_id is not null and coalesce(p.enabled, d.enabled)
    ),
    office as (
      select r.notification_id, d.channel, null::uuid as contact_point_id, oc.id as office_channel_id, oc.id as target_id,
             r.recipient_division_code as division_code, r.category
      from r
      join office_channels oc on oc.office_role = r.recipient_role and oc.office_division_code = r.recipient_division_code and oc.enabled
      join d on d.category = r.category and d.channel = oc.kind::text::delivery_channel
      left join notification_preferences p
        on p.office_role = oc.office_role and p.office_division_code = oc.office_division_code and p.category = r.category and p.channel = d.channel
      where r.recipient_user_id is null and coalesce(p.enabled, d.enabled)
    ),
    staff as (
      select r.notification_id, d.channel, cp.id as contact_point_id, null::uuid as office_channel_id, cp.id as target_id,
             r.recipient_division_code as division_code, r.category
      from r
      join users u on u.role = r.recipient_role and u.jurisdiction_code = r.recipient_division_code and u.active
      join contact_points cp on cp.user_id = u.id and cp.kind = 'sms' and cp.removed_at is null and cp.verified_at is not null
      join d on d.category = r.category and d.channel = 'sms'
      left join notification_preferences p on p.user_id = u.id and p.category = r.category and p.channel = d.channel
      where r.recipient_user_id is null and r.category = 'red_card' and coalesce(p.enabled, d.enabled)
    ),
    all_targets as (
      select * from person union all select * from office union all select * from staff
    )
    select distinct on (notification_id, channel, target_id)
      notification_id as "notificationId", channel::text as "channel", contact_point_id as "contactPointId",
      office_channel_id as "officeChannelId", target_id as "targetId", division_code as "divisionCode", category::text as "category"
    from all_targets
    order by notification_id, channel, target_id
  `);
  return rows.map((row) => ({ ...row }));
}
