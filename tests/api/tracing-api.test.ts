/**
 * Tracing (issue 15): one trace from the HTTP request through the Temporal Update to the activity
 * that projects the change, on the real API, Postgres and the time-skipping Temporal server, with an
 * in-memory exporter where production has OTLP; then the production worker as a child process,
 * exporting over OTLP to a collector stand-in. And off by default: nothing configured, started or
 * registered; requests answer as before, and their log lines name no trace.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ROOT_CONTEXT, SpanKind, context, isSpanContextValid, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { freePort, startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type TestUser } from '../support/harness.js';
import { loadConfig } from '../../config/config.js';
import { startTracing, type Tracing } from '../../lib/tracing.js';
import { clientTracingInterceptors, workerTracing } from '../../temporal/tracing.js';
import { rectificationWorkflowId } from '../../temporal/client.js';
import { createCaseService } from '../../services/cases.js';
import { workflowBundle } from '../../temporal/worker.js';
import { Worker } from '@temporalio/worker';
import { spawnTsx, until, type Child } from '../../bench/support/processes.js';

const PLAN = { summary: '一村一策', issues: ['组织生活不正常'], measures: [{ measure: '每月主题党日', owner: '村党支部' }] };

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** A logger whose JSON lines the test reads back. */
function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, sink) };
}

/** A backend with an org dept, a sponsor and an app that logs into `lines`. */
async function backend(tracing?: Tracing) {
  const h = await startHarness({ env }, tracing ? { tracing } : {});
  const { lines, logger } = capturedLogger();
  const app = await h.appWith({ logger });
  const org = await h.addUser('org_dept', '522731');
  const sponsor = await h.addUser('sponsor', '522731');
  const [village] = await h.villageCodes('522731001');
  return { h, app, lines, org, sponsor, village: village! };
}

