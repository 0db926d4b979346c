import type { Schemas } from '../api/client';
import { RESEND_SAFE_CHANNELS, type DeliveryChannel } from '../../../domain/delivery';
import { formatInstant, formatShortInstant } from './dates';
import { t } from '../locale/zh-CN';

export type Delivery = Schemas['Delivery'];
type Status = Delivery['status'];

/** The tag colour of a delivery's status: done green, waiting grey-blue, trouble red or orange. */
export function statusTagType(status: Status): 'success' | 'info' | 'warning' | 'danger' | 'primary' {
  switch (status) {
    case 'sent':
    case 'delivered':
    case 'digested':
      return 'success';
    case 'failed':
      return 'danger';
    case 'unknown':
      return 'warning';
    case 'sending':
      return 'primary';
    default:
      return 'info';
  }
}

/** Still waiting for its send window (a working day's office hours): the window's start is known. */
export function waitingForWindow(d: Pick<Delivery, 'status' | 'notBefore'>): boolean {
  return (d.status === 'pending' || d.status === 'scheduled') && !!d.notBefore && Date.parse(d.notBefore) > Date.now();
}

/**
 * A delivery on one line, as the inbox shows it: "短信 已发送", "钉钉群 待发送 12月8日 08:30"
 * (the window's start while it waits for one).
 */
export function deliveryLine(d: Delivery): string {
  const parts = [t.delivery.channelsShort[d.channel] ?? d.channel, t.delivery.statuses[d.status] ?? d.status];
  if ((d.status === 'pending' || d.status === 'scheduled') && d.notBefore) parts.push(formatShortInstant(d.notBefore));
  return parts.join(' ');
}

/** What a delivery's time column says: sent or delivered when, else when it will go, else when it was written. */
export function deliveryTime(d: Delivery): string {
  if (d.deliveredAt) return t.delivery.deliveredAt(formatInstant(d.deliveredAt));
  if (d.sentAt) return t.delivery.sentAt(formatInstant(d.sentAt));
  if ((d.status === 'pending' || d.status === 'scheduled') && d.notBefore) return t.delivery.notBefore(formatInstant(d.notBefore));
  return t.delivery.createdAt(formatInstant(d.createdAt));
}

/** The receiver as shown: the robot's name and its masked host, or the masked number or address. */
export function deliveryTarget(d: Pick<Delivery, 'targetHint' | 'targetLabel'>): string {
  return d.targetLabel ? `${d.targetLabel}（${d.targetHint}）` : d.targetHint;
}

/** Whether a person may ask for it again (failed, or unknown), and whether that needs the in-doubt confirmation. */
export function retryOf(d: Pick<Delivery, 'status' | 'channel'>): { allowed: boolean; inDoubt: boolean } {
  const allowed = d.status === 'failed' || d.status === 'unknown';
  return { allowed, inDoubt: d.status === 'unknown' && !RESEND_SAFE_CHANNELS.includes(d.channel as DeliveryChannel) };
}
