// TEMPORARY (lead): replaced by helper B's resolveDeliveryTargets at merge.
import { sql } from 'drizzle-orm';
import type { Tx } from './deadline-projection.js';
import { categoryOf, type NotificationCategory } from '../../domain/delivery.js';
import type { DeliveryTarget } from './deliveries.js';
import type { Role } from '../../domain/roles.js';

export async function resolveDeliveryTargets(
  tx: Tx,
  recipients: ReadonlyArray<{ notificationId: string; kind: string; recipientUserId: string | null; recipientRole: Role; recipientDivisionCode: string }>,
): Promise<DeliveryTarget[]> {
  const out: DeliveryTarget[] = [];
  for (const r of recipients) {
    const category: NotificationCategory = categoryOf(r.kind);
    if (r.recipientUserId) {
      const rows = await tx.execute<{ id: string; kind: 'sms' | 'email' }>(
        sql`select id, kind from contact_points where user_id = ${r.recipientUserId} and removed_at is null and verified_at is not null and kind = 'sms'`,
      );
      for (const c of rows)
        out.push({
          notificationId: r.notificationId,
          channel: c.kind,
          contactPointId: c.id,
          officeChannelId: null,
          targetId: c.id,
          divisionCode: r.recipientDivisionCode,
          category,
        });
    } else {
      const rows = await tx.execute<{ id: string; kind: 'wecom_robot' | 'dingtalk_robot' | 'signed_webhook' }>(
        sql`select id, kind from office_channels where office_role = ${r.recipientRole} and office_division_code = ${r.recipientDivisionCode} and enabled`,
      );
      for (const c of rows)
        out.push({
          notificationId: r.notificationId,
          channel: c.kind,
          contactPointId: null,
          officeChannelId: c.id,
          targetId: c.id,
          divisionCode: r.recipientDivisionCode,
          category,
        });
    }
  }
  return out;
}
