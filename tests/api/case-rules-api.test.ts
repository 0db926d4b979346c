/**
 * Case rules a user meets through the API (issue 16): clock commands refused by the state of the
 * clock (409 with the reason, like every other state conflict).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness, type TestUser } from '../support/harness.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let sponsor: TestUser;
let villages: string[];
let nextVillage = 0;


async function call(user: TestUser, options: InjectOptions) {
  const res = await app.inject({ ...options, headers: { ...(options.headers ?? {}), authorization: `Bearer ${user.token}` } });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}
const post = (user: TestUser, caseId: string, path: string, payload: object) => call(user, { method: 'POST', url: `/api/v1/cases/${caseId}/${path}`, payload });
const getCase = async (caseId: string) => (await call(org, { method: 'GET', url: `/api/v1/cases/${caseId}` })).body;

async function designate(): Promise<string> {
  const res = await call(org, { method: 'POST', url: '/api/v1/cases', payload: { villageCode: villages[nextVillage++], reasons: ['poor_service'], sponsorUserId: sponsor.id } });
  expect(res.status).toBe(201);
  return res.body.id;
}

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  sponsor = await h.addUser('sponsor', '522731', '包保领导');
  villages = await h.villageCodes('522731001');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
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
      expect(res.body.details?.field).toBeUndefined();
      expect((await getCase(caseId)).timeline.length).toBe(before.timeline.length);
    }

    expect((await post(org, caseId, 'resume', { reason: '审查结束' })).status).toBe(200);
    const again = await post(org, caseId, 'resume', { reason: '审查结束' });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/未暂停/);
    expect(again.body.details?.field).toBeUndefined();
  });
});
