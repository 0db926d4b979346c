/**
 * Sign-in through the HTTP API on real Postgres (issue 10): sessions by cookie with CSRF and
 * Origin checks, idle and absolute expiry and lockout on an injected clock, login limits, the
 * password policy and forced changes, account management across jurisdictions, the login log, and
 * that no secret reaches a log line.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { REDACTED_PATHS } from '../../lib/logger.js';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, TEST_PASSWORD_HASH, testAuthSettings, type Harness, type TestUser } from '../support/harness.js';
import { createAuthService } from '../../services/auth.js';
import { createPasswordHasher } from '../../lib/password-hash.js';
import { verifyChain } from '../../db/queries/audit-chain.js';
import { insertLoginEvents } from '../../db/queries/sessions.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let org: TestUser;
let otherCountyOrg: TestUser;
let prefectureOrg: TestUser;
let township: TestUser;
let neighbourTownship: TestUser;

/** The test clock: sessions, locks and password ages run on it, never on today. */
let clock = new Date('2031-03-03T02:00:00Z');
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
const MINUTE = 60_000;
let clocked: FastifyInstance;

const STRONG = 'Rectify-2031-ok';
let counter = 0;
const uniqueName = (stem: string) => `${stem}${++counter}`;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  clocked = await h.appWith({ now: () => clock });
  org = await h.addUser('org_dept', '522731', 'county org');
  otherCountyOrg = await h.addUser('org_dept', '522727', 'other county org');
  prefectureOrg = await h.addUser('org_dept', '5227', 'prefecture org');
  township = await h.addUser('township_office', '522731001', 'township one');
  neighbourTownship = await h.addUser('township_office', '522731002', 'township two');
}, 120_000);

afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

const bearer = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });

async function call(target: FastifyInstance, options: InjectOptions) {
  const response = await target.inject(options);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads the answers field by field
  return { status: response.statusCode, body: response.body ? (JSON.parse(response.body) as any) : null, response };
}

function sessionCookie(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'rectify_session');
  if (!cookie) throw new Error(`no session cookie in ${response.statusCode} ${response.body}`);
  return cookie.value;
}

interface Browser {
  cookie: string;
  csrf: string;
  /** A request as the console makes it: the cookie, and the CSRF token on changes. */
  send(options: InjectOptions & { csrf?: string | null }): ReturnType<typeof call>;
}

