/**
 * Metrics (issue 15): scrape `GET /metrics` before and after real work on the real API, Postgres
 * and the time-skipping Temporal server, and check that each figure moved by what the work did: the
 * requests made, the rungs fired (a yellow card), the notifications written, the obligations' lights,
 * the acknowledgement, the pool. Then the production worker as a child process with its own
 * listener and the Temporal SDK's Prometheus exporter on, scraped for its `temporal_` figures.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort, startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { createMetrics, type Metrics } from '../../lib/metrics.js';
import { obligationRag, type Obligation } from '../../domain/escalation.js';
import { createCaseService } from '../../services/cases.js';
import { spawnTsx, until, type Child } from '../../bench/support/processes.js';

const TOKEN = 'metrics-test-token-0123456789';

let env: TestWorkflowEnvironment;
let h: Harness;
let metrics: Metrics;
let app: FastifyInstance;
let org: TestUser;
let township: TestUser;
let sponsor: TestUser;

// --- The Prometheus text format, parsed: one entry per series. -----------------------------------

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, '$1');
    series.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return series;
}

/** The sum of the series named `name` whose labels include `labels` (0 when there is none). */
function sample(scraped: Series[], name: string, labels: Record<string, string> = {}): number {
  return scraped.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

async function scrape(): Promise<Series[]> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(res.body);
}

