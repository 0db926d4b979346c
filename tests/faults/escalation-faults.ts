/**
 * Fault tests on escalations: each designates cases whose rungs fall due while something breaks,
 * then checks every expected (obligation, rung) landed exactly once, never early.
 */
import { FULL_LADDER, secondsPolicy } from '../../bench/support/env.js';
import { escalationLedger, scheduledRungs, type Ledger } from '../../bench/support/ledger.js';
import { sleep, until } from '../../bench/support/processes.js';
import { percentile } from '../../bench/support/report.js';
import { rectificationWorkflowId } from '../../temporal/client.js';
import type { Cluster, FaultResult } from './cluster.js';
import { appendAuditEvents } from '../../db/queries/audit-chain.js';

const FAR = new Date('2100-01-01T00:00:00Z');

async function settle(cluster: Cluster, caseIds: string[], timeoutMs: number): Promise<Ledger> {
  await until(
    'every expected escalation',
    async () => {
      const l = await escalationLedger(cluster.db, { caseIds, dueBefore: FAR });
      return l.delivered === l.expected;
    },
    timeoutMs,
    500,
  ).catch(() => {});
  // A little longer, so that a late duplicate would still show.
  await sleep(2_000);
  return escalationLedger(cluster.db, { caseIds, dueBefore: FAR });
}

function verdict(name: string, ledger: Ledger, started: number, extra: { notes?: string[]; failures?: string[] } = {}): FaultResult {
  const failures = [...(extra.failures ?? [])];
  if (ledger.lost) failures.push(`${ledger.lost} lost, e.g. ${ledger.lostKeys.slice(0, 3).join(', ')}`);
  if (ledger.duplicated) failures.push(`${ledger.duplicated} duplicated, e.g. ${ledger.duplicateKeys.slice(0, 3).join(', ')}`);
  if (ledger.early) failures.push(`${ledger.early} committed before their instant`);
  if (ledger.unexpected) failures.push(`${ledger.unexpected} unexpected escalations`);
  if (ledger.expected === 0) failures.push('no escalation was expected: the scenario tested nothing');
  const late = ledger.latenessMs;
  return {
    name,
    expected: ledger.expected,
    delivered: ledger.delivered,
    duplicated: ledger.duplicated,
    lost: ledger.lost,
    notes: [`lateness p50 ${(percentile(late, 50) / 1000).toFixed(1)} s, max ${(Math.max(0, ...late) / 1000).toFixed(1)} s`, ...(extra.notes ?? [])],
    failures,
    seconds: (Date.now() - started) / 1000,
  };
}

async function count(cluster: Cluster, caseIds: string[]): Promise<number> {
  const [row] = await cluster.db.sql<{ n: number }[]>`select count(*)::int as n from escalations where case_id in ${cluster.db.sql(caseIds)}`;
  return row!.n;
}

/** The marker a local activity's result is recorded under (Temporal's core SDK). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** The attempt in a local activity marker's data (JSON from the core SDK: `{ attempt, activity_type, ... }`). */
function localActivityAttempt(data: Uint8Array | null | undefined): number {
  if (!data) return 1;
  try {
    return Number((JSON.parse(Buffer.from(data).toString('utf8')) as { attempt?: number }).attempt ?? 1);
  } catch {
    return 1;
  }
}

/** Worker failures and failed workflows among the cases. */
async function workflowHealth(cluster: Cluster, caseIds: string[]): Promise<{ notRunning: string[]; retries: number; taskFailures: number }> {
  const notRunning: string[] = [];
  let retries = 0;
  let taskFailures = 0;
  for (const id of caseIds) {
    const handle = cluster.client.client.workflow.getHandle(rectificationWorkflowId(id));
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') notRunning.push(`${id}: ${d.status.name}`);
    const history = await handle.fetchHistory();
    for (const e of history.events ?? []) {
      if (e.activityTaskStartedEventAttributes) retries += Math.max(0, (e.activityTaskStartedEventAttributes.attempt ?? 1) - 1);
      // Since patched('local-projection') a projection is a local activity: its marker records the attempt that landed.
      const marker = e.markerRecordedEventAttributes;
      if (marker?.markerName === LOCAL_ACTIVITY_MARKER) retries += Math.max(0, localActivityAttempt(marker.details?.['data']?.payloads?.[0]?.data) - 1);
      if (e.workflowTaskFailedEventAttributes) taskFailures += 1;
    }
  }
  return { notRunning, retries, taskFailures };
}

