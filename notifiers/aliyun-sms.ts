/**
 * 阿里云短信 through the official SDK (dysmsapi 2017-05-25; the SDK signs with ACS3-HMAC-SHA256).
 * SendSms carries our deliveryId as OutId, so QuerySendDetails can find the send after an unknown
 * outcome. The SDK never retries: Temporal does, and an SMS sent twice reaches a person twice.
 */
import Dysmsapi, * as $Dysmsapi from '@alicloud/dysmsapi20170525';
import * as OpenApi from '@alicloud/openapi-client';
import * as $dara from '@darabonba/typescript';
import { normalizePhone } from '../domain/delivery.js';
import { smsTemplateParams } from './format.js';
import { errorCode, transportFailure } from './http.js';
import { OutcomeUnknownError, type Notifier, type OutgoingMessage, type SendOutcome, type StatusReport, type Target } from './types.js';

export interface AliyunSmsOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** host[:port] */
  endpoint: string;
  protocol: 'http' | 'https';
  signName: string;
  templateCode: string;
  timeoutMs: number;
}

/** Aliyun caps a notification template's variable at 35 characters. */
const MAX_VARIABLE_LENGTH = 35;
/** QuerySendDetails pages hold at most 50 records. */
const PAGE_SIZE = 50;

type Failure = Extract<SendOutcome, { ok: false }>;

/** isv.BUSINESS_LIMIT_CONTROL's message names the window that was exceeded (分钟级, 小时级, 天级). */
function businessLimitWait(message: string | undefined): number {
  if (message?.includes('天级')) return 24 * 60 * 60_000;
  if (message?.includes('小时级')) return 60 * 60_000;
  return 60_000;
}

/** A refusal by its code: throttles and Aliyun's own faults pass, the rest (isv.*) need a person. */
export function aliyunFailure(code: string, message?: string, retryAfter?: number): Failure {
  if (code === 'isv.BUSINESS_LIMIT_CONTROL') return { ok: false, retryable: true, code, retryAfterMs: businessLimitWait(message) };
  if (code.startsWith('Throttling')) return { ok: false, retryable: true, code, retryAfterMs: retryAfter && retryAfter > 0 ? retryAfter : 1_000 };
  if (code.startsWith('isp.') || code === 'InternalError' || code === 'ServiceUnavailable') return { ok: false, retryable: true, code };
  return { ok: false, retryable: false, code };
}

interface SdkError {
  name?: string;
  code?: string;
  statusCode?: number;
  retryAfter?: number;
  data?: { Message?: string };
}

/** An error the SDK threw: an HTTP error answer (4xx/5xx with Aliyun's error body) or a transport failure. */
function fromThrown(error: unknown): Failure {
  const e = (error ?? {}) as SdkError;
  if (typeof e.statusCode === 'number') {
    const code = e.code && e.code !== 'undefined' ? e.code : `http:${e.statusCode}`;
    if (e.statusCode >= 500 && !code.startsWith('Throttling')) return { ok: false, retryable: true, code };
    return aliyunFailure(code, e.data?.Message, e.retryAfter);
  }
  const failure = transportFailure(error);
  if (failure === 'connect_failed') return { ok: false, retryable: true, code: 'connect_failed' };
  if (failure) throw new OutcomeUnknownError(failure);
  // The SDK's own checks (missing credentials) fail before anything is sent.
  if (e.name === 'ClientError' && typeof e.code === 'string') return { ok: false, retryable: false, code: e.code };
  throw new OutcomeUnknownError(errorCode(error) ?? 'unexpected_error');
}

