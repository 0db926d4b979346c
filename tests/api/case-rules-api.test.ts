/**
 * Case rules a user meets through the API (issue 16): who files a case's plan, reports and
 * acceptance requests (role × sponsor in post / vacant × command), clock commands refused by the
 * state of the clock (409 with the reason, like every other state conflict), and the links between
 * a relapsed case and its successor, both ways, in the detail and the list row.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';
import { executeCaseCommand } from '../../temporal/client.js';
import { submitPlanUpdate } from '../../workflows/rectification-messages.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let sponsor: TestUser;
let township: TestUser;
let villages: string[];
let nextVillage = 0;

const DAY = 24 * 3600_000;
const PLAN = { summary: '一村一策', issues: ['组织生活不正常'], measures: [{ measure: '每月主题党日', owner: '村党支部' }] };

async function call(user: TestUser, options: InjectOptions) {
  const res = await app.inject({ ...options, headers: { ...(options.headers ?? {}), authorization: `Bearer ${user.token}` } });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}
const post = (user: TestUser, caseId: string, path: string, payload: object) => call(user, { method: 'POST', url: `/api/v1/cases/${caseId}/${path}`, payload });
const getCase = async (caseId: string) => (await call(org, { method: 'GET', url: `/api/v1/cases/${caseId}` })).body;

async function designate(): Promise<string> {
  const res = await call(org, {
    method: 'POST',
    url: '/api/v1/cases',
    payload: { villageCode: villages[nextVillage++], reasons: ['poor_service'], sponsorUserId: sponsor.id },
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  sponsor = await h.addUser('sponsor', '522731', '包保领导');
  township = await h.addUser('township_office', '522731001', '乡镇党委');
  villages = await h.villageCodes('522731001');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('who files a case (issue 16.1): the sponsor; the township office and the org dept while the post is vacant', () => {
  type Command = 'plan' | 'report' | 'acceptance';
  const COMMANDS: Command[] = ['plan', 'report', 'acceptance'];
  const path: Record<Command, string> = { plan: 'plan', report: 'reports', acceptance: 'acceptance-requests' };
  const state: Record<Command, string> = { plan: 'rectifying', report: 'rectifying', acceptance: 'acceptance_pending' };

  /** The body of each command for the case as it stands (a report names the open period). */
  async function payloadFor(command: Command, caseId: string): Promise<object> {
    if (command === 'plan') return PLAN;
    if (command === 'acceptance') return { summary: '整顿任务已完成' };
    const period = (await getCase(caseId)).obligations.find((o: { kind: string; status: string }) => o.kind === 'monthly_report' && o.status === 'open').key;
    return { period, progress: '完成班子调整' };
  }

  /**
   * Walks one case through plan → report → acceptance request: before each step every refused
   * filer tries it (and changes nothing), then the allowed filer files it.
   */
  async function walk(caseId: string, allowed: TestUser, refused: Array<{ user: TestUser; status: number }>) {
    const seen: Array<[string, Command, number]> = [];
    const expected: Array<[string, Command, number]> = [];
    for (const command of COMMANDS) {
      const payload = await payloadFor(command, caseId);
      for (const { user, status } of refused) {
        const before = await getCase(caseId);
        const res = await post(user, caseId, path[command], payload);
        seen.push([user.name, command, res.status]);
        expected.push([user.name, command, status]);
        if (res.status === 403) {
          expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
          expect(res.body.message).toMatch(/包保领导/);
        }
        const after = await getCase(caseId);
        expect([user.name, command, after.state, after.timeline.length]).toEqual([user.name, command, before.state, before.timeline.length]);
      }
      const res = await post(allowed, caseId, path[command], payload);
      seen.push([allowed.name, command, res.status]);
      expected.push([allowed.name, command, 200]);
      expect(res.body.state).toBe(state[command]);
      expect(res.body.timeline.at(-1).actorUserId).toBe(allowed.id);
    }
    expect(seen).toEqual(expected);
  }

  test('sponsor in post: the sponsor files all three; the township office and the org dept get 403 saying why', async () => {
    const caseId = await designate();
    await walk(caseId, sponsor, [
      { user: township, status: 403 },
      { user: org, status: 403 },
    ]);
  });

  async function vacantCase(): Promise<string> {
    const caseId = await designate();
    const res = await post(org, caseId, 'sponsor', { sponsorUserId: null, reason: '包保领导调离' });
    expect(res.status).toBe(200);
    expect(res.body.sponsorUserId).toBeNull();
    return caseId;
  }

  test('sponsor post vacant: the township office files all three; the former sponsor no longer has the case (404)', async () => {
    await walk(await vacantCase(), township, [{ user: sponsor, status: 404 }]);
  });

  test('sponsor post vacant: the org dept files all three', async () => {
    await walk(await vacantCase(), org, [{ user: sponsor, status: 404 }]);
  });

  test('a new sponsor in post: the offices no longer file', async () => {
    const caseId = await vacantCase();
    const successor = await h.addUser('sponsor', '522731', '新包保领导');
    expect((await post(org, caseId, 'sponsor', { sponsorUserId: successor.id, reason: '县委研究确定' })).status).toBe(200);
    expect((await post(township, caseId, 'plan', PLAN)).status).toBe(403);
    expect((await post(successor, caseId, 'plan', PLAN)).status).toBe(200);
  });

  test('the workflow refuses the same filers itself (an Update sent around the service)', async () => {
    const caseId = await designate();
    const asTownship = { userId: township.id, label: township.name, role: 'township_office' as const };
    await expect(executeCaseCommand(h.temporal, caseId, submitPlanUpdate, [{ plan: PLAN, actor: asTownship }])).rejects.toMatchObject({ statusCode: 403 });
    const otherSponsor = { userId: crypto.randomUUID(), label: '别的包保领导', role: 'sponsor' as const };
    await expect(executeCaseCommand(h.temporal, caseId, submitPlanUpdate, [{ plan: PLAN, actor: otherSponsor }])).rejects.toMatchObject({ statusCode: 403 });
    expect((await getCase(caseId)).state).toBe('planning');
  });
});

