/**
 * 暂定 belongs to a date (issue 9). On the time-skipping server, moved to 1 December of a year whose
 * notice is loaded while the next year's is not (a test-owned calendar, so the verdict is the same
 * on any day and whatever the package or the knobs load):
 * - a plan due on a certain December date, whose last rung reaches January, is not 暂定, and its
 *   notices say so; only the January rung is;
 * - a due date in the unpublished year is 暂定 in its notice, and so is every rung counted from it;
 * - loading the next year's notice re-times exactly the dates it changes and clears their flags,
 *   on record with old and new;
 * - a case started by the release before the change (its workflow code and its activities' answers)
 *   upgrades at its next wake-up after a deploy, behind patched('per-date-provisional'), and its
 *   history replays on this code.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startTimeSkippingEnv } from '../support/servers.js';
import { beijingDate, eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { asBeforePerDateProvisional, RELEASE_BEFORE_PER_DATE_PROVISIONAL, releasedWorkflowBundle } from '../support/released-bundle.js';
import { syntheticNotice, yearRange } from '../support/test-calendar.js';
import { addWorkingDays } from '../../domain/calendar.js';
import { describeDue } from '../../domain/escalation.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';
import { createPolicyVersion } from '../../db/queries/policies.js';
import { createCalendarService } from '../../services/calendar.js';
import { rectificationWorkflowId } from '../../temporal/client.js';
import { workflowBundle } from '../../temporal/worker.js';
import { workerTracing } from '../../temporal/tracing.js';
import { PER_DATE_PROVISIONAL_PATCH } from '../../workflows/deadline-engine.js';

type CaseDetail = Awaited<ReturnType<Harness['cases']['get']>>;
type CaseObligation = CaseDetail['obligations'][number];

let env: TestWorkflowEnvironment;
let h: Harness;
let org: TestUser;
let sponsor: TestUser;
let villages: string[];
/** The year whose 1 December the tests start on: loaded; the next one is not. */
let year: number;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  org = await h.addUser('org_dept', '522731');
  sponsor = await h.addUser('sponsor', '522731');
  villages = await h.villageCodes('522731001');
  const now = await env.currentTimeMs();
  year = Number(beijingDate(new Date(now)).slice(0, 4));
  let start = Date.parse(`${year}-12-01T10:00:00+08:00`);
  if (start <= now) start = Date.parse(`${++year}-12-01T10:00:00+08:00`);
  await h.useCalendar(yearRange(year - 1, year));
  await env.sleep(start - now);
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

async function skipTo(iso: string | Date, slackMs = 60_000): Promise<void> {
  const gap = new Date(iso).getTime() + slackMs - (await env.currentTimeMs());
  if (gap > 0) await env.sleep(gap);
}

async function noticesOf(caseId: string, kind: string): Promise<string[]> {
  const rows = await h.db.sql<{ body: string }[]>`select body from notifications where case_id = ${caseId} and kind = ${kind} order by created_at`;
  return rows.map((r) => r.body);
}

const planOf = (c: CaseDetail): CaseObligation => c.obligations.find((o) => o.kind === 'plan')!;
const flags = (o: CaseObligation) => o.rungs.map((r) => [r.rung, r.provisional]);
const at = (o: CaseObligation, rung: string) => o.rungs.find((r) => r.rung === rung)!.at;
const people = (date: string, provisional: boolean) => describeDue({ dueAt: '', dueDate: date, provisional }, 'Asia/Shanghai');

