/**
 * Process D (the screening campaign) on the time-skipping server with the default policy: a
 * township's sheet left unsubmitted climbs the ladder (reminder and 黄牌 to that township's office,
 * 红牌 to the county org dept) and a late submission resolves it and is recorded late; the last
 * sheet in opens the org dept's 研判; the approval freezes the list (研判 and a second approval
 * refused; amendments audited); designation is idempotent per campaign and village (a retry and a
 * second call create no case), links a village whose last case closed to it, and ends the workflow.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { createScreeningService, type ScreeningService } from '../../services/screening.js';
import { rectificationWorkflowId, screeningWorkflowId } from '../../temporal/client.js';
import { insertCampaign } from '../../db/queries/screening.js';
import { DEFAULT_POLICY, screeningPolicyOf } from '../../domain/policy.js';

const GANGDU = '522731109';
const MINGTIAN = '522731003';

let env: TestWorkflowEnvironment;
let h: Harness;
let screening: ScreeningService;
let org: TestUser;
let sponsor: TestUser;
let gangduOffice: TestUser;
let mingtianOffice: TestUser;
let gangdu: string[];
let mingtian: string[];

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env }, { divisions: [GANGDU, MINGTIAN] });
  screening = createScreeningService({ db: h.db.db, temporal: h.temporal, cases: h.cases });
  org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  sponsor = await h.addUser('sponsor', '522731', '包保县领导');
  gangduOffice = await h.addUser('township_office', GANGDU, '岗度镇党委');
  mingtianOffice = await h.addUser('township_office', MINGTIAN, '明田街道党工委');
  gangdu = await h.villageCodes(GANGDU);
  mingtian = await h.villageCodes(MINGTIAN);
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

async function skipTo(at: string | Date, slackMs = 60_000): Promise<void> {
  const gap = new Date(at).getTime() + slackMs - (await env.currentTimeMs());
  if (gap > 0) await env.sleep(gap);
}

const entries = (codes: string[], listed: string[] = []) =>
  codes.map((villageCode) => ({
    villageCode,
    findings: { poor_service: { found: listed.includes(villageCode), evidence: listed.includes(villageCode) ? '群众意见大' : undefined } },
    proposal: listed.includes(villageCode) ? ('list' as const) : ('do_not_list' as const),
  }));

describe('a campaign on the deadline engine', () => {
  let id = '';

  test('an unsubmitted sheet climbs the ladder to its own township, then the org dept; a late submission resolves it', async () => {
    const c = await screening.open(org, { year: 2026 });
    id = c.id;
    expect(c.state).toBe('screening');
    // 明田街道 submits at once.
    await screening.save(mingtianOffice, id, `${MINGTIAN}000`, { entries: entries(mingtian) });
    await screening.submit(mingtianOffice, id, `${MINGTIAN}000`, undefined);

    const [sheet] = await h.db.sql<{ id: string; rungs: Array<{ rung: string; at: string }> }[]>`
      select id, rungs from obligations where screening_campaign_id = ${id} and key = ${`${GANGDU}000`}`;
    const rungAt = (r: string) => sheet!.rungs.find((x) => x.rung === r)!.at;
    await skipTo(rungAt('org_dept'));
    const escalated = await eventually('岗度镇 sheet escalated to the org dept', async () => {
      const rows = await h.db.sql<{ rung: string; target_role: string; target_division_code: string }[]>`
        select rung, target_role, target_division_code from escalations where obligation_id = ${sheet!.id} order by scheduled_at`;
      return rows.length >= 3 ? rows : undefined;
    });
    expect(escalated.map((e) => [e.rung, e.target_role, e.target_division_code])).toEqual([
      ['reminder', 'township_office', `${GANGDU}000`],
      ['township_office', 'township_office', `${GANGDU}000`],
      ['org_dept', 'org_dept', '522731000000'],
    ]);
    // 明田街道 heard nothing of 岗度镇's sheet.
    const misrouted = await h.db
      .sql`select id from notifications where screening_campaign_id = ${id} and recipient_division_code = ${`${MINGTIAN}000`} and kind like 'escalation.%'`;
    expect(misrouted).toHaveLength(0);
    expect((await screening.get(org, id)).rag).toBe('red');
    // The shared lists know the campaign: the township's 待办 and its printable 督办单; another township sees neither.
    const app = await h.app();
    const as = (user: TestUser, url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${user.token}` } });
    const todo = JSON.parse((await as(gangduOffice, '/api/v1/obligations?process=screening')).body);
    expect(todo.items).toEqual([expect.objectContaining({ process: 'screening', entityId: id, kind: 'screening_sheet', villageCode: `${GANGDU}000` })]);
    expect(JSON.parse((await as(mingtianOffice, '/api/v1/obligations?process=screening')).body).items).toEqual([]);
    const [yellow] = await h.db.sql<{ id: string }[]>`select id from escalations where obligation_id = ${sheet!.id} and rung = 'township_office'`;
    const printed = await as(gangduOffice, `/api/v1/escalations/${yellow!.id}/sheet`);
    expect(printed.statusCode).toBe(200);
    expect(JSON.parse(printed.body)).toMatchObject({ process: 'screening', townshipName: '岗度镇' });
    expect((await as(mingtianOffice, `/api/v1/escalations/${yellow!.id}/sheet`)).statusCode).toBe(404);
    const inbox = JSON.parse((await as(gangduOffice, '/api/v1/inbox?process=screening')).body);
    expect(inbox.items.length).toBeGreaterThanOrEqual(3);

    await screening.save(gangduOffice, id, `${GANGDU}000`, { entries: entries(gangdu, [gangdu[0]!, gangdu[1]!, gangdu[2]!]) });
    const judging = await screening.submit(gangduOffice, id, `${GANGDU}000`, undefined);
    expect(judging.state).toBe('judging');
    expect((await screening.get(org, id)).townships.map((t) => [t.townshipCode, t.late])).toEqual([
      [`${MINGTIAN}000`, false],
      [`${GANGDU}000`, true],
    ]);
    const open = await h.db.sql<{ resolved_at: Date | null }[]>`select resolved_at from escalations where obligation_id = ${sheet!.id}`;
    expect(open.every((e) => e.resolved_at)).toBe(true);
    await expect(screening.submit(gangduOffice, id, `${GANGDU}000`, undefined)).rejects.toMatchObject({ statusCode: 409 });
  });

  test('the approval freezes the list: 研判 and a second approval are refused, amendments are audited', async () => {
    await expect(screening.designate(org, id, { villages: [] })).rejects.toMatchObject({ statusCode: 409, details: { field: 'state' } });
    const judged = await screening.judge(org, id, {
      decisions: [
        { villageCode: gangdu[0]!, decision: 'confirm', reason: '属实' },
        { villageCode: gangdu[2]!, decision: 'remove', reason: '已整改' },
        { villageCode: mingtian[0]!, decision: 'add', reason: '信访突出' },
      ],
    });
    expect(judged.list).toEqual([mingtian[0], gangdu[0], gangdu[1]].sort());
    const approved = await screening.approve(org, id, { date: '2026-03-20', meeting: '县委常委会第5次会议', documentNumber: '惠党发〔2026〕3号' });
    expect(approved.state).toBe('approved');
    await expect(screening.judge(org, id, { decisions: [] })).rejects.toMatchObject({ statusCode: 409 });
    await expect(screening.approve(org, id, { date: '2026-03-21', meeting: '再审', documentNumber: 'x' })).rejects.toMatchObject({ statusCode: 409 });
    const amended = await screening.amend(org, id, { villageCode: mingtian[0]!, change: 'remove', reason: '经核实，已并入邻村' });
    expect(amended.list).toEqual([gangdu[0], gangdu[1]]);
    expect(amended.amendments).toEqual([expect.objectContaining({ villageCode: mingtian[0], change: 'remove', reason: '经核实，已并入邻村' })]);
  });

  test('designation is idempotent per campaign and village, links an earlier closed case, and ends the campaign', async () => {
    // 岗度 village 1 had a case that closed: the new one is linked to it.
    const earlier = await h.cases.designate(org, { villageCode: gangdu[1]!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
    // (Its lifecycle is not what this test is about: its workflow stops, and the row says it closed.)
    await h.temporal.client.workflow.getHandle(rectificationWorkflowId(earlier.id)).terminate('test: closed by hand');
    await h.db.sql`update rectification_cases set state = 'closed', closed_at = now() where id = ${earlier.id}`;

    const villages = [gangdu[0]!, gangdu[1]!].map((villageCode) => ({ villageCode, sponsorUserId: sponsor.id }));
    // A retry after a failure halfway: the first village's case already exists under the campaign's key.
    const half = await h.cases.designate(
      org,
      { villageCode: gangdu[0]!, reasons: ['poor_service'], sponsorUserId: sponsor.id },
      `screening:${id}:${gangdu[0]}`,
    );
    const done = await screening.designate(org, id, { villages });
    expect(done.state).toBe('designated');
    expect(done.created).toBe(1);
    expect(done.designations.find((d) => d.villageCode === gangdu[0])!.caseId).toBe(half.id);
    const linked = await h.cases.get(org, done.designations.find((d) => d.villageCode === gangdu[1])!.caseId);
    expect(linked.parentCaseId).toBe(earlier.id);

    const again = await screening.designate(org, id, { villages });
    expect(again.created).toBe(0);
    expect(again.designations).toEqual(done.designations);
    const cases = await h.db.sql`select id from rectification_cases where village_code like ${GANGDU + '%'}`;
    expect(cases).toHaveLength(3);
    const handle = h.temporal.client.workflow.getHandle(screeningWorkflowId(id));
    expect((await handle.result()).state).toBe('designated');

    // `RECORD_REPLAY_HISTORIES=1`: this run becomes the screening workflow's committed history (tests/replay), once.
    if (process.env.RECORD_REPLAY_HISTORIES === '1') {
      const { historyToJSON } = await import('@temporalio/common/lib/proto-utils.js');
      const { access, writeFile } = await import('node:fs/promises');
      // v2: since patched('local-projection') (v1 is the run before it).
      const target = new URL('../replay/histories/screening-v2-local-projection-full-life.json', import.meta.url);
      const exists = await access(target).then(
        () => true,
        () => false,
      );
      if (!exists) await writeFile(target, historyToJSON(await handle.fetchHistory()));
    }
  });

  test('a campaign stored without its workflow (the opening request died) is started by the reconciler, once', async () => {
    const row = await insertCampaign(h.db.db, {
      countyCode: '522731000000',
      year: 2025,
      criteria: ['poor_service'],
      approvingBody: '县委常委会',
      policyId: null,
      policy: screeningPolicyOf(DEFAULT_POLICY),
      townshipCodes: [`${GANGDU}000`],
      openedAt: new Date(Date.now() - 120_000),
      actor: { userId: org.id, label: org.name },
    });
    expect(await screening.startUnstarted()).toBe(1);
    expect((await screening.get(org, row.id)).state).toBe('screening');
    expect(await screening.startUnstarted()).toBe(0);
  });
});
