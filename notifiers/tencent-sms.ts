/**
 * 腾讯云短信 through the official SDK (sms 2021-01-11, signed TC3-HMAC-SHA256). SendSms carries our
 * deliveryId as SessionContext, which the status receipts pulled by PullSmsSendStatusByPhoneNumber
 * echo, so a send with an unknown outcome can be looked up. The SDK makes one attempt.
 */
import * as tencentSms from 'tencentcloud-sdk-nodejs-sms';
import { normalizePhone } from '../domain/delivery.js';
import { smsTemplateParams } from './format.js';
import { transportFailure } from './http.js';
import { OutcomeUnknownError, type Notifier, type OutgoingMessage, type SendOutcome, type StatusReport, type Target } from './types.js';

export interface TencentSmsOptions {
  secretId: string;
  secretKey: string;
  region: string;
  /** host[:port] */
  endpoint: string;
  protocol: 'http' | 'https';
  appId: string;
  signName: string;
  templateId: string;
  timeoutMs: number;
}

/** Tencent caps a notification template's variable (enterprise accounts: 35 characters). */
const MAX_VARIABLE_LENGTH = 35;

type Failure = Extract<SendOutcome, { ok: false }>;

/** Tencent's per-number frequency limits, and how long each lasts. */
const LIMIT_WAITS: Record<string, number> = {
  'LimitExceeded.PhoneNumberThirtySecondLimit': 30_000,
  'LimitExceeded.PhoneNumberOneHourLimit': 60 * 60_000,
  'LimitExceeded.PhoneNumberDailyLimit': 24 * 60 * 60_000,
  'LimitExceeded.PhoneNumberSameContentDailyLimit': 24 * 60 * 60_000,
  'LimitExceeded.DeliveryFrequencyLimit': 60_000,
};

/** A refusal by its code: limits and Tencent's own faults pass; FailedOperation, InvalidParameter, AuthFailure… need a person. */
export function tencentFailure(code: string): Failure {
  if (code in LIMIT_WAITS) return { ok: false, retryable: true, code, retryAfterMs: LIMIT_WAITS[code] };
  if (code.startsWith('RequestLimitExceeded')) return { ok: false, retryable: true, code, retryAfterMs: 1_000 };
  if (code.startsWith('LimitExceeded')) return { ok: false, retryable: true, code, retryAfterMs: 60_000 };
  if (code.startsWith('InternalError') || code.startsWith('ResourceUnavailable')) return { ok: false, retryable: true, code };
  return { ok: false, retryable: false, code };
}

function fromThrown(error: unknown): Failure {
  const e = (error ?? {}) as { code?: string; httpCode?: number };
  if (typeof e.code === 'string' && e.code) return tencentFailure(e.code);
  if (typeof e.httpCode === 'number') return { ok: false, retryable: e.httpCode >= 500 || e.httpCode === 429, code: `http:${e.httpCode}` };
  const failure = transportFailure(error);
  if (failure === 'connect_failed') return { ok: false, retryable: true, code: 'connect_failed' };
  throw new OutcomeUnknownError(failure ?? 'unexpected_error');
}

export function createTencentSms(options: TencentSmsOptions): Notifier {
  const client = new tencentSms.sms.v20210111.Client({
    credential: { secretId: options.secretId, secretKey: options.secretKey },
    region: options.region,
    profile: {
      httpProfile: {
        endpoint: options.endpoint,
        protocol: `${options.protocol}://`,
        reqMethod: 'POST',
        // Seconds; fractions are kept (the SDK multiplies by 1000).
        reqTimeout: options.timeoutMs / 1000,
      },
    },
  });
  const phoneOf = (phone: string) => `+86${normalizePhone(phone)}`;

  return {
    channel: 'sms',
    async send(target: Target, message: OutgoingMessage): Promise<SendOutcome> {
      if (target.channel !== 'sms') return { ok: false, retryable: false, code: 'wrong_target' };
      const params = smsTemplateParams(message, MAX_VARIABLE_LENGTH);
      let answer: Awaited<ReturnType<typeof client.SendSms>>;
      try {
        answer = await client.SendSms({
          PhoneNumberSet: [phoneOf(target.phone)],
          SmsSdkAppId: options.appId,
          SignName: options.signName,
          TemplateId: options.templateId,
          TemplateParamSet: [params.title, params.count],
          SessionContext: message.deliveryId,
        });
      } catch (error) {
        return fromThrown(error);
      }
      const status = answer.SendStatusSet?.[0];
      if (!status?.Code) throw new OutcomeUnknownError('bad_answer');
      if (status.Code === 'Ok') return { ok: true, providerMessageId: status.SerialNo || null };
      return tencentFailure(status.Code);
    },

    async query(target: Target, deliveryId: string, sentOn: Date): Promise<StatusReport> {
      if (target.channel !== 'sms') return { found: false };
      const sentAt = Math.floor(sentOn.getTime() / 1000);
      let answer: Awaited<ReturnType<typeof client.PullSmsSendStatusByPhoneNumber>>;
      try {
        // Receipts arrive after the send: from a little before it, over the next two days.
        answer = await client.PullSmsSendStatusByPhoneNumber({
          BeginTime: sentAt - 10 * 60,
          EndTime: sentAt + 2 * 24 * 60 * 60,
          Offset: 0,
          Limit: 100,
          PhoneNumber: phoneOf(target.phone),
          SmsSdkAppId: options.appId,
        });
      } catch (error) {
        const e = (error ?? {}) as { code?: string };
        // A code only, and no cause: the SDK's error may carry the request with the phone number.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(`tencent PullSmsSendStatusByPhoneNumber failed: ${e.code || transportFailure(error) || 'unexpected_error'}`);
      }
      const receipt = (answer.PullSmsSendStatusSet ?? []).find((r) => r.SessionContext === deliveryId);
      // Only receipts are listed: a send still waiting for one is not found yet.
      if (!receipt) return { found: false };
      const providerMessageId = receipt.SerialNo || null;
      if (receipt.ReportStatus === 'SUCCESS') return { found: true, status: 'delivered', providerMessageId };
      if (receipt.ReportStatus === 'FAIL')
        return { found: true, status: 'failed', providerMessageId, ...(receipt.Description ? { code: receipt.Description } : {}) };
      return { found: true, status: 'sent', providerMessageId };
    },
  };
}
