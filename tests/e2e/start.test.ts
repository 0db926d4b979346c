/**
 * `npm start` end to end: a real process with embedded Postgres and a Temporal dev server of its
 * own (fresh DATA_DIR, free ports), the demo seed, the API; then Ctrl-C (SIGINT) must stop it all
 * with exit code 0 and leave no server listening.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../temporal/binaries.js';
import { isListening } from '../../lib/ports.js';
import { freePort } from '../support/servers.js';
import { waitForExit, waitForOutput } from '../support/child-process.js';

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 45_000;

describe('npm start (scripts/start.ts)', () => {
  const dataDir = path.join(PROJECT_ROOT, '.data', `e2e-start-${process.pid}`);
  let child: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    // Only if an assertion failed half-way: stop it the polite way, then the whole process group.
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const exited = await waitForExit(child, 30_000).catch(() => null);
      if (!exited && child.pid) process.kill(-child.pid, 'SIGKILL');
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it(
    'starts everything, serves the demo, and stops cleanly on SIGINT',
    async () => {
      await fs.rm(dataDir, { recursive: true, force: true });
      await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
      const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), pg: await freePort() };

      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATA_DIR: dataDir,
        API_HOST: '127.0.0.1',
        API_PORT: String(ports.api),
        DEV_SERVER_PORT: String(ports.temporal),
        DEV_SERVER_UI_PORT: String(ports.ui),
        EMBEDDED_PG_PORT: String(ports.pg),
        LOG_LEVEL: 'warn',
      };
      // The one-command path: embedded Postgres and a dev server, whatever the test run itself uses.
      delete env.DATABASE_URL;
      delete env.TEMPORAL_ADDRESS;

      const began = Date.now();
      // Its own process group, so that a failed test can still remove every process it started.
      child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'start.ts')], {
        cwd: PROJECT_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

      await waitForOutput(
        child,
        () => output.includes('Ctrl-C stops'),
        READY_TIMEOUT_MS,
        () => output,
      );
      const readySeconds = (Date.now() - began) / 1000;
      expect(output).toMatch(/ready in \d+(\.\d+)? s/);

      const base = `http://127.0.0.1:${ports.api}`;
      const ready = await fetch(`${base}/api/v1/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { postgres: true, temporal: true } });

      const tokens = JSON.parse(await fs.readFile(path.join(dataDir, 'demo-tokens.json'), 'utf8')) as {
        complete: boolean;
        users: Array<{ key: string; token: string; username: string; password: string }>;
      };
      expect(tokens.complete).toBe(true);
      const org = tokens.users.find((u) => u.key === 'org_county')!;
      expect(output).toContain(org.token);
      // Every demo user signs in with the username and password the banner shows (at the real hash cost).
      for (const u of tokens.users) expect(output).toContain(`${u.username} / ${u.password}`);
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: org.username, password: org.password }),
      });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      expect(((await login.json()) as { passwordChange: string | null }).passwordChange).toBeNull();
      expect((await fetch(`${base}/api/v1/cases?limit=1`, { headers: { cookie } })).status).toBe(200);
      // The console is served at / (built by npm start when web/ changed).
      const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app">');
      expect(output).toContain(`${base}/`);

      const response = await fetch(`${base}/api/v1/cases?limit=50`, { headers: { authorization: `Bearer ${org.token}` } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { total: number; items: Array<{ state: string }> };
      expect(body.total).toBe(7);
      expect(new Set(body.items.map((c) => c.state))).toEqual(new Set(['planning', 'rectifying', 'acceptance_pending', 'follow_up', 'cancelled']));
      // Mentorships and reserves too: three pairs plus the one proposed for the reserve placed as a new secretary.
      const get = async (url: string) => (await fetch(`${base}/api/v1/${url}`, { headers: { authorization: `Bearer ${org.token}` } })).json();
      const mentorships = (await get('mentorships')) as { total: number; items: Array<{ state: string; sourceReserveCandidateId: string | null }> };
      expect(mentorships.total).toBe(4);
      expect(new Set(mentorships.items.map((m) => m.state))).toEqual(new Set(['proposed', 'active', 'mentor_vacant']));
      expect(mentorships.items.filter((m) => m.sourceReserveCandidateId)).toHaveLength(1);
      const reserves = (await get('reserves')) as { total: number; items: Array<{ state: string; ageWarning: boolean }> };
      expect(reserves.total).toBe(7);
      expect(reserves.items.map((r) => r.state)).toEqual(expect.arrayContaining(['nominated', 'qualification_review', 'in_training', 'placed']));
      expect(reserves.items.some((r) => r.ageWarning)).toBe(true);
      const coverage = (await get('reserve-coverage?belowTarget=true&limit=1')) as { totals: { openAlerts: number } };
      expect(coverage.totals.openAlerts).toBeGreaterThan(0);

      const stopBegan = Date.now();
      child.kill('SIGINT');
      const exit = await waitForExit(child, STOP_TIMEOUT_MS);
      expect(exit, output.slice(-3000)).toEqual({ code: 0, signal: null });
      expect(output).toContain('Rectify 已停止 stopped');
      // Every server it started is gone.
      for (const port of [ports.api, ports.temporal, ports.ui, ports.pg]) expect(await isListening('127.0.0.1', port)).toBe(false);
      console.info(`npm start: ready in ${readySeconds.toFixed(1)} s, stopped in ${((Date.now() - stopBegan) / 1000).toFixed(1)} s`);
    },
    READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 30_000,
  );
});
