/**
 * The API's limits (issue 15) on the real app and Postgres: per-user and per-IP rate limits (429
 * with Retry-After for the one past them, 200 for the others), TRUST_PROXY, page sizes capped,
 * security headers, and a query cut by the API pool's statement_timeout answering 503.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, testAuthSettings, type Harness, type TestUser } from '../support/harness.js';
import { createDb, type DbHandle } from '../../db/client.js';
import { BURST_WINDOW_MS, type RateLimits } from '../../api/plugins/rate-limits.js';
import { loadConfig } from '../../config/config.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let alice: TestUser;
let bob: TestUser;
let timedDb: DbHandle | undefined;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  alice = await h.addUser('org_dept', '522731', 'alice');
  bob = await h.addUser('org_dept', '522731', 'bob');
}, 120_000);

afterAll(async () => {
  await timedDb?.close();
  await h?.close();
  await env?.teardown();
});

const bearer = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function statuses(app: FastifyInstance, n: number, options: InjectOptions): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await app.inject(options)).statusCode);
  return out;
}

const limitsApp = (limits: Partial<RateLimits>, extra: Parameters<Harness['appWith']>[0] = {}) =>
  h.appWith({ rateLimits: { perUserPerSecond: 100, userBurst: 1000, perIpPerSecond: 100, ipBurst: 1000, refusalDelayMs: 0, ...limits }, ...extra });

describe('rate limits', () => {
  test('the defaults: 20 a second per user sustained, a burst of 60 in 2 s; anonymous 10 a second per IP', () => {
    const config = loadConfig({});
    expect([config.API_RATE_LIMIT_PER_USER, config.API_RATE_LIMIT_USER_BURST, config.API_RATE_LIMIT_PER_IP, config.API_RATE_LIMIT_IP_BURST]).toEqual([
      20, 60, 10, 30,
    ]);
    expect(loadConfig({ API_RATE_LIMIT_PER_USER: '0' }).API_RATE_LIMIT_PER_USER).toBe(0);
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).TRUST_PROXY).toBe('10.0.0.0/8');
  });

  test('one user past the burst gets 429 with Retry-After in the error shape; another user from the same IP keeps getting 200', async () => {
    const app = await limitsApp({ userBurst: 5 });
    const list = (u: TestUser) => ({ method: 'GET' as const, url: '/api/v1/cases?limit=1', headers: bearer(u) });
    // A credential's first request is keyed by the IP (auth has not named the user yet); then by the user.
    await app.inject(list(alice));
    const allowed = await statuses(app, 5, list(alice));
    expect(allowed).toEqual([200, 200, 200, 200, 200]);
    const refused = await app.inject(list(alice));
    expect(refused.statusCode).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(BURST_WINDOW_MS / 1000);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    expect(refused.headers['x-ratelimit-limit']).toBe('5');
    expect(refused.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests', details: { retryAfterSeconds: retryAfter } });
    expect(refused.json().requestId).toBe(refused.headers['x-request-id']);

    // Bob, same address, own budget.
    expect(await statuses(app, 6, list(bob))).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await app.inject(list(alice))).statusCode).toBe(429);

    // The burst window passes; Alice is served again.
    await sleep(retryAfter * 1000 + 100);
    expect((await app.inject(list(alice))).statusCode).toBe(200);
  });

  test('the sustained window: a steady user past rate × 30 s is refused for up to 30 s, though under the burst', async () => {
    // 0.1 a second → 3 requests in the 30-second window.
    const app = await limitsApp({ perUserPerSecond: 0.1, userBurst: 100 });
    const me = { method: 'GET' as const, url: '/api/v1/cases?limit=1', headers: bearer(bob) };
    await app.inject(me); // keyed by IP: the credential is not known yet
    expect(await statuses(app, 3, me)).toEqual([200, 200, 200]);
    const refused = await app.inject(me);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(BURST_WINDOW_MS / 1000);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(30);
    expect((await app.inject({ ...me, headers: bearer(alice) })).statusCode).toBe(200);
  });

  test('anonymous calls are limited per IP: one address past the limit gets 429, another still 200; bad tokens count too', async () => {
    const app = await limitsApp({ ipBurst: 3 });
    const health = (ip: string) => ({ method: 'GET' as const, url: '/api/v1/healthz', remoteAddress: ip });
    expect(await statuses(app, 4, health('10.0.0.1'))).toEqual([200, 200, 200, 429]);
    const refused = await app.inject(health('10.0.0.1'));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(await statuses(app, 3, health('10.0.0.2'))).toEqual([200, 200, 200]);

    const badToken = { method: 'GET' as const, url: '/api/v1/cases', headers: { authorization: 'Bearer not-a-token' }, remoteAddress: '10.0.0.3' };
    expect(await statuses(app, 4, badToken)).toEqual([401, 401, 401, 429]);
    // A signed-in user behind that address is keyed by the user once known.
    const known = { method: 'GET' as const, url: '/api/v1/cases?limit=1', headers: bearer(alice), remoteAddress: '10.0.0.4' };
    expect((await app.inject(known)).statusCode).toBe(200);
    expect((await app.inject({ ...known, remoteAddress: '10.0.0.3' })).statusCode).toBe(200);
  });

  test('a 429 is held for the refusal delay (a script that ignores Retry-After slows down); a 200 is not', async () => {
    const app = await limitsApp({ ipBurst: 1, refusalDelayMs: 300 });
    const health = { method: 'GET' as const, url: '/api/v1/healthz', remoteAddress: '10.2.0.1' };
    let began = Date.now();
    expect((await app.inject(health)).statusCode).toBe(200);
    expect(Date.now() - began).toBeLessThan(300);
    began = Date.now();
    expect((await app.inject(health)).statusCode).toBe(429);
    expect(Date.now() - began).toBeGreaterThanOrEqual(295);
  });

  test('X-Forwarded-For names the client only with TRUST_PROXY', async () => {
    const health = (forwarded: string) => ({
      method: 'GET' as const,
      url: '/api/v1/healthz',
      remoteAddress: '10.9.0.1',
      headers: { 'x-forwarded-for': forwarded },
    });
    const untrusted = await limitsApp({ ipBurst: 2 });
    expect([...(await statuses(untrusted, 2, health('192.0.2.1'))), ...(await statuses(untrusted, 1, health('192.0.2.2')))]).toEqual([200, 200, 429]);
    const trusted = await limitsApp({ ipBurst: 2 }, { trustProxy: loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY });
    expect([...(await statuses(trusted, 2, health('192.0.2.1'))), ...(await statuses(trusted, 2, health('192.0.2.2')))]).toEqual([200, 200, 200, 200]);
    expect((await trusted.inject(health('192.0.2.1'))).statusCode).toBe(429);
  });

  test('rate limits off (0): no limit and no rate-limit headers', async () => {
    const app = await limitsApp({ perUserPerSecond: 0, perIpPerSecond: 0, userBurst: 1, ipBurst: 1 });
    const response = await app.inject({ method: 'GET', url: '/api/v1/healthz' });
    expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    expect(await statuses(app, 5, { method: 'GET', url: '/api/v1/healthz' })).toEqual([200, 200, 200, 200, 200]);
  });

  test('the login route keeps its own per-IP limit beside the API one', async () => {
    const app = await h.appWith({
      rateLimits: { perUserPerSecond: 100, userBurst: 1000, perIpPerSecond: 100, ipBurst: 1000, refusalDelayMs: 0 },
      auth: testAuthSettings({ loginLimitPerIp: 2 }),
    });
    const login = {
      method: 'POST' as const,
      url: '/api/v1/auth/login',
      payload: { username: 'nobody', password: 'Wrong-password-1' },
      remoteAddress: '10.1.0.1',
    };
    expect(await statuses(app, 3, login)).toEqual([401, 401, 429]);
  });
});

describe('page sizes', () => {
  test('every list parameter named limit has a maximum in the OpenAPI document', async () => {
    const app = await h.app();
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema: { maximum?: number } }[] }>>;
    };
    const limits = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, op]) =>
        (op.parameters ?? []).filter((p) => p.in === 'query' && p.name === 'limit').map((p) => ({ route: `${method} ${path}`, max: p.schema.maximum })),
      ),
    );
    expect(limits.length).toBeGreaterThanOrEqual(8);
    for (const { route, max } of limits) {
      expect(max, route).toBeDefined();
      expect(max!, route).toBeLessThanOrEqual(2000);
    }
  });

  test('a page larger than the cap is refused naming query.limit', async () => {
    const app = await h.app();
    const response = await app.inject({ method: 'GET', url: '/api/v1/cases?limit=201', headers: bearer(alice) });
    expect(response.statusCode).toBe(400);
    expect(response.json().details.issues[0].field).toBe('query.limit');
  });
});

describe('security headers', () => {
  test('API answers, /docs and its assets carry helmet headers and the content security policy', async () => {
    const app = await h.app();
    for (const url of ['/api/v1/healthz', '/docs', '/docs/static/swagger-initializer.js', '/openapi.json']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      const csp = String(response.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).not.toContain('upgrade-insecure-requests');
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(response.headers['strict-transport-security'], url).toBeDefined();
      expect(response.headers['referrer-policy'], url).toBe('no-referrer');
      expect(response.headers['cross-origin-opener-policy'], url).toBe('same-origin');
    }
  });
});

describe('statement_timeout', () => {
  test("a query past the API pool's statement_timeout answers 503 with Retry-After, not 500; the next one succeeds", async () => {
    timedDb = createDb(h.databaseUrl, { max: 2, statementTimeoutMs: 300 });
    const app = await h.appWith({ db: timedDb.db });
    const list = { method: 'GET' as const, url: '/api/v1/cases?limit=5', headers: bearer(alice) };
    expect((await app.inject(list)).statusCode).toBe(200);
    const [setting] = await timedDb.sql<{ statement_timeout: string }[]>`show statement_timeout`;
    expect(setting!.statement_timeout).toBe('300ms');
    // A real slow query: another connection holds the cases table, so the list waits past 300 ms.
    const began = Date.now();
    const response = await h.db.sql.begin(async (tx) => {
      await tx`lock table rectification_cases in access exclusive mode`;
      return app.inject(list);
    });
    expect(response.statusCode).toBe(503);
    expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    expect(response.headers['retry-after']).toBeDefined();
    const body = response.json();
    expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(body.message).toContain('查询超时');
    expect(body.message).not.toMatch(/select|rectification_cases/i);
    expect((await app.inject(list)).statusCode).toBe(200);
    // The harness's own pool (the worker's, in production) has no timeout.
    const [own] = await h.db.sql<{ statement_timeout: string }[]>`show statement_timeout`;
    expect(own!.statement_timeout).toBe('0');
  });
});