async function call(user: TestUser, url: string, method: 'GET' | 'POST' = 'GET', payload?: unknown) {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${user.token}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  metrics = createMetrics();
  // One registry for the worker's activities and the API, as in `npm start` (one process).
  h = await startHarness({ env }, { metrics });
  app = await h.appWith({ metrics, metricsToken: TOKEN });
  org = await h.addUser('org_dept', '522731');
  township = await h.addUser('township_office', '522731001');
  sponsor = await h.addUser('sponsor', '522731');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('GET /metrics', () => {
  test('needs the bearer token; is not part of the API document; absent from an app without a token', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.statusCode).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ statusCode: 401, requestId: expect.any(String) });
    // A user's API token is not a metrics token.
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${org.token}` } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);

    const doc = JSON.parse((await app.inject({ method: 'GET', url: '/openapi.json' })).body) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.includes('metrics'))).toEqual([]);
    const plain = await h.app();
    expect((await plain.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
  });

  test('HTTP durations by route pattern and status, never by raw URL', async () => {
    const before = await scrape();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) expect((await call(org, `/api/v1/cases/${id}`)).status).toBe(404);
    for (let i = 0; i < 2; i++) expect((await call(org, '/api/v1/me')).status).toBe(200);
    expect((await call(org, '/api/v1/cases?rag=purple')).status).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/no/such/route' })).statusCode).toBe(404);
    const after = await scrape();

    const moved = (labels: Record<string, string>) =>
      sample(after, 'rectify_http_request_duration_seconds_count', labels) - sample(before, 'rectify_http_request_duration_seconds_count', labels);
    expect(moved({ method: 'GET', route: '/api/v1/cases/:id', status_code: '404' })).toBe(3);
    expect(moved({ method: 'GET', route: '/api/v1/me', status_code: '200' })).toBe(2);
    expect(moved({ method: 'GET', route: '/api/v1/cases', status_code: '400' })).toBe(1);
    expect(moved({ method: 'GET', route: '(unmatched)', status_code: '404' })).toBe(1);
    // The histogram's sum is seconds: six quick in-process requests take well under a minute.
    const sum = (s: Series[]) => sample(s, 'rectify_http_request_duration_seconds_sum', { route: '/api/v1/cases/:id' });
    expect(sum(after) - sum(before)).toBeGreaterThan(0);
    expect(sum(after) - sum(before)).toBeLessThan(60);
    const routes = new Set(after.filter((s) => s.name.startsWith('rectify_http_request_duration_seconds')).map((s) => s.labels.route));
    for (const id of ids) expect([...routes].some((r) => r?.includes(id))).toBe(false);
  });

  test('a yellow card: escalations fired and committed per rung, lateness, notifications, lights, acknowledgement', async () => {
    const before = await scrape();
    const [village] = await h.villageCodes('522731001');
    const created = await call(org, '/api/v1/cases', 'POST', { villageCode: village, reasons: ['poor_service'], sponsorUserId: sponsor.id });
    expect(created.status).toBe(201);
    const caseId = created.body.id as string;
    const plan = (created.body.obligations as Array<{ kind: string; rungs: Array<{ rung: string; at: string }> }>).find((o) => o.kind === 'plan')!;
    const yellowAt = Date.parse(plan.rungs.find((r) => r.rung === 'township_office')!.at);
    // Past the plan's township rung (and so its reminder), before the org dept's.
    await env.sleep(yellowAt + 3600_000 - (await env.currentTimeMs()));
    await eventually('the yellow card', async () => {
      const [row] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from escalations where case_id = ${caseId} and rung = 'township_office'`;
      return row!.n === 1;
    });
    const rungs = await h.db.sql<{ rung: string }[]>`select rung from escalations where case_id = ${caseId} order by committed_at`;
    expect(rungs.map((r) => r.rung)).toEqual(['reminder', 'township_office']);
    // The notifications are written in the same transaction as the rung, and counted after it commits.
    await eventually('notifications counted', async () => {
      const n = sample(await scrape(), 'rectify_notifications_created_total') - sample(before, 'rectify_notifications_created_total');
      const [row] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from notifications where case_id = ${caseId}`;
      return n === row!.n;
    });
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);

    for (const rung of ['reminder', 'township_office']) {
      expect([rung, moved('rectify_escalations_fired_total', { process: 'case', rung })]).toEqual([rung, 1]);
      expect([rung, moved('rectify_escalations_committed_total', { process: 'case', rung })]).toEqual([rung, 1]);
      expect([rung, moved('rectify_escalation_lateness_seconds_count', { process: 'case', rung })]).toEqual([rung, 1]);
    }
    expect(moved('rectify_escalations_committed_total', { rung: 'org_dept' })).toBe(0);
    // Lateness is committed_at − scheduled_at as stored: the histogram's sum is the rows' own.
    const [lateness] = await h.db.sql<
      { s: number }[]
    >`select sum(extract(epoch from committed_at - scheduled_at))::float8 as s from escalations where case_id = ${caseId}`;
    expect(moved('rectify_escalation_lateness_seconds_sum', { process: 'case' })).toBeCloseTo(lateness!.s, 2);

    // Notifications written, per kind: exactly the rows this case got.
    const kinds = await h.db.sql<{ kind: string; n: number }[]>`select kind, count(*)::int as n from notifications where case_id = ${caseId} group by kind`;
    expect(kinds.find((k) => k.kind === 'escalation.township_office')?.n).toBeGreaterThan(0);
    for (const { kind, n } of kinds) expect([kind, moved('rectify_notifications_created_total', { channel: 'inbox', kind })]).toEqual([kind, n]);

    // Open obligations by light: what domain/escalation.ts obligationRag says of each open row.
    const open = await h.db.sql<{ process: string; status: Obligation['status']; exempted_at: Date | null; rungs: Obligation['rungs'] }[]>`
      select case when case_id is not null then 'case' when mentorship_id is not null then 'mentorship' else 'reserve' end as process, status, exempted_at, rungs
      from obligations where status = 'open'`;
    const expected = new Map<string, number>();
    for (const o of open) {
      const light = o.exempted_at ? 'exempted' : obligationRag({ status: o.status, rungs: o.rungs } as Obligation);
      expected.set(`${o.process}/${light}`, (expected.get(`${o.process}/${light}`) ?? 0) + 1);
    }
    expect(expected.get('case/yellow')).toBeGreaterThanOrEqual(1); // the plan
    for (const process of ['case', 'mentorship', 'reserve']) {
      for (const light of ['green', 'yellow', 'red', 'exempted']) {
        expect([process, light, sample(after, 'rectify_open_obligations', { process, light })]).toEqual([
          process,
          light,
          expected.get(`${process}/${light}`) ?? 0,
        ]);
      }
    }

    // Acknowledging the yellow card moves one notification from unacked to acked.
    const unacked = (s: Series[]) => sample(s, 'rectify_notifications', { channel: 'inbox', kind: 'escalation.township_office', status: 'unacked' });
    const acked = (s: Series[]) => sample(s, 'rectify_notifications', { channel: 'inbox', kind: 'escalation.township_office', status: 'acked' });
    const inbox = await call(township, `/api/v1/inbox?caseId=${caseId}&rung=township_office`);
    const card = inbox.body.items[0] as { id: string };
    expect((await call(township, `/api/v1/inbox/${card.id}/ack`, 'POST')).status).toBe(200);
    const acknowledged = await scrape();
    expect(unacked(acknowledged) - unacked(after)).toBe(-1);
    expect(acked(acknowledged) - acked(after)).toBe(1);
  });

  test('the Postgres pool: its size, and its connections as Postgres sees them', async () => {
    // Two queries at once: the pool holds at least two connections, so one besides the scraping one.
    await Promise.all([h.db.sql`select pg_sleep(0.05)`, h.db.sql`select pg_sleep(0.05)`]);
    const scraped = await scrape();
    expect(sample(scraped, 'rectify_db_pool_max')).toBe(10);
    const open = sample(scraped, 'rectify_db_pool_connections');
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(9);
    const [row] = await h.db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where application_name = current_setting('application_name')`;
    // The same count, seen from another connection of the pool (which counts itself; the scrape left itself out).
    expect(row!.n).toBeGreaterThanOrEqual(open);
  });
});

