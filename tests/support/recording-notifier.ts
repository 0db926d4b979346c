/**
 * A notifier that stands in for a provider (not for Postgres or Temporal): it records what it was
 * asked to send and answers as told (ok by default; `failNext` for a refusal or a thrown error).
 */
import type { DeliveryChannel } from '../../domain/delivery.js';
import type { Notifier, Notifiers, OutgoingMessage, SendOutcome, Target } from '../../notifiers/types.js';

export interface RecordingNotifier extends Notifier {
  sent: Array<{ target: Target; message: OutgoingMessage }>;
  /** The next send answers this (an outcome) or throws it (an Error). */
  failNext(outcome: SendOutcome | Error): void;
}

export function recordingNotifier(channel: DeliveryChannel): RecordingNotifier {
  const queued: Array<SendOutcome | Error> = [];
  const sent: RecordingNotifier['sent'] = [];
  return {
    channel,
    sent,
    failNext: (outcome) => void queued.push(outcome),
    async send(target, message) {
      sent.push({ target, message });
      const next = queued.shift();
      if (next instanceof Error) throw next;
      return next ?? { ok: true, providerMessageId: `test-${sent.length}` };
    },
  };
}

export function recordingNotifiers() {
  const all = {
    sms: recordingNotifier('sms'),
    email: recordingNotifier('email'),
    wecom_robot: recordingNotifier('wecom_robot'),
    dingtalk_robot: recordingNotifier('dingtalk_robot'),
    signed_webhook: recordingNotifier('signed_webhook'),
  } satisfies Notifiers;
  return all;
}

/** The 6-digit code in the last message sent to this target address. */
export function lastCode(notifier: RecordingNotifier): string {
  const last = notifier.sent.at(-1);
  if (!last) throw new Error(`nothing was sent on ${notifier.channel}`);
  const match = /\b(\d{6})\b/.exec([last.message.title, ...last.message.lines].join('\n'));
  if (!match) throw new Error('no code in the last message');
  return match[1]!;
}
