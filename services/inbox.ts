import { deliveriesOfNotifications, type DeliveryView } from '../db/queries/deliveries.js';
import type { Db } from '../db/client.js';
import { ackNotification, findInboxItem, listInbox, unackedByKind, type InboxFilter, type InboxItemRow } from '../db/queries/inbox.js';
import { ESCALATION_RUNGS, type EscalationRung } from '../domain/escalation.js';
import { NotFoundError } from '../domain/errors.js';
import type { AuthUser } from '../domain/roles.js';
import { createWorkingDaysCounter } from './next-due.js';

export function createInboxService(deps: { db: Db; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const workingDaysLeft = createWorkingDaysCounter(deps.db, now);

  /**
   * Each item's obligation with the working days left to its due date (negative: overdue), on the
   * village's calendar, as the to-do list counts them; null once it is met, dropped or excused (容错).
   */
  async function withWorkingDays(items: InboxItemRow[], at: Date) {
    return Promise.all(
      items.map(async (item) => {
        const o = item.obligation;
        const live = o && o.status === 'open' && !o.exemptedAt && o.dueDate && item.villageCode;
        return { ...item, obligation: o ? { ...o, workingDaysLeft: live ? await workingDaysLeft(item.villageCode!, o.dueDate!, at) : null } : null };
      }),
    );
  }

  /** Where each item went besides the inbox (SMS, e-mail, robots): masked targets and statuses. */
  async function withDeliveries<T extends { id: string }>(items: T[]): Promise<Array<T & { deliveries: DeliveryView[] }>> {
    const byNotification = await deliveriesOfNotifications(
      deps.db,
      items.map((i) => i.id),
    );
    return items.map((i) => ({ ...i, deliveries: byNotification.get(i.id) ?? [] }));
  }

  return {
    async list(user: AuthUser, options: InboxFilter & { limit: number; offset: number }) {
      const page = await listInbox(deps.db, user, options);
      return { ...page, items: await withDeliveries(await withWorkingDays(page.items, now())) };
    },
    /** Unacknowledged counts per rung (a rung is the kind `escalation.<rung>`), the rest as `other`. */
    async summary(user: AuthUser) {
      const byKind = await unackedByKind(deps.db, user);
      const byRung = Object.fromEntries(ESCALATION_RUNGS.map((rung) => [rung, byKind[`escalation.${rung}`] ?? 0])) as Record<EscalationRung, number>;
      const total = Object.values(byKind).reduce((a, b) => a + b, 0);
      return { unacked: total, byRung, other: total - Object.values(byRung).reduce((a, b) => a + b, 0) };
    },
    async ack(user: AuthUser, id: string) {
      const acked = await ackNotification(deps.db, user, id, new Date());
      const item = acked ? await findInboxItem(deps.db, user, id) : null;
      // Someone else's item is as unknown as a missing one.
      if (!item) throw new NotFoundError('未找到该消息 (inbox item not found)');
      const [withDays] = await withDeliveries(await withWorkingDays([item], now()));
      return withDays!;
    },
  };
}
export type InboxService = ReturnType<typeof createInboxService>;
