/**
 * The support package (包保责任体系) through the HTTP API: designation with a team, the detail's
 * `supportPackage`, list rows' `vacantPosts` and the `missingPost` filter, changing a member with a
 * reason (audited), a first secretary already serving another village (400 naming the field), the
 * 一乡一表-style sheet with its missing-post counts, 回头看 visits, bad input naming the field, and the
 * jurisdiction matrix on every new route.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
const u: Record<string, TestUser> = {};
const p: Record<string, string> = {};
const caseIds: Record<'A' | 'B' | 'C', string> = { A: '', B: '', C: '' };
let villagesA: string[];
let villagesB: string[];
let villagesC: string[];

async function call(user: TestUser | null, options: InjectOptions) {
  const headers = { ...(options.headers ?? {}), ...(user ? { authorization: `Bearer ${user.token}` } : {}) };
  const res = await app.inject({ ...options, headers });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

async function person(name: string, divisionCode: string): Promise<string> {
  const [row] = await h.db.sql<{ id: string }[]>`insert into people (name, division_code) values (${name}, ${divisionCode}) returning id`;
  return row!.id;
}

const casesCount = async () => Number((await h.db.sql<{ n: string }[]>`select count(*) as n from rectification_cases`)[0]!.n);

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  u.org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  u.otherOrg = await h.addUser('org_dept', '522727', '平塘县委组织部');
  u.sponsorA = await h.addUser('sponsor', '522731', '包保A');
  u.sponsorB = await h.addUser('sponsor', '522731', '包保B');
  u.sponsorC = await h.addUser('sponsor', '522727', '包保C');
  u.townshipA = await h.addUser('township_office', '522731001', '乡镇A');
  u.townshipB = await h.addUser('township_office', '522731002', '乡镇B');
  u.townshipC = await h.addUser('township_office', '522727001', '乡镇C');
  villagesA = await h.villageCodes('522731001');
  villagesB = await h.villageCodes('522731002');
  villagesC = await h.villageCodes('522727001');
  p.cadre = await person('包村干部', '522731001000');
  p.secretary = await person('第一书记', '522731001000');
  p.secretary2 = await person('第一书记二', '522731000000');
  p.member1 = await person('工作队员一', '522731001000');
  p.member2 = await person('工作队员二', '522731001000');
  p.contact = await person('帮扶单位联系人', '522731000000');
  p.prefectureCadre = await person('州派干部', '522700000000');
  p.foreign = await person('外县干部', '522727001000');

  const designate = async (org: TestUser, villageCode: string, sponsor: TestUser, supportPackage?: Record<string, unknown>) => {
    const res = await call(org, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode, reasons: ['poor_service'], sponsorUserId: sponsor.id, supportPackage },
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  const a = await designate(u.org!, villagesA[0]!, u.sponsorA!, {
    townshipCadrePersonId: p.cadre,
    firstSecretaryPersonId: p.secretary,
    workTeamPersonIds: [p.member1, p.member2],
  });
  caseIds.A = a.id;
  caseIds.B = (await designate(u.org!, villagesB[0]!, u.sponsorB!)).id;
  caseIds.C = (await designate(u.otherOrg!, villagesC[0]!, u.sponsorC!)).id;
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('designation with a team', () => {
  test('the detail carries every post with its holder, since when, and vacancy; a vacant post owes a reassignment', async () => {
    const res = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${caseIds.A}` });
    expect(res.status).toBe(200);
    const pkg = res.body.supportPackage;
    expect(Object.keys(pkg).sort()).toEqual(['firstSecretary', 'pairedDepartment', 'sponsor', 'townshipCadre', 'workTeam']);
    expect(pkg.sponsor).toMatchObject({ post: 'sponsor', vacant: false, holders: [{ name: '包保A' }] });
    expect(pkg.townshipCadre).toMatchObject({ vacant: false, holders: [{ personId: p.cadre, name: '包村干部', since: expect.any(String) }] });
    expect(pkg.firstSecretary.holders.map((x: { personId: string }) => x.personId)).toEqual([p.secretary]);
    expect(pkg.workTeam.holders.map((x: { name: string }) => x.name).sort()).toEqual(['工作队员一', '工作队员二']);
    expect(pkg.pairedDepartment).toMatchObject({ vacant: true, holders: [], since: null });
    expect(res.body.vacantPosts).toEqual(['paired_department']);
    expect(res.body.obligations.find((o: { kind: string }) => o.kind === 'support_reassignment')).toMatchObject({ key: 'paired_department:0', status: 'open' });
    // A case designated without a team tracks none: every post reads vacant, nothing is owed for them.
    const b = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${caseIds.B}` });
    expect(b.body.supportPackage.firstSecretary.vacant).toBe(true);
    expect(b.body.obligations.some((o: { kind: string }) => o.kind === 'support_reassignment')).toBe(false);
  });

  test('list rows say which posts are vacant; missingPost filters the cases missing a member', async () => {
    const list = await call(u.org!, { method: 'GET', url: '/api/v1/cases' });
    const row = (id: string) => list.body.items.find((c: { id: string }) => c.id === id);
    expect(row(caseIds.A).vacantPosts).toEqual(['paired_department']);
    expect(row(caseIds.B).vacantPosts).toEqual(['township_cadre', 'first_secretary', 'work_team', 'paired_department']);
    const missing = await call(u.org!, { method: 'GET', url: '/api/v1/cases?missingPost=first_secretary' });
    expect(missing.body.items.map((c: { id: string }) => c.id)).toEqual([caseIds.B]);
    const noDept = await call(u.org!, { method: 'GET', url: '/api/v1/cases?missingPost=paired_department' });
    expect(noDept.body.items.map((c: { id: string }) => c.id).sort()).toEqual([caseIds.A, caseIds.B].sort());
    const bad = await call(u.org!, { method: 'GET', url: '/api/v1/cases?missingPost=mayor' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues[0].field).toBe('query.missingPost');
  });

  test('a person already first secretary of another village’s open case, unknown or from another county: 400 naming the field, nothing written', async () => {
    const before = await casesCount();
    const attempts: Array<[Record<string, unknown>, string]> = [
      [{ firstSecretaryPersonId: p.secretary }, 'body.supportPackage.firstSecretaryPersonId'],
      [{ townshipCadrePersonId: '00000000-0000-4000-8000-000000000000' }, 'body.supportPackage.townshipCadrePersonId'],
      [{ workTeamPersonIds: [p.member1, p.foreign] }, 'body.supportPackage.workTeamPersonIds.1'],
      [{ workTeamPersonIds: [p.member1, p.member1] }, 'body.supportPackage.workTeamPersonIds'],
      [{ pairedDepartment: { name: '县财政局', contactPersonId: p.foreign } }, 'body.supportPackage.pairedDepartment.contactPersonId'],
      [{ firstSecretary: p.secretary }, 'body.supportPackage.firstSecretary'],
    ];
    for (const [supportPackage, field] of attempts) {
      const res = await call(u.org!, {
        method: 'POST',
        url: '/api/v1/cases',
        payload: { villageCode: villagesA[1]!, reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id, supportPackage },
      });
      expect([field, res.status, res.body.details?.issues?.[0]?.field]).toEqual([field, 400, field]);
    }
    expect(await casesCount()).toBe(before);
    // A cadre sent down by the prefecture may serve in the county.
    const ok = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: {
        villageCode: villagesA[1]!,
        reasons: ['poor_service'],
        sponsorUserId: u.sponsorA!.id,
        supportPackage: { firstSecretaryPersonId: p.prefectureCadre },
      },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.supportPackage.firstSecretary.holders[0].name).toBe('州派干部');
  });
});

describe('changing a member', () => {
  test('with a reason: the post changes, the old term ends, the change is audited; the first-secretary rule holds here too', async () => {
    const url = `/api/v1/cases/${caseIds.A}/support-members`;
    const taken = await call(u.org!, {
      method: 'POST',
      url: `/api/v1/cases/${caseIds.B}/support-members`,
      payload: { post: 'first_secretary', personId: p.secretary, reason: '选派' },
    });
    expect(taken.status).toBe(400);
    expect(taken.body.details.issues[0].field).toBe('body.personId');

    const res = await call(u.org!, {
      method: 'POST',
      url,
      payload: { post: 'paired_department', department: { name: '县财政局', contactPersonId: p.contact }, reason: '县委研究确定' },
    });
    expect(res.status).toBe(200);
    expect(res.body.supportPackage.pairedDepartment).toMatchObject({
      vacant: false,
      holders: [{ departmentName: '县财政局', personId: p.contact, name: '帮扶单位联系人' }],
    });
    expect(res.body.vacantPosts).toEqual([]);
    expect(res.body.obligations.find((o: { kind: string }) => o.kind === 'support_reassignment').status).toBe('satisfied');

    const swap = await call(u.org!, { method: 'POST', url, payload: { post: 'first_secretary', personId: p.secretary2, reason: '轮换' } });
    expect(swap.status).toBe(200);
    const terms = swap.body.supportHistory.filter((t: { post: string }) => t.post === 'first_secretary');
    expect(terms.map((t: { personId: string; endedAt: string | null }) => [t.personId, t.endedAt === null])).toEqual([
      [p.secretary, false],
      [p.secretary2, true],
    ]);
    expect(swap.body.timeline.at(-1)).toMatchObject({
      action: 'support_member_changed',
      actorUserId: u.org!.id,
      details: { post: 'first_secretary', from: [p.secretary], to: [p.secretary2], reason: '轮换' },
    });
    const [audited] = await h.db.sql<
      { n: string }[]
    >`select count(*) as n from audit_events where entity_id = ${caseIds.A} and action = 'support_member_changed'`;
    expect(Number(audited!.n)).toBe(2);
    // The first secretary who left may now serve elsewhere.
    const elsewhere = await call(u.org!, {
      method: 'POST',
      url: `/api/v1/cases/${caseIds.B}/support-members`,
      payload: { post: 'first_secretary', personId: p.secretary, reason: '选派' },
    });
    expect(elsewhere.status).toBe(200);
  });

  test('bad input names the field and changes nothing', async () => {
    const url = `/api/v1/cases/${caseIds.A}/support-members`;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ post: 'first_secretary', reason: 'x' }, 'body.personId'],
      [{ post: 'work_team', personId: p.member1, reason: 'x' }, 'body.personId'],
      [{ post: 'work_team', reason: 'x' }, 'body.workTeamPersonIds'],
      [{ post: 'paired_department', reason: 'x' }, 'body.department'],
      [{ post: 'mayor', personId: p.member1, reason: 'x' }, 'body.post'],
      [{ post: 'township_cadre', personId: p.cadre }, 'body.reason'],
      [{ post: 'township_cadre', personId: 'nope', reason: 'x' }, 'body.personId'],
      [{ post: 'work_team', workTeamPersonIds: [p.member1, p.foreign], reason: 'x' }, 'body.workTeamPersonIds.1'],
    ];
    const before = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${caseIds.A}` });
    for (const [payload, field] of cases) {
      const res = await call(u.org!, { method: 'POST', url, payload });
      expect([field, res.status, res.body.details?.issues?.[0]?.field]).toEqual([field, 400, field]);
    }
    const after = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${caseIds.A}` });
    expect(after.body.timeline.length).toBe(before.body.timeline.length);
  });
});

describe('the 一乡一表-style sheet', () => {
  test('lists each open case the caller sees with the holders of every post, and how many cases miss each post', async () => {
    const res = await call(u.org!, { method: 'GET', url: '/api/v1/support-assignments' });
    expect(res.status).toBe(200);
    const ids = res.body.rows.map((r: { caseId: string }) => r.caseId);
    expect(ids).toEqual(expect.arrayContaining([caseIds.A, caseIds.B]));
    expect(ids).not.toContain(caseIds.C);
    const a = res.body.rows.find((r: { caseId: string }) => r.caseId === caseIds.A);
    expect(a).toMatchObject({ villageCode: villagesA[0], townshipCode: '522731001000', vacantPosts: [] });
    expect(a.supportPackage.firstSecretary.holders[0].personId).toBe(p.secretary2);
    expect(res.body.openCases).toBe(res.body.rows.length);
    expect(res.body.missing.paired_department).toBe(res.body.rows.filter((r: { vacantPosts: string[] }) => r.vacantPosts.includes('paired_department')).length);
    expect(res.body.missing.sponsor).toBe(0);
    // A division narrows it; a bad one is named.
    const township = await call(u.org!, { method: 'GET', url: '/api/v1/support-assignments?division=522731002' });
    expect(township.body.rows.map((r: { caseId: string }) => r.caseId)).toEqual([caseIds.B]);
    const bad = await call(u.org!, { method: 'GET', url: '/api/v1/support-assignments?division=x' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues[0].field).toBe('query.division');
  });
});

describe('statistics of missing posts', () => {
  test('per township, the open cases and how many miss each post, as the sheet lists them; a sponsor counts their own cases', async () => {
    const sheet = (await call(u.org!, { method: 'GET', url: '/api/v1/support-assignments' })).body;
    const res = await call(u.org!, { method: 'GET', url: '/api/v1/stats/support-package?division=522731' });
    expect(res.status).toBe(200);
    expect(res.body.groupBy).toBe('township');
    const fields = {
      sponsor: 'noSponsor',
      township_cadre: 'noTownshipCadre',
      first_secretary: 'noFirstSecretary',
      work_team: 'noWorkTeam',
      paired_department: 'noPairedDepartment',
    };
    for (const row of res.body.rows as Array<Record<string, number | string>>) {
      const cases = (sheet.rows as Array<{ townshipCode: string; vacantPosts: string[] }>).filter((r) => r.townshipCode === row.code);
      expect(row.openCases).toBe(cases.length);
      for (const [post, field] of Object.entries(fields)) expect(row[field]).toBe(cases.filter((c) => c.vacantPosts.includes(post)).length);
      expect(row.complete).toBe(cases.filter((c) => c.vacantPosts.length === 0).length);
    }
    expect(res.body.totals).toMatchObject({ code: '522731000000', openCases: sheet.openCases, noPairedDepartment: sheet.missing.paired_department });
    // Not vacuous: case A has its whole team, others miss the paired department.
    expect(res.body.totals.complete).toBeGreaterThan(0);
    expect(res.body.totals.noPairedDepartment).toBeGreaterThan(0);

    const own = await call(u.sponsorB!, { method: 'GET', url: '/api/v1/stats/support-package' });
    expect(own.status).toBe(200);
    expect(own.body.scope).toBe('own_cases');
    expect(own.body.totals.openCases).toBe(1);
    expect((await call(u.org!, { method: 'GET', url: '/api/v1/stats/support-package?division=522727' })).status).toBe(404);
    expect((await call(u.townshipA!, { method: 'GET', url: '/api/v1/stats/support-package?division=522731002' })).status).toBe(404);
  });
});

describe('the policy block', () => {
  test('supportPackage timings are checked: a period must move time forward, the filer must be one of the two', async () => {
    const defaults = (await call(u.org!, { method: 'GET', url: '/api/v1/policies/defaults' })).body;
    const body = defaults.body;
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ followUpVisitEvery: 'PT0S' }, 'body.body.supportPackage.followUpVisitEvery'],
      [{ pairedDepartmentReportEvery: '10WD' }, 'body.body.supportPackage.pairedDepartmentReportEvery'],
      [{ monthlyReportBy: 'township_cadre' }, 'body.body.supportPackage.monthlyReportBy'],
    ];
    for (const [supportPackage, field] of bad) {
      const res = await call(u.org!, { method: 'POST', url: '/api/v1/policies', payload: { body: { ...body, supportPackage } } });
      expect([field, res.status, res.body.details?.issues?.[0]?.field]).toEqual([field, 400, field]);
    }
    const ok = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/policies',
      payload: { name: 'support', body: { ...body, supportPackage: { monthlyReportBy: 'first_secretary', followUpVisitEvery: 'P1M' } } },
    });
    expect(ok.status).toBe(201);
  });
});

describe('the sheet as a spreadsheet', () => {
  test('csv and xlsx with the holders of each post; a division outside the jurisdiction is 404', async () => {
    const csv = await app.inject({
      method: 'GET',
      url: '/api/v1/exports/support-assignments?format=csv',
      headers: { authorization: `Bearer ${u.org!.token}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('驻村第一书记');
    expect(csv.body).toContain('第一书记二');
    expect(csv.body).toContain('（空缺）');
    const xlsx = await app.inject({
      method: 'GET',
      url: '/api/v1/exports/support-assignments?format=xlsx',
      headers: { authorization: `Bearer ${u.org!.token}` },
    });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const outside = await call(u.otherOrg!, { method: 'GET', url: '/api/v1/exports/support-assignments?format=csv&division=522731' });
    expect(outside.status).toBe(404);
  });
});

describe('jurisdiction matrix on the new routes', () => {
  test('the sheet shows each caller only its jurisdiction (a sponsor their own cases)', async () => {
    const seen = async (who: string) =>
      ((await call(u[who]!, { method: 'GET', url: '/api/v1/support-assignments' })).body.rows as Array<{ caseId: string }>).map((r) => r.caseId);
    expect(await seen('townshipA')).not.toContain(caseIds.B);
    expect(await seen('townshipB')).toEqual([caseIds.B]);
    expect(await seen('otherOrg')).toEqual([caseIds.C]);
    expect(await seen('townshipC')).toEqual([caseIds.C]);
    expect(await seen('sponsorB')).toEqual([caseIds.B]);
    expect((await call(null, { method: 'GET', url: '/api/v1/support-assignments' })).status).toBe(401);
  });

  test('the people picker: offices see people recorded within their jurisdiction, by name; sponsors may not', async () => {
    const names = async (who: string, query = '') =>
      ((await call(u[who]!, { method: 'GET', url: `/api/v1/people${query}` })).body.items as Array<{ name: string }>).map((x) => x.name);
    expect(await names('org')).toEqual(expect.arrayContaining(['包村干部', '帮扶单位联系人']));
    expect(await names('org')).not.toContain('外县干部');
    expect(await names('otherOrg')).toEqual(['外县干部']);
    expect(await names('townshipA')).not.toContain('帮扶单位联系人');
    expect(await names('org', `?name=${encodeURIComponent('工作队')}`)).toEqual(['工作队员一', '工作队员二']);
    expect(await names('org', `?name=${encodeURIComponent('%')}`)).toEqual([]);
    expect((await call(u.sponsorA!, { method: 'GET', url: '/api/v1/people' })).status).toBe(403);
    expect((await call(u.townshipA!, { method: 'GET', url: '/api/v1/people?division=522731002' })).status).toBe(404);
  });

  test('each command: 404 outside the jurisdiction, 403 for a role that may not, nothing changed', async () => {
    const payloads: Record<string, Record<string, unknown>> = {
      'support-members': { post: 'township_cadre', personId: p.cadre, reason: 'x' },
      'support-reports': { measures: 'x' },
      visits: { visitedOn: '2026-01-05', visitors: ['组织委员'], findings: 'x', risk: 'low' },
    };
    const expected: Record<string, Record<string, number>> = {
      'support-members': { otherOrg: 404, townshipB: 404, sponsorB: 404, townshipA: 403, sponsorA: 403 },
      'support-reports': { otherOrg: 404, townshipB: 404, sponsorB: 404, sponsorA: 403 },
      visits: { otherOrg: 404, townshipB: 404, sponsorB: 404, sponsorA: 403 },
    };
    const before = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${caseIds.A}` });
    for (const [path, byUser] of Object.entries(expected)) {
      for (const [who, status] of Object.entries(byUser)) {
        const res = await call(u[who]!, { method: 'POST', url: `/api/v1/cases/${caseIds.A}/${path}`, payload: payloads[path] });
        expect([path, who, res.status]).toEqual([path, who, status]);
      }
    }
    // Allowed roles reach the workflow, which refuses what the state does not allow (no visit before follow-up).
    const early = await call(u.townshipA!, { method: 'POST', url: `/api/v1/cases/${caseIds.A}/visits`, payload: payloads.visits });
    expect(early.status).toBe(409);
    const after = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${caseIds.A}` });
    expect(after.body.timeline.length).toBe(before.body.timeline.length);
  });
});

describe('回头看 visits', () => {
  test('recorded during follow-up with a risk rating; bad input names the field; relapse from a visit', async () => {
    const res0 = await call(u.org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: villagesA[2]!, reasons: ['poor_service'], sponsorUserId: u.sponsorA!.id },
    });
    const id = res0.body.id as string;
    const plan = { summary: '方案', issues: ['班子'], measures: [{ measure: '配强', owner: '乡镇' }] };
    expect((await call(u.sponsorA!, { method: 'POST', url: `/api/v1/cases/${id}/plan`, payload: plan })).status).toBe(200);
    expect((await call(u.sponsorA!, { method: 'POST', url: `/api/v1/cases/${id}/acceptance-requests`, payload: { summary: '完成' } })).status).toBe(200);
    const passed = await call(u.org!, {
      method: 'POST',
      url: `/api/v1/cases/${id}/acceptance-reviews`,
      payload: { score: 88, representativesTotal: 20, representativesDissatisfied: 1 },
    });
    expect(passed.body.state).toBe('follow_up');
    expect(passed.body.obligations.find((o: { kind: string }) => o.kind === 'follow_up_visit')).toMatchObject({ key: 'V1', status: 'open' });

    const url = `/api/v1/cases/${id}/visits`;
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ visitedOn: '2026-13-01', visitors: ['a'], findings: 'x', risk: 'low' }, 'body.visitedOn'],
      [{ visitedOn: '2026-01-05', visitors: ['a'], findings: 'x', risk: 'high' }, 'body.risk'],
      [{ visitedOn: '2026-01-05', findings: 'x', risk: 'low' }, 'body.visitors'],
      [{ visitedOn: '2026-01-05', visitors: ['a'], risk: 'low' }, 'body.findings'],
    ];
    for (const [payload, field] of bad) {
      const res = await call(u.townshipA!, { method: 'POST', url, payload });
      expect([field, res.status, res.body.details?.issues?.[0]?.field]).toEqual([field, 400, field]);
    }
    const visit = await call(u.townshipA!, {
      method: 'POST',
      url,
      payload: { visitedOn: '2026-01-05', visitors: ['组织委员'], visitorPersonIds: [p.cadre], findings: '书记外出务工', risk: 'relapse_risk' },
    });
    expect(visit.status).toBe(200);
    const record = visit.body.submissions.find((s: { kind: string }) => s.kind === 'follow_up_visit');
    expect(record).toMatchObject({ key: expect.stringMatching(/^visit-\d+$/), content: { risk: 'relapse_risk', findings: '书记外出务工', period: 'V1' } });
    expect(visit.body.obligations.find((o: { kind: string; key: string }) => o.kind === 'follow_up_visit' && o.key === 'V1').status).toBe('satisfied');

    const noNote = await call(u.org!, { method: 'POST', url: `/api/v1/cases/${id}/relapse`, payload: { reasons: ['poor_service'] } });
    expect(noNote.body.details.issues[0].field).toBe('body.note');
    const unknown = await call(u.org!, { method: 'POST', url: `/api/v1/cases/${id}/relapse`, payload: { reasons: ['poor_service'], visitId: 'visit-99999' } });
    expect([unknown.status, unknown.body.details.issues[0].field]).toEqual([400, 'body.visitId']);
    const relapsed = await call(u.org!, { method: 'POST', url: `/api/v1/cases/${id}/relapse`, payload: { reasons: ['poor_service'], visitId: record.key } });
    expect(relapsed.status).toBe(200);
    expect(relapsed.body.timeline.find((t: { action: string }) => t.action === 'relapsed').details).toMatchObject({
      visitId: record.key,
      note: '书记外出务工',
    });
  });
});
