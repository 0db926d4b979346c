/**
 * End to end on the real Temporal dev server (no time skipping) with a policy in seconds: a policy
 * created through the API, a case designated through the API, every rung committed in Postgres in
 * order and never before its instant, the inbox of each office, and resolution on submission.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { startTestTemporal, type TestTemporal } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';

let temporal: TestTemporal;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let sponsor: TestUser;
let township: TestUser;

beforeAll(async () => {
  temporal = await startTestTemporal();
  h = await startHarness({ address: temporal.address });
  app = await h.app();
  org = await h.addUser('org_dept', '522731');
  sponsor = await h.addUser('sponsor', '522731');
  township = await h.addUser('township_office', '522731001');
});
afterAll(async () => {
  await h?.close();
  await temporal?.stop();
});

const auth = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });

test('a plan deadline in seconds climbs the whole ladder on the real server, then resolves', async () => {
  const policy = await app.inject({
    method: 'POST',
    url: '/api/v1/policies',
    headers: auth(org),
    payload: {
      name: 'seconds',
      body: {
        timeZone: 'Asia/Shanghai',
        planDue: 'PT4S',
        reportPeriod: 'PT1H',
        reportDue: 'PT1H',
        rectificationDue: 'PT1H',
        retryRectificationDue: 'PT1H',
        acceptanceReviewDue: 'PT1H',
        followUpLength: 'PT1H',
        sponsorReassignmentDue: 'PT1H',
        ladder: [
          { rung: 'reminder', offset: '-PT2S', rag: 'yellow' },
          { rung: 'township_office', offset: 'PT1S', rag: 'yellow' },
          { rung: 'org_dept', offset: 'PT2S', rag: 'red' },
          { rung: 'standing_committee', offset: 'PT3S', rag: 'red' },
        ],
      },
    },
  });
  expect(policy.statusCode).toBe(201);
  const [village] = await h.villageCodes('522731001');
  const designated = await app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    headers: auth(org),
    payload: { villageCode: village, reasons: ['leadership_incomplete'], sponsorUserId: sponsor.id, policyId: policy.json().id },
  });
  expect(designated.statusCode).toBe(201);
  const caseId = designated.json().id as string;

  const rows = await eventually(
    'all four rungs',
    async () => {
      const r = await h.db.sql<{ rung: string; scheduled_at: string; committed_at: string; resolved_at: string | null }[]>`
        select rung, scheduled_at, committed_at, resolved_at from escalations where case_id = ${caseId} order by scheduled_at`;
      return r.length === 4 ? r : undefined;
    },
    30_000,
  );
  expect(rows.map((r) => r.rung)).toEqual(['reminder', 'township_office', 'org_dept', 'standing_committee']);
  for (const r of rows) expect(Date.parse(r.committed_at)).toBeGreaterThanOrEqual(Date.parse(r.scheduled_at));

  const detail = await app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}`, headers: auth(org) });
  expect(detail.json().rag).toBe('red');

  // Each office finds its rung in its inbox.
  const townshipInbox = (await app.inject({ method: 'GET', url: '/api/v1/inbox', headers: auth(township) })).json();
  expect(townshipInbox.items.map((i: { kind: string }) => i.kind)).toContain('escalation.township_office');
  const orgInbox = (await app.inject({ method: 'GET', url: '/api/v1/inbox', headers: auth(org) })).json();
  expect(orgInbox.items.map((i: { kind: string }) => i.kind)).toEqual(expect.arrayContaining(['escalation.org_dept', 'escalation.standing_committee']));

  const plan = await app.inject({
    method: 'POST',
    url: `/api/v1/cases/${caseId}/plan`,
    headers: auth(sponsor),
    payload: { summary: '方案', issues: ['班子'], measures: [{ measure: '配强书记', owner: '乡镇党委' }] },
  });
  expect(plan.statusCode).toBe(200);
  expect(plan.json().rag).toBe('green');
  expect(plan.json().escalations.every((e: { resolvedAt: string | null }) => e.resolvedAt !== null)).toBe(true);
});

test('mentorship and reserve clocks in seconds on the real server: a vacant mentor post climbs the ladder; publicity ends into the pool', async () => {
  const seconds = { reminder: '-PT2S', township_office: 'PT1S', org_dept: 'PT2S', standing_committee: 'PT3S' } as const;
  const policy = await app.inject({
    method: 'POST',
    url: '/api/v1/policies',
    headers: auth(org),
    payload: {
      name: 'seconds-processes',
      body: {
        timeZone: 'Asia/Shanghai',
        planDue: 'PT1H',
        reportPeriod: 'PT1H',
        reportDue: 'PT1H',
        rectificationDue: 'PT1H',
        retryRectificationDue: 'PT1H',
        acceptanceReviewDue: 'PT1H',
        followUpLength: 'PT1H',
        sponsorReassignmentDue: 'PT1H',
        ladder: [
          { rung: 'reminder', offset: seconds.reminder, rag: 'yellow' },
          { rung: 'township_office', offset: seconds.township_office, rag: 'yellow' },
          { rung: 'org_dept', offset: seconds.org_dept, rag: 'red' },
          { rung: 'standing_committee', offset: seconds.standing_committee, rag: 'red' },
        ],
        mentorship: { mentorAssignmentDue: 'PT4S', checkInPeriod: 'PT1H', checkInDue: 'PT1H' },
        reserve: { qualificationReviewDue: 'PT1H', publicityLength: 'PT3S' },
      },
    },
  });
  expect(policy.statusCode).toBe(201);
  const policyId = policy.json().id as string;
  const [, village] = await h.villageCodes('522731001');

  // A new secretary's mentorship without a mentor: the township office has 4 seconds to name one.
  const proposed = await app.inject({
    method: 'POST',
    url: '/api/v1/mentorships',
    headers: auth(township),
    payload: { villageCode: village, mentee: { name: '新任书记', birthDate: '1993-01-01' }, policyId },
  });
  expect(proposed.statusCode).toBe(201);
  const mentorshipId = proposed.json().id as string;
  const rows = await eventually(
    'four rungs on the vacant mentor post',
    async () => {
      const r = await h.db.sql<{ rung: string; target_role: string; scheduled_at: string; committed_at: string }[]>`
        select rung, target_role, scheduled_at, committed_at from escalations where mentorship_id = ${mentorshipId} order by scheduled_at`;
      return r.length === 4 ? r : undefined;
    },
    30_000,
  );
  expect(rows.map((r) => [r.rung, r.target_role])).toEqual([
    ['reminder', 'township_office'],
    // The township office owes the step: its township rung goes above it, to the township's party
    // secretary, or (none set here) the org dept.
    ['township_office', 'org_dept'],
    ['org_dept', 'org_dept'],
    ['standing_committee', 'org_dept'],
  ]);
  for (const r of rows) expect(Date.parse(r.committed_at)).toBeGreaterThanOrEqual(Date.parse(r.scheduled_at));
  const named = await app.inject({
    method: 'POST',
    url: `/api/v1/mentorships/${mentorshipId}/mentor`,
    headers: auth(township),
    payload: { mentor: { name: '镇组织委员' }, reason: '明确导师' },
  });
  expect(named.statusCode).toBe(200);
  expect(named.json().escalations.every((e: { resolvedAt: string | null }) => e.resolvedAt !== null)).toBe(true);

  // A reserve's 5-working-day publicity, compressed to 3 seconds, ends in the pool by itself.
  const nominated = await app.inject({
    method: 'POST',
    url: '/api/v1/reserves',
    headers: auth(township),
    payload: { villageCode: village, person: { name: '后备人选', birthDate: '1996-01-01' }, source: 'returnee', policyId },
  });
  const reserveId = nominated.json().id as string;
  for (const [path, payload] of [
    ['qualification', { passed: true, comment: '符合' }],
    ['inspection', { passed: true, comment: '合格' }],
    ['publicity', {}],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/reserves/${reserveId}/${path}`, headers: auth(org), payload });
    expect(res.statusCode).toBe(200);
  }
  await eventually(
    'pooled after publicity',
    async () => (await app.inject({ method: 'GET', url: `/api/v1/reserves/${reserveId}`, headers: auth(org) })).json().state === 'in_pool',
    20_000,
  );
});
