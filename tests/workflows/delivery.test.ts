/**
 * Delivery on the time-skipping server: the ladder's notifications reach the sponsor's SMS and the
 * offices' robots through the outbox, the dispatcher and the senders, once each; send windows on
 * working days (a make-up Saturday sends, a 国庆 holiday waits); a merged message per robot; a
 * moot reminder suppressed; a provider refusal retried, then failed with a notice to the org dept.
 * The providers are a recording stand-in here (tests/notifiers/ drive the real adapters).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { addContactPoint, addOfficeChannel, recordingNotifiers } from '../support/deliveries.js';
import { yearRange } from '../support/test-calendar.js';
import { insertNotifications } from '../../db/queries/deadline-projection.js';
import { addCalendarDays, describeDay, isWorkingDay, type Calendar } from '../../domain/calendar.js';
import { zonedInstant } from '../../domain/delivery.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let calendar: Calendar;
let org: TestUser;
let sponsor: TestUser;
let orgStaff: TestUser;
let villages: string[];
let next = 0;
const providers = recordingNotifiers(['sms', 'wecom_robot', 'dingtalk_robot']);
const SPONSOR_PHONE = '13800138001';
const STAFF_PHONE = '13900139002';
const TOWNSHIP_ROBOT = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=township-key-0001';
const ORG_ROBOT = 'https://oapi.dingtalk.com/robot/send?access_token=org-token-0002';

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env }, { deliveries: { notifiers: providers.notifiers } });
  const year = new Date(await env.currentTimeMs()).getUTCFullYear();
  // Known calendars (synthetic notices beyond the package's years): nothing here depends on today.
  await h.useCalendar(yearRange(year - 1, year + 3));
  calendar = await h.calendarFor('522731001');
  org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  orgStaff = await h.addUser('org_dept', '522731', '组织部干部');
  sponsor = await h.addUser('sponsor', '522731', '包保县领导');
  villages = await h.villageCodes('522731001');
  await addContactPoint(h, sponsor.id, 'sms', SPONSOR_PHONE);
  await addContactPoint(h, orgStaff.id, 'sms', STAFF_PHONE);
  await addOfficeChannel(h, { role: 'township_office', divisionCode: '522731001000' }, 'wecom_robot', TOWNSHIP_ROBOT);
  await addOfficeChannel(h, { role: 'org_dept', divisionCode: '522731000000' }, 'dingtalk_robot', ORG_ROBOT, 'SECdingtalk-secret');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

async function skipTo(at: string | Date, slackMs = 60_000): Promise<void> {
  const gap = new Date(at).getTime() + slackMs - (await env.currentTimeMs());
  if (gap > 0) await env.sleep(gap);
}

async function deliveriesOf(caseId: string) {
  return h.db.sql<{ id: string; kind: string; channel: string; status: string; sent_at: Date | null; not_before: Date | null; digest_of: string | null }[]>`
    select d.id, n.kind, d.channel, d.status, d.sent_at, d.not_before, d.digest_of
      from deliveries d join notifications n on n.id = d.notification_id
     where n.case_id = ${caseId} order by d.created_at, d.channel`;
}

describe('the ladder reaches phones and robots', () => {
  test('reminder → sponsor SMS; 黄牌 → township robot; 红牌 → org robot + staff SMS; each once, ids only in history', async () => {
    const c = await h.cases.designate(org, { villageCode: villages[next++]!, reasons: ['leadership_incomplete'], sponsorUserId: sponsor.id });
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    const rungAt = (rung: string) => plan.rungs.find((r) => r.rung === rung)!.at;
    const before = providers.sent.length;

    // Rung by rung (a skip over several would fire them all before the first message went out, and merge them).
    for (const [rung, expected] of [
      ['reminder', 1],
      ['township_office', 2],
      ['org_dept', 4],
    ] as const) {
      await skipTo(rungAt(rung));
      await eventually(`${rung} delivered`, async () => {
        const r = await deliveriesOf(c.id);
        return r.length === expected && r.every((d) => d.status === 'sent') ? r : undefined;
      });
    }
    const rows = await deliveriesOf(c.id);
    expect(rows.map((d) => [d.kind, d.channel]).sort()).toEqual(
      [
        ['escalation.org_dept', 'dingtalk_robot'],
        ['escalation.org_dept', 'sms'],
        ['escalation.reminder', 'sms'],
        ['escalation.township_office', 'wecom_robot'],
      ].sort(),
    );
    const mine = providers.sent.slice(before);
    expect(mine).toHaveLength(4);
    // The provider key is the delivery's id, so a retry carries the same one.
    expect(mine.map((s) => s.message.deliveryId).sort()).toEqual(rows.map((d) => d.id).sort());
    const reminder = mine.find((s) => s.message.kind === 'escalation.reminder')!;
    expect(reminder.target).toEqual({ channel: 'sms', phone: SPONSOR_PHONE });
    expect(mine.find((s) => s.channel === 'wecom_robot')!.target).toMatchObject({ url: TOWNSHIP_ROBOT });
    expect(
      mine
        .filter((s) => s.channel === 'sms')
        .map((s) => (s.target as { phone: string }).phone)
        .sort(),
    ).toEqual([SPONSOR_PHONE, STAFF_PHONE].sort());

    // Nothing sent twice after more time passes, and no address in the outbox.
    await skipTo(new Date(Date.parse(rungAt('org_dept')) + 2 * 86_400_000));
    expect(providers.sent.slice(before)).toHaveLength(4);
    const outbox = JSON.stringify(await h.db.sql`select * from deliveries`);
    for (const secret of [SPONSOR_PHONE, STAFF_PHONE, 'township-key-0001', 'org-token-0002']) expect(outbox).not.toContain(secret);
  });
});

/** A notification about nothing in particular, written the way projections write them, at server time. */
async function notifyOffice(kind: string, title: string): Promise<string> {
  const at = new Date(await env.currentTimeMs());
  const key = `test:${kind}:${at.getTime()}:${Math.random()}`;
  await h.db.db.transaction((tx) =>
    insertNotifications(
      tx,
      null,
      null,
      [{ dedupeKey: key, recipient: { userId: null, role: 'township_office', divisionCode: '522731001000' }, kind, title, body: `${title}（正文）` }],
      at,
    ),
  );
  h.delivery!.wake();
  const [row] = await h.db.sql<{ id: string }[]>`select id from notifications where dedupe_key = ${key}`;
  return row!.id;
}

