/**
 * Our own webhook, for a county's gateway: the message as JSON, signed with the office channel's
 * secret so the receiver knows it is ours and fresh, and keyed by X-Rectify-Delivery so it can drop
 * a repeat (a retry after an unknown outcome sends the same delivery again).
 */
import { createHmac } from 'node:crypto';
import { httpFailure, postJson } from './http.js';
import type { Notifier, OutgoingMessage, SendOutcome, Target } from './types.js';

/** Hex HMAC-SHA256(secret, `${timestamp}.${body}`): the receiver recomputes it over the raw body. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

export function createSignedWebhook(options: { timeoutMs: number; now?: () => number }): Notifier {
  const now = options.now ?? Date.now;
  return {
    channel: 'signed_webhook',
    async send(target: Target, message: OutgoingMessage): Promise<SendOutcome> {
      if (target.channel !== 'signed_webhook') return { ok: false, retryable: false, code: 'wrong_target' };
      // An unsigned call would teach receivers to accept anything.
      if (!target.secret) return { ok: false, retryable: false, code: 'secret_missing' };
      const body = JSON.stringify({ deliveryId: message.deliveryId, kind: message.kind, title: message.title, lines: message.lines, more: message.more });
      const timestamp = String(Math.floor(now() / 1000));
      const result = await postJson(
        target.url,
        body,
        {
          'x-rectify-timestamp': timestamp,
          'x-rectify-signature': webhookSignature(target.secret, timestamp, body),
          'x-rectify-delivery': message.deliveryId,
        },
        options.timeoutMs,
      );
      if (!result.sent) return result.outcome;
      if (result.status >= 200 && result.status < 300) return { ok: true, providerMessageId: null };
      return httpFailure(result);
    },
  };
}
