/**
 * Delivery fixtures: contact points and office channels written straight into a test database
 * (sealed with the harness's key, as the API would), and a recording stand-in for a provider.
 */
import { randomUUID } from 'node:crypto';
import { contactPoints, officeChannels } from '../../db/schema/index.js';
import { maskEmail, maskPhone, maskUrl, type ContactKind, type DeliveryChannel, type OfficeChannelKind } from '../../domain/delivery.js';
import type { Role } from '../../domain/roles.js';
import type { Notifier, Notifiers, OutgoingMessage, SendOutcome, Target } from '../../notifiers/types.js';
import { TEST_SECRET_BOX, type Harness } from './harness.js';

export async function addContactPoint(h: Harness, userId: string, kind: ContactKind, address: string, verified = true): Promise<string> {
  const [row] = await h.db.db
    .insert(contactPoints)
    .values({
      userId,
      kind,
      addressSealed: TEST_SECRET_BOX.seal(address),
      addressDigest: TEST_SECRET_BOX.digest(address),
      addressHint: kind === 'sms' ? maskPhone(address) : maskEmail(address),
      verifiedAt: verified ? new Date() : null,
    })
    .returning({ id: contactPoints.id });
  return row!.id;
}

export async function addOfficeChannel(
  h: Harness,
  office: { role: Role; divisionCode: string },
  kind: OfficeChannelKind,
  url: string,
  secret: string | null = null,
): Promise<string> {
  const [row] = await h.db.db
    .insert(officeChannels)
    .values({
      officeRole: office.role,
      officeDivisionCode: office.divisionCode,
      kind,
      label: `${kind}-${randomUUID().slice(0, 8)}`,
      urlSealed: TEST_SECRET_BOX.seal(url),
      urlHint: maskUrl(url),
      secretSealed: secret ? TEST_SECRET_BOX.seal(secret) : null,
    })
    .returning({ id: officeChannels.id });
  return row!.id;
}

export interface SentRecord {
  channel: DeliveryChannel;
  target: Target;
  message: OutgoingMessage;
}

/** Records what each channel was asked to send and answers as told (success by default). */
export function recordingNotifiers(channels: readonly DeliveryChannel[]): {
  notifiers: Notifiers;
  sent: SentRecord[];
  /** The next answers of a channel, in order (then success again). */
  answerNext(channel: DeliveryChannel, ...outcomes: Array<SendOutcome | Error>): void;
} {
  const sent: SentRecord[] = [];
  const queued = new Map<DeliveryChannel, Array<SendOutcome | Error>>();
  const notifiers: Notifiers = {};
  for (const channel of channels) {
    const notifier: Notifier = {
      channel,
      async send(target, message) {
        const next = queued.get(channel)?.shift();
        if (next instanceof Error) throw next;
        if (next && !next.ok) return next;
        sent.push({ channel, target, message });
        return next ?? { ok: true, providerMessageId: `pm-${sent.length}` };
      },
    };
    notifiers[channel] = notifier;
  }
  return {
    notifiers,
    sent,
    answerNext(channel, ...outcomes) {
      queued.set(channel, [...(queued.get(channel) ?? []), ...outcomes]);
    },
  };
}
