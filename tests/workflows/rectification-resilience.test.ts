/**
 * What must hold when things go wrong: a projection retried after it committed changes nothing
 * twice; a repeated command (same Update ID) is one change; a long-lived case continues as new
 * with its state intact.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { recomputeDeadlinesSignal } from '../../workflows/deadline-messages.js';
import { rectificationWorkflowId } from '../../temporal/client.js';
import type { CaseChange } from '../../domain/contracts/rectification.js';
import { insertDesignatedCase } from '../../db/queries/cases.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let org: TestUser;
let sponsor: TestUser;
let villages: string[];
/** Attempts of recordCaseChange per audit key: each change's first attempt fails after committing. */
const attempts = new Map<string, number>();

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness(
    { env },
    {
      workflowHistoryLimit: 60,
      wrapActivities: (real) => ({
        ...real,
        // As if the worker died after the transaction committed but before reporting completion.
        async recordCaseChange(change: CaseChange) {
          const key = `${change.snapshot.caseId}:${change.event.seq}`;
          const n = (attempts.get(key) ?? 0) + 1;
          attempts.set(key, n);
          const result = await real.recordCaseChange(change);
          if (n === 1 && change.escalation) throw new Error('simulated crash after commit');
          return result;
        },
      }),
    },
  );
  org = await h.addUser('org_dept', '522731');
  sponsor = await h.addUser('sponsor', '522731');
  villages = await h.villageCodes('522731002');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

const PLAN = { plan: { summary: 's', issues: ['i'], measures: [{ measure: 'm', owner: 'o' }] } };