async function deliveryOfNotification(notificationId: string) {
  const [row] = await h.db.sql<{ id: string; status: string; not_before: string | null; sent_at: string | null }[]>`
    select id, status, not_before, sent_at from deliveries where notification_id = ${notificationId}`;
  return row && { ...row, not_before: row.not_before ? new Date(row.not_before) : null, sent_at: row.sent_at ? new Date(row.sent_at) : null };
}

/** The first date on or after `from` that satisfies `pick`. */
function findDay(from: string, pick: (date: string) => boolean): string {
  let d = from;
  for (let i = 0; i < 800 && !pick(d); i++) d = addCalendarDays(d, 1);
  return d;
}

describe('send windows on working days', () => {
  test('a 黄牌 raised on a make-up Saturday goes out that day; one raised on a holiday (国庆…) waits for the first working day, 08:30', async () => {
    const today = new Date(await env.currentTimeMs()).toISOString().slice(0, 10);
    const weekdayOf = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay();
    const makeUpSaturday = findDay(addCalendarDays(today, 2), (d) => weekdayOf(d) === 6 && isWorkingDay(calendar, d));
    await skipTo(zonedInstant(makeUpSaturday, '10:00', 'Asia/Shanghai'), 0);
    const onSaturday = await notifyOffice('escalation.township_office', '周六补班日的黄牌');
    const sentSaturday = await eventually('sent on the make-up Saturday', async () => {
      const d = await deliveryOfNotification(onSaturday);
      return d?.status === 'sent' ? d : undefined;
    });
    expect(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(sentSaturday.sent_at!)).toBe(makeUpSaturday);

    // A statutory holiday on a weekday (国庆 in the synthetic notices; whichever comes first).
    const holiday = findDay(addCalendarDays(makeUpSaturday, 1), (d) => weekdayOf(d) !== 0 && weekdayOf(d) !== 6 && !isWorkingDay(calendar, d));
    expect(describeDay(calendar, holiday).name).toBeTruthy();
    await skipTo(zonedInstant(holiday, '10:00', 'Asia/Shanghai'), 0);
    const sent = providers.sent.length;
    const onHoliday = await notifyOffice('escalation.township_office', '国庆期间的黄牌');
    const firstWorkingDay = findDay(holiday, (d) => isWorkingDay(calendar, d));
    const opening = zonedInstant(firstWorkingDay, '08:30', 'Asia/Shanghai');
    const scheduled = await eventually('scheduled for the first working day', async () => {
      const d = await deliveryOfNotification(onHoliday);
      return d?.status === 'scheduled' ? d : undefined;
    });
    expect(scheduled.not_before!.toISOString()).toBe(opening.toISOString());
    expect(providers.sent.length).toBe(sent);

    await skipTo(opening, 5_000);
    // Sent, or carried by a merged message with what else waited for that robot.
    const delivered = await eventually('sent when the window opened', async () => {
      const d = await deliveryOfNotification(onHoliday);
      return d?.status === 'sent' || d?.status === 'digested' ? d : undefined;
    });
    expect(delivered.sent_at!.getTime()).toBeGreaterThanOrEqual(opening.getTime());
  });

  test('several 黄牌 for one robot while its window is closed go out as one merged message when it opens', async () => {
    const today = new Date(await env.currentTimeMs()).toISOString().slice(0, 10);
    const evening = findDay(addCalendarDays(today, 1), (d) => isWorkingDay(calendar, d) && isWorkingDay(calendar, addCalendarDays(d, 1)));
    await skipTo(zonedInstant(evening, '20:00', 'Asia/Shanghai'), 0);
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) ids.push(await notifyOffice('escalation.township_office', `夜间黄牌${i}`));
    const sentBefore = providers.sent.length;
    await eventually('all scheduled', async () => {
      const rows = await Promise.all(ids.map(deliveryOfNotification));
      return rows.every((r) => r?.status === 'scheduled') || undefined;
    });
    await skipTo(zonedInstant(addCalendarDays(evening, 1), '08:30', 'Asia/Shanghai'), 5_000);
    const rows = await eventually('sent as one', async () => {
      const r = await Promise.all(ids.map(deliveryOfNotification));
      return r.every((d) => d?.status === 'sent' || d?.status === 'digested') ? r : undefined;
    });
    expect(rows.filter((r) => r!.status === 'sent')).toHaveLength(1);
    expect(rows.filter((r) => r!.status === 'digested')).toHaveLength(2);
    const merged = providers.sent.slice(sentBefore);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.message.lines).toHaveLength(3);
    expect(merged[0]!.message.lines.join('\n')).toContain('夜间黄牌3');
  });
});

