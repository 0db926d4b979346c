/**
 * Designation without waiting for a workflow task (patched 'designation-precomputed'): the service
 * computes the case's first deadlines, writes them with the case in one transaction and starts the
 * workflow plainly with them; the workflow fires on exactly those deadlines. A retry converges on one
 * case and one workflow; a failed transaction leaves nothing; a start that never happened is made
 * by the reconciler from what was stored.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { rectificationWorkflowId } from '../../temporal/client.js';
import { createCaseService } from '../../services/cases.js';
import { DESIGNATION_PRECOMPUTED_PATCH } from '../../workflows/rectification.js';
import type { RectificationInput } from '../../domain/contracts/rectification.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let sponsor: TestUser;
let villages: string[];

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  org = await h.addUser('org_dept', '522731');
  sponsor = await h.addUser('sponsor', '522731');
  villages = await h.villageCodes('522731002');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

function post(user: TestUser, payload: unknown, key?: string) {
  const options: InjectOptions = {
    method: 'POST',
    url: '/api/v1/cases',
    payload: payload as InjectOptions['payload'],
    headers: { authorization: `Bearer ${user.token}`, ...(key ? { 'idempotency-key': key } : {}) },
  };
  return app.inject(options);
}

const casesOf = async (villageCode: string) => h.db.sql<{ id: string }[]>`select id from rectification_cases where village_code = ${villageCode}`;

/** A marker's details as text (a patch marker names its patch). */
function markerText(e: {
  markerRecordedEventAttributes?: { details?: Record<string, { payloads?: Array<{ data?: Uint8Array | null }> | null }> | null } | null;
}): string {
  const details = e.markerRecordedEventAttributes?.details ?? {};
  return Object.values(details)
    .flatMap((d) => d.payloads ?? [])
    .map((p) => (p.data ? Buffer.from(p.data).toString('utf8') : ''))
    .join(' ');
}

async function historyOf(caseId: string) {
  return (await h.temporal.client.workflow.getHandle(rectificationWorkflowId(caseId)).fetchHistory()).events ?? [];
}

