/**
 * The delivery activities (task queue DELIVERY_TASK_QUEUE). They receive ids only and open
 * addresses, URLs and secrets here, inside the attempt; nothing they return or throw carries one
 * (errors are built from provider codes), so Temporal history never holds a phone number or a key.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Db } from '../db/client.js';
import {
  claimDeliveries,
  dueForTarget,
  failDeliveries,
  listPendingDeliveries,
  loadBatch,
  nextScheduledAt,
  policyInForceAt,
  scheduleDeliveries,
  sealedTarget,
  setDeliveryStatus,
  takeDueTargets,
  touchDeliveries,
  unknownToReconcile,
  type BatchItem,
} from '../db/queries/deliveries.js';
import {
  DAILY_DIGEST_CATEGORIES,
  DEFAULT_SEND_WINDOW,
  MAX_SEND_ATTEMPTS,
  RESEND_SAFE_CHANNELS,
  nextWindowOpening,
  type DeliveryChannel,
  type SendWindow,
} from '../domain/delivery.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import type { SecretBox } from '../lib/secret-box.js';
import { OutcomeUnknownError, type Notifiers, type OutgoingMessage, type Target } from '../notifiers/types.js';
import type { CalendarSource } from './deadlines.js';
import type { Calendar } from '../domain/calendar.js';

export interface DeliveryActivityDeps {
  db: Db;
  calendars: CalendarSource;
  secretBox: SecretBox;
  notifiers: Notifiers;
  /** Starts (or wakes) the sender workflow of a target: signal-with-start on the delivery task queue. */
  wakeSender(targetId: string): Promise<void>;
  now?: () => Date;
}

/** Targets handed over per dispatcher round. */
const ROUND_SIZE = 500;
/** Pending deliveries planned per round. */
const PLAN_ROUND = 5_000;
/** A merged message carries at most this many deliveries (the rest wait for the next one). */
const BATCH_SIZE = 200;

/**
 * The activity's clock: the server's time when this attempt was scheduled, run on by the local
 * clock. In production that is the wall clock; on the time-skipping test server it is the skipped
 * time the workflows live in, so windows and deadlines agree with them.
 */
function attemptClock(): () => Date {
  let base: number;
  try {
    base = Context.current().info.currentAttemptScheduledTimestampMs;
  } catch {
    return () => new Date();
  }
  const local = Date.now();
  return () => new Date(base + (Date.now() - local));
}

