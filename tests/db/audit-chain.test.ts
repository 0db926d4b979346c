/**
 * The tamper-evident logs (issue 15): audit_events and login_events are hash chains written by one
 * appender; the trigger refuses UPDATE, DELETE, TRUNCATE and unchained rows; an edit made behind
 * the trigger's back (as superuser, triggers off) is named by the verification and by
 * `npm run admin -- verify-audit`; rows from before the chain are chained on upgrade.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { waitForExit } from '../support/child-process.js';
import { appendAuditEvents, chainExistingRows, setAuditHashAlgorithm, verifyChain } from '../../db/queries/audit-chain.js';
import { insertLoginEvents } from '../../db/queries/sessions.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let org: TestUser;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  const app = await h.app();
  org = await h.addUser('org_dept', '522731', 'county org');
  const sponsor = await h.addUser('sponsor', '522731', 'sponsor');
  const [village] = await h.villageCodes('522731001');
  // A real case: its designation, then the workflow's projection, append audit rows.
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/cases',
    headers: { authorization: `Bearer ${org.token}` },
    payload: { villageCode: village, reasons: ['poor_service'], sponsorUserId: sponsor.id },
  });
  expect(res.statusCode).toBe(201);
  const caseId = (JSON.parse(res.body) as { id: string }).id;
  await eventually('the projection of the started case', async () => {
    const [row] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from audit_events where entity_type = 'case' and entity_id = ${caseId}`;
    return row!.n >= 2;
  });
  await insertLoginEvents(h.db.db, [
    {
      at: new Date(),
      username: 'someone',
      userId: null,
      ip: '10.0.0.1',
      userAgent: 'test \ud800 lone surrogate',
      outcome: 'login_failed',
      reason: 'unknown username',
    },
    { at: new Date(), username: 'sponsor', userId: sponsor.id, ip: '10.0.0.2', userAgent: null, outcome: 'login_ok' },
    { at: new Date(), username: 'sponsor', userId: sponsor.id, ip: '10.0.0.2', userAgent: null, outcome: 'logout' },
  ]);
}, 120_000);

afterAll(async () => {
  setAuditHashAlgorithm('sm3');
  await h?.close();
  await env?.teardown();
});

/** Runs statements with triggers off, as a superuser can: the edit the chain must reveal. */
async function behindTheTriggersBack(statements: (sql: Harness['db']['sql']) => Promise<unknown>): Promise<void> {
  const [role] = await h.db.sql<{ rolsuper: boolean; user: string }[]>`select rolsuper, current_user as user from pg_roles where rolname = current_user`;
  if (!role?.rolsuper)
    throw new Error(
      `the test database user ${role?.user} is not a superuser: run the tests as one (local Postgres as postgres, or the embedded one) to edit a row behind the trigger`,
    );
  await h.db.sql.begin(async (sql) => {
    await sql`set local session_replication_role = replica`;
    await statements(sql as unknown as Harness['db']['sql']);
  });
}

function databaseUrl(): string {
  const o = h.db.sql.options as unknown as { host: string[]; port: number[]; user: string; pass: string | null; database: string };
  const auth = o.pass ? `${encodeURIComponent(o.user)}:${encodeURIComponent(o.pass)}` : encodeURIComponent(o.user);
  return `postgres://${auth}@${o.host[0]}:${o.port[0]}/${o.database}`;
}

async function adminVerify(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npm', ['run', '--silent', 'admin', '--', 'verify-audit'], {
    env: { ...process.env, DATABASE_URL: databaseUrl() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += String(c)));
  child.stderr.on('data', (c) => (stderr += String(c)));
  const { code } = await waitForExit(child, 60_000);
  return { code, stdout, stderr };
}

