/**
 * 钉钉 group robots: POST a markdown message to the robot's webhook URL (access_token in the URL),
 * signed when the robot has a secret (加签). HTTP 200 even when refused: only errcode 0 is success.
 */
import { createHmac } from 'node:crypto';
import { httpFailure, postJson, robotErrcode } from './http.js';
import { robotMarkdown, truncate, truncateUtf8 } from './format.js';
import type { Notifier, OutgoingMessage, SendOutcome, Target } from './types.js';

/** errcode 130101: over 20 messages a minute; DingTalk then blocks the robot for 10 minutes. */
const SENDING_TOO_FAST = 130101;
const BLOCKED_MS = 10 * 60_000;
/** DingTalk takes a markdown text up to 20000 bytes. */
const MAX_TEXT_BYTES = 20_000;

/** DingTalk's 加签: base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)), URL-encoded. */
export function dingtalkSign(secret: string, timestamp: number): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
  return encodeURIComponent(digest);
}

export function createDingtalkRobot(options: { timeoutMs: number; now?: () => number }): Notifier {
  const now = options.now ?? Date.now;
  return {
    channel: 'dingtalk_robot',
    async send(target: Target, message: OutgoingMessage): Promise<SendOutcome> {
      if (target.channel !== 'dingtalk_robot') return { ok: false, retryable: false, code: 'wrong_target' };
      let url = target.url;
      if (target.secret) {
        // DingTalk refuses a timestamp more than an hour off: it is taken at each attempt.
        const timestamp = now();
        url += `${url.includes('?') ? '&' : '?'}timestamp=${timestamp}&sign=${dingtalkSign(target.secret, timestamp)}`;
      }
      const body = JSON.stringify({
        msgtype: 'markdown',
        markdown: { title: truncate(message.title, 64), text: truncateUtf8(robotMarkdown(message), MAX_TEXT_BYTES) },
      });
      const result = await postJson(url, body, {}, options.timeoutMs);
      if (!result.sent) return result.outcome;
      if (result.status < 200 || result.status >= 300) return httpFailure(result);
      const errcode = robotErrcode(result.body);
      if (errcode === 0) return { ok: true, providerMessageId: null };
      if (errcode === null) return { ok: false, retryable: true, code: 'bad_answer' };
      if (errcode === SENDING_TOO_FAST) return { ok: false, retryable: true, code: `errcode:${errcode}`, retryAfterMs: BLOCKED_MS };
      // -1 is DingTalk's "system busy"; 310000 (bad sign, keyword, IP) and the rest need a person.
      return { ok: false, retryable: errcode === -1, code: `errcode:${errcode}` };
    },
  };
}