/** kill -9 the worker in the middle of a burst of escalations, start a new one. */
export async function workerKilledMidBurst(cluster: Cluster): Promise<FaultResult> {
  const started = Date.now();
  const n = 100;
  const [base] = await cluster.db.sql<{ n: number }[]>`select count(*)::int as n from escalations`;
  const baseline = base!.n;
  // Rungs 26–33 s after each designation: the burst begins once all cases are open.
  // Four rungs per plan obligation. Watched while the cases are still being designated, so that a
  // slow (loaded) machine still kills in the middle of the burst.
  const expected = n * 4;
  const designating = cluster.designateCases(n, secondsPolicy(30_000, FULL_LADDER(4, 1, 2, 3)));
  designating.catch(() => {});
  cluster.log(`worker-kill: ${n} cases, ${expected} rungs; killing the worker once a quarter has landed`);
  const atKill = await until(
    'a quarter of the burst',
    async () => {
      const [row] = await cluster.db.sql<{ n: number }[]>`select count(*)::int as n from escalations`;
      return row!.n - baseline >= expected / 4 ? row!.n - baseline : null;
    },
    120_000,
    100,
  );
  const failures: string[] = [];
  await cluster.worker!.kill9();
  cluster.log(`worker-kill: kill -9 at ${atKill}/${expected} committed`);
  if (atKill >= expected) failures.push('the burst was over before the kill');
  await sleep(2_000);
  await cluster.startWorker();
  // Designations waiting for the killed worker finish now.
  const caseIds = await designating;
  if ((await scheduledRungs(cluster.db, caseIds)).length !== expected) failures.push('the cases do not have 4 rungs each');
  const gap = await count(cluster, caseIds);
  cluster.log(`worker-kill: new worker running (${gap} committed so far)`);
  const ledger = await settle(cluster, caseIds, 150_000);
  return verdict('worker kill -9 mid-burst', ledger, started, { notes: [`killed at ${atKill}/${expected} committed`], failures });
}

/** Stop the (file-backed) dev server across the rungs' due time, start it again. */
export async function temporalStoppedAcrossDueTime(cluster: Cluster): Promise<FaultResult> {
  const started = Date.now();
  const n = 20;
  const caseIds = await cluster.designateCases(n, secondsPolicy(25_000, FULL_LADDER(4, 1, 2, 3)));
  const rungs = await scheduledRungs(cluster.db, caseIds);
  const first = Math.min(...rungs.map((r) => Date.parse(r.at)));
  const last = Math.max(...rungs.map((r) => Date.parse(r.at)));
  const failures: string[] = [];
  if (first - Date.now() < 3_000) failures.push('designation took too long: rungs were due before the stop');
  await sleep(Math.max(0, first - Date.now() - 3_000));
  const before = await count(cluster, caseIds);
  await cluster.stopTemporal();
  const stoppedAt = Date.now();
  cluster.log(
    `temporal-restart: dev server stopped (${before} committed); rungs due in ${((first - Date.now()) / 1000).toFixed(1)}–${((last - Date.now()) / 1000).toFixed(1)} s`,
  );
  await sleep(Math.max(0, last - Date.now() + 3_000));
  const whileDown = await count(cluster, caseIds);
  // The boundary is the moment the server process is spawned, not when startTemporal() returns:
  // the worker reconnects and timers fire while the readiness probe is still finishing, so
  // commits in that window are correct, not early.
  const restartingAt = Date.now();
  await cluster.startTemporal();
  cluster.log(`temporal-restart: dev server started again in ${((Date.now() - restartingAt) / 1000).toFixed(1)} s (${whileDown} committed while it was down)`);
  const notes: string[] = [];
  if (cluster.worker!.exited()) {
    notes.push('the worker process exited while the server was down; restarted');
    failures.push(`the worker did not survive the dev server restart: ${cluster.worker!.output().split('\n').slice(-3).join(' / ')}`);
    await cluster.startWorker();
  }
  const ledger = await settle(cluster, caseIds, 90_000);
  const [early] = await cluster.db.sql<{ n: number }[]>`
    select count(*)::int as n from escalations where case_id in ${cluster.db.sql(caseIds)} and committed_at < ${new Date(restartingAt).toISOString()}::timestamptz`;
  if (early!.n > 0) failures.push(`${early!.n} rungs committed before the restart began (${before} before the stop, ${whileDown} while down)`);
  notes.push(`server down ${((restartingAt - stoppedAt) / 1000).toFixed(0)} s across all ${rungs.length} due times`);
  return verdict('Temporal dev server stopped across due time', ledger, started, { notes, failures });
}

