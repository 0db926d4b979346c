/**
 * 企业微信 / 政务微信 group robots: POST a markdown message to the robot's webhook URL (its key is in
 * the URL). The answer is HTTP 200 even when refused: only errcode 0 is success.
 */
import { httpFailure, postJson, robotErrcode } from './http.js';
import { robotMarkdown, truncateUtf8 } from './format.js';
import type { Notifier, OutgoingMessage, SendOutcome, Target } from './types.js';

/** errcode 45009: over 20 messages a minute; the window is a minute. */
const OVER_FREQUENCY = 45009;
/** WeCom takes markdown content up to 4096 bytes. */
const MAX_CONTENT_BYTES = 4096;
/** WeCom drops a repeat of the same message within this many seconds (its maximum, 4 hours). */
const DUPLICATE_CHECK_SECONDS = 4 * 60 * 60;

export function createWecomRobot(options: { timeoutMs: number }): Notifier {
  return {
    channel: 'wecom_robot',
    async send(target: Target, message: OutgoingMessage): Promise<SendOutcome> {
      if (target.channel !== 'wecom_robot') return { ok: false, retryable: false, code: 'wrong_target' };
      const body = JSON.stringify({
        msgtype: 'markdown',
        markdown: { content: truncateUtf8(robotMarkdown(message), MAX_CONTENT_BYTES) },
        // A retry after an unknown outcome carries the same content: WeCom drops the duplicate.
        enable_duplicate_check: 1,
        duplicate_check_interval: DUPLICATE_CHECK_SECONDS,
      });
      const result = await postJson(target.url, body, {}, options.timeoutMs);
      if (!result.sent) return result.outcome;
      if (result.status < 200 || result.status >= 300) return httpFailure(result);
      const errcode = robotErrcode(result.body);
      if (errcode === 0) return { ok: true, providerMessageId: null };
      if (errcode === null) return { ok: false, retryable: true, code: 'bad_answer' };
      if (errcode === OVER_FREQUENCY) return { ok: false, retryable: true, code: `errcode:${errcode}`, retryAfterMs: 60_000 };
      // -1 is WeCom's "system busy".
      return { ok: false, retryable: errcode === -1, code: `errcode:${errcode}` };
    },
  };
}