async function call(app: FastifyInstance, user: TestUser, method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${user.token}`, ...headers }, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null, requestId: String(res.headers['x-request-id']) };
}

/** POSTs JSON over a real connection, the body a moment after the headers. */
function postSlowly(app: FastifyInstance, path: string, payload: object, headers: Record<string, string>) {
  const address = app.server.address() as AddressInfo;
  const body = JSON.stringify(payload);
  return new Promise<{ status: number; body: { state?: string }; requestId: string }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: address.port,
        path,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), requestId: String(res.headers['x-request-id']) }),
        );
      },
    );
    req.on('error', reject);
    req.flushHeaders();
    setTimeout(() => req.end(body), 100);
  });
}

describe('tracing off (the default)', () => {
  let b: Awaited<ReturnType<typeof backend>>;
  afterAll(async () => {
    await b?.h.close();
  });

  test('nothing is configured, started or registered; commands answer as before and log no trace id', async () => {
    const config = loadConfig({});
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(startTracing(config, { serviceName: 'rectify-test' })).toBeNull();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    // The Temporal client gets no interceptor; the worker none, only the sink that drops the
    // workflow interceptors' own spans (they are in every bundle, tracing on or off).
    expect(clientTracingInterceptors(null)).toEqual([]);
    expect(workerTracing(null).interceptors).toBeUndefined();

    b = await backend();
    const created = await call(b.app, b.org, 'POST', '/api/v1/cases', { villageCode: b.village, reasons: ['poor_service'], sponsorUserId: b.sponsor.id });
    expect(created.status).toBe(201);
    const plan = await call(b.app, b.sponsor, 'POST', `/api/v1/cases/${created.body.id}/plan`, PLAN);
    expect(plan.status).toBe(200);
    expect(plan.body.state).toBe('rectifying');

    // The OpenTelemetry API is still its no-op self: no tracer provider, context manager or propagator.
    const span = trace.getTracer('probe').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    expect(isSpanContextValid(span.spanContext())).toBe(false);
    expect(context.with(trace.setSpan(ROOT_CONTEXT, span), () => context.active())).toBe(ROOT_CONTEXT);
    span.end();
    const caller = trace.wrapSpanContext({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: 1 });
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, caller), carrier);
    expect(carrier).toEqual({}); // a registered W3C propagator would write a traceparent

    const ofPlan = b.lines.filter((l) => l.reqId === plan.requestId);
    expect(ofPlan.map((l) => l.msg)).toContain('request completed');
    for (const line of b.lines) expect(Object.keys(line).filter((k) => k.startsWith('trace') || k.startsWith('span'))).toEqual([]);
  });
});

describe('tracing on', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let b: Awaited<ReturnType<typeof backend>>;
  beforeAll(async () => {
    tracing = startTracing(loadConfig({}), { serviceName: 'rectify-test', exporter })!;
    b = await backend(tracing);
  });
  afterAll(async () => {
    await b?.h.close();
    await tracing?.shutdown();
  });

  const inTrace = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const named = (spans: ReadableSpan[], name: string) => {
    const found = spans.filter((s) => s.name === name);
    expect([name, found.length]).toEqual([name, 1]);
    return found[0]!;
  };
  const id = (span: ReadableSpan) => span.spanContext().spanId;

  test('one trace: the HTTP request, the Update (client and workflow), the projecting activity', async () => {
    const created = await call(b.app, b.org, 'POST', '/api/v1/cases', { villageCode: b.village, reasons: ['poor_service'], sponsorUserId: b.sponsor.id });
    expect(created.status).toBe(201);
    const caseId = created.body.id as string;

    // The caller (a gateway) names the trace; the request continues it.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    // Over a socket, as in production, the body sent after the headers (a slow client): it is read
    // on the socket's events, outside the context the request's span was entered in.
    await b.app.listen({ host: '127.0.0.1', port: 0 });
    const plan = await postSlowly(b.app, `/api/v1/cases/${caseId}/plan`, PLAN, {
      authorization: `Bearer ${b.sponsor.token}`,
      traceparent: `00-${traceId}-${callerSpanId}-01`,
    });
    expect(plan.status).toBe(200);
    expect(plan.body.state).toBe('rectifying');

    // Workflow spans leave the sandbox through the worker's sink when their activation completes.
    const spans = await eventually('the workflow and activity spans of the plan', async () => {
      const found = inTrace(traceId);
      const names = found.map((s) => s.name);
      return names.includes('HandleUpdate:submitPlan') && names.includes('RunActivity:recordCaseChange') ? found : undefined;
    });

    const server = named(spans, 'POST /api/v1/cases/:id/plan');
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(server.attributes).toMatchObject({ 'http.route': '/api/v1/cases/:id/plan', 'http.response.status_code': 200, 'rectify.request_id': plan.requestId });

    const update = named(spans, 'StartWorkflowUpdate:submitPlan');
    expect(update.parentSpanId).toBe(id(server));
    expect(update.attributes.temporalWorkflowId).toBe(rectificationWorkflowId(caseId));

    const handled = named(spans, 'HandleUpdate:submitPlan');
    expect(handled.parentSpanId).toBe(id(update));

    const scheduled = named(spans, 'StartActivity:recordCaseChange');
    expect(scheduled.parentSpanId).toBe(id(handled));
    const ran = named(spans, 'RunActivity:recordCaseChange');
    expect(ran.parentSpanId).toBe(id(scheduled));
    expect(ran.attributes).toMatchObject({ temporalWorkflowId: rectificationWorkflowId(caseId) });

    // Spans of both sides name this process (the workflow's come through the sink with its resource).
    for (const span of [server, handled, ran]) expect(span.resource.attributes['service.name']).toBe('rectify-test');

    // No secret reaches a span: the bearer token, cookies, passwords, phone numbers.
    for (const span of spans) {
      expect(JSON.stringify(span.attributes)).not.toContain(b.sponsor.token);
      expect(Object.keys(span.attributes).filter((k) => /authorization|cookie|token|password|phone|header/i.test(k))).toEqual([]);
    }

    // The request's log lines after it entered its span name the trace.
    const completed = b.lines.find((l) => l.reqId === plan.requestId && l.msg === 'request completed');
    expect(completed).toMatchObject({ trace_id: traceId, span_id: id(server) });
  });

  test('turning tracing off again is replay-safe: a workflow run with the interceptors replays on the plain bundle', async () => {
    const [, , , village] = await b.h.villageCodes('522731001');
    const created = await call(b.app, b.org, 'POST', '/api/v1/cases', { villageCode: village, reasons: ['poor_service'], sponsorUserId: b.sponsor.id });
    expect(created.status).toBe(201);
    expect((await call(b.app, b.sponsor, 'POST', `/api/v1/cases/${created.body.id as string}/plan`, PLAN)).status).toBe(200);
    const workflowId = rectificationWorkflowId(created.body.id as string);
    const history = await b.h.temporal.client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events?.length).toBeGreaterThan(5);
    const plain = await workflowBundle({ tracing: false });
    expect(plain.code).not.toContain('interceptors-opentelemetry/lib/workflow-interceptors');
    await Worker.runReplayHistory({ workflowBundle: plain, sinks: workerTracing(null).sinks }, history, workflowId);
  });

  test('a request without a caller starts its own trace, and the workflow start carries it into the new workflow', async () => {
    const [, village] = await b.h.villageCodes('522731001');
    const before = new Set(exporter.getFinishedSpans().map(id));
    const created = await call(b.app, b.org, 'POST', '/api/v1/cases', { villageCode: village, reasons: ['poor_service'], sponsorUserId: b.sponsor.id });
    expect(created.status).toBe(201);
    const server = await eventually('the designation span', async () =>
      exporter.getFinishedSpans().find((s) => !before.has(id(s)) && s.name === 'POST /api/v1/cases'),
    );
    expect(server.parentSpanId).toBeUndefined();
    const traceId = server.spanContext().traceId;
    // Since 'designation-precomputed' the service opens the case and starts its workflow plainly (its
    // RunWorkflow span ends with the case, a year on): the start's span, and its context in the run's header.
    const start = named(
      await eventually('the start span', async () => (inTrace(traceId).length > 1 ? inTrace(traceId) : undefined)),
      'StartWorkflow:rectificationWorkflow',
    );
    expect(start.parentSpanId).toBe(id(server));
    const history = await b.h.temporal.client.workflow.getHandle(rectificationWorkflowId(created.body.id as string)).fetchHistory();
    const header = history.events?.[0]?.workflowExecutionStartedEventAttributes?.header?.fields?.['_tracer-data']?.data;
    const carried = JSON.parse(Buffer.from(header ?? new Uint8Array()).toString('utf8') || '{}') as { traceparent?: string };
    expect(carried.traceparent).toBe(`00-${traceId}-${id(start)}-01`);
  });

  describe('the production worker as its own process', () => {
    let child: Child | undefined;
    const collector = createServer();
    afterAll(async () => {
      await child?.stop();
      await new Promise((resolve) => collector.close(resolve));
    });

    test("with OTEL_EXPORTER_OTLP_ENDPOINT it sends its workflow and activity spans over OTLP, in the caller's trace", async () => {
      // A collector stand-in: what arrives at /v1/traces, as sent.
      const received: Array<{ path: string; contentType: string; body: Buffer }> = [];
      collector.on('request', (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ path: req.url ?? '', contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) });
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        });
      });
      const collectorPort = await freePort();
      await new Promise<void>((resolve) => collector.listen(collectorPort, '127.0.0.1', resolve));

      const taskQueue = `tracing-child-${process.pid}`;
      let output = '';
      child = spawnTsx('worker', 'temporal/worker-main.ts', {
        DATABASE_URL: b.h.databaseUrl,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
        // The SDK's own setting (README: read by the OpenTelemetry libraries): export within 0.2 s.
        OTEL_BSP_SCHEDULE_DELAY: '200',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      });
      child.process.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      await until('the child worker polls', async () => /"state":"RUNNING"/.test(output), 60_000).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${child!.output()}`);
      });

      // A case on the child's task queue, designated and planned inside one span of this process.
      const cases = createCaseService({ db: b.h.db.db, temporal: { ...b.h.temporal, taskQueue } });
      const [, , village] = await b.h.villageCodes('522731001');
      const traceId = await trace.getTracer('test').startActiveSpan('designate and plan', async (span) => {
        const designated = await cases.designate(b.org, { villageCode: village!, reasons: ['poor_service'], sponsorUserId: b.sponsor.id });
        await cases.submitPlan(b.sponsor, designated.id, { plan: PLAN });
        span.end();
        return span.spanContext().traceId;
      });

      const sent = await until(
        "the child's spans at the collector",
        async () => {
          const all = Buffer.concat(received.map((r) => r.body));
          return all.includes(Buffer.from(traceId, 'hex')) && all.includes('RunActivity:recordCaseChange') && all.includes('HandleUpdate:submitPlan')
            ? all
            : null;
        },
        30_000,
      );
      expect(received.every((r) => r.path === '/v1/traces' && r.contentType === 'application/x-protobuf')).toBe(true);
      expect(sent.includes('rectify-worker')).toBe(true); // service.name
      expect(sent.includes(b.sponsor.token)).toBe(false);

      // The child's workflow lines name the trace they belong to (stdout may arrive after the spans).
      const stateLine = await until(
        "the child's log line of the plan's state change",
        async () =>
          output
            .split('\n')
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Record<string, unknown>)
            .find((l) => l.msg === 'case state change' && l.to === 'rectifying') ?? null,
        10_000,
      );
      expect(stateLine).toMatchObject({ trace_id: traceId });
    });
  });
});