/** Postgres unavailable for 30 s while escalations fire. */
export async function postgresDownWhileFiring(cluster: Cluster): Promise<FaultResult> {
  const started = Date.now();
  const n = 30;
  const caseIds = await cluster.designateCases(n, secondsPolicy(20_000, FULL_LADDER(4, 1, 2, 3)));
  const rungs = await scheduledRungs(cluster.db, caseIds);
  const first = Math.min(...rungs.map((r) => Date.parse(r.at)));
  const last = Math.max(...rungs.map((r) => Date.parse(r.at)));
  const failures: string[] = [];
  await sleep(Math.max(0, first - Date.now() - 2_000));
  await cluster.stopPostgres();
  const downAt = Date.now();
  cluster.log(`postgres-outage: Postgres stopped; rungs due in ${((first - downAt) / 1000).toFixed(1)}–${((last - downAt) / 1000).toFixed(1)} s`);
  if (last - downAt > 28_000) failures.push('some rungs fall due after the outage');
  await sleep(30_000);
  await cluster.startPostgres();
  cluster.log(`postgres-outage: Postgres back after ${((Date.now() - downAt) / 1000).toFixed(0)} s`);
  const ledger = await settle(cluster, caseIds, 120_000);
  const health = await workflowHealth(cluster, caseIds);
  if (health.notRunning.length) failures.push(`workflows not running: ${health.notRunning.slice(0, 3).join(', ')}`);
  if (health.taskFailures) failures.push(`${health.taskFailures} workflow task failures`);
  if (health.retries === 0) failures.push('no activity retried: the outage did not hit the escalations');
  if (cluster.worker!.exited()) failures.push('the worker process died during the outage');
  return verdict('Postgres down 30 s while escalations fire', ledger, started, {
    notes: [`${health.retries} activity retries, ${health.notRunning.length} workflows not running`],
    failures,
  });
}

/**
 * The counting itself must be able to fail: on cases whose escalations all landed, plant one
 * duplicate firing (a second `escalation_raised` change) and one loss (an escalation removed), and
 * check the ledger reports exactly those. Runs last; it edits those cases' rows.
 */
export async function ledgerSelfCheck(cluster: Cluster): Promise<FaultResult> {
  const started = Date.now();
  const rows = await cluster.db.sql<{ case_id: string }[]>`select distinct case_id from escalations limit 4`;
  const caseIds = rows.map((r) => r.case_id);
  const failures: string[] = [];
  const before = await escalationLedger(cluster.db, { caseIds, dueBefore: new Date() });
  if (before.lost || before.duplicated) failures.push(`not clean before planting: lost ${before.lost}, duplicated ${before.duplicated}`);
  const [dup] = await cluster.db.sql<{ id: string; obligation_id: string; rung: string; case_id: string }[]>`
    select id, obligation_id, rung, case_id from escalations where case_id in ${cluster.db.sql(caseIds)} order by committed_at limit 1`;
  const [gone] = await cluster.db.sql<{ id: string }[]>`
    select id from escalations where case_id in ${cluster.db.sql(caseIds)} and id <> ${dup!.id} order by committed_at desc limit 1`;
  await appendAuditEvents(cluster.db.db, [
    {
      dedupeKey: `planted:${dup!.id}`,
      entityType: 'case',
      entityId: dup!.case_id,
      action: 'escalation_raised',
      actorLabel: 'fault self-check',
      at: new Date(),
      details: { obligationId: dup!.obligation_id, rung: dup!.rung },
    },
  ]);
  await cluster.db.sql`delete from notifications where escalation_id = ${gone!.id}`;
  await cluster.db.sql`delete from escalations where id = ${gone!.id}`;
  const after = await escalationLedger(cluster.db, { caseIds, dueBefore: new Date() });
  if (after.duplicated !== 1) failures.push(`planted 1 duplicate, ledger counted ${after.duplicated}`);
  if (after.lost !== 1) failures.push(`planted 1 loss, ledger counted ${after.lost}`);
  return {
    name: 'ledger self-check (1 duplicate, 1 loss planted)',
    expected: after.expected,
    delivered: after.delivered,
    duplicated: after.duplicated,
    lost: after.lost,
    notes: ['counts must show the planted 1 and 1'],
    failures,
    seconds: (Date.now() - started) / 1000,
  };
}