describe('clock commands refused by the clock’s state (issue 16.3): 409 with the reason', () => {
  test('suspend twice, interrupt while suspended, resume while running', async () => {
    const caseId = await designate();
    expect((await post(org, caseId, 'suspend', { reason: '村级组织调整审查' })).status).toBe(200);

    const conflicts: Array<[string, RegExp]> = [
      ['suspend', /已暂停/],
      ['interrupt', /暂停期间不能重新计时/],
    ];
    for (const [path, why] of conflicts) {
      const before = await getCase(caseId);
      const res = await post(org, caseId, path, { reason: '再次操作' });
      expect([path, res.status]).toEqual([path, 409]);
      expect(res.body).toMatchObject({ statusCode: 409, error: 'Conflict', requestId: expect.any(String) });
      expect(res.body.message).toMatch(why);
      expect(res.body.details?.issues).toBeUndefined();
      expect((await getCase(caseId)).timeline.length).toBe(before.timeline.length);
    }

    expect((await post(org, caseId, 'resume', { reason: '审查结束' })).status).toBe(200);
    const again = await post(org, caseId, 'resume', { reason: '审查结束' });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/未暂停/);
    expect(again.body.details?.issues).toBeUndefined();
  });
});

describe('a relapsed case and its successor (issue 16.4): linked both ways, in the detail and the list row', () => {
  test('the old case names its successor; the successor names its parent', async () => {
    const oldId = await designate();
    expect((await post(sponsor, oldId, 'plan', PLAN)).status).toBe(200);
    expect((await post(sponsor, oldId, 'acceptance-requests', { summary: '完成' })).status).toBe(200);
    const passed = await post(org, oldId, 'acceptance-reviews', { score: 90, representativesTotal: 18, representativesDissatisfied: 1 });
    expect(passed.body.state).toBe('follow_up');
    expect(passed.body.successorCaseId).toBeNull();
    await env.sleep(100 * DAY);

    const relapsed = await post(township, oldId, 'relapse', { reasons: ['secretary_vacant_3_months'], note: '书记空缺超过3个月' });
    expect(relapsed.status).toBe(200);
    expect(relapsed.body.state).toBe('relapsed');
    const newId = relapsed.body.successorCaseId;
    expect(newId).toEqual(expect.any(String));
    expect(newId).not.toBe(oldId);
    // The same id the timeline entry names.
    expect(relapsed.body.timeline.find((t: { action: string }) => t.action === 'relapse_case_opened').details.relapseCaseId).toBe(newId);

    const oldDetail = await getCase(oldId);
    expect(oldDetail).toMatchObject({ successorCaseId: newId, parentCaseId: null });
    const newDetail = await getCase(newId);
    expect(newDetail).toMatchObject({ parentCaseId: oldId, successorCaseId: null, villageCode: oldDetail.villageCode });

    for (const user of [org, township, sponsor]) {
      const list = await call(user, { method: 'GET', url: `/api/v1/cases?division=${oldDetail.villageCode}` });
      expect(list.status).toBe(200);
      const rows = Object.fromEntries(
        list.body.items.map((c: { id: string; parentCaseId: string | null; successorCaseId: string | null }) => [c.id, [c.parentCaseId, c.successorCaseId]]),
      );
      expect([user.name, rows]).toEqual([user.name, { [oldId]: [null, newId], [newId]: [oldId, null] }]);
    }

    const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(openapi.components.schemas.CaseSummary.properties).toHaveProperty('successorCaseId');
    expect(openapi.components.schemas.CaseSummary.required).toContain('successorCaseId');
  });
});
