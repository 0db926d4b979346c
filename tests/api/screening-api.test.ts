/**
 * /screening-campaigns through app.inject on a real backend, for a county of real divisions (惠水县:
 * 岗度镇 with 12 villages, 明田街道 with 7): a whole campaign — 1 hard trigger found in Rectify's own
 * data (a secretary post vacant for 6 months), 2 more proposals, 1 removed at 研判 → approval →
 * designation creates exactly 2 cases (found through GET /cases), and a second call creates none;
 * the bad input the issue names (a village of another township, an unknown criterion, a sheet
 * submitted twice, designating an unapproved list, an unanswered trigger); the jurisdiction matrix
 * of every route; the statistics.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';
import { readXlsxRows } from '../../services/excel/xlsx.js';
import { shanghaiDate } from '../../services/village-secretary.js';

const GANGDU = '522731109'; // 岗度镇: 12 villages
const MINGTIAN = '522731003'; // 明田街道: 7 villages
const PINGTANG = '522727001';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
const u: Record<string, TestUser> = {};
let gangdu: string[] = [];
let mingtian: string[] = [];
let campaignId = '';
let otherCampaignId = '';
const year = 2026;

async function call(user: TestUser | null, options: InjectOptions) {
  const headers = { ...(options.headers ?? {}), ...(user ? { authorization: `Bearer ${user.token}` } : {}) };
  const res = await app.inject({ ...options, headers });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

const url = (path = '') => `/api/v1/screening-campaigns/${campaignId}${path}`;
const fieldOf = (body: { details?: { issues?: Array<{ field: string }> } }) => body.details?.issues?.map((i) => i.field) ?? [];
/** The date `days` ago in Asia/Shanghai. */
const daysAgo = (days: number) => shanghaiDate(new Date(Date.now() - days * 86_400_000));
const none = (codes: string[]) => codes.map((villageCode) => ({ villageCode, findings: { leadership_incomplete: { found: false } }, proposal: 'do_not_list' }));

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env }, { divisions: [GANGDU, MINGTIAN, PINGTANG] });
  app = await h.app();
  u.org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  u.prefecture = await h.addUser('org_dept', '5227', '黔南州委组织部');
  u.otherOrg = await h.addUser('org_dept', '522727', '平塘县委组织部');
  u.sponsor = await h.addUser('sponsor', '522731', '包保县领导');
  u.gangdu = await h.addUser('township_office', GANGDU, '岗度镇党委');
  u.mingtian = await h.addUser('township_office', MINGTIAN, '明田街道党工委');
  u.pingtang = await h.addUser('township_office', PINGTANG, '金盆街道党工委');
  gangdu = await h.villageCodes(GANGDU);
  mingtian = await h.villageCodes(MINGTIAN);
  expect(gangdu).toHaveLength(12);
  // The hard trigger: the first village's secretary post vacant for about six months, as the township office records it.
  const vacant = (code: string, days: number) =>
    call(u.gangdu!, { method: 'PUT', url: `/api/v1/villages/${code}/secretary`, payload: { personId: null, since: daysAgo(days), reason: '书记空缺' } });
  expect((await vacant(gangdu[0]!, 183)).status).toBe(200);
  // A post vacant for one month is no trigger yet.
  expect((await vacant(gangdu[5]!, 30)).status).toBe(200);
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('a whole campaign for 惠水县', () => {
  test('opening: sponsors and township offices may not; the org dept opens one per county and year', async () => {
    expect((await call(u.sponsor!, { method: 'POST', url: '/api/v1/screening-campaigns', payload: { year } })).status).toBe(403);
    expect((await call(u.gangdu!, { method: 'POST', url: '/api/v1/screening-campaigns', payload: { year } })).status).toBe(403);
    const foreign = await call(u.org!, { method: 'POST', url: '/api/v1/screening-campaigns', payload: { year, countyCode: '522727000000' } });
    expect(foreign.status).toBe(400);
    expect(fieldOf(foreign.body)).toContain('body.countyCode');

    const opened = await call(u.org!, { method: 'POST', url: '/api/v1/screening-campaigns', payload: { year } });
    expect(opened.status).toBe(201);
    campaignId = opened.body.id;
    expect(opened.body).toMatchObject({
      state: 'screening',
      approvingBody: '县委常委会',
      countyCode: '522731000000',
      policy: { sheetDue: '20WD', judgmentDue: '10WD' },
    });
    expect(opened.body.townships.map((t: { townshipCode: string }) => t.townshipCode)).toEqual([`${MINGTIAN}000`, `${GANGDU}000`]);
    expect(opened.body.triggers).toEqual([expect.objectContaining({ villageCode: gangdu[0], trigger: 'secretary_vacant_3_months', answer: null })]);

    const again = await call(u.org!, { method: 'POST', url: '/api/v1/screening-campaigns', payload: { year } });
    expect(again.status).toBe(409);

    // 平塘: last year's annual assessment imported first (all or nothing), then its campaign opens with those triggers.
    const pingtang = await h.villageCodes(PINGTANG);
    const csv = (rows: string[]) => ['村区划代码,考核年度,排名,参评村数,群众满意度（%）', ...rows].join('\n');
    const bad = await call(u.otherOrg!, {
      method: 'POST',
      url: '/api/v1/imports/annual-assessments',
      headers: { 'content-type': 'text/csv' },
      payload: csv([`${pingtang[0]},2025,3,3,80`, `${pingtang[1]},2025,4,3,55`]),
    });
    expect(bad.status).toBe(422);
    expect(bad.body.details.report.errors).toEqual([expect.objectContaining({ row: 3, column: '排名' })]);
    const imported = await call(u.otherOrg!, {
      method: 'POST',
      url: '/api/v1/imports/annual-assessments',
      headers: { 'content-type': 'text/csv' },
      payload: csv([`${pingtang[0]},2025,3,3,80`, `${pingtang[1]},2025,1,3,55%`, `${pingtang[2]},2025,2,3,`]),
    });
    expect(imported.status).toBe(200);
    expect(imported.body.imported).toMatchObject({ created: 3 });
    const template = await app.inject({
      method: 'GET',
      url: '/api/v1/imports/templates/annual-assessments',
      headers: { authorization: `Bearer ${u.org!.token}` },
    });
    expect(template.statusCode).toBe(200);

    const other = await call(u.otherOrg!, { method: 'POST', url: '/api/v1/screening-campaigns', payload: { year } });
    expect(other.status).toBe(201);
    otherCampaignId = other.body.id;
    expect(other.body.triggers.map((t: { villageCode: string; trigger: string }) => [t.villageCode, t.trigger])).toEqual([
      [pingtang[0], 'last_in_assessment'],
      [pingtang[1], 'satisfaction_below_60'],
    ]);
  });

  test('each township office owes its sheet: an obligation on the ladder, and a notice in its inbox', async () => {
    const rows = await h.db.sql<{ kind: string; key: string; responsible: string }[]>`
      select kind, key, responsible from obligations where screening_campaign_id = ${campaignId} order by key`;
    expect(rows).toEqual([
      { kind: 'screening_sheet', key: `${MINGTIAN}000`, responsible: 'township_office' },
      { kind: 'screening_sheet', key: `${GANGDU}000`, responsible: 'township_office' },
    ]);
    const inbox = await call(u.gangdu!, { method: 'GET', url: '/api/v1/inbox' });
    expect(inbox.status).toBe(200);
    expect(JSON.stringify(inbox.body)).toContain('软弱涣散村党组织排查');
  });

  test('bad sheets: a village of another township, an unknown criterion, nothing written', async () => {
    const outside = await call(u.gangdu!, { method: 'PUT', url: url(`/sheets/${GANGDU}000`), payload: { entries: none([mingtian[0]!]) } });
    expect(outside.status).toBe(400);
    expect(fieldOf(outside.body)).toContain('body.entries[0].villageCode');

    const unknown = await call(u.gangdu!, {
      method: 'PUT',
      url: url(`/sheets/${GANGDU}000`),
      payload: { entries: [...none([gangdu[3]!]), { villageCode: gangdu[4], findings: { bogus: { found: true } }, proposal: 'list' }] },
    });
    expect(unknown.status).toBe(400);
    expect(fieldOf(unknown.body)).toContain('body.entries[1].findings.bogus');
    // All or nothing: the valid first entry was not written either.
    expect((await call(u.gangdu!, { method: 'GET', url: url() })).body.entries).toEqual([]);

    const dismissal = await call(u.gangdu!, {
      method: 'PUT',
      url: url(`/sheets/${GANGDU}000`),
      payload: { entries: [], triggerAnswers: [{ villageCode: gangdu[0], trigger: 'secretary_vacant_3_months', answer: 'dismissed' }] },
    });
    expect(dismissal.status).toBe(400);
    expect(fieldOf(dismissal.body)).toContain('body.triggerAnswers[0].reason');

    // Another township's sheet does not exist for this office.
    expect((await call(u.gangdu!, { method: 'PUT', url: url(`/sheets/${MINGTIAN}000`), payload: { entries: none([mingtian[0]!]) } })).status).toBe(404);
  });

  test('岗度镇 screens its 12 villages: 3 proposals; the pre-filled trigger must be answered before submitting, once', async () => {
    const entries = [
      { villageCode: gangdu[0], findings: { leadership_incomplete: { found: true, evidence: '书记空缺半年', attachments: ['附件-001'] } }, proposal: 'list' },
      { villageCode: gangdu[1], findings: { poor_service: { found: true, evidence: '群众意见大' } }, proposal: 'list' },
      { villageCode: gangdu[2], findings: { affairs_disorder: { found: true, evidence: '账目不清' } }, proposal: 'list' },
      { villageCode: gangdu[3], findings: { rules_not_kept: { found: true } }, proposal: 'watch' },
      ...none(gangdu.slice(4)),
    ];
    const saved = await call(u.gangdu!, { method: 'PUT', url: url(`/sheets/${GANGDU}000`), payload: { entries } });
    expect(saved.status).toBe(200);
    expect(saved.body.entries).toHaveLength(12);
    expect(saved.body.townships).toEqual([expect.objectContaining({ townshipCode: `${GANGDU}000`, villages: 12, entries: 12, triggersUnanswered: 1 })]);

    const unanswered = await call(u.gangdu!, { method: 'POST', url: url(`/sheets/${GANGDU}000/submit`), payload: {} });
    expect(unanswered.status).toBe(400);
    expect(fieldOf(unanswered.body)).toContain('body.triggerAnswers');

    const submitted = await call(u.gangdu!, {
      method: 'POST',
      url: url(`/sheets/${GANGDU}000/submit`),
      payload: { triggerAnswers: [{ villageCode: gangdu[0], trigger: 'secretary_vacant_3_months', answer: 'confirmed' }] },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body.townships[0]).toMatchObject({ late: false, triggersUnanswered: 0 });
    expect(submitted.body.townships[0].submittedAt).not.toBeNull();
    expect(submitted.body.state).toBe('screening');

    expect((await call(u.gangdu!, { method: 'POST', url: url(`/sheets/${GANGDU}000/submit`), payload: {} })).status).toBe(409);
    expect((await call(u.gangdu!, { method: 'PUT', url: url(`/sheets/${GANGDU}000`), payload: { entries: none([gangdu[4]!]) } })).status).toBe(409);
  });

  test('明田街道 uploads its sheet as a spreadsheet: a bad file is rejected whole with its row report, a good one saved', async () => {
    const csv = (rows: string[]) => ['村区划代码,排查建议,存在的情形,佐证材料', ...rows].join('\n');
    const upload = (body: string) =>
      call(u.mingtian!, {
        method: 'POST',
        url: url(`/sheets/${MINGTIAN}000/upload?fileName=sheet.csv`),
        headers: { 'content-type': 'text/csv' },
        payload: body,
      });
    const bad = await upload(csv([`${mingtian[1]},不列入,,`, `${gangdu[0]},不列入,,`, `${mingtian[2]},建议列入,不存在的情形,无`]));
    expect(bad.status).toBe(422);
    expect(bad.body.details.report.errors.map((e: { row: number; column: string }) => [e.row, e.column])).toEqual([
      [3, '村区划代码'],
      [4, '存在的情形'],
    ]);
    expect((await call(u.mingtian!, { method: 'GET', url: url() })).body.entries).toEqual([]);
    const good = await upload(
      csv(mingtian.slice(1).map((v, i) => (i === 0 ? `${v},列为关注,群众满意度低于60%、服务意识差、群众意见大,满意度测评52%` : `${v},不列入,,`))),
    );
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ kind: 'screening_sheet', valid: true, imported: { created: 6, updated: 0 } });
    const saved = (await call(u.mingtian!, { method: 'GET', url: url() })).body.entries;
    expect(saved).toHaveLength(6);
    expect(saved[0]).toMatchObject({
      proposal: 'watch',
      findings: { satisfaction_below_60: { found: true, evidence: '满意度测评52%' }, poor_service: { found: true } },
    });
    const template = await app.inject({
      method: 'GET',
      url: url(`/sheets/${MINGTIAN}000/template`),
      headers: { authorization: `Bearer ${u.mingtian!.token}` },
    });
    expect(template.statusCode).toBe(200);
  });

  test('an incomplete sheet is refused naming the villages; the last sheet in closes screening', async () => {
    const partial = await call(u.mingtian!, { method: 'POST', url: url(`/sheets/${MINGTIAN}000/submit`), payload: { entries: none(mingtian.slice(1)) } });
    expect(partial.status).toBe(400);
    expect(fieldOf(partial.body)).toContain('body.entries');
    const done = await call(u.mingtian!, { method: 'POST', url: url(`/sheets/${MINGTIAN}000/submit`), payload: { entries: none(mingtian.slice(0, 1)) } });
    expect(done.status).toBe(200);
    expect(done.body.state).toBe('judging');
    const judgment = await h.db.sql<{ kind: string; responsible: string }[]>`
      select kind, responsible from obligations where screening_campaign_id = ${campaignId} and status = 'open'`;
    expect(judgment).toEqual([{ kind: 'screening_judgment', responsible: 'org_dept' }]);
  });

  test('designating before approval is refused; 研判 removes one with a reason', async () => {
    const early = await call(u.org!, { method: 'POST', url: url('/designation'), payload: { villages: [] } });
    expect(early.status).toBe(409);
    expect(early.body.message).toContain('not approved');

    const bad = await call(u.org!, {
      method: 'POST',
      url: url('/judgment'),
      payload: { decisions: [{ villageCode: gangdu[5], decision: 'remove', reason: '无' }] },
    });
    expect(bad.status).toBe(400);
    expect(fieldOf(bad.body)).toContain('body.decisions[0].villageCode');

    expect((await call(u.gangdu!, { method: 'POST', url: url('/judgment'), payload: { decisions: [] } })).status).toBe(403);
    const judged = await call(u.org!, {
      method: 'POST',
      url: url('/judgment'),
      payload: {
        decisions: [
          { villageCode: gangdu[0], decision: 'confirm', reason: '书记空缺超过3个月，属实' },
          { villageCode: gangdu[1], decision: 'confirm', reason: '群众满意度低' },
          { villageCode: gangdu[2], decision: 'remove', reason: '账目问题已整改到位' },
        ],
      },
    });
    expect(judged.status).toBe(200);
    expect(judged.body.list).toEqual([gangdu[0], gangdu[1]]);
  });

  test('the approval freezes the list; later changes are audited amendments', async () => {
    const approved = await call(u.org!, {
      method: 'POST',
      url: url('/approval'),
      payload: { date: '2026-03-20', meeting: '县委常委会第5次会议', documentNumber: '惠党发〔2026〕3号' },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ state: 'approved', approval: { date: '2026-03-20', documentNumber: '惠党发〔2026〕3号' } });
    expect((await call(u.org!, { method: 'POST', url: url('/judgment'), payload: { decisions: [] } })).status).toBe(409);
    expect((await call(u.org!, { method: 'POST', url: url('/approval'), payload: { date: '2026-03-21', meeting: '再审', documentNumber: 'x' } })).status).toBe(
      409,
    );

    const twice = await call(u.org!, { method: 'POST', url: url('/amendments'), payload: { villageCode: gangdu[0], change: 'add', reason: '重复' } });
    expect(twice.status).toBe(400);
    expect(fieldOf(twice.body)).toContain('body.villageCode');
    const added = await call(u.org!, { method: 'POST', url: url('/amendments'), payload: { villageCode: gangdu[3], change: 'add', reason: '常委会补充列入' } });
    expect(added.body.list).toEqual([gangdu[0], gangdu[1], gangdu[3]]);
    const removed = await call(u.org!, {
      method: 'POST',
      url: url('/amendments'),
      payload: { villageCode: gangdu[3], change: 'remove', reason: '核实后撤回' },
    });
    expect(removed.body.list).toEqual([gangdu[0], gangdu[1]]);
    expect(removed.body.amendments.map((a: { change: string; by: { label: string } }) => [a.change, a.by.label])).toEqual([
      ['add', '惠水县委组织部'],
      ['remove', '惠水县委组织部'],
    ]);
    const audit = await h.db.sql<
      { action: string }[]
    >`select action from audit_events where entity_type = 'screening_campaign' and entity_id = ${campaignId} and action = 'amended'`;
    expect(audit).toHaveLength(2);
    // An inspector reads them in the county's audit trail; the other county's does not.
    const trail = await call(u.org!, { method: 'GET', url: `/api/v1/audit?entity=screening_campaign:${campaignId}` });
    expect(trail.body.items.filter((r: { action: string }) => r.action === 'amended')).toHaveLength(2);
    expect((await call(u.otherOrg!, { method: 'GET', url: `/api/v1/audit?entity=screening_campaign:${campaignId}` })).body.items).toEqual([]);
  });

  test('designation creates exactly the 2 cases, with their reasons; a second call creates nothing', async () => {
    const missing = await call(u.org!, {
      method: 'POST',
      url: url('/designation'),
      payload: { villages: [{ villageCode: gangdu[0], sponsorUserId: u.sponsor!.id }] },
    });
    expect(missing.status).toBe(400);
    expect(fieldOf(missing.body)).toContain('body.villages');
    const notListed = await call(u.org!, {
      method: 'POST',
      url: url('/designation'),
      payload: { villages: [{ villageCode: gangdu[2], sponsorUserId: u.sponsor!.id }] },
    });
    expect(fieldOf(notListed.body)).toContain('body.villages[0].villageCode');
    const badSponsor = await call(u.org!, {
      method: 'POST',
      url: url('/designation'),
      payload: {
        villages: [
          { villageCode: gangdu[0], sponsorUserId: u.sponsor!.id },
          { villageCode: gangdu[1], sponsorUserId: u.gangdu!.id },
        ],
      },
    });
    expect(badSponsor.status).toBe(400);
    expect(fieldOf(badSponsor.body)).toContain('body.villages[1].sponsorUserId');
    // Nothing was half-written: no case yet.
    expect((await call(u.org!, { method: 'GET', url: `/api/v1/cases?division=${GANGDU}` })).body.total).toBe(0);

    // Each case gets its team (包保责任体系): the first a whole team, the second only a first secretary.
    const person = async (name: string, divisionCode: string) =>
      (await h.db.sql<{ id: string }[]>`insert into people (name, division_code) values (${name}, ${divisionCode}) returning id`)[0]!.id;
    const cadre = await person('岗度包村干部', `${GANGDU}000`);
    const secretaryA = await person('第一书记甲', '522731000000');
    const secretaryB = await person('第一书记乙', '522731000000');
    const contact = await person('财政局联系人', '522731000000');
    const teams: Record<string, Record<string, unknown>> = {
      [gangdu[0]!]: { townshipCadrePersonId: cadre, firstSecretaryPersonId: secretaryA, pairedDepartment: { name: '县财政局', contactPersonId: contact } },
      [gangdu[1]!]: { firstSecretaryPersonId: secretaryB },
    };
    const payload = {
      villages: [gangdu[0]!, gangdu[1]!].map((villageCode) => ({ villageCode, sponsorUserId: u.sponsor!.id, supportPackage: teams[villageCode] })),
    };
    const designated = await call(u.org!, { method: 'POST', url: url('/designation'), payload });
    expect(designated.status).toBe(200);
    expect(designated.body).toMatchObject({ state: 'designated', created: 2 });
    const cases = await call(u.org!, { method: 'GET', url: `/api/v1/cases?division=522731` });
    expect(cases.body.total).toBe(2);
    expect(cases.body.items.map((c: { villageCode: string }) => c.villageCode).sort()).toEqual([gangdu[0], gangdu[1]]);
    const first = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${designated.body.designations[0].caseId}` });
    expect(first.body.reasons.sort()).toEqual(['leadership_incomplete', 'secretary_vacant_3_months']);
    // The cases carry their teams; a post not named is vacant and owes a reassignment.
    expect(first.body.supportPackage).toMatchObject({
      sponsor: { vacant: false },
      townshipCadre: { vacant: false, holders: [{ personId: cadre }] },
      firstSecretary: { vacant: false, holders: [{ personId: secretaryA }] },
      pairedDepartment: { vacant: false, holders: [{ departmentName: '县财政局', personId: contact }] },
    });
    const second = await call(u.org!, { method: 'GET', url: `/api/v1/cases/${designated.body.designations[1].caseId}` });
    expect(second.body.supportPackage.firstSecretary.holders.map((x: { personId: string }) => x.personId)).toEqual([secretaryB]);
    expect(second.body.vacantPosts.sort()).toEqual(['paired_department', 'township_cadre', 'work_team']);
    expect(
      second.body.obligations
        .filter((o: { kind: string }) => o.kind === 'support_reassignment')
        .map((o: { key: string }) => o.key.split(':')[0])
        .sort(),
    ).toEqual(['paired_department', 'township_cadre']);

    const again = await call(u.org!, { method: 'POST', url: url('/designation'), payload });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ state: 'designated', created: 0, designations: designated.body.designations });
    expect((await call(u.org!, { method: 'GET', url: `/api/v1/cases?division=522731` })).body.total).toBe(2);
    // The campaign's obligations are all met or closed.
    const open = await h.db.sql`select id from obligations where screening_campaign_id = ${campaignId} and status = 'open'`;
    expect(open).toHaveLength(0);
  });

  test('statistics: screened and on time per township, proposals vs. the list, designation rates flagged outside 5–10%', async () => {
    const res = await call(u.org!, { method: 'GET', url: url('/stats') });
    expect(res.status).toBe(200);
    const g = res.body.townships.find((t: { townshipCode: string }) => t.townshipCode === `${GANGDU}000`);
    expect(g).toMatchObject({
      villages: 12,
      screened: 12,
      submitted: true,
      onTime: true,
      proposals: { list: 3, watch: 1, doNotList: 8 },
      finalList: 2,
      designated: 2,
      designationRate: 0.1667,
      outlier: 'high',
      hardTriggers: { found: 1, confirmed: 1, dismissed: 0, unanswered: 0 },
    });
    expect(res.body.county).toMatchObject({
      villages: 19,
      screened: 19,
      proposedList: 3,
      finalList: 2,
      removed: 1,
      designated: 2,
      designationRate: 0.1053,
      outlier: 'high',
    });
    expect(res.body.neverScreened).toEqual([]);
    expect(res.body.hardTriggers.find((t: { trigger: string }) => t.trigger === 'secretary_vacant_3_months')).toMatchObject({ found: 1, confirmed: 1 });
    // The same figures in the xlsx export: per township, then the county's total.
    const file = await app.inject({ method: 'GET', url: url('/stats/export'), headers: { authorization: `Bearer ${u.org!.token}` } });
    expect(file.statusCode).toBe(200);
    const rows = (await readXlsxRows(file.rawPayload)).map((r) => r.cells.map((c) => (c === null ? '' : String(c))));
    const gangduRow = rows.find((r) => r[0] === `${GANGDU}000`)!;
    expect(gangduRow.slice(2, 13)).toEqual(['12', '12', '是', '是', '3', '1', '8', '2', '2', expect.stringMatching(/^0\.166/), '高于10%']);
    expect(rows.find((r) => r[1] === '合计')!.slice(2, 4)).toEqual(['19', '19']);
    // The other county's campaign: nobody screened yet.
    const other = await call(u.otherOrg!, { method: 'GET', url: `/api/v1/screening-campaigns/${otherCampaignId}/stats` });
    expect(other.body.neverScreened.length).toBeGreaterThan(0);
  });
});

describe('jurisdiction matrix', () => {
  const routes = (id: string, township: string): InjectOptions[] => [
    { method: 'GET', url: `/api/v1/screening-campaigns/${id}` },
    { method: 'GET', url: `/api/v1/screening-campaigns/${id}/stats` },
    { method: 'PUT', url: `/api/v1/screening-campaigns/${id}/sheets/${township}`, payload: { entries: [] } },
    { method: 'POST', url: `/api/v1/screening-campaigns/${id}/sheets/${township}/submit`, payload: {} },
    {
      method: 'POST',
      url: `/api/v1/screening-campaigns/${id}/sheets/${township}/upload`,
      headers: { 'content-type': 'text/csv' },
      payload: '村区划代码,排查建议',
    },
    { method: 'GET', url: `/api/v1/screening-campaigns/${id}/sheets/${township}/template` },
    { method: 'POST', url: `/api/v1/screening-campaigns/${id}/judgment`, payload: { decisions: [] } },
    { method: 'POST', url: `/api/v1/screening-campaigns/${id}/approval`, payload: { date: '2026-03-20', meeting: '会议', documentNumber: '文号' } },
    { method: 'POST', url: `/api/v1/screening-campaigns/${id}/amendments`, payload: { villageCode: '522727001001', change: 'add', reason: '理由' } },
    { method: 'POST', url: `/api/v1/screening-campaigns/${id}/designation`, payload: { villages: [] } },
  ];

  test('sponsors get 403 everywhere; unauthenticated 401', async () => {
    for (const r of routes(campaignId, `${GANGDU}000`)) {
      expect((await call(u.sponsor!, r)).status, `${r.method} ${r.url}`).toBe(403);
      expect((await call(null, r)).status, `${r.method} ${r.url}`).toBe(401);
    }
    expect((await call(u.sponsor!, { method: 'GET', url: '/api/v1/screening-campaigns' })).status).toBe(403);
  });

  test('a campaign of another county is 404 for its org dept and township offices; the prefecture sees both', async () => {
    for (const r of routes(otherCampaignId, `${PINGTANG}000`)) {
      expect((await call(u.org!, r)).status, `${r.method} ${r.url}`).toBe(404);
      expect((await call(u.gangdu!, r)).status, `${r.method} ${r.url}`).toBe(404);
    }
    for (const r of routes(campaignId, `${GANGDU}000`)) {
      expect((await call(u.otherOrg!, r)).status, `${r.method} ${r.url}`).toBe(404);
      expect((await call(u.pingtang!, r)).status, `${r.method} ${r.url}`).toBe(404);
    }
    expect((await call(u.prefecture!, { method: 'GET', url: `/api/v1/screening-campaigns/${campaignId}` })).status).toBe(200);
    expect((await call(u.prefecture!, { method: 'GET', url: `/api/v1/screening-campaigns/${otherCampaignId}` })).status).toBe(200);
    const list = await call(u.prefecture!, { method: 'GET', url: '/api/v1/screening-campaigns' });
    expect(list.body.items).toHaveLength(2);
    expect((await call(u.org!, { method: 'GET', url: '/api/v1/screening-campaigns' })).body.items.map((c: { id: string }) => c.id)).toEqual([campaignId]);
  });

  test('a township office sees its own township only, and may not judge, approve, amend or designate', async () => {
    const detail = await call(u.gangdu!, { method: 'GET', url: url() });
    expect(detail.status).toBe(200);
    expect(detail.body.townships.map((t: { townshipCode: string }) => t.townshipCode)).toEqual([`${GANGDU}000`]);
    expect(detail.body.entries.every((e: { villageCode: string }) => e.villageCode.startsWith(GANGDU))).toBe(true);
    const mt = await call(u.mingtian!, { method: 'GET', url: url() });
    expect(mt.body.entries.every((e: { villageCode: string }) => e.villageCode.startsWith(MINGTIAN))).toBe(true);
    for (const r of routes(campaignId, `${GANGDU}000`).slice(6)) expect((await call(u.gangdu!, r)).status, `${r.method} ${r.url}`).toBe(403);
    // Another township's sheet: 404 for the office; the org dept may not fill sheets (403).
    expect((await call(u.mingtian!, { method: 'POST', url: url(`/sheets/${GANGDU}000/submit`), payload: {} })).status).toBe(404);
    expect((await call(u.org!, { method: 'POST', url: url(`/sheets/${GANGDU}000/submit`), payload: {} })).status).toBe(403);
  });
});