/** yyyyMMdd of an instant in Asia/Shanghai (QuerySendDetails' SendDate is a Beijing date). */
export function shanghaiDate(at: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}${parts.month}${parts.day}`;
}

// CommonJS interop: the client class is the module's `default` export.
const DysmsapiClient = (Dysmsapi as unknown as { default?: typeof Dysmsapi.default }).default ?? (Dysmsapi as unknown as typeof Dysmsapi.default);

export function createAliyunSms(options: AliyunSmsOptions): Notifier {
  const client = new DysmsapiClient(
    new OpenApi.Config({
      accessKeyId: options.accessKeyId,
      accessKeySecret: options.accessKeySecret,
      endpoint: options.endpoint,
      protocol: options.protocol,
      readTimeout: options.timeoutMs,
      connectTimeout: options.timeoutMs,
      // No retryOptions: this SDK core then makes one attempt only.
    }),
  );
  // autoretry/maxAttempts are the older cores' switches; both say: one attempt.
  const runtime = () => new $dara.RuntimeOptions({ autoretry: false, maxAttempts: 0, readTimeout: options.timeoutMs, connectTimeout: options.timeoutMs });

  return {
    channel: 'sms',
    async send(target: Target, message: OutgoingMessage): Promise<SendOutcome> {
      if (target.channel !== 'sms') return { ok: false, retryable: false, code: 'wrong_target' };
      const request = new $Dysmsapi.SendSmsRequest({
        phoneNumbers: normalizePhone(target.phone),
        signName: options.signName,
        templateCode: options.templateCode,
        templateParam: JSON.stringify(smsTemplateParams(message, MAX_VARIABLE_LENGTH)),
        outId: message.deliveryId,
      });
      let body: $Dysmsapi.SendSmsResponseBody | undefined;
      try {
        body = (await client.sendSmsWithOptions(request, runtime())).body;
      } catch (error) {
        return fromThrown(error);
      }
      if (body?.code === 'OK') return { ok: true, providerMessageId: body.bizId ?? null };
      if (!body?.code) throw new OutcomeUnknownError('bad_answer');
      return aliyunFailure(body.code, body.message);
    },

    async query(target: Target, deliveryId: string, sentOn: Date): Promise<StatusReport> {
      if (target.channel !== 'sms') return { found: false };
      // A send claimed just before midnight (Beijing) may be recorded on the next day.
      const dates = [...new Set([shanghaiDate(sentOn), shanghaiDate(new Date(sentOn.getTime() + 10 * 60_000))])];
      for (const sendDate of dates) {
        for (let page = 1; page <= 20; page++) {
          let body: $Dysmsapi.QuerySendDetailsResponseBody | undefined;
          try {
            const request = new $Dysmsapi.QuerySendDetailsRequest({
              phoneNumber: normalizePhone(target.phone),
              sendDate,
              pageSize: PAGE_SIZE,
              currentPage: page,
            });
            body = (await client.querySendDetailsWithOptions(request, runtime())).body;
          } catch (error) {
            const e = (error ?? {}) as SdkError;
            // A code only, and no cause: the SDK's message holds the request URL with the phone number.
            // eslint-disable-next-line preserve-caught-error
            throw new Error(
              `aliyun QuerySendDetails failed: ${(typeof e.statusCode === 'number' ? e.code : undefined) ?? transportFailure(error) ?? e.code ?? 'unexpected_error'}`,
            );
          }
          if (body?.code !== 'OK') throw new Error(`aliyun QuerySendDetails failed: ${body?.code ?? 'bad_answer'}`);
          const records = body.smsSendDetailDTOs?.smsSendDetailDTO ?? [];
          const record = records.find((r) => r.outId === deliveryId);
          if (record) {
            // SendStatus: 1 waiting for the receipt, 2 failed, 3 delivered. The record has no BizId.
            if (record.sendStatus === 3) return { found: true, status: 'delivered', providerMessageId: null };
            if (record.sendStatus === 2) return { found: true, status: 'failed', providerMessageId: null, ...(record.errCode ? { code: record.errCode } : {}) };
            return { found: true, status: 'sent', providerMessageId: null };
          }
          if (records.length < PAGE_SIZE || page * PAGE_SIZE >= Number(body.totalCount ?? 0)) break;
        }
      }
      return { found: false };
    },
  };
}