async function login(target: FastifyInstance, username: string, password: string): Promise<Browser> {
  const answer = await call(target, { method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const cookie = sessionCookie(answer.response);
  const csrf = answer.body.csrfToken as string;
  return {
    cookie,
    csrf,
    send: ({ csrf: override, headers, ...options }) =>
      call(target, {
        ...options,
        headers: { ...headers, cookie: `rectify_session=${cookie}`, ...(override === null ? {} : { 'x-csrf-token': override ?? csrf }) },
      }),
  };
}

/** A new account made by the org dept through the API, signed in once and given STRONG as its password. */
async function account(role: 'sponsor' | 'township_office' | 'org_dept', jurisdictionCode: string, manager: TestUser = org, target = app) {
  const username = uniqueName(`${role.replace('_', '')}.`);
  const created = await call(target, {
    method: 'POST',
    url: '/api/v1/accounts',
    headers: bearer(manager),
    payload: { username, name: username, role, jurisdictionCode },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const first = await login(target, username, created.body.oneTimePassword);
  const changed = await first.send({
    method: 'POST',
    url: '/api/v1/auth/password',
    payload: { currentPassword: created.body.oneTimePassword, newPassword: STRONG },
  });
  expect(changed.status, JSON.stringify(changed.body)).toBe(204);
  return { id: created.body.account.id as string, username, oneTimePassword: created.body.oneTimePassword as string, browser: first };
}

async function eventsOf(userId: string) {
  const rows = await h.db.sql<{ outcome: string; reason: string | null; actor_user_id: string | null }[]>`
    select outcome, reason, actor_user_id from login_events where user_id = ${userId} order by id`;
  return rows.map((r) => r.outcome);
}

describe('signing in and using a session', () => {
  test('login sets an httpOnly SameSite=Strict cookie; the session reads itself and works on every route', async () => {
    const { username, id } = await account('township_office', '522731001');
    const answer = await call(app, { method: 'POST', url: '/api/v1/auth/login', payload: { username: username.toUpperCase(), password: STRONG } });
    expect(answer.status).toBe(200);
    const cookie = answer.response.cookies.find((c) => c.name === 'rectify_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.secure).toBeFalsy(); // plain HTTP here; `auto` sets Secure behind HTTPS
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.body).toMatchObject({ user: { id, username, role: 'township_office' }, passwordChange: null, csrfToken: expect.any(String) });
    // Only the sha256 of the cookie is stored.
    const [stored] = await h.db.sql<{ token_hash: string }[]>`select token_hash from sessions where id = ${answer.body.session.id}`;
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored!.token_hash).not.toContain(cookie.value);

    const headers = { cookie: `rectify_session=${cookie.value}` };
    const me = await call(app, { method: 'GET', url: '/api/v1/auth/session', headers });
    expect(me.body).toMatchObject({ user: { id }, session: { id: answer.body.session.id }, csrfToken: answer.body.csrfToken });
    // The office the user speaks for (the console's header and watermark), named after the jurisdiction.
    const [division] = await h.db.sql<{ name: string }[]>`select name from divisions where code = '522731001000'`;
    const office = { jurisdictionName: division!.name, officeName: `${division!.name}${division!.name.endsWith('街道') ? '党工委' : '党委'}` };
    expect(answer.body.user).toMatchObject(office);
    expect(me.body.user).toMatchObject(office);
    expect((await call(app, { method: 'GET', url: '/api/v1/cases', headers })).status).toBe(200);
    expect((await call(app, { method: 'GET', url: '/api/v1/inbox', headers })).status).toBe(200);
  });

  test('a bearer client’s session names its office too: the county org dept is 某某县委组织部', async () => {
    const [county] = await h.db.sql<{ name: string }[]>`select name from divisions where code = '522731000000'`;
    const me = await call(app, { method: 'GET', url: '/api/v1/auth/session', headers: bearer(org) });
    expect(me.body.user).toMatchObject({ jurisdictionName: county!.name, officeName: `${county!.name}委组织部` });
  });

  test('a change by cookie needs the session’s CSRF token and our Origin; bearer requests are exempt', async () => {
    const { browser } = await account('township_office', '522731001');
    const logout = { method: 'POST' as const, url: '/api/v1/auth/password', payload: { currentPassword: STRONG, newPassword: 'Another-2031-pw' } };
    const missing = await browser.send({ ...logout, csrf: null });
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({ statusCode: 403, error: 'Forbidden', message: expect.stringContaining('CSRF'), requestId: expect.any(String) });
    expect((await browser.send({ ...logout, csrf: 'x'.repeat(43) })).status).toBe(403);
    const foreign = await browser.send({ ...logout, headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.message).toContain('Origin');
    // The same change with our own Origin and the token goes through.
    expect((await browser.send({ ...logout, headers: { origin: 'http://localhost:80', host: 'localhost:80' } })).status).toBe(204);
    // Reads need no CSRF token.
    expect((await browser.send({ method: 'GET', url: '/api/v1/auth/session', csrf: null })).status).toBe(200);
    // A bearer client never sends one.
    expect((await call(app, { method: 'POST', url: '/api/v1/auth/logout', headers: bearer(org) })).status).toBe(204);
  });

  test('logout ends the session: its cookie, replayed, is refused', async () => {
    const { browser, id } = await account('sponsor', '522731');
    expect((await browser.send({ method: 'POST', url: '/api/v1/auth/logout' })).status).toBe(204);
    const replay = await browser.send({ method: 'GET', url: '/api/v1/cases' });
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(await eventsOf(id)).toContain('logout');
  });

  test('a forged cookie, an empty one and a garbage one are 401, in the error shape', async () => {
    for (const value of ['A'.repeat(43), '', '%00%ff', 'x'.repeat(5000)]) {
      const answer = await call(app, { method: 'GET', url: '/api/v1/cases', headers: { cookie: `rectify_session=${value}` } });
      expect(answer.status, value.slice(0, 10)).toBe(401);
      expect(answer.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', requestId: expect.any(String) });
    }
  });
});

describe('expiry and lockout on the injected clock', () => {
  test('30 idle minutes end a session (idle_timeout); activity keeps it alive until 8 hours (expired)', async () => {
    const { username, id } = await account('township_office', '522731001', org, clocked);
    const idle = await login(clocked, username, STRONG);
    advance(29 * MINUTE);
    expect((await idle.send({ method: 'GET', url: '/api/v1/cases' })).status).toBe(200);
    advance(29 * MINUTE); // 29 minutes since the last request: still open
    expect((await idle.send({ method: 'GET', url: '/api/v1/cases' })).status).toBe(200);
    advance(30 * MINUTE);
    expect((await idle.send({ method: 'GET', url: '/api/v1/cases' })).status).toBe(401);

    const busy = await login(clocked, username, STRONG);
    for (let minutes = 0; minutes < 8 * 60 - 20; minutes += 20) {
      advance(20 * MINUTE);
      expect((await busy.send({ method: 'GET', url: '/api/v1/auth/session' })).status, `after ${minutes + 20} min`).toBe(200);
    }
    advance(21 * MINUTE); // 8 h 1 min after login
    expect((await busy.send({ method: 'GET', url: '/api/v1/auth/session' })).status).toBe(401);
    const outcomes = await eventsOf(id);
    expect(outcomes).toContain('idle_timeout');
    expect(outcomes).toContain('expired');
  });

  test('five failures in a row lock for 10 minutes: 423 with the unlock time, without checking the password', async () => {
    const { username, id } = await account('sponsor', '522731', org, clocked);
    const attempt = (password: string) => call(clocked, { method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
    for (let i = 1; i <= 4; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
    const fifth = await attempt('wrong-5');
    expect(fifth.status).toBe(423);
    expect(fifth.body).toMatchObject({ statusCode: 423, error: 'Locked', details: { lockedUntil: new Date(clock.getTime() + 10 * MINUTE).toISOString() } });
    // Locked: the right password is not even checked.
    expect((await attempt(STRONG)).status).toBe(423);
    advance(9 * MINUTE);
    expect((await attempt(STRONG)).status).toBe(423);
    advance(1 * MINUTE + 1000);
    expect((await attempt(STRONG)).status).toBe(200);
    expect(await eventsOf(id)).toEqual(expect.arrayContaining(['login_failed', 'locked', 'login_ok']));
  });

  test('a username nobody holds answers exactly as a wrong password does, and locks the same way', async () => {
    const { username } = await account('sponsor', '522731', org, clocked);
    const wrong = await call(clocked, { method: 'POST', url: '/api/v1/auth/login', payload: { username, password: 'Wrong-pass-1' } });
    const unknown = await call(clocked, { method: 'POST', url: '/api/v1/auth/login', payload: { username: 'nobody.here', password: 'Wrong-pass-1' } });
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.body.message).toBe(wrong.body.message);
    for (let i = 0; i < 4; i++) await call(clocked, { method: 'POST', url: '/api/v1/auth/login', payload: { username: 'nobody.here', password: 'x' } });
    const locked = await call(clocked, { method: 'POST', url: '/api/v1/auth/login', payload: { username: 'nobody.here', password: 'x' } });
    expect(locked.status).toBe(423);
    advance(11 * MINUTE);
  });

  test('a password older than 90 days must be changed at the next login', async () => {
    const { username } = await account('township_office', '522731001', org, clocked);
    advance(91 * 24 * 60 * MINUTE);
    const answer = await call(clocked, { method: 'POST', url: '/api/v1/auth/login', payload: { username, password: STRONG } });
    expect(answer.status).toBe(200);
    expect(answer.body.passwordChange).toBe('expired');
    const cookie = sessionCookie(answer.response);
    const blocked = await call(clocked, { method: 'GET', url: '/api/v1/cases', headers: { cookie: `rectify_session=${cookie}` } });
    expect(blocked.status).toBe(403);
    expect(blocked.body.details).toMatchObject({ passwordChange: 'expired' });
  });
});

describe('the password policy', () => {
  test('the first login must change the one-time password; a weak, the username or a recent one is refused at the field', async () => {
    const username = uniqueName('policy.');
    const created = await call(app, {
      method: 'POST',
      url: '/api/v1/accounts',
      headers: bearer(org),
      payload: { username, name: '测试', role: 'sponsor', jurisdictionCode: '522731' },
    });
    expect(created.status).toBe(201);
    expect(created.response.headers['cache-control']).toBe('no-store');
    const otp = created.body.oneTimePassword as string;
    const browser = await login(app, username, otp);
    const me = await browser.send({ method: 'GET', url: '/api/v1/auth/session' });
    expect(me.body.passwordChange).toBe('first_login');
    expect((await browser.send({ method: 'GET', url: '/api/v1/cases' })).status).toBe(403);

    const change = (currentPassword: string, newPassword: string) =>
      browser.send({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword, newPassword } });
    const problems: Array<[string, string]> = [
      ['short', 'Ab1-x'],
      ['two classes', 'alllowercase123'],
      ['the username', `${username}-X1`],
      ['the one-time password itself', otp],
    ];
    for (const [label, candidate] of problems) {
      const refused = await change(otp, candidate);
      expect(refused.status, label).toBe(400);
      expect(refused.body.details.issues[0].field, label).toBe('body.newPassword');
    }
    const wrongCurrent = await change('Not-the-otp-1', STRONG);
    expect(wrongCurrent.status).toBe(400);
    expect(wrongCurrent.body.details.issues[0].field).toBe('body.currentPassword');

    expect((await change(otp, STRONG)).status).toBe(204);
    expect((await browser.send({ method: 'GET', url: '/api/v1/cases' })).status).toBe(200);
    // None of the last five: STRONG → P2 → P3 → P4 → P5, then STRONG again is refused (it is the fifth back).
    let current = STRONG;
    for (const next of ['Second-pass-2', 'Third-pass-3', 'Fourth-pass-4', 'Fifth-pass-5']) {
      expect((await change(current, next)).status, next).toBe(204);
      current = next;
    }
    const reuse = await change(current, STRONG);
    expect(reuse.status).toBe(400);
    expect(reuse.body.message).toContain('5');
    expect((await change(current, 'Sixth-pass-6')).status).toBe(204);
    expect((await change('Sixth-pass-6', STRONG)).status).toBe(204); // six back: allowed again
  });

  test('changing the password ends the user’s other sessions', async () => {
    const { username, browser: first } = await account('sponsor', '522731');
    const second = await login(app, username, STRONG);
    expect(
      (await second.send({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword: STRONG, newPassword: 'Brand-new-pw-9' } })).status,
    ).toBe(204);
    expect((await first.send({ method: 'GET', url: '/api/v1/cases' })).status).toBe(401);
    expect((await second.send({ method: 'GET', url: '/api/v1/cases' })).status).toBe(200);
  });
});

describe('bad input and abuse', () => {
  test('format errors name the field, answer 4xx in the error shape, and write nothing', async () => {
    const before = (await h.db.sql<{ n: number }[]>`select count(*)::int as n from login_events`)[0]!.n;
    const cases: Array<[string, InjectOptions, number, string | null]> = [
      ['missing password', { payload: { username: 'a.b.c' } }, 400, 'body.password'],
      ['missing username', { payload: { password: 'x' } }, 400, 'body.username'],
      ['10 KB password', { payload: { username: 'a.b.c', password: 'p'.repeat(10_240) } }, 400, 'body.password'],
      ['control characters', { payload: { username: 'adm\u0000in', password: 'x' } }, 400, 'body.username'],
      ['extra field', { payload: { username: 'a.b.c', password: 'x', remember: true } }, 400, 'body.remember'],
      ['number for a string', { payload: { username: 12345, password: 'x' } }, 400, 'body.username'],
      ['form encoding', { payload: 'username=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, null],
      ['broken JSON', { payload: '{"username":', headers: { 'content-type': 'application/json' } }, 400, null],
    ];
    for (const [label, options, status, field] of cases) {
      const answer = await call(app, { method: 'POST', url: '/api/v1/auth/login', ...options });
      expect(answer.status, label).toBe(status);
      expect(answer.body, label).toMatchObject({ statusCode: status, requestId: expect.any(String) });
      if (field)
        expect(
          answer.body.details.issues.map((i: { field: string }) => i.field),
          label,
        ).toContain(field);
    }
    const after = (await h.db.sql<{ n: number }[]>`select count(*)::int as n from login_events`)[0]!.n;
    expect(after).toBe(before);
  });

  test('a login storm from one IP meets 429 (per IP and per username), in the error shape', async () => {
    const limited = await h.appWith({ auth: testAuthSettings({ loginLimitPerIp: 8, loginLimitPerUsername: 3 }) });
    const byName = [];
    for (let i = 0; i < 5; i++)
      byName.push(await call(limited, { method: 'POST', url: '/api/v1/auth/login', payload: { username: 'storm.target', password: `p${i}` } }));
    expect(byName.map((a) => a.status)).toEqual([401, 401, 401, 429, 429]);
    expect(byName[3]!.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(byName[3]!.response.headers['retry-after']).toBeDefined();
    const storm = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call(limited, { method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.9.9.9', payload: { username: `storm${i}`, password: 'x' } }),
      ),
    );
    expect(storm.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(4);
    // Another client is not affected, and the server still answers other requests.
    expect(
      (await call(limited, { method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.9.9.10', payload: { username: 'calm.user', password: 'x' } }))
        .status,
    ).toBe(401);
    expect((await call(limited, { method: 'GET', url: '/api/v1/cases', headers: bearer(org) })).status).toBe(200);
  });
});

describe('account management by the org dept', () => {
  test('the jurisdiction matrix: below is managed, beside and above are not found, offices manage nobody', async () => {
    const target = await account('township_office', '522731002');
    // A township office cannot reset its neighbour's password.
    expect((await call(app, { method: 'POST', url: `/api/v1/accounts/${target.id}/reset-password`, headers: bearer(township) })).status).toBe(403);
    expect((await call(app, { method: 'GET', url: '/api/v1/accounts', headers: bearer(neighbourTownship) })).status).toBe(403);
    // Another county's org dept does not see the user, not even by id.
    expect((await call(app, { method: 'GET', url: `/api/v1/accounts/${target.id}`, headers: bearer(otherCountyOrg) })).status).toBe(404);
    expect((await call(app, { method: 'POST', url: `/api/v1/accounts/${target.id}/reset-password`, headers: bearer(otherCountyOrg) })).status).toBe(404);
    const theirs = await call(app, { method: 'GET', url: '/api/v1/accounts?limit=200', headers: bearer(otherCountyOrg) });
    expect(theirs.body.items.map((a: { id: string }) => a.id)).not.toContain(target.id);
    // The county org dept and the prefecture above it do.
    expect((await call(app, { method: 'GET', url: `/api/v1/accounts/${target.id}`, headers: bearer(org) })).body.username).toBe(target.username);
    expect((await call(app, { method: 'GET', url: `/api/v1/accounts/${target.id}`, headers: bearer(prefectureOrg) })).status).toBe(200);
    // The county org dept is managed by the prefecture, not by itself or its county peer.
    expect((await call(app, { method: 'GET', url: `/api/v1/accounts/${org.id}`, headers: bearer(prefectureOrg) })).status).toBe(200);
    expect((await call(app, { method: 'GET', url: `/api/v1/accounts/${org.id}`, headers: bearer(org) })).status).toBe(404);
    expect((await call(app, { method: 'GET', url: `/api/v1/accounts/${prefectureOrg.id}`, headers: bearer(org) })).status).toBe(404);
    // Creating: an org dept of a lower level only; nothing outside the jurisdiction.
    const make = (manager: TestUser, role: string, jurisdictionCode: string) =>
      call(app, {
        method: 'POST',
        url: '/api/v1/accounts',
        headers: bearer(manager),
        payload: { username: uniqueName('made.'), name: 'x', role, jurisdictionCode },
      });
    expect((await make(org, 'org_dept', '522731')).body.details.issues[0].field).toBe('body.jurisdictionCode');
    expect((await make(org, 'sponsor', '522727')).status).toBe(400);
    expect((await make(org, 'township_office', '522731')).status).toBe(400); // a township office belongs to a township
    expect((await make(prefectureOrg, 'org_dept', '522731')).status).toBe(201);
    expect((await make(township, 'sponsor', '522731')).status).toBe(403);
    const taken = await call(app, {
      method: 'POST',
      url: '/api/v1/accounts',
      headers: bearer(org),
      payload: { username: target.username, name: 'x', role: 'sponsor', jurisdictionCode: '522731' },
    });
    expect(taken.status).toBe(400);
    expect(taken.body.details.issues[0].field).toBe('body.username');
  });

  test('reset, disable/enable, unlock, end sessions, token issue/revoke — each an audit event with who did it', async () => {
    const target = await account('township_office', '522731001');
    const other = await login(app, target.username, STRONG);

    const reset = await call(app, {
      method: 'POST',
      url: `/api/v1/accounts/${target.id}/reset-password`,
      headers: { ...bearer(org), 'idempotency-key': `reset-${target.id}` },
    });
    expect(reset.status).toBe(200);
    expect(reset.body.account.mustChangePassword).toBe(true);
    expect((await other.send({ method: 'GET', url: '/api/v1/cases' })).status).toBe(401); // sessions ended
    expect((await call(app, { method: 'POST', url: '/api/v1/auth/login', payload: { username: target.username, password: STRONG } })).status).toBe(401);
    const afterReset = await login(app, target.username, reset.body.oneTimePassword);
    expect((await afterReset.send({ method: 'GET', url: '/api/v1/auth/session' })).body.passwordChange).toBe('reset');
    // The one-time password is never stored for Idempotency-Key replay.
    const stored = await h.db.sql`select response from idempotency_keys where key = ${`reset-${target.id}`}`;
    expect(stored).toHaveLength(0);

    const disabled = await call(app, { method: 'POST', url: `/api/v1/accounts/${target.id}/disable`, headers: bearer(org) });
    expect(disabled.body.active).toBe(false);
    expect((await afterReset.send({ method: 'GET', url: '/api/v1/auth/session' })).status).toBe(401);
    expect(
      (await call(app, { method: 'POST', url: '/api/v1/auth/login', payload: { username: target.username, password: reset.body.oneTimePassword } })).status,
    ).toBe(401);
    expect((await call(app, { method: 'POST', url: `/api/v1/accounts/${target.id}/enable`, headers: bearer(org) })).body.active).toBe(true);

    for (let i = 0; i < 5; i++) await call(app, { method: 'POST', url: '/api/v1/auth/login', payload: { username: target.username, password: 'bad' } });
    expect((await call(app, { method: 'GET', url: `/api/v1/accounts/${target.id}`, headers: bearer(org) })).body.lockedUntil).not.toBeNull();
    expect((await call(app, { method: 'POST', url: `/api/v1/accounts/${target.id}/unlock`, headers: bearer(org) })).body.lockedUntil).toBeNull();
    const again = await login(app, target.username, reset.body.oneTimePassword);

    const online = await call(app, { method: 'GET', url: '/api/v1/sessions?limit=200', headers: bearer(org) });
    expect(online.body.items.map((s: { user: { id: string } }) => s.user.id)).toContain(target.id);
    expect(
      (await call(app, { method: 'GET', url: '/api/v1/sessions?limit=200', headers: bearer(otherCountyOrg) })).body.items.map(
        (s: { user: { id: string } }) => s.user.id,
      ),
    ).not.toContain(target.id);
    expect((await call(app, { method: 'GET', url: '/api/v1/sessions', headers: bearer(township) })).status).toBe(403); // 在线用户 is the org dept's
    expect((await call(app, { method: 'POST', url: `/api/v1/accounts/${target.id}/revoke-sessions`, headers: bearer(org) })).body).toEqual({ ended: 1 });
    expect((await again.send({ method: 'GET', url: '/api/v1/auth/session' })).status).toBe(401);

    const issued = await call(app, { method: 'POST', url: `/api/v1/accounts/${target.id}/token`, headers: bearer(org) });
    expect(issued.body.token).toMatch(/^rct_/);
    expect((await call(app, { method: 'GET', url: '/api/v1/cases', headers: { authorization: `Bearer ${issued.body.token}` } })).status).toBe(200);
    expect((await call(app, { method: 'POST', url: `/api/v1/accounts/${target.id}/token/revoke`, headers: bearer(org) })).body.hasToken).toBe(false);
    expect((await call(app, { method: 'GET', url: '/api/v1/cases', headers: { authorization: `Bearer ${issued.body.token}` } })).status).toBe(401);

    const audit = await h.db.sql<
      { action: string; actor_user_id: string | null }[]
    >`select action, actor_user_id from audit_events where entity_type = 'user' and entity_id = ${target.id} order by id`;
    expect(audit.map((a) => a.action)).toEqual([
      'created',
      'password_reset',
      'disabled',
      'enabled',
      'unlocked',
      'sessions_revoked',
      'token_issued',
      'token_revoked',
    ]);
    expect(new Set(audit.map((a) => a.actor_user_id))).toEqual(new Set([org.id]));
  });

  test('an org dept ends one session of its jurisdiction; a user ends their own; others are 404', async () => {
    const target = await account('sponsor', '522731');
    const mine = await call(app, { method: 'GET', url: '/api/v1/auth/sessions', headers: { cookie: `rectify_session=${target.browser.cookie}` } });
    const sessionId = mine.body.items[0].id as string;
    expect(mine.body.items[0].current).toBe(true);
    expect((await call(app, { method: 'POST', url: `/api/v1/auth/sessions/${sessionId}/end`, headers: bearer(otherCountyOrg) })).status).toBe(404);
    expect((await call(app, { method: 'POST', url: `/api/v1/auth/sessions/${sessionId}/end`, headers: bearer(township) })).status).toBe(404);
    expect((await call(app, { method: 'POST', url: `/api/v1/auth/sessions/${sessionId}/end`, headers: bearer(org) })).status).toBe(204);
    expect((await target.browser.send({ method: 'GET', url: '/api/v1/auth/session' })).status).toBe(401);
    const revoked = await h.db.sql<
      { actor_user_id: string }[]
    >`select actor_user_id from login_events where session_id = ${sessionId} and outcome = 'session_revoked'`;
    expect(revoked.map((r) => r.actor_user_id)).toEqual([org.id]);
  });
});

test('the people picker (GET /users) lists active users of the caller’s jurisdiction only', async () => {
  const sponsor = await h.addUser('sponsor', '522731', 'picker sponsor');
  const ids = async (who: TestUser, query = '') =>
    (await call(app, { method: 'GET', url: `/api/v1/users${query}`, headers: bearer(who) })).body.items as Array<{ id: string; role: string }>;
  const byOrg = await ids(org, '?role=sponsor');
  expect(byOrg.map((u) => u.id)).toContain(sponsor.id);
  expect(byOrg.every((u) => u.role === 'sponsor')).toBe(true);
  expect((await ids(otherCountyOrg)).map((u) => u.id)).not.toContain(sponsor.id);
  expect((await ids(org, '?division=522727')).length).toBe(0); // another county: nothing, not an error
  expect((await ids(sponsor)).map((u) => u.id)).toEqual([sponsor.id]);
  expect((await ids(township)).map((u) => u.id)).not.toContain(org.id); // a township office sees its township only
});

describe('the login log', () => {
  test('every outcome is recorded; a user reads their own, the org dept its jurisdiction’s', async () => {
    const target = await account('township_office', '522731001', org, clocked);
    await call(clocked, { method: 'POST', url: '/api/v1/auth/login', payload: { username: target.username, password: 'nope' } });
    const idle = await login(clocked, target.username, STRONG);
    advance(31 * MINUTE);
    await idle.send({ method: 'GET', url: '/api/v1/auth/session' });
    const expiring = await login(clocked, target.username, STRONG);
    for (let i = 0; i < 17; i++) {
      advance(29 * MINUTE);
      await expiring.send({ method: 'GET', url: '/api/v1/auth/session' });
    }
    const out = await login(clocked, target.username, STRONG);
    await out.send({ method: 'POST', url: '/api/v1/auth/logout' });
    await call(clocked, { method: 'POST', url: `/api/v1/accounts/${target.id}/reset-password`, headers: bearer(org) });
    for (let i = 0; i < 5; i++) await call(clocked, { method: 'POST', url: '/api/v1/auth/login', payload: { username: target.username, password: 'nope' } });
    await call(clocked, { method: 'POST', url: '/api/v1/auth/login', payload: { username: target.username, password: 'nope' } });
    const outcomes = new Set(await eventsOf(target.id));
    expect([...outcomes].sort()).toEqual([
      'expired',
      'idle_timeout',
      'locked',
      'login_failed',
      'login_ok',
      'logout',
      'password_changed',
      'password_reset',
      'session_revoked',
    ]);

    const own = await target.browser.send({ method: 'GET', url: '/api/v1/auth/events?limit=200' });
    expect(own.status).toBe(401); // that session was ended by the reset
    const byOrg = await call(clocked, { method: 'GET', url: `/api/v1/auth/events?userId=${target.id}&outcome=locked`, headers: bearer(org) });
    expect(byOrg.body.items.length).toBeGreaterThan(0);
    expect(byOrg.body.items.every((e: { outcome: string; userId: string }) => e.outcome === 'locked' && e.userId === target.id)).toBe(true);
    expect((await call(clocked, { method: 'GET', url: `/api/v1/auth/events?userId=${target.id}`, headers: bearer(otherCountyOrg) })).body.total).toBe(0);
    expect((await call(clocked, { method: 'GET', url: `/api/v1/auth/events?userId=${target.id}`, headers: bearer(township) })).status).toBe(404);
    const mine = await call(clocked, { method: 'GET', url: '/api/v1/auth/events', headers: bearer(township) });
    expect(mine.body.items.every((e: { userId: string }) => e.userId === township.id)).toBe(true);
    advance(11 * MINUTE);
  });

  test('retention deletes only events older than 180 days, through a recorded checkpoint the chain continues from', async () => {
    const { id, username } = await account('sponsor', '522731');
    // The service's clock 400 days after the latest event (the clocked tests write in 2031): every
    // earlier event is past retention, and the two planted ones (written through the chain, like
    // every login event, so after all others in chain order) sit on either side of the cutoff.
    const [latest] = await h.db.sql<{ ms: number | null }[]>`select (extract(epoch from max(at)) * 1000)::float8 as ms from login_events`;
    const now = Math.max(Date.now(), latest?.ms ?? 0) + 400 * 86_400_000;
    await insertLoginEvents(h.db.db, [
      { at: new Date(now - 181 * 86_400_000), username, userId: id, ip: null, userAgent: null, outcome: 'login_ok' },
      { at: new Date(now - 179 * 86_400_000), username, userId: id, ip: null, userAgent: null, outcome: 'login_ok' },
    ]);
    const auth = createAuthService({ db: h.db.db, hasher: createPasswordHasher(TEST_PASSWORD_HASH), settings: testAuthSettings(), now: () => new Date(now) });
    const pruned = await auth.pruneLoginRecords();
    expect(pruned.events).toBeGreaterThanOrEqual(1);
    const left = await h.db.sql<{ days: number }[]>`
      select round(extract(epoch from (${new Date(now).toISOString()}::timestamptz - at)) / 86400)::int as days
      from login_events where user_id = ${id} and at < ${new Date(now - 86_400_000).toISOString()}::timestamptz`;
    expect(left.map((r) => r.days)).toEqual([179]);
    const report = await verifyChain(h.db.db, 'login_events');
    expect(report.firstMismatch).toBeNull();
    expect(report.checkpoint?.rows).toBe(pruned.events);
  });
});

test('no password, hash, cookie, CSRF token, one-time password or bearer token reaches the log', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
  const logged = await h.appWith({ logger });
  const secrets: string[] = [STRONG];
  const target = await account('township_office', '522731001', org, logged);
  secrets.push(target.oneTimePassword, target.browser.cookie, target.browser.csrf);
  const browser = await login(logged, target.username, STRONG);
  secrets.push(browser.cookie, browser.csrf);
  await browser.send({ method: 'POST', url: '/api/v1/auth/password', payload: { currentPassword: STRONG, newPassword: 'Logged-pass-77' } });
  secrets.push('Logged-pass-77');
  await call(logged, { method: 'POST', url: '/api/v1/auth/login', payload: { username: target.username, password: 'Wrong-secret-88' } });
  secrets.push('Wrong-secret-88');
  const reset = await call(logged, { method: 'POST', url: `/api/v1/accounts/${target.id}/reset-password`, headers: bearer(org) });
  const token = await call(logged, { method: 'POST', url: `/api/v1/accounts/${target.id}/token`, headers: bearer(org) });
  secrets.push(reset.body.oneTimePassword, token.body.token, org.token);
  await call(logged, {
    method: 'GET',
    url: '/api/v1/cases',
    headers: { authorization: `Bearer ${token.body.token}`, cookie: `rectify_session=${browser.cookie}` },
  });
  const [hashes] = await h.db.sql<{ password_hash: string }[]>`select password_hash from users where id = ${target.id}`;
  secrets.push(hashes!.password_hash);

  const output = lines.join('');
  expect(output.length).toBeGreaterThan(1000); // the requests were logged, at trace level
  for (const secret of secrets) expect(output, `secret ${secret.slice(0, 6)}…`).not.toContain(secret);
  expect(output).not.toContain('scrypt$');
});
