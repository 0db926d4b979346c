/**
 * The outbox as the offices see it: deliveries within the caller's jurisdiction (the org dept's
 * county, a township office's township), and a person's resend of a failed or in-doubt one.
 */
import type { Db } from '../db/client.js';
import {
  deliveriesOfNotifications,
  getDeliveryView,
  listDeliveries,
  rescheduleDelivery,
  type DeliveryFilter,
  type DeliveryView,
} from '../db/queries/deliveries.js';
import { recordDeliveryAudit } from '../db/queries/delivery-settings.js';
import { RESEND_SAFE_CHANNELS } from '../domain/delivery.js';
import { isWithin } from '../domain/divisions.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { AuthUser } from '../domain/roles.js';
import { wakeDeliveryDispatcher, type TemporalHandle } from '../temporal/client.js';

export function createDeliveryService(deps: { db: Db; temporal: TemporalHandle; now?: () => Date }) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  /** Sponsors have no outbox of their own to manage: their deliveries show on their inbox items. */
  function requireOffice(user: AuthUser): void {
    if (user.role === 'sponsor') throw new ForbiddenError('仅组织部和乡镇党委可查看发送记录 (offices only)');
  }

  async function visible(user: AuthUser, id: string): Promise<DeliveryView> {
    const row = await getDeliveryView(db, id);
    if (!row || !isWithin(row.divisionCode, user.jurisdictionCode)) throw new NotFoundError('未找到该发送记录 (delivery not found)');
    return row;
  }

  return {
    async list(user: AuthUser, filter: DeliveryFilter, page: { limit: number; offset: number }) {
      requireOffice(user);
      if (filter.division && !isWithin(filter.division, user.jurisdictionCode))
        throw new ValidationError('区划不在本单位管辖范围内 (outside your jurisdiction)', 'division');
      return listDeliveries(db, user.jurisdictionCode, filter, page);
    },

    async get(user: AuthUser, id: string) {
      requireOffice(user);
      return visible(user, id);
    },

    /**
     * Sends a failed or in-doubt delivery again, under the same key. An SMS or DingTalk message
     * whose outcome is unknown may already have arrived: the person must say so (confirmInDoubt).
     */
    async retry(user: AuthUser, id: string, input: { confirmInDoubt: boolean; reason?: string }) {
      requireOffice(user);
      const before = await visible(user, id);
      if (before.status !== 'failed' && before.status !== 'unknown')
        throw new ConflictError(`该记录状态为「${before.status}」，只有发送失败或结果不明的可以重发 (only failed or unknown)`);
      if (before.status === 'unknown' && !RESEND_SAFE_CHANNELS.includes(before.channel) && !input.confirmInDoubt) {
        throw new ValidationError('该消息可能已送达，重发可能使对方收到两次；确认后请勾选 confirmInDoubt (it may have arrived: confirm)', 'confirmInDoubt');
      }
      const at = now();
      const ok = await db.transaction(async (tx) => {
        if (!(await rescheduleDelivery(tx, id, at))) return false;
        await recordDeliveryAudit(tx, {
          entityType: 'delivery',
          entityId: id,
          action: 'delivery_resent',
          actor: { actorUserId: user.id, actorLabel: user.name },
          at,
          before: { status: before.status, lastErrorCode: before.lastErrorCode },
          after: { status: 'scheduled' },
          details: { channel: before.channel, confirmInDoubt: input.confirmInDoubt, ...(input.reason ? { reason: input.reason } : {}) },
        });
        return true;
      });
      if (!ok) throw new ConflictError('该记录已被他人处理 (changed meanwhile)');
      // The dispatcher hands it to its sender; if the wake is lost, the worker's next nudge does.
      await wakeDeliveryDispatcher(deps.temporal).catch(() => undefined);
      return visible(user, id);
    },

    /** Deliveries of some notifications (an inbox page, a detail page). */
    ofNotifications: (ids: readonly string[]) => deliveriesOfNotifications(db, ids),
  };
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;