describe('refusals', () => {
  test('a throttled robot is retried after the delay it asked for; a refusal for good fails and tells the org dept', async () => {
    const sentBefore = providers.sent.length;
    providers.answerNext('wecom_robot', { ok: false, retryable: true, code: 'errcode:45009', retryAfterMs: 60_000 });
    const throttled = await notifyOffice('escalation.township_office', '限流后重试的黄牌');
    await eventually('refused once', async () => (await deliveryOfNotification(throttled))?.status === 'scheduled' && providers.sent.length === sentBefore);
    await skipTo(new Date((await env.currentTimeMs()) + 2 * 60_000), 0);
    const retried = await eventually('sent after the throttle', async () => {
      const d = await deliveryOfNotification(throttled);
      return d?.status === 'sent' ? d : undefined;
    });
    expect(retried).toBeDefined();
    expect(providers.sent.length).toBe(sentBefore + 1);

    providers.answerNext('wecom_robot', { ok: false, retryable: false, code: 'errcode:93000' });
    const refused = await notifyOffice('escalation.township_office', '被拒收的黄牌');
    const failed = await eventually('failed', async () => {
      const d = await deliveryOfNotification(refused);
      return d?.status === 'failed' ? d : undefined;
    });
    const [notice] = await h.db.sql<{ title: string; body: string; recipient_division_code: string }[]>`
      select title, body, recipient_division_code from notifications where dedupe_key = ${`delivery-failed:${failed.id}`}`;
    expect(notice).toMatchObject({ title: '送达失败', recipient_division_code: '522731000000' });
    expect(notice!.body).toContain('errcode:93000');
    expect(notice!.body).not.toContain('township-key-0001');
  });
});

