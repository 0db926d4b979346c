/**
 * Delivery of notifications beyond the inbox: SMS and e-mail to a person, group robots (企业微信,
 * 钉钉) and a county's own signed webhook to an office. The inbox row always exists; deliveries are
 * one row each per notification × channel × target (the outbox), never holding an address.
 */
import { addCalendarDays, isWorkingDay, type Calendar } from './calendar.js';

/** The kind of the message carrying a contact point's verification code (SMS adapters pick their template by it). */
export const VERIFICATION_MESSAGE_KIND = 'contact_point.verification';
/** The kind of an office channel's test message. */
export const CHANNEL_TEST_MESSAGE_KIND = 'office_channel.test';

/** A person's own channels (contact points). */
export const CONTACT_KINDS = ['sms', 'email'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

/** An office's channels (group robots and webhooks). */
export const OFFICE_CHANNEL_KINDS = ['wecom_robot', 'dingtalk_robot', 'signed_webhook'] as const;
export type OfficeChannelKind = (typeof OFFICE_CHANNEL_KINDS)[number];

export const DELIVERY_CHANNELS = [...CONTACT_KINDS, ...OFFICE_CHANNEL_KINDS] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export const CHANNEL_LABELS: Record<DeliveryChannel, string> = {
  sms: '短信',
  email: '电子邮件',
  wecom_robot: '企业微信群机器人',
  dingtalk_robot: '钉钉群机器人',
  signed_webhook: '签名 Webhook',
};

/**
 * pending (written with its notification) → scheduled (its send window known) → sending (claimed:
 * the provider may have it) → sent (the provider said yes) → delivered (its status report said so);
 * or failed (the last attempt failed, or the provider refused for good), unknown (claimed, no
 * outcome, and the channel cannot deduplicate: never resent automatically), suppressed (its
 * obligation was met or its escalation resolved before the window opened), digested (carried by
 * another delivery's merged message).
 */
export const DELIVERY_STATUSES = ['pending', 'scheduled', 'sending', 'sent', 'delivered', 'failed', 'unknown', 'suppressed', 'digested'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const FINAL_DELIVERY_STATUSES: readonly DeliveryStatus[] = ['sent', 'delivered', 'failed', 'unknown', 'suppressed', 'digested'];

export const DELIVERY_STATUS_LABELS: Record<DeliveryStatus, string> = {
  pending: '待安排',
  scheduled: '待发送',
  sending: '发送中',
  sent: '已发送',
  delivered: '已送达',
  failed: '发送失败',
  unknown: '结果不明',
  suppressed: '已免发',
  digested: '已合并发送',
};

/**
 * Channels a retry may send again after a claim without an outcome, because the provider or the
 * receiver drops the duplicate: WeCom (enable_duplicate_check), e-mail (the fixed Message-ID) and our
 * signed webhook (X-Rectify-Delivery). SMS providers and DingTalk robots cannot: such a delivery
 * becomes `unknown` and is reconciled (SMS, by the provider's status query) or resent by a person.
 */
export const RESEND_SAFE_CHANNELS: readonly DeliveryChannel[] = ['email', 'wecom_robot', 'signed_webhook'];

/** What a notification is, for preferences: from its kind. */
export const NOTIFICATION_CATEGORIES = ['reminder', 'yellow_card', 'red_card', 'circular', 'coverage_alert', 'event'] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];

export const CATEGORY_LABELS: Record<NotificationCategory, string> = {
  reminder: '到期提醒',
  yellow_card: '黄牌督办',
  red_card: '红牌督办',
  circular: '通报',
  coverage_alert: '后备力量预警',
  event: '其他事项',
};

export function categoryOf(kind: string): NotificationCategory {
  switch (kind) {
    case 'escalation.reminder':
      return 'reminder';
    case 'escalation.township_office':
      return 'yellow_card';
    case 'escalation.org_dept':
      return 'red_card';
    case 'escalation.standing_committee':
      return 'circular';
    case 'reserve.coverage_alert':
      return 'coverage_alert';
    default:
      return 'event';
  }
}

/** 红牌 and 通报 reach their channels whatever anyone prefers. */
export const MANDATORY_CATEGORIES: readonly NotificationCategory[] = ['red_card', 'circular'];

/**
 * The defaults (issue 12): a reminder → the person's SMS; 黄牌 → the township robot; 红牌 → the org
 * dept robot and SMS to its staff; 通报 → the org dept robot; coverage alerts → the township robot as
 * a daily digest. E-mail and everything else are opt-in.
 */
export function defaultEnabled(category: NotificationCategory, channel: DeliveryChannel): boolean {
  const robot = (OFFICE_CHANNEL_KINDS as readonly string[]).includes(channel);
  switch (category) {
    case 'reminder':
      return channel === 'sms' || robot;
    case 'yellow_card':
    case 'circular':
    case 'coverage_alert':
      return robot;
    case 'red_card':
      return channel === 'sms' || robot;
    case 'event':
      return false;
  }
}

/** Whether a preference may turn this category off on this channel. */
export function mayDisable(category: NotificationCategory, channel: DeliveryChannel): boolean {
  return !(MANDATORY_CATEGORIES.includes(category) && defaultEnabled(category, channel));
}

/** Categories sent once a day, merged, at the window's opening (not at once). */
export const DAILY_DIGEST_CATEGORIES: readonly NotificationCategory[] = ['coverage_alert'];

/** 138****0000: enough for a person to recognise their number, never the number. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '****';
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** z***@example.gov.cn */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/** A robot's or webhook's URL without its key: https://qyapi.weixin.qq.com/… */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '…';
  }
}

