/**
 * The API process killed (kill -9) between receiving a command and answering it; the client
 * retries with the same Idempotency-Key against a new API process and must get one change and an
 * answer. Two moments, each made deterministic from outside the API:
 *
 *  - after the change: a transaction of the test holds `idempotency_keys` in EXCLUSIVE mode, which
 *    lets the API read but not store its answer; once the change is in Postgres and the API waits
 *    on that lock, the API is killed: the change is made, the answer never left.
 *  - before the change: the worker process is frozen (SIGSTOP), so the Update the API sent cannot
 *    be applied; the API is killed while it waits, then the worker resumes (SIGCONT).
 */
import postgres from 'postgres';
import { FULL_LADDER, secondsPolicy } from '../../bench/support/env.js';
import { killGroup, sleep, until } from '../../bench/support/processes.js';
import type { Cluster, FaultResult } from './cluster.js';

const PLAN = { summary: '整顿方案', issues: ['班子不健全'], measures: [{ measure: '配强村党组织书记', owner: '乡镇党委' }] };

async function postPlan(cluster: Cluster, caseId: string, key: string, token: string) {
  const res = await fetch(`${cluster.api!.url}/api/v1/cases/${caseId}/plan`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(PLAN),
  });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', body: (await res.json()) as Record<string, unknown> };
}

async function changes(cluster: Cluster, caseId: string): Promise<{ audits: number; submissions: number }> {
  const [row] = await cluster.db.sql<{ audits: number; submissions: number }[]>`
    select (select count(*)::int from audit_events where entity_type = 'case' and entity_id = ${caseId} and action = 'plan_submitted') as audits,
           (select count(*)::int from case_submissions where case_id = ${caseId} and kind = 'plan') as submissions`;
  return row!;
}

/** JSON with sorted keys: the stored answer comes back from jsonb, which does not keep key order. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function apiKilledMidCommand(cluster: Cluster): Promise<FaultResult> {
  const started = Date.now();
  const [afterChange, beforeChange] = await cluster.designateCases(2, secondsPolicy(3_600_000, FULL_LADDER(60)), 2);
  // The cases' sponsor files the plan (an office files only while the post is vacant).
  const who = cluster.actors.byProvince.get(cluster.villages[0]!.slice(0, 2))!.sponsor;
  const failures: string[] = [];
  const notes: string[] = [];
  let expected = 0;
  let delivered = 0;
  let duplicated = 0;
  let lost = 0;

  const check = async (label: string, caseId: string, key: string, firstAnswered: boolean) => {
    expected += 1;
    if (firstAnswered) failures.push(`${label}: the first request was answered before the kill (nothing was tested)`);
    await cluster.startApi();
    const retry = await postPlan(cluster, caseId, key, who.token);
    const again = await postPlan(cluster, caseId, key, who.token);
    const c = await changes(cluster, caseId);
    if (retry.status !== 200 || retry.body.state !== 'rectifying')
      failures.push(`${label}: retry answered ${retry.status} ${String(retry.body.state ?? retry.body.message)}`);
    if (again.status !== 200 || !again.replayed || stable(again.body) !== stable(retry.body))
      failures.push(`${label}: a second retry did not replay the same answer`);
    if (c.audits === 0) lost += 1;
    else delivered += 1;
    if (c.audits > 1 || c.submissions > 1) duplicated += 1;
    notes.push(`${label}: ${c.audits} change, ${c.submissions} plan; retry ${retry.status}, replay ${again.status}${again.replayed ? ' (stored answer)' : ''}`);
  };

  // 1. Killed after the change, before the answer.
  {
    const key = `fault-after-${Date.now()}`;
    const locker = postgres(cluster.databaseUrl, { max: 1, onnotice: () => {} });
    let firstAnswered = false;
    try {
      await locker.begin(async (tx) => {
        await tx`lock table idempotency_keys in exclusive mode`;
        const first = postPlan(cluster, afterChange!, key, who.token).then(
          () => void (firstAnswered = true),
          () => undefined,
        );
        await until(
          'the change in Postgres and the API waiting to store its answer',
          async () => {
            const c = await changes(cluster, afterChange!);
            const [w] = await cluster.db.sql<{ n: number }[]>`
              select count(*)::int as n from pg_locks where relation = 'idempotency_keys'::regclass and not granted`;
            return c.audits > 0 && w!.n > 0;
          },
          30_000,
          50,
        );
        await cluster.api!.kill9();
        await first;
      });
    } finally {
      await locker.end({ timeout: 5 });
    }
    await check('killed after the change', afterChange!, key, firstAnswered);
  }

  // 2. Killed after the Update was sent, before it was applied.
  {
    const key = `fault-before-${Date.now()}`;
    let firstAnswered = false;
    killGroup(cluster.worker!.process, 'SIGSTOP');
    try {
      const first = postPlan(cluster, beforeChange!, key, who.token).then(
        () => void (firstAnswered = true),
        () => undefined,
      );
      await sleep(1_500);
      const c = await changes(cluster, beforeChange!);
      if (c.audits > 0) failures.push('killed before the change: the change was made although the worker was frozen');
      await cluster.api!.kill9();
      await first;
    } finally {
      killGroup(cluster.worker!.process, 'SIGCONT');
    }
    await check('killed before the change', beforeChange!, key, firstAnswered);
  }

  return { name: 'API kill -9 between command and answer', expected, delivered, duplicated, lost, notes, failures, seconds: (Date.now() - started) / 1000 };
}