export function createDeliveryActivities(deps: DeliveryActivityDeps) {
  const { db } = deps;
  // Each activity call runs on its own clock (attemptClock); a test may pin it.
  const clockOf = (): (() => Date) => deps.now ?? attemptClock();

  /** When a pending delivery may go out: the next opening of its policy's window on its division's working days. */
  async function planPending(now: () => Date): Promise<number> {
    const pending = await listPendingDeliveries(db, PLAN_ROUND);
    const at = now();
    // Per round, once per division: a burst is thousands of rows from a few dozen divisions.
    const policies = new Map<string, Promise<SendWindowOf>>();
    const calendars = new Map<string, Promise<Calendar>>();
    const once = <T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> => {
      let hit = cache.get(key);
      if (!hit) cache.set(key, (hit = load()));
      return hit;
    };
    const plans = await Promise.all(
      pending.map(async (d) => {
        const policy = d.policy ?? (await once(policies, d.divisionCode, async () => (await policyInForceAt(db, d.divisionCode)) ?? DEFAULT_POLICY));
        const window: SendWindow = policy.sendWindow ?? DEFAULT_SEND_WINDOW;
        const calendar = await once(calendars, d.divisionCode, () => deps.calendars.calendarFor(d.divisionCode));
        const daily = DAILY_DIGEST_CATEGORIES.includes(d.category);
        return { id: d.id, notBefore: nextWindowOpening(window, calendar, policy.timeZone, daily ? d.createdAt : at, { daily }) };
      }),
    );
    for (let i = 0; i < plans.length; i += 1_000) await scheduleDeliveries(db, plans.slice(i, i + 1_000), at);
    return pending.length;
  }

  /** An SMS whose outcome is unknown: the provider's status query by our key. */
  async function reconcileSms(items: ReadonlyArray<{ id: string; targetId: string; claimedAt: Date | null }>, now: () => Date): Promise<void> {
    const notifier = deps.notifiers.sms;
    if (!notifier?.query) return;
    for (const item of items) {
      const target = await openTarget(item.targetId);
      if (!target) continue;
      const report = await notifier.query(target, item.id, item.claimedAt ?? now()).catch(() => null);
      const at = now();
      if (report?.found && report.status !== 'failed') {
        await setDeliveryStatus(
          db,
          [item.id],
          ['unknown', 'sending'],
          {
            status: report.status,
            providerMessageId: report.providerMessageId,
            sentAt: item.claimedAt ?? at,
            ...(report.status === 'delivered' ? { deliveredAt: at } : {}),
            finishedAt: at,
          },
          at,
        );
      } else if (report?.found) {
        await setDeliveryStatus(
          db,
          [item.id],
          ['unknown', 'sending'],
          { status: 'failed', lastErrorCode: report.code ?? 'provider_failed', finishedAt: at },
          at,
        );
      } else {
        await touchDeliveries(db, [item.id], at);
      }
    }
  }

  async function openTarget(targetId: string): Promise<Target | null> {
    const sealed = await sealedTarget(db, targetId);
    if (!sealed || !sealed.live) return null;
    if (sealed.kind === 'contact') {
      const address = deps.secretBox.open(sealed.addressSealed);
      return sealed.channel === 'sms' ? { channel: 'sms', phone: address } : { channel: 'email', address };
    }
    return {
      channel: sealed.channel as 'wecom_robot' | 'dingtalk_robot' | 'signed_webhook',
      url: deps.secretBox.open(sealed.urlSealed),
      secret: sealed.secretSealed ? deps.secretBox.open(sealed.secretSealed) : null,
    };
  }

  return {
    dispatchDeliveries: () => dispatchDeliveries(clockOf()),
    dueDeliveries: (input: { targetId: string }) => dueDeliveries(input, clockOf()),
    sendDeliveries: (input: { targetId: string; deliveryIds: string[] }) => sendDeliveries(input, clockOf()),
  };

  /**
   * One dispatcher round: plan what is pending, hand every target with something due to its
   * sender, ask providers about unknown SMS. `more`: a full round, go again at once.
   */
  async function dispatchDeliveries(now: () => Date): Promise<{ more: boolean; nextAt: string | null }> {
    // Everything pending is planned before anything is handed over, so a burst for one robot or
    // phone goes out as one merged message instead of trickling out as it is planned.
    const planned = await planPending(now);
    if (planned === PLAN_ROUND) return { more: true, nextAt: null };
    const due = await takeDueTargets(db, now(), ROUND_SIZE);
    for (let i = 0; i < due.length; i += 50) await Promise.all(due.slice(i, i + 50).map((t) => deps.wakeSender(t.targetId)));
    const at = now();
    await reconcileSms(await unknownToReconcile(db, new Date(at.getTime() - 2 * 86_400_000), new Date(at.getTime() - 5 * 60_000), 50), now);
    const next = await nextScheduledAt(db, now());
    return { more: due.length === ROUND_SIZE, nextAt: next?.toISOString() ?? null };
  }

  /** What one target has to send now. */
  async function dueDeliveries(input: { targetId: string }, now: () => Date): Promise<{ deliveryIds: string[]; channel: DeliveryChannel | null }> {
    const ids = await dueForTarget(db, input.targetId, now(), BATCH_SIZE);
    const sealed = ids.length ? await sealedTarget(db, input.targetId) : null;
    return { deliveryIds: ids, channel: sealed?.channel ?? null };
  }

  /**
   * Sends a target's batch as one message (merged when several). Exactly once where the channel
   * cannot drop a duplicate: the claim is committed before the provider is called, and a retry
   * that finds a claim without an outcome does not send that SMS (or DingTalk message) again; it
   * marks it `unknown` and asks the provider's status query.
   */
  async function sendDeliveries(
    input: { targetId: string; deliveryIds: string[] },
    now: () => Date,
  ): Promise<{ sent: number; failed: number; unknown: number; suppressed: number }> {
    const info = Context.current().info;
    const items = await loadBatch(db, input.deliveryIds);
    const result = { sent: 0, failed: 0, unknown: 0, suppressed: 0 };
    const at = now();

    // 1. Claims an earlier attempt left without an outcome.
    const inDoubt = items.filter((i) => i.status === 'sending');
    // Resent only where the receiver drops duplicates, and not forever (a receiver that always hangs).
    const resendable = inDoubt.filter((i) => RESEND_SAFE_CHANNELS.includes(i.channel) && i.attempts < 2 * MAX_SEND_ATTEMPTS);
    const doubtful = inDoubt.filter((i) => !resendable.includes(i));
    if (doubtful.length) {
      const marked = await setDeliveryStatus(
        db,
        doubtful.map((i) => i.id),
        ['sending'],
        { status: 'unknown', lastErrorCode: 'outcome_unknown', finishedAt: at },
        at,
      );
      result.unknown += marked.length;
      if (doubtful[0]!.channel === 'sms')
        await reconcileSms(
          doubtful.map((i) => ({ id: i.id, targetId: input.targetId, claimedAt: i.claimedAt })),
          now,
        );
    }
    if (resendable.length)
      await setDeliveryStatus(
        db,
        resendable.map((i) => i.id),
        ['sending'],
        { status: 'scheduled' },
        at,
      );

    // 2. Moot reminders: met or resolved before the window opened.
    const candidates = items.filter((i) => i.status === 'scheduled' || resendable.includes(i));
    const moot = candidates.filter((i) => i.moot && (i.category === 'reminder' || i.category === 'yellow_card' || i.category === 'coverage_alert'));
    result.suppressed += (
      await setDeliveryStatus(
        db,
        moot.map((i) => i.id),
        ['scheduled'],
        { status: 'suppressed', finishedAt: at },
        at,
      )
    ).length;
    const toSend = candidates.filter((i) => !moot.includes(i));
    if (toSend.length === 0) return result;

    // 3. The target must still exist and be on; the channel must be configured.
    const channel = toSend[0]!.channel;
    const notifier = deps.notifiers[channel];
    const target = await openTarget(input.targetId);
    if (!notifier || !target) {
      await failDeliveries(db, toSend, notifier ? 'target_removed' : 'channel_not_configured', at);
      result.failed += toSend.length;
      return result;
    }

    // 4. The claim, committed before the provider hears of it.
    const claimed = new Set(
      await claimDeliveries(
        db,
        toSend.map((i) => i.id),
        now(),
      ),
    );
    const batch = toSend.filter((i) => claimed.has(i.id));
    if (batch.length === 0) return result;
    const lead = batch[0]!;

    let outcome;
    // Heartbeats while the provider answers: a worker killed meanwhile is noticed in seconds
    // (heartbeatTimeout), not at the end of startToCloseTimeout, and the retry decides (step 1).
    const context = Context.current();
    const beat = setInterval(() => context.heartbeat(), 5_000);
    try {
      outcome = await notifier.send(target, messageOf(batch));
    } catch (err) {
      // The provider may have it: leave the claim; the retry decides (step 1).
      const code = err instanceof OutcomeUnknownError ? err.code : 'send_error';
      throw ApplicationFailure.retryable(`投递结果不明 (${code})`, 'OutcomeUnknown');
    } finally {
      clearInterval(beat);
    }
    const done = now();
    if (outcome.ok) {
      await setDeliveryStatus(
        db,
        [lead.id],
        ['sending'],
        { status: 'sent', sentAt: done, providerMessageId: outcome.providerMessageId, lastErrorCode: null, finishedAt: done },
        done,
      );
      const rest = batch.slice(1).map((i) => i.id);
      await setDeliveryStatus(db, rest, ['sending'], { status: 'digested', digestOf: lead.id, sentAt: done, finishedAt: done }, done);
      result.sent += batch.length;
      return result;
    }
    // The provider said no: nothing went out.
    if (!outcome.retryable || info.attempt >= MAX_SEND_ATTEMPTS) {
      await failDeliveries(db, batch, outcome.code, done);
      result.failed += batch.length;
      return result;
    }
    await setDeliveryStatus(
      db,
      batch.map((i) => i.id),
      ['sending'],
      { status: 'scheduled', lastErrorCode: outcome.code },
      done,
    );
    throw ApplicationFailure.create({
      message: `发送被拒，稍后重试 (${outcome.code})`,
      type: 'ProviderRefused',
      ...(outcome.retryAfterMs ? { nextRetryDelay: outcome.retryAfterMs } : {}),
    });
  }
}

type SendWindowOf = Pick<typeof DEFAULT_POLICY, 'timeZone' | 'sendWindow'>;

/** One message for a batch: the notification itself, or a merged list (the notifier caps its lines). */
export function messageOf(batch: readonly BatchItem[]): OutgoingMessage {
  const lead = batch[0]!;
  if (batch.length === 1) return { deliveryId: lead.id, kind: lead.kind, title: lead.title, lines: [lead.body], more: 0 };
  return {
    deliveryId: lead.id,
    kind: lead.kind,
    title: `督办通知（共${batch.length}项）`,
    lines: batch.map((i) => `${i.title}：${i.body}`),
    more: 0,
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