/** Mainland mobile numbers (11 digits from 1[3-9]), optionally with +86. */
export const MOBILE_PATTERN = /^(\+?86)?1[3-9]\d{9}$/;

/** The canonical form stored (encrypted): 11 digits, no country code. */
export function normalizePhone(phone: string): string {
  return phone.replace(/[\s-]/g, '').replace(/^\+?86/, '');
}

// --- Send windows -------------------------------------------------------------------------------

/**
 * When messages may go out: `always` (the compressed demo policy), or between `start` and `end`
 * (HH:mm, the policy's zone) on the recipient division's working days (调休 and local closures
 * included). Nothing is sent at 3 a.m. or on a 国庆 holiday.
 */
export type SendWindow = 'always' | { start: string; end: string };
export const DEFAULT_SEND_WINDOW: SendWindow = { start: '08:30', end: '18:00' };

/** Wall-clock parts of an instant in a zone (Intl: no luxon in domain/). */
function wallClock(at: Date, timeZone: string): { date: string; minutes: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** The instant a wall-clock time on a date is in a zone (two passes over the zone's offset). */
export function zonedInstant(date: string, hhmm: string, timeZone: string): Date {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const guess = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), h, m);
  let at = guess;
  for (let i = 0; i < 2; i++) {
    const seen = wallClock(new Date(at), timeZone);
    const seenUtc = Date.UTC(Number(seen.date.slice(0, 4)), Number(seen.date.slice(5, 7)) - 1, Number(seen.date.slice(8, 10)), 0, seen.minutes);
    at += guess - seenUtc;
  }
  return new Date(at);
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The first instant at or after `at` inside the window: `at` itself when the window is open, else
 * the window's start on the next working day (today's, if it has not opened yet). `daily` asks for
 * a digest's slot: the next opening strictly after today's (or today's, if it is still ahead).
 */
export function nextWindowOpening(window: SendWindow, calendar: Calendar, timeZone: string, at: Date, options: { daily?: boolean } = {}): Date {
  if (window === 'always') return at;
  const { date, minutes } = wallClock(at, timeZone);
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  if (isWorkingDay(calendar, date)) {
    if (minutes < start) return zonedInstant(date, window.start, timeZone);
    if (minutes < end && !options.daily) return at;
  }
  let day = addCalendarDays(date, 1);
  // A walk over rest days: a long holiday is about ten days; a year bounds a corrupt calendar.
  for (let i = 0; i < 366 && !isWorkingDay(calendar, day); i++) day = addCalendarDays(day, 1);
  return zonedInstant(day, window.start, timeZone);
}

/** Parses a policy's window (validated by the policy schema). */
export function isValidWindow(window: SendWindow): boolean {
  return window === 'always' || (/^([01]\d|2[0-3]):[0-5]\d$/.test(window.start) && /^([01]\d|2[0-3]):[0-5]\d$/.test(window.end) && window.start < window.end);
}

/** Robots take at most this many messages a minute (WeCom and DingTalk both say 20). */
export const ROBOT_MESSAGES_PER_MINUTE = 20;
/** A merged message lists at most this many items, then "另有 N 项". */
export const DIGEST_MAX_LINES = 20;

/** Attempts of one send activity (Temporal's retry policy and the activity's "last attempt" agree on it). */
export const MAX_SEND_ATTEMPTS = 6;
/** A robot's messages are spaced at least this far apart: 20 a minute. */
export const ROBOT_SPACING_MS = Math.ceil(60_000 / ROBOT_MESSAGES_PER_MINUTE);
