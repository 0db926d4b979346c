/**
 * /mentorships, /reserves, /reserve-coverage and /mentoring-coverage through app.inject on a real
 * backend: the jurisdiction matrix (each role × objects inside and outside its jurisdiction; sponsors
 * see none), roles, Idempotency-Key, validation naming fields, the age warning, the inbox, OpenAPI.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';
import { signedWorkingDays } from '../../domain/calendar.js';
import { civilDate } from '../../domain/stats.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
const u: Record<string, TestUser> = {};
type Key = 'A' | 'B' | 'C';
const mentorshipIds: Record<Key, string> = { A: '', B: '', C: '' };
const reserveIds: Record<Key, string> = { A: '', B: '', C: '' };
const villages: Record<Key, string[]> = { A: [], B: [], C: [] };

async function call(user: TestUser | null, options: InjectOptions) {
  const headers = { ...(options.headers ?? {}), ...(user ? { authorization: `Bearer ${user.token}` } : {}) };
  const res = await app.inject({ ...options, headers });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null, headers: res.headers };
}

let n = 0;
const newPerson = (birthDate = '1995-06-01') => ({ name: `人员${++n}`, gender: 'male', birthDate, education: 'associate', partyMember: true });

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  u.org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  u.prefecture = await h.addUser('org_dept', '5227', '黔南州委组织部');
  u.otherOrg = await h.addUser('org_dept', '522727', '平塘县委组织部');
  u.sponsorA = await h.addUser('sponsor', '522731', '包保A');
  u.townshipA = await h.addUser('township_office', '522731001', '乡镇A');
  u.townshipB = await h.addUser('township_office', '522731002', '乡镇B');
  u.townshipC = await h.addUser('township_office', '522727001', '乡镇C');
  villages.A = await h.villageCodes('522731001');
  villages.B = await h.villageCodes('522731002');
  villages.C = await h.villageCodes('522727001');
  const office: Record<Key, TestUser> = { A: u.townshipA!, B: u.townshipB!, C: u.townshipC! };
  for (const key of ['A', 'B', 'C'] as const) {
    const m = await call(office[key], {
      method: 'POST',
      url: '/api/v1/mentorships',
      payload: { villageCode: villages[key][0], mentee: newPerson(), mentor: newPerson('1980-01-01') },
    });
    expect(m.status).toBe(201);
    mentorshipIds[key] = m.body.id;
    const r = await call(office[key], {
      method: 'POST',
      url: '/api/v1/reserves',
      payload: { villageCode: villages[key][1], person: newPerson(), source: 'returnee' },
    });
    expect(r.status).toBe(201);
    reserveIds[key] = r.body.id;
  }
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('jurisdiction matrix', () => {
  const visible: Record<string, Key[]> = {
    org: ['A', 'B'],
    prefecture: ['A', 'B', 'C'],
    otherOrg: ['C'],
    townshipA: ['A'],
    townshipB: ['B'],
    townshipC: ['C'],
    sponsorA: [],
  };

  test.each(Object.keys(visible))('%s reads exactly the mentorships and reserves of its jurisdiction', async (who) => {
    for (const [resource, ids] of [
      ['mentorships', mentorshipIds],
      ['reserves', reserveIds],
    ] as const) {
      for (const key of ['A', 'B', 'C'] as const) {
        const res = await call(u[who]!, { method: 'GET', url: `/api/v1/${resource}/${ids[key]}` });
        expect([who, resource, key, res.status]).toEqual([who, resource, key, visible[who]!.includes(key) ? 200 : 404]);
      }
      const list = await call(u[who]!, { method: 'GET', url: `/api/v1/${resource}` });
      if (who === 'sponsorA') {
        // Sponsors have no part in mentoring or the reserve pool.
        expect(list.status).toBe(403);
        continue;
      }
      expect(list.status).toBe(200);
      const expected = visible[who]!.map((k) => ids[k]).sort();
      expect(list.body.items.map((i: { id: string }) => i.id).sort()).toEqual(expected);
      expect(list.body.total).toBe(expected.length);
    }
  });

  test('list rows carry village, township and mentor/candidate names and the next deadline; every sort keeps the scope', async () => {
    const names = new Map(
      (await h.db.sql<{ code: string; name: string }[]>`select code, name from divisions where code like '5227%'`).map((d) => [d.code, d.name]),
    );
    for (const sort of ['proposed', 'next_due', 'updated'] as const) {
      const org = await call(u.org!, { method: 'GET', url: `/api/v1/mentorships?sort=${sort}` });
      expect([sort, org.status]).toEqual([sort, 200]);
      expect(org.body.items.map((i: { id: string }) => i.id).sort()).toEqual([mentorshipIds.A, mentorshipIds.B].sort());
      const own = await call(u.townshipA!, { method: 'GET', url: `/api/v1/mentorships?sort=${sort}` });
      expect(own.body.items.map((i: { id: string }) => i.id)).toEqual([mentorshipIds.A]);
    }
    for (const sort of ['nominated', 'next_due', 'updated'] as const) {
      const own = await call(u.townshipB!, { method: 'GET', url: `/api/v1/reserves?sort=${sort}` });
      expect([sort, own.status, own.body.items.map((i: { id: string }) => i.id)]).toEqual([sort, 200, [reserveIds.B]]);
    }
    const mentorship = (await call(u.townshipA!, { method: 'GET', url: '/api/v1/mentorships' })).body.items[0];
    const mentorshipDetail = (await call(u.townshipA!, { method: 'GET', url: `/api/v1/mentorships/${mentorshipIds.A}` })).body;
    const approval = mentorshipDetail.obligations.find((o: { kind: string }) => o.kind === 'mentorship_approval');
    expect(mentorship).toMatchObject({
      villageName: names.get(villages.A[0]!),
      townshipName: names.get('522731001000'),
      menteeName: mentorshipDetail.mentee.name,
      mentorName: mentorshipDetail.mentor.name,
      nextDue: {
        kind: 'mentorship_approval',
        dueAt: approval.dueAt,
        dueDate: approval.dueDate,
        provisional: approval.provisional,
        workingDaysLeft: expect.any(Number),
      },
    });
    // Counted by the server from today on the village's calendar (the one in this database).
    expect(mentorship.nextDue.workingDaysLeft).toBe(signedWorkingDays(await h.calendarFor(villages.A[0]!), civilDate(new Date()), approval.dueDate));
    expect(mentorshipDetail).toMatchObject({
      villageName: mentorship.villageName,
      mentorName: mentorship.mentorName,
      nextDue: { kind: 'mentorship_approval', workingDaysLeft: null },
    });

    const reserve = (await call(u.townshipC!, { method: 'GET', url: '/api/v1/reserves' })).body.items[0];
    const reserveDetail = (await call(u.townshipC!, { method: 'GET', url: `/api/v1/reserves/${reserveIds.C}` })).body;
    expect(reserve).toMatchObject({
      id: reserveIds.C,
      villageName: names.get(villages.C[1]!),
      townshipName: names.get('522727001000'),
      personName: reserveDetail.person.name,
      nextDue: { kind: 'qualification_review', dueDate: reserveDetail.obligations.find((o: { kind: string }) => o.kind === 'qualification_review').dueDate },
    });
    expect(reserve.nextDue.workingDaysLeft).toBe(signedWorkingDays(await h.calendarFor(villages.C[1]!), civilDate(new Date()), reserve.nextDue.dueDate));

    const bad = await call(u.org!, { method: 'GET', url: '/api/v1/reserves?sort=oldest' });
    expect([bad.status, bad.body.details.issues[0].field]).toEqual([400, 'query.sort']);
  });

  test('commands on objects outside the jurisdiction answer 404 and change nothing; sponsors are refused', async () => {
    const attempts: Array<[TestUser, string, Record<string, unknown>]> = [
      [u.townshipB!, `/api/v1/mentorships/${mentorshipIds.A}/check-ins`, { period: '2026-11', metOn: '2026-11-10', handled: 'x' }],
      [u.otherOrg!, `/api/v1/mentorships/${mentorshipIds.A}/approve`, {}],
      [u.sponsorA!, `/api/v1/mentorships/${mentorshipIds.A}/terminate`, { reason: 'x' }],
      [u.otherOrg!, `/api/v1/reserves/${reserveIds.A}/qualification`, { passed: true, comment: 'x' }],
      [u.townshipA!, `/api/v1/reserves/${reserveIds.C}/exit`, { reason: 'x' }],
      [u.sponsorA!, `/api/v1/reserves/${reserveIds.B}/qualification`, { passed: true, comment: 'x' }],
    ];
    for (const [user, url, payload] of attempts) {
      const res = await call(user, { method: 'POST', url, payload });
      expect([user.name, url, res.status]).toEqual([user.name, url, 404]);
    }
    expect((await call(u.org!, { method: 'GET', url: `/api/v1/mentorships/${mentorshipIds.A}` })).body.state).toBe('proposed');
    expect((await call(u.org!, { method: 'GET', url: `/api/v1/reserves/${reserveIds.A}` })).body.state).toBe('nominated');

    expect((await call(u.sponsorA!, { method: 'POST', url: '/api/v1/mentorships', payload: { villageCode: villages.A[2], mentee: newPerson() } })).status).toBe(
      403,
    );
    expect(
      (await call(u.sponsorA!, { method: 'POST', url: '/api/v1/reserves', payload: { villageCode: villages.A[2], person: newPerson(), source: 'returnee' } }))
        .status,
    ).toBe(403);
    expect((await call(u.sponsorA!, { method: 'GET', url: '/api/v1/reserve-coverage' })).status).toBe(403);
    expect((await call(u.sponsorA!, { method: 'GET', url: '/api/v1/mentoring-coverage' })).status).toBe(403);
  });

  test('roles: the township office proposes and nominates, the org dept approves and qualifies', async () => {
    expect(
      (await call(u.org!, { method: 'POST', url: '/api/v1/reserves', payload: { villageCode: villages.A[3], person: newPerson(), source: 'returnee' } }))
        .status,
    ).toBe(403);
    expect((await call(u.org!, { method: 'POST', url: '/api/v1/mentorships', payload: { villageCode: villages.A[3], mentee: newPerson() } })).status).toBe(403);
    expect((await call(u.townshipA!, { method: 'POST', url: `/api/v1/mentorships/${mentorshipIds.A}/approve`, payload: {} })).status).toBe(403);
    expect(
      (await call(u.townshipA!, { method: 'POST', url: `/api/v1/reserves/${reserveIds.A}/qualification`, payload: { passed: true, comment: 'x' } })).status,
    ).toBe(403);
    // A township office cannot reach a village of another township, nor the org dept another county's.
    const outside = await call(u.townshipA!, {
      method: 'POST',
      url: '/api/v1/reserves',
      payload: { villageCode: villages.B[3], person: newPerson(), source: 'returnee' },
    });
    expect([outside.status, outside.body.details.issues[0].field]).toEqual([400, 'body.villageCode']);
    const foreignPerson = await call(u.townshipC!, {
      method: 'POST',
      url: '/api/v1/mentorships',
      payload: {
        villageCode: villages.C[4],
        mentee: { personId: (await call(u.org!, { method: 'GET', url: `/api/v1/reserves/${reserveIds.A}` })).body.personId },
      },
    });
    expect([foreignPerson.status, foreignPerson.body.details.issues[0].field]).toEqual([400, 'body.mentee.personId']);
  });

  test('coverage endpoints: inside the jurisdiction only; a division outside is 404', async () => {
    const county = await call(u.org!, { method: 'GET', url: '/api/v1/reserve-coverage?division=522731001' });
    expect(county.status).toBe(200);
    expect(county.body.division).toBe('522731001000');
    expect(county.body.totals).toMatchObject({ villages: villages.A.length, covered: 0, inPool: 0, coverage: 0 });
    expect(county.body.villages).toHaveLength(villages.A.length);
    expect(county.body.villages.every((v: { alert: boolean }) => v.alert)).toBe(true);
    expect((await call(u.townshipA!, { method: 'GET', url: '/api/v1/reserve-coverage?division=522731002' })).status).toBe(404);
    expect((await call(u.org!, { method: 'GET', url: '/api/v1/reserve-coverage?division=522727' })).status).toBe(404);
    const own = await call(u.townshipA!, { method: 'GET', url: '/api/v1/reserve-coverage?belowTarget=true&limit=5' });
    expect([own.status, own.body.villages.length, own.body.totals.villages]).toEqual([200, 5, villages.A.length]);

    const mentoring = await call(u.prefecture!, { method: 'GET', url: '/api/v1/mentoring-coverage?division=5227' });
    expect(mentoring.status).toBe(200);
    // Three proposed mentorships, none approved yet: three new cadres, none with an active mentor.
    expect(mentoring.body).toMatchObject({ newCadres: 3, mentored: 0, coverage: 0 });
    expect(mentoring.body.townships.map((t: { townshipCode: string }) => t.townshipCode)).toEqual(['522727001000', '522731001000', '522731002000']);
    expect((await call(u.townshipB!, { method: 'GET', url: '/api/v1/mentoring-coverage?division=522731001' })).status).toBe(404);
  });

  test('the reserve pipeline counts candidates per state inside the jurisdiction only; a division outside is 404', async () => {
    const county = await call(u.org!, { method: 'GET', url: '/api/v1/reserve-pipeline' });
    expect(county.status).toBe(200);
    expect(county.body.division).toBe('522731000000');
    expect(county.body.states.map((s: { state: string }) => s.state)).toEqual([
      'nominated',
      'qualification_review',
      'inspected',
      'publicized',
      'in_pool',
      'in_training',
      'annual_review',
      'placed',
      'exited',
      'transferred',
    ]);
    const counts = (body: { states: Array<{ state: string; count: number }> }) =>
      Object.fromEntries(body.states.filter((s) => s.count > 0).map((s) => [s.state, s.count]));
    const [stored] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from reserve_candidates where village_code like '522731%'`;
    expect(county.body.total).toBe(stored!.n);
    const own = await call(u.townshipC!, { method: 'GET', url: '/api/v1/reserve-pipeline' });
    expect([own.status, own.body.total, counts(own.body)]).toEqual([200, 1, { nominated: 1 }]);
    expect((await call(u.townshipA!, { method: 'GET', url: '/api/v1/reserve-pipeline?division=522731002' })).status).toBe(404);
    expect((await call(u.org!, { method: 'GET', url: '/api/v1/reserve-pipeline?division=522727' })).status).toBe(404);
    expect((await call(u.sponsorA!, { method: 'GET', url: '/api/v1/reserve-pipeline' })).status).toBe(403);
    const bad = await call(u.org!, { method: 'GET', url: '/api/v1/reserve-pipeline?division=abc' });
    expect([bad.status, bad.body.details.issues[0].field]).toEqual([400, 'query.division']);
  });

  test('inbox: the org dept sees the proposal and the nomination, linked to their objects; other offices do not', async () => {
    const inbox = await call(u.org!, { method: 'GET', url: '/api/v1/inbox' });
    expect(inbox.status).toBe(200);
    const kinds = inbox.body.items.map((i: { kind: string; mentorshipId: string | null; reserveCandidateId: string | null }) => [
      i.kind,
      i.mentorshipId ?? i.reserveCandidateId,
    ]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['mentorship.proposed', mentorshipIds.A],
        ['reserve.nominated', reserveIds.B],
      ]),
    );
    expect(kinds.some(([, id]: [string, string]) => id === mentorshipIds.C || id === reserveIds.C)).toBe(false);
  });
});

describe('commands over HTTP', () => {
  test('a pair is approved and logs a check-in; the same Idempotency-Key is one change with one answer', async () => {
    const headers = { 'idempotency-key': 'approve-A-1' };
    const first = await call(u.org!, { method: 'POST', url: `/api/v1/mentorships/${mentorshipIds.A}/approve`, payload: { comment: '同意' }, headers });
    const second = await call(u.org!, { method: 'POST', url: `/api/v1/mentorships/${mentorshipIds.A}/approve`, payload: { comment: '同意' }, headers });
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.body.state).toBe('active');
    expect(first.body.timeline.filter((t: { action: string }) => t.action === 'approved')).toHaveLength(1);
    const again = await call(u.org!, { method: 'POST', url: `/api/v1/mentorships/${mentorshipIds.A}/approve`, payload: {} });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('approve');

    const period = first.body.obligations.find((o: { kind: string }) => o.kind === 'mentoring_check_in').key;
    const logged = await call(u.townshipA!, {
      method: 'POST',
      url: `/api/v1/mentorships/${mentorshipIds.A}/check-ins`,
      payload: { period, metOn: `${period}-15`, handled: '共同召开党员大会', problems: '会议组织经验不足', nextSteps: '下月走访困难党员' },
    });
    expect(logged.status).toBe(200);
    expect(logged.body.checkIns).toMatchObject([{ period, handled: '共同召开党员大会', loggedBy: u.townshipA!.id }]);
    const mentoring = await call(u.org!, { method: 'GET', url: '/api/v1/mentoring-coverage' });
    expect(mentoring.body).toMatchObject({ newCadres: 2, mentored: 1, coverage: 0.5 });

    const vacant = await call(u.townshipA!, {
      method: 'POST',
      url: `/api/v1/mentorships/${mentorshipIds.A}/mentor`,
      payload: { mentor: null, reason: '调任' },
    });
    expect([vacant.status, vacant.body.state, vacant.body.mentorHistory.length]).toEqual([200, 'mentor_vacant', 1]);
    const named = await call(u.townshipA!, {
      method: 'POST',
      url: `/api/v1/mentorships/${mentorshipIds.A}/mentor`,
      payload: { mentor: newPerson('1982-02-02'), reason: '明确新导师' },
    });
    expect([named.body.state, named.body.mentorHistory.length, named.body.mentor.name]).toEqual(['active', 2, expect.stringMatching(/^人员/)]);
  });

  test('a nominee over 35 is accepted with a warning; a retried nomination with its key is one candidate', async () => {
    const birthDate = DateTime.now().setZone('Asia/Shanghai').minus({ years: 36, months: 1 }).toISODate()!;
    const payload = { villageCode: villages.A[5], person: newPerson(birthDate), source: 'local_talent', note: '致富带头人' };
    const headers = { 'idempotency-key': 'nominate-A-36' };
    const first = await call(u.townshipA!, { method: 'POST', url: '/api/v1/reserves', payload, headers });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ state: 'nominated', ageWarning: true, ageAtNomination: 36, warnings: [{ code: 'age_over_35' }] });
    const second = await call(u.townshipA!, { method: 'POST', url: '/api/v1/reserves', payload, headers });
    expect(second.body).toEqual(first.body);
    const [row] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from reserve_candidates where village_code = ${villages.A[5]!}`;
    expect(row!.n).toBe(1);
    const qualified = await call(u.org!, {
      method: 'POST',
      url: `/api/v1/reserves/${first.body.id}/qualification`,
      payload: { passed: true, comment: '年龄稍大，能力突出' },
    });
    expect([qualified.status, qualified.body.state]).toEqual([200, 'qualification_review']);
  });

  test('a candidate can start from an imported nomination row (analytics’ reserve_nominations), which stays as it was', async () => {
    const [person] = await h.db.sql<
      { id: string }[]
    >`insert into people (name, birth_date, division_code) values ('导入的提名人', '1997-07-07', ${villages.B[4]!}) returning id`;
    const [nomination] = await h.db.sql<{ id: string }[]>`
      insert into reserve_nominations (person_id, village_code, source, nominated_on) values (${person!.id}, ${villages.B[4]!}, 'local_graduate', '2026-03-01') returning id`;
    const res = await call(u.townshipB!, { method: 'POST', url: '/api/v1/reserves', payload: { villageCode: villages.B[4], nominationId: nomination!.id } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ nominationId: nomination!.id, personId: person!.id, source: 'local_graduate', state: 'nominated', ageWarning: false });
    const [row] = await h.db.sql<{ status: string }[]>`select status from reserve_nominations where id = ${nomination!.id}`;
    expect(row!.status).toBe('nominated');
    const wrongVillage = await call(u.townshipB!, {
      method: 'POST',
      url: '/api/v1/reserves',
      payload: { villageCode: villages.B[5], nominationId: nomination!.id },
    });
    expect([wrongVillage.status, wrongVillage.body.details.issues[0].field]).toEqual([400, 'body.nominationId']);
  });

  test('a transfer over HTTP: the candidate continues at the target village, visible to that township and linked both ways', async () => {
    const nominated = await call(u.townshipA!, {
      method: 'POST',
      url: '/api/v1/reserves',
      payload: { villageCode: villages.A[7], person: newPerson(), source: 'returnee' },
    });
    const id = nominated.body.id as string;
    for (const [step, payload] of [
      ['qualification', { passed: true, comment: '符合' }],
      ['inspection', { passed: true, comment: '合格' }],
      ['publicity', {}],
    ] as const) {
      const res = await call(u.org!, { method: 'POST', url: `/api/v1/reserves/${id}/${step}`, payload });
      expect([step, res.status]).toEqual([step, 200]);
    }
    const publicized = await call(u.org!, { method: 'GET', url: `/api/v1/reserves/${id}` });
    await env.sleep(Date.parse(publicized.body.publicityEndsAt) + 60_000 - (await env.currentTimeMs()));
    await expect.poll(async () => (await call(u.org!, { method: 'GET', url: `/api/v1/reserves/${id}` })).body.state, { timeout: 20_000 }).toBe('in_pool');

    const moved = await call(u.org!, { method: 'POST', url: `/api/v1/reserves/${id}/transfer`, payload: { toVillageCode: villages.B[7], reason: '工作需要' } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ state: 'transferred', transferredTo: villages.B[7], transferredFromId: null });
    const continuedId = moved.body.transferredToCandidateId as string;
    const continued = await call(u.townshipB!, { method: 'GET', url: `/api/v1/reserves/${continuedId}` });
    expect(continued.status).toBe(200);
    expect(continued.body).toMatchObject({ villageCode: villages.B[7], transferredFromId: id, transferredToCandidateId: null });
    expect((await call(u.townshipA!, { method: 'GET', url: `/api/v1/reserves/${continuedId}` })).status).toBe(404);
    expect((await call(u.townshipB!, { method: 'GET', url: `/api/v1/reserves/${id}` })).status).toBe(404);
  });

  test('延期 over HTTP on a mentorship: asked, decided by the org dept; outside the jurisdiction 404, a bad date names the field', async () => {
    const proposed = await call(u.townshipA!, {
      method: 'POST',
      url: '/api/v1/mentorships',
      payload: { villageCode: villages.A[8], mentee: newPerson(), mentor: newPerson('1982-02-02') },
    });
    const id = proposed.body.id as string;
    const approval = proposed.body.obligations.find((o: { kind: string; status: string }) => o.kind === 'mentorship_approval' && o.status === 'open');
    expect(approval).toBeDefined();
    const later = DateTime.fromISO(approval.dueDate).plus({ days: 14 }).toISODate();
    const url = `/api/v1/mentorships/${id}/clock-requests`;
    const outside = await call(u.townshipC!, {
      method: 'POST',
      url,
      payload: { kind: 'extension', obligationId: approval.id, reason: '外县', newDueDate: later },
    });
    expect(outside.status).toBe(404);
    const badDate = await call(u.org!, {
      method: 'POST',
      url,
      payload: { kind: 'extension', obligationId: approval.id, reason: '材料不全', newDueDate: '2026-13-01' },
    });
    expect([badDate.status, badDate.body.details.issues[0].field]).toEqual([400, 'body.newDueDate']);
    // The approval is the org dept's own deadline: the county asks, the prefecture decides.
    const asked = await call(u.org!, { method: 'POST', url, payload: { kind: 'extension', obligationId: approval.id, reason: '材料不全', newDueDate: later } });
    expect(asked.status).toBe(200);
    const requestId = asked.body.clockRequests.at(-1).id;
    const decisionUrl = `/api/v1/mentorships/${id}/clock-requests/${requestId}/decision`;
    expect((await call(u.org!, { method: 'POST', url: decisionUrl, payload: { approved: true } })).status).toBe(403);
    const decided = await call(u.prefecture!, { method: 'POST', url: decisionUrl, payload: { approved: true, comment: '同意' } });
    expect(decided.status).toBe(200);
    expect(decided.body.obligations.find((o: { id: string }) => o.id === approval.id).dueDate).toBe(later);
    expect(decided.body.clockRequests.at(-1)).toMatchObject({ id: requestId, status: 'approved' });
  });

  test('validation names the field; unknown fields are rejected by name', async () => {
    const missing = await call(u.townshipA!, { method: 'POST', url: '/api/v1/reserves', payload: { villageCode: '5227' } });
    expect(missing.status).toBe(400);
    expect(missing.body.details.issues.map((i: { field: string }) => i.field).sort()).toEqual(['body.person', 'body.source', 'body.villageCode']);
    const unknown = await call(u.townshipA!, {
      method: 'POST',
      url: '/api/v1/mentorships',
      payload: { villageCode: villages.A[6], mentee: newPerson(), priority: 'high' },
    });
    expect(unknown.body.details.issues.map((i: { field: string }) => i.field)).toEqual(['body.priority']);
    const badOutcome = await call(u.org!, { method: 'POST', url: `/api/v1/mentorships/${mentorshipIds.B}/reviews`, payload: { outcome: 'promote' } });
    expect(badOutcome.body.details.issues[0].field).toBe('body.outcome');
    const badPeriod = await call(u.townshipB!, {
      method: 'POST',
      url: `/api/v1/reserves/${reserveIds.B}/training-records`,
      payload: { kind: 'talk', period: '2026-Q1', summary: 's' },
    });
    expect(badPeriod.body.details.issues[0].field).toBe('body.period');
    const badId = await call(u.org!, { method: 'GET', url: '/api/v1/reserves/not-a-uuid' });
    expect([badId.status, badId.body.details.issues[0].field]).toEqual([400, 'params.id']);
  });

  test('the OpenAPI document names every new operation and component', async () => {
    const spec = await call(null, { method: 'GET', url: '/openapi.json' });
    expect(spec.status).toBe(200);
    const paths = spec.body.paths as Record<string, Record<string, { operationId?: string }>>;
    for (const path of [
      '/api/v1/mentorships',
      '/api/v1/mentorships/{id}',
      '/api/v1/mentorships/{id}/check-ins',
      '/api/v1/mentorships/{id}/mentor',
      '/api/v1/reserves/{id}/placement',
      '/api/v1/reserves/{id}/training-records',
      '/api/v1/reserve-coverage',
      '/api/v1/reserve-pipeline',
      '/api/v1/mentoring-coverage',
      '/api/v1/mentorships/{id}/clock-requests',
      '/api/v1/mentorships/{id}/clock-requests/{requestId}/decision',
      '/api/v1/reserves/{id}/clock-requests',
      '/api/v1/reserves/{id}/clock-requests/{requestId}/decision',
      '/api/v1/reserves/{id}/transfer',
    ]) {
      expect(
        Object.values(paths[path] ?? {}).every((op) => typeof op.operationId === 'string'),
        path,
      ).toBe(true);
      expect(paths[path], path).toBeDefined();
    }
    expect(Object.keys(spec.body.components.schemas)).toEqual(
      expect.arrayContaining([
        'MentorshipDetail',
        'MentorshipSummary',
        'ReserveDetail',
        'ReserveSummary',
        'ReserveCoverage',
        'ReservePipeline',
        'MentoringCoverage',
        'Person',
      ]),
    );
  });
});

// Last: it adds pairs that the counts above do not expect.
describe('list order', () => {
  test('sort=next_due puts the soonest open deadline first and rows with nothing open last; sort=updated the latest change first', async () => {
    // Three more pairs in township A's villages: one approved (its next deadline moves to the month's check-in), one terminated (nothing open).
    const ids: string[] = [];
    for (const village of villages.A.slice(9, 12)) {
      const m = await call(u.townshipA!, {
        method: 'POST',
        url: '/api/v1/mentorships',
        payload: { villageCode: village, mentee: newPerson(), mentor: newPerson('1981-01-01') },
      });
      expect(m.status).toBe(201);
      ids.push(m.body.id);
    }
    expect((await call(u.org!, { method: 'POST', url: `/api/v1/mentorships/${ids[0]}/approve`, payload: {} })).status).toBe(200);
    expect((await call(u.townshipA!, { method: 'POST', url: `/api/v1/mentorships/${ids[1]}/terminate`, payload: { reason: '调整出班子' } })).status).toBe(200);
    const list = (await call(u.townshipA!, { method: 'GET', url: '/api/v1/mentorships?sort=next_due&division=522731001' })).body.items as Array<{
      id: string;
      nextDue: { dueAt: string } | null;
      updatedAt: string;
    }>;
    const dues = list.map((i) => i.nextDue?.dueAt ?? null);
    const open = dues.filter((d): d is string => d !== null);
    expect(open).toEqual([...open].sort());
    // Rows with nothing open (the terminated one among them) come after every open deadline.
    expect(dues.slice(open.length).every((d) => d === null)).toBe(true);
    expect(list.findIndex((i) => i.id === ids[1])).toBeGreaterThanOrEqual(open.length);
    expect(list.findIndex((i) => i.id === ids[2])).toBeLessThan(open.length);
    const updated = (await call(u.townshipA!, { method: 'GET', url: '/api/v1/mentorships?sort=updated' })).body.items as Array<{
      id: string;
      updatedAt: string;
    }>;
    expect(updated.map((i) => i.updatedAt)).toEqual(
      updated
        .map((i) => i.updatedAt)
        .sort()
        .reverse(),
    );
    expect(updated[0]!.id).toBe(ids[1]);
  });
});
