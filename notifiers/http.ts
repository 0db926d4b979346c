/**
 * One POST for the HTTP channels (robots, our signed webhook), with the three ways it can end: an
 * answer, nothing sent (retry freely), or sent without an answer (OutcomeUnknownError). A robot's
 * URL holds its key: no message, code or log line made here contains it.
 */
import { OutcomeUnknownError, type SendOutcome } from './types.js';

export type HttpAnswer = { sent: true; status: number; headers: Headers; body: string };
export type HttpResult = HttpAnswer | { sent: false; outcome: Extract<SendOutcome, { ok: false }> };

/** Failures while connecting: the request never left, so a retry cannot duplicate it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** The system error code behind a fetch failure (undici wraps it in `cause`, sometimes twice). */
export function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      signal,
      redirect: 'manual',
    });
    const text = await response.text();
    return { sent: true, status: response.status, headers: response.headers, body: text };
  } catch (error) {
    // Whatever the error says, it is not repeated: undici's messages may name the URL.
    if (signal.aborted) throw new OutcomeUnknownError('timeout');
    const code = errorCode(error);
    if (code && NOT_SENT_CODES.has(code)) return { sent: false, outcome: { ok: false, retryable: true, code: 'connect_failed' } };
    throw new OutcomeUnknownError('connection_reset');
  }
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A non-2xx answer: 429 and 5xx pass (retry), other 4xx will not. */
export function httpFailure(answer: HttpAnswer): Extract<SendOutcome, { ok: false }> {
  const code = `http:${answer.status}`;
  if (answer.status === 429) {
    const after = retryAfterMs(answer.headers.get('retry-after'));
    return after === undefined ? { ok: false, retryable: true, code } : { ok: false, retryable: true, code, retryAfterMs: after };
  }
  return { ok: false, retryable: answer.status >= 500, code };
}

/** A robot's JSON answer `{ errcode, errmsg }`; null when the body is not one. */
export function robotErrcode(body: string): number | null {
  try {
    const parsed: unknown = JSON.parse(body);
    const errcode = (parsed as { errcode?: unknown } | null)?.errcode;
    return typeof errcode === 'number' ? errcode : null;
  } catch {
    return null;
  }
}

/** A provider endpoint from config: `host[:port]`, or `http(s)://host[:port]` (plain http only for a local stub). */
export function splitEndpoint(value: string): { host: string; protocol: 'http' | 'https' } {
  const match = /^(https?):\/\/([^/]+)\/?$/i.exec(value.trim());
  if (match) return { protocol: match[1]!.toLowerCase() as 'http' | 'https', host: match[2]! };
  return { protocol: 'https', host: value.trim().replace(/\/+$/, '') };
}

/**
 * How an SDK's transport failure ended, from its error code or, when the SDK kept only the text
 * (Tencent's wraps node-fetch's error in a message), from that text. The text is read, never passed on.
 */
export function transportFailure(error: unknown): 'connect_failed' | 'timeout' | 'connection_reset' | null {
  const code = errorCode(error) ?? '';
  const name = error instanceof Error ? error.name : '';
  const text = error instanceof Error ? error.message : '';
  if (NOT_SENT_CODES.has(code) || /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/.test(text)) return 'connect_failed';
  if (/timeout/i.test(name) || code === 'ETIMEDOUT' || /network timeout|ReadTimeout|ConnectTimeout|ETIMEDOUT|aborted/i.test(text)) return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE' || /ECONNRESET|EPIPE|socket hang up|other side closed|premature close/i.test(text)) return 'connection_reset';
  return null;
}