describe('at most once', () => {
  test('a rung whose projection is retried after committing raises one escalation and one notification per recipient', async () => {
    const c = await h.cases.designate(org, { villageCode: villages[0]!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    const orgRungAt = Date.parse(plan.rungs.find((r) => r.rung === 'org_dept')!.at);
    await env.sleep(orgRungAt + 60_000 - (await env.currentTimeMs()));
    await eventually('org dept rung', async () => {
      const [row] = await h.db.sql`select 1 from escalations where obligation_id = ${plan.id} and rung = 'org_dept'`;
      return row;
    });
    const escalations = await h.db.sql<{ rung: string; n: number }[]>`
      select rung, count(*)::int as n from escalations where obligation_id = ${plan.id} group by rung order by rung`;
    expect(escalations.map((e) => [e.rung, e.n])).toEqual([
      ['reminder', 1],
      ['township_office', 1],
      ['org_dept', 1],
    ]);
    const notifications = await h.db.sql<{ n: number }[]>`
      select count(*)::int as n from notifications n join escalations e on e.id = n.escalation_id where e.obligation_id = ${plan.id}`;
    expect(notifications[0]!.n).toBe(3);
    // The retries really happened: every escalation change was attempted twice.
    const escalationAttempts = [...attempts.entries()].filter(([k]) => k.startsWith(c.id)).map(([, n]) => n);
    expect(escalationAttempts.filter((n) => n === 2).length).toBeGreaterThanOrEqual(3);
  });

  test('the same command sent twice with one Idempotency-Key is one change with one answer', async () => {
    const c = await h.cases.designate(org, { villageCode: villages[1]!, reasons: ['poor_service'], sponsorUserId: sponsor.id }, 'designate-once');
    const again = await h.cases.designate(org, { villageCode: villages[1]!, reasons: ['poor_service'], sponsorUserId: sponsor.id }, 'designate-once');
    expect(again.id).toBe(c.id);
    const first = await h.cases.submitPlan(sponsor, c.id, PLAN, 'plan-key-1');
    const second = await h.cases.submitPlan(sponsor, c.id, PLAN, 'plan-key-1');
    expect(second.state).toBe('rectifying');
    expect(second.timeline.filter((t) => t.action === 'plan_submitted')).toHaveLength(1);
    expect(second.timeline).toHaveLength(first.timeline.length);
    // A different key is a different command, refused by the state machine.
    await expect(h.cases.submitPlan(sponsor, c.id, PLAN, 'plan-key-2')).rejects.toMatchObject({ statusCode: 409 });
  });
});

describe('a designation whose workflow never started', () => {
  test('is found and started by the reconciler, once', async () => {
    // As if the API died after storing the designation and before starting the workflow.
    const { row } = await insertDesignatedCase(h.db.db, {
      villageCode: villages[3]!,
      townshipCode: '522731002000',
      countyCode: '522731000000',
      organizationId: null,
      sponsorUserId: sponsor.id,
      reasons: ['poor_service'],
      note: null,
      policyId: null,
      policy: DEFAULT_POLICY,
      parentCaseId: null,
      designatedAt: new Date(),
      createdBy: org.id,
      createdByLabel: org.name,
      designationKey: 'crashed-before-start',
    });
    expect((await h.cases.get(org, row.id)).state).toBe('designated');
    expect(await h.cases.startUnstarted(0)).toBe(1);
    const started = await h.cases.get(org, row.id);
    expect(started.state).toBe('planning');
    expect(started.obligations.map((o) => o.kind).sort()).toEqual(['plan', 'rectification']);
    expect(await h.cases.startUnstarted(0)).toBe(0);
  });
});

describe('history limits', () => {
  test('a busy case continues as new and keeps its state, obligations and history', async () => {
    const c = await h.cases.designate(org, { villageCode: villages[2]!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
    const handle = h.temporal.client.workflow.getHandle(rectificationWorkflowId(c.id));
    const firstRun = (await handle.describe()).runId;
    await h.cases.submitPlan(sponsor, c.id, PLAN);
    // Sponsor changes back and forth: each is a change with an activity, growing history.
    for (let i = 0; i < 6; i++) {
      await h.cases.changeSponsor(org, c.id, { sponsorUserId: i % 2 === 0 ? null : sponsor.id, reason: `调整${i}` });
    }
    const runId = await eventually('continued as new', async () => {
      const d = await h.temporal.client.workflow.getHandle(rectificationWorkflowId(c.id)).describe();
      return d.runId !== firstRun && d.status.name === 'RUNNING' ? d.runId : undefined;
    });
    expect(runId).not.toBe(firstRun);
    // The new run carries on: same state, and commands still work and still see the earlier report period.
    const before = await h.cases.get(org, c.id);
    expect(before.state).toBe('rectifying');
    const period = before.obligations.find((o) => o.kind === 'monthly_report')!.key;
    const after = await h.cases.submitReport(sponsor, c.id, { period, report: { progress: '续' } });
    expect(after.obligations.find((o) => o.key === period)!.status).toBe('satisfied');
    expect(after.timeline.length).toBe(before.timeline.length + 1);
  });

  test('commands sent all at once while the case continues as new: each is one change, none lost or twice, and a retry after it is not applied again', async () => {
    const c = await h.cases.designate(org, { villageCode: villages[4]!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
    const firstRun = (await h.temporal.client.workflow.getHandle(rectificationWorkflowId(c.id)).describe()).runId;
    const other = await h.addUser('sponsor', '522731', '另一位包保领导');
    // 60 Updates in flight together on a history limit of 60: the run may end (continue as new) while
    // some are being accepted, some are queued on the server, and some arrive for a run that is closing.
    const n = 60;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        h.cases.changeSponsor(org, c.id, { sponsorUserId: i % 2 === 0 ? null : i % 4 === 1 ? other.id : sponsor.id, reason: `并发${i}` }, `concurrent-${i}`),
      ),
    );
    expect(answers).toHaveLength(n);
    // The first run continues as new during the burst or, at the latest, when its loop next wakes:
    // a command does not wake the loop's history check, a timer or a signal does (the recompute
    // signal here, which changes nothing else).
    await h.temporal.client.workflow.getHandle(rectificationWorkflowId(c.id)).signal(recomputeDeadlinesSignal, { reason: '测试' });
    await eventually('the first run continued as new', async () => {
      const first = await h.temporal.client.workflow.getHandle(rectificationWorkflowId(c.id), firstRun).describe();
      return first.status.name === 'CONTINUED_AS_NEW';
    });
    const detail = await h.cases.get(org, c.id);
    const changes = detail.timeline.filter((t) => t.action === 'sponsor_changed');
    expect(changes).toHaveLength(n);
    // Each command once (the timeline is the case's audit trail).
    const reasons = changes.map((t) => (t.details as { reason: string }).reason).sort();
    expect(reasons).toEqual(Array.from({ length: n }, (_, i) => `并发${i}`).sort());
    // Sent again with the same keys (a client retrying after a timeout), now to a later run than the
    // one that applied them: answered, not applied again (Temporal dedupes Update IDs per run only).
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        h.cases.changeSponsor(org, c.id, { sponsorUserId: i % 2 === 0 ? null : i % 4 === 1 ? other.id : sponsor.id, reason: `并发${i}` }, `concurrent-${i}`),
      ),
    );
    expect((await h.cases.get(org, c.id)).timeline.filter((t) => t.action === 'sponsor_changed')).toHaveLength(n);
  });
});
