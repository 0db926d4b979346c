/**
 * resolveDeliveryTargets (issue 12), the outbox's fan-out: a person's verified live contact points
 * whose preference is on; an office's enabled channels whose office preference is on, and for 红牌
 * the SMS of the office's active staff; in one statement, inside a transaction.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDb, type DbHandle } from '../../db/client.js';
import { importDivisions } from '../../db/seed/import-divisions.js';
import { createUser, setUserActive } from '../../db/queries/users.js';
import { insertContactPoint, insertOfficeChannel, removeContactPoint, setPreference } from '../../db/queries/delivery-settings.js';
import { resolveDeliveryTargets, type DeliveryRecipient, type DeliveryTarget } from '../../db/queries/delivery-targets.js';
import type { ContactKind, OfficeChannelKind } from '../../domain/delivery.js';
import type { Role } from '../../domain/roles.js';
import { testDatabaseUrl, type TestDatabase } from '../support/servers.js';

let database: TestDatabase;
let h: DbHandle;
const TOWNSHIP = '522731001000';
const OTHER_TOWNSHIP = '522731002000';
const COUNTY = '522731000000';
const at = new Date('2026-03-02T02:00:00Z');

const ids: Record<string, string> = {};

async function user(key: string, role: Role, jurisdictionCode: string) {
  const { user } = await createUser(h.db, { name: key, role, jurisdictionCode, actor: { actorLabel: 'test' } });
  ids[key] = user.id;
  return user.id;
}

async function contact(key: string, userId: string, kind: ContactKind, options: { verified?: boolean; removed?: boolean } = {}) {
  const id = randomUUID();
  await insertContactPoint(h.db, {
    id,
    userId,
    kind,
    addressSealed: `v1.sealed.${key}`,
    addressDigest: `digest-${key}`,
    addressHint: '***',
    createdBy: userId,
    verifiedAt: options.verified === false ? null : at,
    verification: null,
  });
  if (options.removed) await removeContactPoint(h.db, id, userId, at);
  ids[key] = id;
}

async function channel(key: string, officeRole: Role, officeDivisionCode: string, kind: OfficeChannelKind, enabled = true) {
  const created = await insertOfficeChannel(h.db, {
    officeRole,
    officeDivisionCode,
    kind,
    label: key,
    urlSealed: 'v1.sealed',
    urlHint: 'https://example/…',
    secretSealed: null,
    createdBy: ids.org!,
    at,
  });
  if (!enabled) await h.sql`update office_channels set enabled = false where id = ${created.id}`;
  ids[key] = created.id;
}

const summary = (targets: DeliveryTarget[]) =>
  targets
    .map(
      (t) => `${Object.entries(notes).find(([, v]) => v === t.notificationId)?.[0]} ${t.channel} ${Object.entries(ids).find(([, v]) => v === t.targetId)?.[0]}`,
    )
    .sort();
const notes: Record<string, string> = {};
const note = (key: string) => (notes[key] ??= randomUUID());

beforeAll(async () => {
  database = await testDatabaseUrl();
  h = createDb(database.url, { max: 2 });
  await importDivisions(h.sql, '522731001');
  await importDivisions(h.sql, '522731002');

  const sponsor = await user('sponsor', 'sponsor', '522731');
  await contact('sponsor.sms', sponsor, 'sms');
  await contact('sponsor.email', sponsor, 'email');
  await contact('sponsor.unverified', sponsor, 'sms', { verified: false });
  await contact('sponsor.removed', sponsor, 'sms', { removed: true });
  await setPreference(h.db, { userId: sponsor }, { category: 'reminder', channel: 'email', enabled: true, by: sponsor, at });
  await setPreference(h.db, { userId: sponsor }, { category: 'coverage_alert', channel: 'sms', enabled: true, by: sponsor, at });

  const quiet = await user('quiet', 'sponsor', '522731');
  await contact('quiet.sms', quiet, 'sms');
  await setPreference(h.db, { userId: quiet }, { category: 'reminder', channel: 'sms', enabled: false, by: quiet, at });

  const org = await user('org', 'org_dept', '522731');
  await contact('org.sms', org, 'sms');
  await contact('org.email', org, 'email');
  const former = await user('former', 'org_dept', '522731');
  await contact('former.sms', former, 'sms');
  await setUserActive(h.db, former, false);
  const unverified = await user('orgUnverified', 'org_dept', '522731');
  await contact('orgUnverified.sms', unverified, 'sms', { verified: false });
  const townshipStaff = await user('townshipStaff', 'township_office', '522731001');
  await contact('townshipStaff.sms', townshipStaff, 'sms');

  await channel('township.wecom', 'township_office', TOWNSHIP, 'wecom_robot');
  await channel('township.ding', 'township_office', TOWNSHIP, 'dingtalk_robot', false);
  await channel('township.hook', 'township_office', TOWNSHIP, 'signed_webhook');
  await setPreference(
    h.db,
    { officeRole: 'township_office', officeDivisionCode: TOWNSHIP },
    { category: 'yellow_card', channel: 'signed_webhook', enabled: false, by: townshipStaff, at },
  );
  await channel('other.wecom', 'township_office', OTHER_TOWNSHIP, 'wecom_robot');
  await channel('county.wecom', 'org_dept', COUNTY, 'wecom_robot');
});
afterAll(async () => {
  await h?.close();
  await database?.drop();
});

const toSponsor = (key: string, kind: string, userKey = 'sponsor'): DeliveryRecipient => ({
  notificationId: note(key),
  kind,
  recipientUserId: ids[userKey]!,
  recipientRole: 'sponsor',
  recipientDivisionCode: '522731001001',
});
const toOffice = (key: string, kind: string, role: Role, divisionCode: string): DeliveryRecipient => ({
  notificationId: note(key),
  kind,
  recipientUserId: null,
  recipientRole: role,
  recipientDivisionCode: divisionCode,
});

describe('resolveDeliveryTargets', () => {
  test('nothing in, nothing out (no query)', async () => {
    expect(await resolveDeliveryTargets(h.db, [])).toEqual([]);
  });

  test('a person: verified live contact points whose preference (row or default) is on', async () => {
    const targets = await resolveDeliveryTargets(h.db, [
      toSponsor('reminder', 'escalation.reminder'),
      toSponsor('event', 'case.designated'),
      toSponsor('coverage', 'reserve.coverage_alert'),
      toSponsor('quietReminder', 'escalation.reminder', 'quiet'),
    ]);
    expect(summary(targets)).toEqual(['coverage sms sponsor.sms', 'reminder email sponsor.email', 'reminder sms sponsor.sms']);
    expect(targets.find((t) => t.channel === 'email')).toEqual({
      notificationId: note('reminder'),
      channel: 'email',
      contactPointId: ids['sponsor.email'],
      officeChannelId: null,
      targetId: ids['sponsor.email'],
      divisionCode: '522731001001',
      category: 'reminder',
    });
  });

  test('an office: its enabled channels whose office preference is on; no staff SMS below 红牌', async () => {
    const targets = await resolveDeliveryTargets(h.db, [
      toOffice('yellow', 'escalation.township_office', 'township_office', TOWNSHIP),
      toOffice('event', 'case.designated', 'township_office', TOWNSHIP),
      toOffice('circular', 'escalation.standing_committee', 'org_dept', COUNTY),
    ]);
    expect(summary(targets)).toEqual(['circular wecom_robot county.wecom', 'yellow wecom_robot township.wecom']);
    expect(targets.find((t) => t.channel === 'wecom_robot' && t.targetId === ids['township.wecom'])).toMatchObject({
      contactPointId: null,
      officeChannelId: ids['township.wecom'],
      divisionCode: TOWNSHIP,
      category: 'yellow_card',
    });
  });

  test('红牌 to the org dept: its robot and the SMS of its active staff with verified numbers', async () => {
    const targets = await resolveDeliveryTargets(h.db, [toOffice('red', 'escalation.org_dept', 'org_dept', COUNTY)]);
    expect(summary(targets)).toEqual(['red sms org.sms', 'red wecom_robot county.wecom']);
    expect(targets.find((t) => t.channel === 'sms')).toMatchObject({
      contactPointId: ids['org.sms'],
      officeChannelId: null,
      divisionCode: COUNTY,
      category: 'red_card',
    });
  });

  test('many notifications in one call, inside a transaction, one row per notification × channel × target', async () => {
    const recipients = [
      toSponsor('r1', 'escalation.reminder'),
      toOffice('r2', 'escalation.org_dept', 'org_dept', COUNTY),
      toOffice('r3', 'escalation.township_office', 'township_office', OTHER_TOWNSHIP),
    ];
    const targets = await h.db.transaction((tx) => resolveDeliveryTargets(tx, recipients));
    expect(summary(targets)).toEqual([
      'r1 email sponsor.email',
      'r1 sms sponsor.sms',
      'r2 sms org.sms',
      'r2 wecom_robot county.wecom',
      'r3 wecom_robot other.wecom',
    ]);
    const keys = targets.map((t) => `${t.notificationId}:${t.channel}:${t.targetId}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
