/**
 * The console's build, redone only when its sources change (like the workflow bundle): a sha256
 * over web/ (without dist), domain/ (the console shows its labels), the lock file and the Node version, kept beside the output in
 * web/dist/.source-hash. The build runs in a child process, so it overlaps the servers' start.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../temporal/binaries.js';
import { CONSOLE_DIR } from '../api/plugins/console.js';

export { CONSOLE_DIR };
const WEB = path.join(PROJECT_ROOT, 'web');
const HASH_FILE = path.join(CONSOLE_DIR, '.source-hash');

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256').update(process.version);
  const files: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (full !== CONSOLE_DIR && entry.name !== 'node_modules') await walk(full);
      } else files.push(full);
    }
  };
  await walk(WEB);
  await walk(path.join(PROJECT_ROOT, 'domain'));
  files.push(path.join(PROJECT_ROOT, 'package-lock.json'));
  for (const file of files.sort())
    hash
      .update(path.relative(PROJECT_ROOT, file))
      .update('\0')
      .update(await fs.readFile(file))
      .update('\0');
  return hash.digest('hex');
}

/** Builds web/ into web/dist unless the build there is of these very sources. Returns whether it built. */
export async function ensureConsoleBuilt(log: (line: string) => void = () => {}): Promise<boolean> {
  const wanted = await sourceHash();
  const built = await fs.readFile(HASH_FILE, 'utf8').catch(() => '');
  if (built.trim() === wanted) return false;
  log('building the console (web/ changed since the last build)…');
  const vite = path.join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', path.join(WEB, 'vite.config.ts'), '--logLevel', 'warn'], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`the console build failed (vite exit code ${code}); run npm run web:build to see why`)),
    );
  });
  await fs.writeFile(HASH_FILE, wanted);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const built = await ensureConsoleBuilt((line) => process.stderr.write(`${line}\n`));
  process.stdout.write(built ? `console built in ${path.relative(process.cwd(), CONSOLE_DIR)}\n` : 'console up to date\n');
}