describe('暂定 per date, from 1 December of a loaded year with the next year unpublished', () => {
  // Designated on the same instant: `legacy` by the released code, then, after a deploy, the others.
  let legacy: CaseDetail;
  let certain: CaseDetail;
  let early: CaseDetail;

  test('a case of the release before the change shows the old flags: its certain due date was called 暂定', async () => {
    const released = await releasedWorkflowBundle(RELEASE_BEFORE_PER_DATE_PROVISIONAL);
    // No cache, so no sticky queue: the next task goes to whichever worker polls (the deployed one).
    await h.replaceWorker({ workflowBundle: released, wrapActivities: asBeforePerDateProvisional, maxCachedWorkflows: 0 });
    legacy = await h.casesAsReleased.designate(org, { villageCode: villages[0]!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
    const plan = planOf(legacy);
    expect(plan.dueDate!.startsWith(`${year}-12-`)).toBe(true);
    expect(plan.provisional).toBe(true); // the OR of the due date and every rung
    expect(plan.rungs.every((r) => r.provisional === undefined)).toBe(true); // no flags of their own
    // The API bounds them by the obligation's flag.
    const res = await (await h.app()).inject({ method: 'GET', url: `/api/v1/cases/${legacy.id}`, headers: { authorization: `Bearer ${org.token}` } });
    const apiPlan = (res.json() as { obligations: Array<{ kind: string; rungs: Array<{ provisional: boolean }> }> }).obligations.find(
      (o) => o.kind === 'plan',
    )!;
    expect(apiPlan.rungs.map((r) => r.provisional)).toEqual([true, true, true, true]);

    await h.replaceWorker({}); // the deploy: this code, this code's activities
    certain = await h.cases.designate(org, { villageCode: villages[1]!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
    // Due in 40 calendar days (January), reminded 30 days before (December).
    const policy = await createPolicyVersion(h.db.db, org, {
      jurisdictionCode: '522731000000',
      name: 'provisional-test',
      body: {
        ...DEFAULT_POLICY,
        planDue: 'P40D',
        ladder: [{ rung: 'reminder', offset: '-P30D', rag: 'yellow' }, ...DEFAULT_POLICY.ladder.filter((s) => s.rung !== 'reminder')],
      },
    });
    early = await h.cases.designate(org, { villageCode: villages[2]!, reasons: ['poor_service'], sponsorUserId: sponsor.id, policyId: policy.id });
  });

  test('a certain December due date is not 暂定; only its January rung is; the notices say so', async () => {
    const plan = planOf(certain);
    const calendar = await h.calendarFor(certain.villageCode);
    expect(plan.dueDate).toBe(addWorkingDays(calendar, beijingDate(certain.timeline.find((t) => t.action === 'planning_started')!.at), 15).date);
    expect(plan.dueDate!.startsWith(`${year}-12-`)).toBe(true);
    expect(beijingDate(at(plan, 'standing_committee')).startsWith(`${year + 1}-01-`)).toBe(true);
    expect(plan.provisional).toBe(false);
    expect(flags(plan)).toEqual([
      ['reminder', false],
      ['township_office', false],
      ['org_dept', false],
      ['standing_committee', true],
    ]);

    // The API carries both, in its OpenAPI document too.
    const app = await h.app();
    const res = await app.inject({ method: 'GET', url: `/api/v1/cases/${certain.id}`, headers: { authorization: `Bearer ${org.token}` } });
    const apiPlan = (res.json() as { obligations: Array<{ kind: string; provisional: boolean; rungs: Array<{ provisional: boolean }> }> }).obligations.find(
      (o) => o.kind === 'plan',
    )!;
    expect([apiPlan.provisional, ...apiPlan.rungs.map((r) => r.provisional)]).toEqual([false, false, false, false, true]);
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).body;
    expect(doc).toContain('rungs[].provisional');

    await skipTo(at(plan, 'reminder'));
    const [reminder] = await eventually('reminder', async () =>
      (await noticesOf(certain.id, 'escalation.reminder')).length ? noticesOf(certain.id, 'escalation.reminder') : undefined,
    );
    expect(reminder).toBe(`整顿方案将于${people(plan.dueDate!, false)}到期，请按时完成。`);
    expect(reminder).not.toContain('暂定');
  });

  test('a due date in the unpublished year is 暂定 in its notice, and so is every rung counted from it', async () => {
    const plan = planOf(early);
    expect(plan.dueDate!.startsWith(`${year + 1}-01-`)).toBe(true);
    expect(plan.provisional).toBe(true);
    expect(plan.rungs.every((r) => r.provisional)).toBe(true);
    // Its reminder (30 days before) fired in December, before the certain plan's.
    const [reminder] = await noticesOf(early.id, 'escalation.reminder');
    expect(reminder).toBe(`整顿方案将于${people(plan.dueDate!, true)}到期，请按时完成。`);
  });

  test('the released case upgraded at its next wake-up: per-date flags, on record, and its notice names the certain date plainly', async () => {
    const upgraded = await h.cases.get(org, legacy.id);
    const plan = planOf(upgraded);
    expect(plan.provisional).toBe(false);
    expect(flags(plan)).toEqual([
      ['reminder', false],
      ['township_office', false],
      ['org_dept', false],
      ['standing_committee', true],
    ]);
    const recomputed = upgraded.timeline.find((t) => t.action === 'deadlines_recomputed')!;
    expect(recomputed.details).toMatchObject({
      reason: expect.stringContaining('provisional flags per date'),
      changes: [expect.objectContaining({ obligationId: plan.id, provisionalBefore: true, provisionalAfter: false })],
    });
    const [reminder] = await noticesOf(legacy.id, 'escalation.reminder');
    expect(reminder).toBe(`整顿方案将于${people(plan.dueDate!, false)}到期，请按时完成。`);

    // Its history (released code, then the patch) replays on this code.
    const history = await h.temporal.client.workflow.getHandle(rectificationWorkflowId(legacy.id)).fetchHistory();
    const patches = (history.events ?? [])
      .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
      // The marker's payload ({"id": …}) as JSON: its data is base64 once serialised.
      .flatMap((e) =>
        [...JSON.stringify(e.markerRecordedEventAttributes!.details).matchAll(/"data":"([^"]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')),
      );
    expect(patches.some((p) => p.includes(PER_DATE_PROVISIONAL_PATCH))).toBe(true);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), sinks: workerTracing(null).sinks }, history, rectificationWorkflowId(legacy.id));
  });

  test("loading next year's notice moves exactly the dates it changes and clears their 暂定, on record", async () => {
    const before = planOf(await h.cases.get(org, certain.id));
    const earlyBefore = planOf(await h.cases.get(org, early.id));
    const lastRungDate = beijingDate(at(before, 'standing_committee'));
    // The notice makes that rung's day a holiday; the rest of the year is the synthetic notice.
    const days = [...syntheticNotice(year + 1).filter((d) => d.date !== lastRungDate), { date: lastRungDate, workday: false, name: '测试假日' }];
    await createCalendarService({ db: h.db.db, temporal: h.temporal }).importVersion({ userId: null, label: 'test' }, { source: `test ${year + 1}`, days });

    const after = await eventually('re-timed', async () => {
      const d = await h.cases.get(org, certain.id);
      return planOf(d).rungs.every((r) => !r.provisional) ? d : undefined;
    });
    const plan = planOf(after);
    const calendar = await h.calendarFor(certain.villageCode);
    expect(plan.dueAt).toEqual(before.dueAt);
    for (const rung of ['reminder', 'township_office', 'org_dept']) expect(at(plan, rung)).toEqual(at(before, rung));
    const moved = at(plan, 'standing_committee');
    expect(beijingDate(moved)).toBe(addWorkingDays(calendar, plan.dueDate!, 10).date);
    expect(beijingDate(moved)).not.toBe(lastRungDate);
    const event = after.timeline.filter((t) => t.action === 'deadlines_recomputed').at(-1)!;
    expect(event.details).toMatchObject({
      changes: expect.arrayContaining([
        {
          obligationId: plan.id,
          dueBefore: new Date(before.dueAt).toISOString(),
          dueAfter: new Date(before.dueAt).toISOString(),
          provisionalBefore: false,
          provisionalAfter: false,
          rungs: [
            {
              rung: 'standing_committee',
              atBefore: new Date(at(before, 'standing_committee')).toISOString(),
              atAfter: new Date(moved).toISOString(),
              provisionalBefore: true,
              provisionalAfter: false,
            },
          ],
        },
      ]),
    });
    // The rectification, due next December on a day the notice leaves alone: same dates, now certain.
    const rectification = (
      event.details as { changes: Array<{ obligationId: string; dueBefore: string; dueAfter: string; provisionalAfter: boolean }> }
    ).changes.find((c) => c.obligationId.endsWith(':rectification:1'))!;
    expect(rectification).toMatchObject({ dueAfter: rectification.dueBefore, provisionalBefore: true, provisionalAfter: false });

    // The January due date is certain now, and its next notice names it without 暂定.
    const earlyPlan = await eventually('early re-timed', async () => {
      const o = planOf(await h.cases.get(org, early.id));
      return o.provisional ? undefined : o;
    });
    expect(earlyPlan.rungs.filter((r) => !r.firedAt).every((r) => !r.provisional)).toBe(true);
    expect(earlyPlan.rungs.find((r) => r.rung === 'reminder')).toEqual(earlyBefore.rungs.find((r) => r.rung === 'reminder')); // fired: history
    await skipTo(at(earlyPlan, 'township_office'));
    const [yellow] = await eventually('township rung', async () =>
      (await noticesOf(early.id, 'escalation.township_office')).length ? noticesOf(early.id, 'escalation.township_office') : undefined,
    );
    expect(yellow).toContain(`已于${people(earlyPlan.dueDate!, false)}到期仍未完成`);
  });
});
