/**
 * /villages/:villageCode/secretary through app.inject on a real backend (惠水县 岗度镇 and 明田街道,
 * 平塘县): the post recorded vacant about four months back makes a screening campaign opened for
 * the county pre-fill the hard trigger "secretary post vacant > 3 months"; the post filled, a
 * campaign of another year does not; the people import of a 村党支部书记 makes them the holder;
 * the jurisdiction matrix; bad input naming the field. Dates are relative to today (Asia/Shanghai),
 * the clock the screening campaign reads.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';
import { shanghaiDate } from '../../services/village-secretary.js';

const GANGDU = '522731109'; // 岗度镇
const MINGTIAN = '522731003'; // 明田街道
const PINGTANG = '522727001';
const PEOPLE_HEADER = '姓名,性别,出生日期,民族,学历,是否中共党员,职务,班子类型,区划代码,区划名称';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
const u: Record<string, TestUser> = {};
let gangdu: string[] = [];
let pingtang: string[] = [];
let localPerson = '';
let foreignPerson = '';

async function call(user: TestUser | null, options: InjectOptions) {
  const headers = { ...(options.headers ?? {}), ...(user ? { authorization: `Bearer ${user.token}` } : {}) };
  const res = await app.inject({ ...options, headers });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

const post = (code: string) => `/api/v1/villages/${code}/secretary`;
const fieldOf = (body: { details?: { issues?: Array<{ field: string }> } }) => body.details?.issues?.map((i) => i.field) ?? [];
/** Today in Asia/Shanghai moved by `days`. */
const day = (days: number) => shanghaiDate(new Date(Date.now() + days * 86_400_000));

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env }, { divisions: [GANGDU, MINGTIAN, PINGTANG] });
  app = await h.app();
  u.org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  u.otherOrg = await h.addUser('org_dept', '522727', '平塘县委组织部');
  u.sponsor = await h.addUser('sponsor', '522731', '包保县领导');
  u.gangdu = await h.addUser('township_office', GANGDU, '岗度镇党委');
  u.mingtian = await h.addUser('township_office', MINGTIAN, '明田街道党工委');
  u.pingtang = await h.addUser('township_office', PINGTANG, '金盆街道党工委');
  gangdu = await h.villageCodes(GANGDU);
  pingtang = await h.villageCodes(PINGTANG);
  const [local] = await h.db.sql<{ id: string }[]>`insert into people (name, division_code) values ('王书记', ${gangdu[0]!}) returning id`;
  const [foreign] = await h.db.sql<{ id: string }[]>`insert into people (name, division_code) values ('李外县', ${pingtang[0]!}) returning id`;
  localPerson = local!.id;
  foreignPerson = foreign!.id;
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('the village secretary post', () => {
  test('jurisdiction: another township or county is 404, a sponsor 403; the township office and the org dept record it', async () => {
    const body = { personId: null, since: day(-1), reason: '原书记辞职' };
    expect((await call(u.sponsor!, { method: 'PUT', url: post(gangdu[0]!), payload: body })).status).toBe(403);
    expect((await call(u.mingtian!, { method: 'PUT', url: post(gangdu[0]!), payload: body })).status).toBe(404);
    expect((await call(u.pingtang!, { method: 'PUT', url: post(gangdu[0]!), payload: body })).status).toBe(404);
    expect((await call(u.otherOrg!, { method: 'PUT', url: post(gangdu[0]!), payload: body })).status).toBe(404);
    expect((await call(u.otherOrg!, { method: 'GET', url: post(gangdu[0]!) })).status).toBe(404);
    expect((await call(u.mingtian!, { method: 'GET', url: post(gangdu[0]!) })).status).toBe(404);
    expect((await call(u.org!, { method: 'GET', url: post('522731109999') })).status).toBe(404);
    expect((await call(u.org!, { method: 'GET', url: post(`${GANGDU}000`) })).status).toBe(404); // a township, not a village
    expect((await call(null, { method: 'GET', url: post(gangdu[0]!) })).status).toBe(401);
    const before = await call(u.sponsor!, { method: 'GET', url: post(gangdu[0]!) });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ villageCode: gangdu[0], holder: null, vacantSince: null, monthsVacant: null });
    expect((await call(u.gangdu!, { method: 'PUT', url: post(gangdu[1]!), payload: body })).status).toBe(200);
    const byOrg = await call(u.org!, { method: 'PUT', url: post(gangdu[1]!), payload: { ...body, personId: localPerson, since: day(0) } });
    expect(byOrg.status).toBe(200);
    expect(byOrg.body).toMatchObject({ holder: { personId: localPerson, name: '王书记' }, vacantSince: null, monthsVacant: null });
  });

  test('bad input names the field, and writes nothing', async () => {
    const bad = async (payload: Record<string, unknown>, field: string) => {
      const res = await call(u.gangdu!, { method: 'PUT', url: post(gangdu[2]!), payload });
      expect(res.status).toBe(400);
      expect(fieldOf(res.body)).toContain(field);
    };
    await bad({ personId: null, since: day(1), reason: 'x' }, 'body.since');
    await bad({ personId: null, since: '2026-02-30', reason: 'x' }, 'body.since');
    await bad({ personId: null, since: day(-1) }, 'body.reason');
    await bad({ personId: null, since: day(-1), reason: '  ' }, 'body.reason');
    await bad({ personId: 'nobody', since: day(-1), reason: 'x' }, 'body.personId');
    await bad({ personId: crypto.randomUUID(), since: day(-1), reason: 'x' }, 'body.personId');
    await bad({ personId: foreignPerson, since: day(-1), reason: 'x' }, 'body.personId');
    const after = await call(u.gangdu!, { method: 'GET', url: post(gangdu[2]!) });
    expect(after.body).toMatchObject({ holder: null, vacantSince: null });
  });

  test('vacant about four months: a campaign opened for the county pre-fills the trigger; filled: another year’s does not', async () => {
    const since = day(-130);
    const vacant = await call(u.gangdu!, { method: 'PUT', url: post(gangdu[0]!), payload: { personId: null, since, reason: '原书记调任乡镇' } });
    expect(vacant.status).toBe(200);
    expect(vacant.body).toMatchObject({ holder: null, vacantSince: since });
    expect(vacant.body.monthsVacant).toBeGreaterThanOrEqual(4);
    const audited = await call(u.org!, { method: 'GET', url: `/api/v1/audit?entity=village_secretary:${gangdu[0]}` });
    expect(audited.status).toBe(200);
    expect(audited.body.items[0]).toMatchObject({
      action: 'secretary_vacated',
      actorLabel: '岗度镇党委',
      before: { personId: null, vacantSince: null },
      after: { personId: null, vacantSince: since },
      details: { since, reason: '原书记调任乡镇' },
    });

    const division = await call(u.gangdu!, { method: 'GET', url: `/api/v1/divisions/${gangdu[0]}` });
    expect(division.body.secretary).toEqual({ name: null, vacantSince: since });
    expect((await call(u.gangdu!, { method: 'GET', url: `/api/v1/divisions/${GANGDU}` })).body.secretary).toBeNull();

    const year = Number(day(0).slice(0, 4));
    const opened = await call(u.org!, { method: 'POST', url: '/api/v1/screening-campaigns', payload: { year } });
    expect(opened.status).toBe(201);
    expect(opened.body.triggers).toEqual([
      expect.objectContaining({ villageCode: gangdu[0], trigger: 'secretary_vacant_3_months', facts: { vacantSince: since } }),
    ]);

    const filled = await call(u.org!, { method: 'PUT', url: post(gangdu[0]!), payload: { personId: localPerson, since: day(0), reason: '选举产生新书记' } });
    expect(filled.status).toBe(200);
    expect(filled.body).toMatchObject({ holder: { name: '王书记' }, vacantSince: null });
    expect((await call(u.gangdu!, { method: 'GET', url: `/api/v1/divisions/${gangdu[0]}` })).body.secretary).toEqual({ name: '王书记', vacantSince: null });
    const next = await call(u.org!, { method: 'POST', url: '/api/v1/screening-campaigns', payload: { year: year + 1 } });
    expect(next.status).toBe(201);
    expect(next.body.triggers).toEqual([]);
  });

  test('the people import of a 村党支部书记 makes them the holder (a 副书记 does not)', async () => {
    await call(u.gangdu!, { method: 'PUT', url: post(gangdu[3]!), payload: { personId: null, since: day(-10), reason: '空缺' } });
    const names = await h.db.sql<{ code: string; name: string }[]>`select code, name from divisions where code in ${h.db.sql([gangdu[3]!, gangdu[4]!])}`;
    const nameOf = (code: string) => names.find((n) => n.code === code)!.name;
    const body = [
      PEOPLE_HEADER,
      `赵支书,男,1980-03-04,汉族,大学专科,是,村党支部书记、村委会主任,村“两委”班子,${gangdu[3]},${nameOf(gangdu[3]!)}`,
      `钱副书记,女,1985-05-06,汉族,大学专科,是,村党支部副书记,村“两委”班子,${gangdu[4]},${nameOf(gangdu[4]!)}`,
    ].join('\n');
    const imported = await call(u.org!, { method: 'POST', url: '/api/v1/imports/people', headers: { 'content-type': 'text/csv' }, payload: body });
    expect(imported.body.details?.report?.errors ?? []).toEqual([]);
    expect(imported.status).toBe(200);
    const held = await call(u.gangdu!, { method: 'GET', url: post(gangdu[3]!) });
    expect(held.body).toMatchObject({ holder: { name: '赵支书' }, vacantSince: null, monthsVacant: null });
    const deputy = await call(u.gangdu!, { method: 'GET', url: post(gangdu[4]!) });
    expect(deputy.body).toMatchObject({ holder: null });
    const audited = await call(u.org!, { method: 'GET', url: `/api/v1/audit?entity=village_secretary:${gangdu[3]}` });
    expect(audited.body.items[0]).toMatchObject({ action: 'secretary_recorded', after: { vacantSince: null }, details: { source: 'people_import' } });
  });
});