describe('the chain', () => {
  test('every row links to the one before it and verifies, in both tables', async () => {
    for (const table of ['audit_events', 'login_events'] as const) {
      const report = await verifyChain(h.db.db, table);
      expect(report.firstMismatch, table).toBeNull();
      expect(report.rows).toBeGreaterThan(1);
      // The links, checked by Postgres itself rather than by the verifier.
      const [broken] = await h.db.sql<{ n: number }[]>`
        select count(*)::int as n from (select prev_hash, lag(hash) over (order by id) as before, row_number() over (order by id) as i from ${h.db.sql(table)}) x
        where (i = 1 and prev_hash <> repeat('0', 64)) or (i > 1 and prev_hash is distinct from before)`;
      expect(broken!.n, table).toBe(0);
    }
    const algs = await h.db.sql<{ hash_alg: string }[]>`select distinct hash_alg from audit_events`;
    expect(algs.map((r) => r.hash_alg)).toEqual(['sm3']);
  });

  test('a change of algorithm leaves the older rows verifiable', async () => {
    setAuditHashAlgorithm('sha256');
    try {
      await appendAuditEvents(h.db.db, [
        {
          dedupeKey: `test:sha256:${Date.now()}`,
          entityType: 'user',
          entityId: org.id,
          action: 'noted',
          actorLabel: 'test',
          at: new Date(),
          details: { when: new Date(), list: [1, 'a', null], nested: { b: 1, a: 2 } },
        },
      ]);
    } finally {
      setAuditHashAlgorithm('sm3');
    }
    await appendAuditEvents(h.db.db, [
      { dedupeKey: `test:sm3:${Date.now()}`, entityType: 'user', entityId: org.id, action: 'noted', actorLabel: 'test', at: new Date() },
    ]);
    const algs = await h.db.sql<{ hash_alg: string }[]>`select hash_alg from audit_events order by id desc limit 2`;
    expect(algs.map((r) => r.hash_alg)).toEqual(['sm3', 'sha256']);
    expect((await verifyChain(h.db.db, 'audit_events')).firstMismatch).toBeNull();
  });

  test('concurrent transactions append one total order (and what the lock costs)', async () => {
    const stamp = Date.now();
    const one = (i: number) =>
      appendAuditEvents(h.db.db, [
        {
          dedupeKey: `test:concurrent:${stamp}:${i}`,
          entityType: 'user',
          entityId: org.id,
          action: 'noted',
          actorLabel: 'test',
          at: new Date(),
          details: { i },
        },
      ]);
    const n = 400;
    let started = performance.now();
    for (let i = 0; i < n; i++) await one(i);
    const serial = n / ((performance.now() - started) / 1000);
    started = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => one(n + i)));
    const parallel = n / ((performance.now() - started) / 1000);
    // For scale: the same transactions inserting into an unchained table.
    await h.db.sql`create table if not exists plain_bench (id bigserial primary key, details jsonb, at timestamptz)`;
    const plain = (i: number) =>
      h.db.db.transaction((tx) => tx.execute(sql`insert into plain_bench (details, at) values (${JSON.stringify({ i })}::jsonb, now())`));
    started = performance.now();
    for (let i = 0; i < n; i++) await plain(i);
    const plainSerial = n / ((performance.now() - started) / 1000);
    started = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => plain(i)));
    const plainParallel = n / ((performance.now() - started) / 1000);
    console.log(
      `audit appends: ${serial.toFixed(0)}/s one at a time, ${parallel.toFixed(0)}/s from ${n} concurrent transactions on a pool of 10; ` +
        `unchained inserts: ${plainSerial.toFixed(0)}/s and ${plainParallel.toFixed(0)}/s`,
    );
    const [count] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from audit_events where dedupe_key like ${`test:concurrent:${stamp}:%`}`;
    expect(count!.n).toBe(2 * n);
    expect((await verifyChain(h.db.db, 'audit_events')).firstMismatch).toBeNull();
  });

  test('a retried append with the same dedupe key records nothing twice and keeps the chain', async () => {
    const event = { dedupeKey: `test:retry:${Date.now()}`, entityType: 'user', entityId: org.id, action: 'noted', actorLabel: 'test', at: new Date() };
    expect(await appendAuditEvents(h.db.db, [event, event], { ignoreDuplicates: true })).toHaveLength(1);
    expect(await appendAuditEvents(h.db.db, [event], { ignoreDuplicates: true })).toHaveLength(0);
    await expect(appendAuditEvents(h.db.db, [event])).rejects.toThrow();
    expect((await verifyChain(h.db.db, 'audit_events')).firstMismatch).toBeNull();
  });
});

describe('the trigger', () => {
  test('refuses UPDATE, DELETE, TRUNCATE and unchained rows on both tables', async () => {
    for (const table of ['audit_events', 'login_events'] as const) {
      const t = h.db.sql(table);
      const [row] = await h.db.sql<{ id: string }[]>`select id from ${t} order by id limit 1`;
      await expect(h.db.sql`update ${t} set at = at + interval '1 second' where id = ${row!.id}`).rejects.toThrow(/append-only: UPDATE/);
      await expect(h.db.sql`update ${t} set hash = repeat('f', 64) where id = ${row!.id}`).rejects.toThrow(/append-only: UPDATE/);
      await expect(h.db.sql`delete from ${t} where id = ${row!.id}`).rejects.toThrow(/append-only: DELETE/);
      await expect(h.db.sql`truncate ${t}`).rejects.toThrow(/append-only: TRUNCATE/);
    }
    await expect(
      h.db.sql`insert into audit_events (dedupe_key, entity_type, entity_id, action, actor_label, at) values ('raw', 'user', 'x', 'raw', 'raw', now())`,
    ).rejects.toThrow(/hash-chained/);
    await expect(h.db.sql`insert into login_events (at, username, outcome) values (now(), 'raw', 'login_ok')`).rejects.toThrow(/hash-chained/);
    expect((await verifyChain(h.db.db, 'audit_events')).firstMismatch).toBeNull();
  });
});

describe('behind the trigger', () => {
  test('a superuser edit of an audit row is named by the check and by npm run admin -- verify-audit; undoing it verifies again', async () => {
    const [victim] = await h.db.sql<{ id: string; details: unknown }[]>`
      select id, details from audit_events where entity_type = 'case' and action = 'designated' limit 1`;
    const id = Number(victim!.id);
    await behindTheTriggersBack((sql) => sql`update audit_events set details = jsonb_set(details, '{note}', '"edited afterwards"') where id = ${id}`);
    const report = await verifyChain(h.db.db, 'audit_events');
    expect(report.firstMismatch).toEqual({ id, problem: expect.stringMatching(/content does not match/) });

    const cli = await adminVerify();
    expect(cli.code, cli.stderr).toBe(1);
    expect(cli.stdout).toContain(`audit_events: MISMATCH at row ${id}`);
    expect(cli.stderr).toContain(`audit_events row ${id}`);

    await behindTheTriggersBack((sql) => sql`update audit_events set details = ${JSON.stringify(victim!.details)}::jsonb where id = ${id}`);
    expect((await verifyChain(h.db.db, 'audit_events')).firstMismatch).toBeNull();
    const again = await adminVerify();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/audit_events: ok/);
    expect(again.stdout).toMatch(/login_events: ok/);
  }, 120_000);

  test('a login row removed behind the trigger is named by the row after it', async () => {
    const rows = await h.db.sql<{ id: string }[]>`select id from login_events order by id`;
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const removed = Number(rows[1]!.id);
    const next = Number(rows[2]!.id);
    await behindTheTriggersBack((sql) => sql`delete from login_events where id = ${removed}`);
    const report = await verifyChain(h.db.db, 'login_events');
    expect(report.firstMismatch).toEqual({ id: next, problem: expect.stringMatching(/row before it was removed/) });
  });

  test('rows written before the chain existed are chained on upgrade, and then verify', async () => {
    // An upgraded database: every audit row as migration 0012 finds it, without hashes.
    await behindTheTriggersBack((sql) => sql`update audit_events set hash = null, prev_hash = null, hash_alg = null`);
    expect((await verifyChain(h.db.db, 'audit_events')).firstMismatch?.problem).toMatch(/not chained/);
    const chained = await chainExistingRows(h.db.db);
    expect(chained.audit_events).toBeGreaterThan(400);
    expect((await verifyChain(h.db.db, 'audit_events')).firstMismatch).toBeNull();
  });
});