describe('designation with its first state precomputed', () => {
  test('the answer shows the deadlines the workflow is started with and then fires on', async () => {
    const before = await env.currentTimeMs();
    const res = await post(org, { villageCode: villages[0]!, reasons: ['poor_service'], sponsorUserId: sponsor.id }, 'precomputed-1');
    expect(res.statusCode).toBe(201);
    const c = res.json<{
      id: string;
      state: string;
      designatedAt: string;
      obligations: Array<{ id: string; kind: string; dueAt: string; rungs: Array<{ rung: string; at: string }> }>;
      timeline: Array<{ action: string }>;
    }>();
    expect(c.state).toBe('planning');
    expect(c.obligations.map((o) => o.kind).sort()).toEqual(['plan', 'rectification']);
    expect(c.timeline.map((t) => t.action)).toEqual(['designated', 'planning_started']);
    // Recorded on the Temporal server's clock (the service's injected clock), not the wall clock.
    expect(Date.parse(c.designatedAt)).toBeGreaterThanOrEqual(before);

    // The workflow took its state as given: the input carries it, and no date activity or projection ran.
    const events = await eventually('workflow started', async () => {
      const list = await historyOf(c.id);
      return list.length > 0 ? list : undefined;
    });
    expect(events.some((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toBe(false);
    const sequence = await h.temporal.client.workflow
      .getHandle(rectificationWorkflowId(c.id))
      .query<{ obligations: Array<{ id: string; dueAt: string; rungs: Array<{ rung: string; at: string }> }> }>('snapshot');
    expect(sequence.obligations.map((o) => [o.id, o.dueAt, o.rungs.map((r) => r.at)])).toEqual(
      [...c.obligations]
        .sort((a, b) => sequence.obligations.findIndex((o) => o.id === a.id) - sequence.obligations.findIndex((o) => o.id === b.id))
        .map((o) => [o.id, new Date(o.dueAt).toISOString(), o.rungs.map((r) => new Date(r.at).toISOString())]),
    );

    // The plan's reminder fires at the instant the answer showed.
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    const reminder = plan.rungs.find((r) => r.rung === 'reminder')!;
    await env.sleep(Date.parse(reminder.at) + 60_000 - (await env.currentTimeMs()));
    const escalation = await eventually('reminder', async () => (await h.cases.get(org, c.id)).escalations.find((e) => e.obligationId === plan.id));
    expect(escalation.scheduledAt.toISOString()).toBe(new Date(reminder.at).toISOString());
  });

  test('the workflow records the patch and its input carries the opened state', async () => {
    const c = await h.cases.designate(org, { villageCode: villages[1]!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
    const events = await historyOf(c.id);
    const started = events[0]!.workflowExecutionStartedEventAttributes!;
    const payload = started.input!.payloads![0]!;
    const input = JSON.parse(Buffer.from(payload.data!).toString('utf8')) as RectificationInput;
    expect(input.opened?.seq).toBe(1);
    expect(input.opened?.obligations.map((o) => o.id).sort()).toEqual(c.obligations.map((o) => o.id).sort());
    await eventually('patch marker', async () => (await historyOf(c.id)).some((e) => markerText(e).includes(DESIGNATION_PRECOMPUTED_PATCH)));
  });

  test('a retry with the same Idempotency-Key answers the same case, with one row and one workflow run', async () => {
    const body = { villageCode: villages[2]!, reasons: ['poor_service'], sponsorUserId: sponsor.id };
    const first = await post(org, body, 'precomputed-retry');
    const second = await post(org, body, 'precomputed-retry');
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(second.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);
    expect(await casesOf(villages[2]!)).toHaveLength(1);
    // One run: the current one is the first execution of the case's workflow ID, started once.
    const id = first.json<{ id: string }>().id;
    const current = await h.temporal.client.workflow.getHandle(rectificationWorkflowId(id)).describe();
    const started = (await historyOf(id)).filter((e) => e.workflowExecutionStartedEventAttributes);
    expect(started).toHaveLength(1);
    expect(started[0]!.workflowExecutionStartedEventAttributes!.firstExecutionRunId).toBe(current.runId);
    const [row] = await h.db.sql<
      { pending: unknown }[]
    >`select pending_start as pending from rectification_cases where id = ${first.json<{ id: string }>().id}`;
    expect(row!.pending).toBeNull();
  });

  test('a start that failed after the transaction: the retry starts it once; the reconciler starts what is left', async () => {
    // As if Temporal were down when the case was written: the start fails, the case row keeps its pending start.
    const down = createCaseService({
      db: h.db.db,
      temporal: { ...h.temporal, client: { workflow: { start: () => Promise.reject(new Error('Temporal unavailable')) } } as never },
      clock: async () => new Date(await env.currentTimeMs()),
    });
    const body = { villageCode: villages[3]!, reasons: ['poor_service' as const], sponsorUserId: sponsor.id };
    await expect(down.designate(org, body, 'down-1')).rejects.toThrow('Temporal unavailable');
    const [stored] = await h.db.sql<{ id: string; state: string; pending: unknown }[]>`
      select id, state, pending_start as pending from rectification_cases where village_code = ${villages[3]!}`;
    expect(stored!.state).toBe('planning');
    expect(stored!.pending).not.toBeNull();
    // The same key again, Temporal back: the stored state is started (not recomputed), once.
    const retried = await h.cases.designate(org, body, 'down-1');
    expect(retried.id).toBe(stored!.id);
    expect(retried.timeline.filter((t) => t.action === 'planning_started')).toHaveLength(1);
    expect((await historyOf(stored!.id))[0]!.workflowExecutionStartedEventAttributes).toBeTruthy();

    // Another case whose start never happened and nobody retried: the reconciler starts it.
    await expect(down.designate(org, { ...body, villageCode: villages[4]! }, 'down-2')).rejects.toThrow('Temporal unavailable');
    expect(await h.cases.startUnstarted(0)).toBe(1);
    const [left] = await casesOf(villages[4]!);
    expect((await historyOf(left!.id))[0]!.workflowExecutionStartedEventAttributes).toBeTruthy();
    expect(await h.cases.startUnstarted(0)).toBe(0);
  });

  test('a failure inside the transaction leaves no case, no obligation, no event and no workflow', async () => {
    const auditBefore = (await h.db.sql<{ n: number }[]>`select count(*)::int as n from audit_events`)[0]!.n;
    // Any statement of the first change failing (here: the notification insert) rolls the case back.
    await h.db.sql.unsafe(`
      create function fail_notifications() returns trigger language plpgsql as $$ begin raise exception 'notifications refused'; end $$;
      create trigger fail_notifications before insert on notifications for each row execute function fail_notifications();`);
    try {
      const res = await post(org, { villageCode: villages[5]!, reasons: ['poor_service'], sponsorUserId: sponsor.id }, 'tx-fails');
      expect(res.statusCode).toBe(500);
    } finally {
      await h.db.sql.unsafe(`drop trigger fail_notifications on notifications; drop function fail_notifications();`);
    }
    expect(await casesOf(villages[5]!)).toHaveLength(0);
    const [counts] = await h.db.sql<{ orphans: number; events: number }[]>`
      select (select count(*)::int from obligations o where o.case_id is not null and not exists (select 1 from rectification_cases c where c.id = o.case_id)) as orphans,
             (select count(*)::int from audit_events) as events`;
    expect(counts).toEqual({ orphans: 0, events: auditBefore });
    // The same key again, nothing refusing: one case, opened normally.
    const again = await post(org, { villageCode: villages[5]!, reasons: ['poor_service'], sponsorUserId: sponsor.id }, 'tx-fails');
    expect(again.statusCode).toBe(201);
    expect(await casesOf(villages[5]!)).toHaveLength(1);
  });
});
