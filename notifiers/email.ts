/**
 * E-mail over SMTP (nodemailer). Every attempt of one delivery carries the same Message-ID
 * (<deliveryId@rectify>), so a retry after an unknown outcome shows as one message in mail clients
 * and can be dropped by servers that deduplicate.
 */
import nodemailer from 'nodemailer';
import { plainText } from './format.js';
import { transportFailure } from './http.js';
import { OutcomeUnknownError, type Notifier, type OutgoingMessage, type SendOutcome, type Target } from './types.js';

export interface EmailOptions {
  /** smtp://…, smtps://user:pass@host:465 */
  url: string;
  from: string;
  timeoutMs: number;
}

export const messageIdOf = (deliveryId: string) => `<${deliveryId}@rectify>`;

interface SmtpError {
  code?: string;
  responseCode?: number;
  command?: string;
}

function fromThrown(error: unknown): SendOutcome {
  const e = (error ?? {}) as SmtpError;
  // The server answered: 4xx is a passing refusal (greylisting, mailbox busy), 5xx a final one.
  if (typeof e.responseCode === 'number' && e.responseCode >= 400) {
    return { ok: false, retryable: e.responseCode < 500, code: `smtp:${e.responseCode}` };
  }
  const failure = transportFailure(error);
  if (failure === 'connect_failed') return { ok: false, retryable: true, code: 'connect_failed' };
  // Address or message rejected by nodemailer itself, before anything was sent.
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return { ok: false, retryable: false, code: `smtp:${e.code}` };
  if (e.code === 'EAUTH') return { ok: false, retryable: false, code: 'smtp:EAUTH' };
  // Dropped or silent after connecting: the server may hold the message (the drop may follow DATA).
  if (failure === 'timeout' || e.code === 'ETIMEDOUT') throw new OutcomeUnknownError('timeout');
  throw new OutcomeUnknownError('connection_reset');
}

export function createEmail(options: EmailOptions): Notifier {
  const transport = nodemailer.createTransport({
    url: options.url,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    dnsTimeout: options.timeoutMs,
  });
  return {
    channel: 'email',
    async send(target: Target, message: OutgoingMessage): Promise<SendOutcome> {
      if (target.channel !== 'email') return { ok: false, retryable: false, code: 'wrong_target' };
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: target.address,
          subject: message.title,
          text: plainText(message),
          messageId: messageIdOf(message.deliveryId),
        });
        // A server that accepted no recipient answered with an error above; `rejected` lists partial refusals.
        if (info.rejected.length > 0) return { ok: false, retryable: false, code: 'smtp:rejected' };
        return { ok: true, providerMessageId: info.messageId ?? messageIdOf(message.deliveryId) };
      } catch (error) {
        return fromThrown(error);
      }
    },
  };
}
