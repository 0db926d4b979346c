/**
 * One interface for every channel (SMS, e-mail, group robots, our signed webhook). An adapter gets
 * the address inside the call, from the activity that opened it; it never logs it, and the errors
 * it throws or returns carry provider codes, never the address, URL or key.
 */
import type { DeliveryChannel } from '../domain/delivery.js';

/** What to say: a title and lines (a merged message has several), with "另有 N 项" when more were merged than listed. */
export interface OutgoingMessage {
  /**
   * Our key for this send: Aliyun `OutId`, Tencent `SessionContext`, the e-mail `Message-ID`
   * (<id@rectify>), the webhook's `X-Rectify-Delivery`. The same on every retry of one delivery.
   */
  deliveryId: string;
  /** The notification kind of the (first) item: SMS adapters pick their template by it. */
  kind: string;
  title: string;
  lines: string[];
  /** Items merged but not listed. */
  more: number;
}

export type Target =
  | { channel: 'sms'; phone: string }
  | { channel: 'email'; address: string }
  | { channel: 'wecom_robot' | 'dingtalk_robot' | 'signed_webhook'; url: string; secret: string | null };

/** The provider answered. */
export type SendOutcome =
  | { ok: true; providerMessageId: string | null }
  /**
   * The provider said no. `retryable`: throttled or a passing fault (5xx, busy); `retryAfterMs`
   * when it said how long (DingTalk blocks for 10 minutes past 20 a minute). `code` is the
   * provider's own (e.g. `isv.BUSINESS_LIMIT_CONTROL`, `errcode:45009`, `http:503`).
   */
  | { ok: false; retryable: boolean; code: string; retryAfterMs?: number };

/**
 * Thrown when the request may have reached the provider but no answer came (a timeout after
 * sending, a reset connection): whether it was accepted is unknown. Its message is a code only.
 */
export class OutcomeUnknownError extends Error {
  constructor(readonly code: string) {
    super(`outcome unknown: ${code}`);
    this.name = 'OutcomeUnknownError';
  }
}

/** What the provider's status query says of an earlier send (SMS only). */
export type StatusReport = { found: true; status: 'delivered' | 'sent' | 'failed'; providerMessageId: string | null; code?: string } | { found: false };

export interface Notifier {
  readonly channel: DeliveryChannel;
  send(target: Target, message: OutgoingMessage): Promise<SendOutcome>;
  /** Looks an earlier send up by our key (Aliyun QuerySendDetails / Tencent PullSmsSendStatusByPhoneNumber). */
  query?(target: Target, deliveryId: string, sentOn: Date): Promise<StatusReport>;
}

/** The notifiers a process has, by channel; a channel without one is not configured (its deliveries fail with `channel_not_configured`). */
export type Notifiers = Partial<Record<DeliveryChannel, Notifier>>;