describe('what waits for the window', () => {
  test('a 黄牌 resolved before its window opens is suppressed, not sent', async () => {
    const today = new Date(await env.currentTimeMs()).toISOString().slice(0, 10);
    const evening = findDay(addCalendarDays(today, 1), (d) => isWorkingDay(calendar, d) && isWorkingDay(calendar, addCalendarDays(d, 1)));
    await skipTo(zonedInstant(evening, '19:00', 'Asia/Shanghai'), 0);
    // An open escalation of the first test's case: the 黄牌 is about it.
    const [escalation] = await h.db.sql<{ id: string }[]>`select id from escalations where rung = 'township_office' and resolved_at is null limit 1`;
    const at = new Date(await env.currentTimeMs());
    const key = `test:suppressed:${at.getTime()}`;
    await h.db.db.transaction((tx) =>
      insertNotifications(
        tx,
        null,
        escalation!.id,
        [
          {
            dedupeKey: key,
            recipient: { userId: null, role: 'township_office', divisionCode: '522731001000' },
            kind: 'escalation.township_office',
            title: '晚间黄牌',
            body: '晚间黄牌（正文）',
          },
        ],
        at,
      ),
    );
    h.delivery!.wake();
    const [row] = await h.db.sql<{ id: string }[]>`select id from notifications where dedupe_key = ${key}`;
    await eventually('scheduled for the morning', async () => (await deliveryOfNotification(row!.id))?.status === 'scheduled');
    // The plan is filed overnight: its escalations resolve (as the projection does).
    await h.db.sql`update escalations set resolved_at = ${at.toISOString()}::timestamptz where id = ${escalation!.id}`;
    const sent = providers.sent.length;
    await skipTo(zonedInstant(addCalendarDays(evening, 1), '08:30', 'Asia/Shanghai'), 5_000);
    await eventually('suppressed', async () => (await deliveryOfNotification(row!.id))?.status === 'suppressed');
    // Other rungs of the first test's case may fall due overnight (where "today" is moved); this one went nowhere.
    const carried = providers.sent.slice(sent).filter((s) => [s.message.title, ...s.message.lines].some((text) => text.includes('晚间黄牌')));
    expect(carried).toEqual([]);
  });

  test('a coverage alert raised during the day waits for the next working morning’s digest', async () => {
    const today = new Date(await env.currentTimeMs()).toISOString().slice(0, 10);
    const day = findDay(addCalendarDays(today, 1), (d) => isWorkingDay(calendar, d));
    await skipTo(zonedInstant(day, '10:00', 'Asia/Shanghai'), 0);
    const id = await notifyOffice('reserve.coverage_alert', '后备力量不足2人预警');
    const scheduled = await eventually('scheduled for the digest', async () => {
      const d = await deliveryOfNotification(id);
      return d?.status === 'scheduled' ? d : undefined;
    });
    const nextMorning = findDay(addCalendarDays(day, 1), (d) => isWorkingDay(calendar, d));
    expect(scheduled.not_before!.toISOString()).toBe(zonedInstant(nextMorning, '08:30', 'Asia/Shanghai').toISOString());
  });
});

describe('a designation reaches a sponsor who asked for such notices by SMS', () => {
  // The harness runs the dispatcher without its periodic nudge: the notice is taken up only if the
  // designation woke it. Last in the file, since it moves the server's clock to the SMS window.
  test('the designating service wakes the dispatcher after its commit: the 包保整顿任务 notice is sent once', async () => {
    const phone = '13700137003';
    const eventSponsor = await h.addUser('sponsor', '522731', '另一位包保县领导');
    await addContactPoint(h, eventSponsor.id, 'sms', phone);
    await h.db.sql`insert into notification_preferences (user_id, category, channel, enabled) values (${eventSponsor.id}, 'event', 'sms', true)`;
    const c = await h.cases.designate(org, { villageCode: villages[next++]!, reasons: ['leadership_incomplete'], sponsorUserId: eventSponsor.id });
    const [written] = await deliveriesOf(c.id);
    expect(written).toMatchObject({ kind: 'case.designated', channel: 'sms' });
    // Taken up by the dispatcher (sent, or scheduled for the SMS window) only if something woke it.
    const notice = await eventually('the designation notice dispatched', async () => (await deliveriesOf(c.id)).find((d) => d.status !== 'pending'));
    // Designated outside the window (a night, a holiday): it goes out when the window opens.
    if (notice.status === 'scheduled') await skipTo(notice.not_before!, 1_000);
    await eventually('the designation notice sent', async () => (await deliveriesOf(c.id)).every((d) => d.status === 'sent'));
    const sent = providers.sent.filter((m) => m.message.deliveryId === notice.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.target).toEqual({ channel: 'sms', phone });
    expect(await deliveriesOf(c.id)).toHaveLength(1);
  });
});