describe('logs', () => {
  test('every line of a request carries its request id, the one the answer names', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logged = await h.appWith({ logger: pino({ level: 'info' }, sink) });
    const answers = [];
    for (const url of ['/api/v1/me', `/api/v1/cases/${randomUUID()}`, '/api/v1/cases?rag=purple']) {
      const res = await logged.inject({ method: 'GET', url, headers: { authorization: `Bearer ${org.token}` } });
      answers.push(String(res.headers['x-request-id']));
    }
    const ofRequests = lines.filter((l) => l.req || l.res || l.reqId);
    expect(ofRequests.length).toBeGreaterThanOrEqual(answers.length * 2);
    for (const line of ofRequests) expect(answers).toContain(line.reqId);
    for (const id of answers) expect(ofRequests.filter((l) => l.reqId === id).length).toBeGreaterThanOrEqual(2);
  });
});

describe('the production worker as its own process', () => {
  let child: Child | undefined;
  let output = '';
  afterAll(async () => {
    await child?.stop();
  });

  test('serves its own registry on METRICS_PORT and the Temporal SDK figures on TEMPORAL_METRICS_ADDRESS', async () => {
    const taskQueue = `metrics-child-${process.pid}`;
    const [metricsPort, temporalPort] = [await freePort(), await freePort()];
    child = spawnTsx('worker', 'temporal/worker-main.ts', {
      DATABASE_URL: h.databaseUrl,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      METRICS_PORT: String(metricsPort),
      METRICS_TOKEN: TOKEN,
      TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${temporalPort}`,
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
    });
    child.process.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    // (The time-skipping server has no DescribeTaskQueue: the worker's own line says it polls.)
    await until('the child worker polls', async () => /"state":"RUNNING"/.test(output), 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${child!.output()}`);
    });

    // A case on the child's task queue: its workflow tasks and activities run in the child.
    const cases = createCaseService({ db: h.db.db, temporal: { ...h.temporal, taskQueue } });
    const [, village] = await h.villageCodes('522731001');
    const designated = await cases.designate(org, { villageCode: village!, reasons: ['poor_service'], sponsorUserId: sponsor.id });
    const workflowId = `rectification-${designated.id}`;
    // Two commands the child worker projects (local activities since patched('local-projection')); the
    // second notifies the org dept. (The designation's own notice is written by the designating service.)
    await cases.submitPlan(sponsor, designated.id, { plan: { summary: '方案', issues: ['班子'], measures: [{ measure: '配强', owner: '乡镇' }] } });
    await cases.requestAcceptance(sponsor, designated.id, { summary: '完成' });

    const workerUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    expect((await fetch(workerUrl)).status).toBe(401);
    const worker = parse(await (await fetch(workerUrl, { headers: { authorization: `Bearer ${TOKEN}` } })).text());
    expect(sample(worker, 'rectify_db_pool_max')).toBe(10);
    // The database-wide gauges are the API's, so two targets do not report them twice.
    expect(worker.some((s) => s.name === 'rectify_open_obligations')).toBe(false);
    const kinds = await h.db.sql<
      { kind: string; n: number }[]
    >`select kind, count(*)::int as n from notifications where case_id = ${designated.id} and kind <> 'case.designated' group by kind`;
    expect(kinds.map((k) => k.kind)).toContain('acceptance.requested');
    for (const { kind, n } of kinds) expect([kind, sample(worker, 'rectify_notifications_created_total', { kind })]).toEqual([kind, n]);

    const temporal = await until(
      'temporal_ figures for the child task queue',
      async () => {
        const res = await fetch(`http://127.0.0.1:${temporalPort}/metrics`);
        const scraped = parse(await res.text());
        const ours = (name: string) => scraped.filter((s) => s.name === name && s.labels.task_queue?.startsWith(taskQueue));
        return ours('temporal_workflow_task_execution_latency_count').length > 0 && ours('temporal_local_activity_execution_latency_count').length > 0
          ? scraped
          : null;
      },
      30_000,
    );
    const names = new Set(temporal.map((s) => s.name));
    for (const name of [
      'temporal_workflow_task_execution_latency_bucket',
      'temporal_local_activity_execution_latency_bucket',
      'temporal_sticky_cache_size',
      'temporal_worker_task_slots_available',
      'temporal_worker_task_slots_used',
    ]) {
      expect([name, names.has(name)]).toEqual([name, true]);
    }
    expect(sample(temporal, 'temporal_local_activity_execution_latency_count', { activity_type: 'recordCaseChange' })).toBeGreaterThanOrEqual(1);
    expect(sample(temporal, 'temporal_sticky_cache_size')).toBeGreaterThanOrEqual(1);

    // Its log lines from the workflow and its activities carry the workflow and run id (JSON: LOG_FORMAT=json).
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ofCase = lines.filter((l) => l.workflowId === workflowId);
    expect(ofCase.length).toBeGreaterThan(0);
    for (const line of ofCase) expect(line.runId ?? line.workflowRunId).toEqual(expect.any(String));
    // The SDK's activity lines name the task token (it can complete the activity): censored.
    const withToken = lines.filter((l) => 'taskToken' in l);
    expect(withToken.length).toBeGreaterThan(0);
    expect(withToken.every((l) => l.taskToken === '[redacted]')).toBe(true);
  });
});
