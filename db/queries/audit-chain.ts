/**
 * The two logs (audit_events, login_events) as hash chains. Every row carries
 * H(prev_hash ‖ canonical content) and the previous row's hash, computed here and written in the
 * caller's transaction: the one appender every write goes through. A transaction-scoped advisory
 * lock per table around "read the head, insert" gives each chain a total order, at the price that
 * transactions appending to the same log commit one after another (from their append on), so
 * callers append last, just before they commit.
 *
 * Retention deletes only a prefix, below an "audit_chain pruned" checkpoint row that records the
 * last pruned row's hash; it is itself a chained audit_events row, and the trigger of migration
 * 0012 refuses any other DELETE (and every UPDATE). Verification starts from the latest checkpoint.
 */
import { createHash } from 'node:crypto';
import { and, asc, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../client.js';
import { auditEvents, loginEvents } from '../schema/index.js';
import type { LoginOutcome } from '../../domain/accounts.js';
import type { Tx } from './deadline-projection.js';

export const HASH_ALGORITHMS = ['sm3', 'sha256'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];
export const CHAIN_TABLES = ['audit_events', 'login_events'] as const;
export type ChainTable = (typeof CHAIN_TABLES)[number];

/** The hash before the first row (both algorithms give 256 bits). */
export const GENESIS = '0'.repeat(64);

let algorithm: HashAlgorithm = 'sm3';
/** AUDIT_HASH_ALGORITHM, set once at boot by each process that writes (API, worker, CLI). */
export function setAuditHashAlgorithm(value: HashAlgorithm): void {
  algorithm = value;
}

type DbOrTx = Db | Tx;

export interface AuditEventInput {
  /** Unique per change, so a retried projection records it once. */
  dedupeKey: string;
  entityType: string;
  entityId: string;
  action: string;
  actorUserId?: string | null;
  /** "system" for timers, or the user's name at the time. */
  actorLabel: string;
  at: Date;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  details?: Record<string, unknown> | null;
}

export interface LoginEventRow {
  at: Date;
  username: string;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  outcome: LoginOutcome;
  reason: string | null;
  actorUserId: string | null;
}

// --- Canonical content ------------------------------------------------------------------------

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** What UTF-8 storage makes of a string (a lone surrogate becomes U+FFFD), so a read-back row hashes the same. */
const stored = (s: string) => s.replace(LONE_SURROGATE, '\uFFFD');

/** JSON with sorted keys and ISO instants: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'string') return JSON.stringify(stored(value));
  if (typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [stored(k), v] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`cannot hash a ${typeof value}`);
}

/** A jsonb value as Postgres gives it back (toJSON applied, undefined dropped). */
const asJsonb = (v: Record<string, unknown> | null | undefined) => (v == null ? null : (JSON.parse(JSON.stringify(v)) as Record<string, unknown>));
const uuidText = (v: string | null | undefined) => (v == null ? null : v.toLowerCase());

type AuditRow = {
  id: number;
  dedupeKey: string;
  entityType: string;
  entityId: string;
  action: string;
  actorUserId: string | null;
  actorLabel: string;
  at: Date;
  before: unknown;
  after: unknown;
  details: unknown;
};
type LoginRow = LoginEventRow & { id: number };

function auditContent(r: AuditRow): string {
  return canonicalJson({
    table: 'audit_events',
    id: r.id,
    dedupeKey: r.dedupeKey,
    entityType: r.entityType,
    entityId: r.entityId,
    action: r.action,
    actorUserId: uuidText(r.actorUserId),
    actorLabel: r.actorLabel,
    at: r.at,
    before: r.before ?? null,
    after: r.after ?? null,
    details: r.details ?? null,
  });
}

function loginContent(r: LoginRow): string {
  return canonicalJson({
    table: 'login_events',
    id: r.id,
    at: r.at,
    username: r.username,
    userId: uuidText(r.userId),
    sessionId: uuidText(r.sessionId),
    ip: r.ip,
    userAgent: r.userAgent,
    outcome: r.outcome,
    reason: r.reason,
    actorUserId: uuidText(r.actorUserId),
  });
}

export function chainHash(alg: HashAlgorithm, prevHash: string, content: string): string {
  return createHash(alg).update(`${prevHash}\n${content}`, 'utf8').digest('hex');
}

// --- Appending --------------------------------------------------------------------------------

async function inTransaction<T>(db: DbOrTx, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db instanceof PgTransaction ? work(db as Tx) : (db as Db).transaction(work);
}

const tableSql = (table: ChainTable) => (table === 'audit_events' ? sql`audit_events` : sql`login_events`);

/**
 * Takes the table's chain lock (held to commit) and answers its head hash and `n` fresh ids in
 * order. Rows written before the chain existed are chained first (a no-op once the migrator has).
 */
async function lockHead(tx: Tx, table: ChainTable, n: number): Promise<{ head: string; ids: number[] }> {
  // Its own statement: under READ COMMITTED the next one's snapshot then sees every earlier append.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`rectify:chain:${table}`}))`);
  const read = () =>
    tx.execute<{ head: string | null; unchained: boolean | null }>(sql`
      select hash as head, hash is null as unchained from ${tableSql(table)} order by id desc limit 1`);
  let [last] = await read();
  // Rows older than the chain are all below the first chained one: an unchained head means an upgraded database the migrator has not chained yet.
  if (last?.unchained) {
    await chainUnchained(tx, table);
    [last] = await read();
  }
  const [row] = await tx.execute<{ ids: string[] }>(sql`
    select array(select nextval(pg_get_serial_sequence(${table}, 'id')) from generate_series(1, ${n}) order by 1)::text[] as ids`);
  const head = last?.head ?? (await checkpointOf(tx, table))?.lastHash ?? GENESIS;
  return { head, ids: (row?.ids ?? []).map(Number) };
}

/**
 * Appends audit rows in order, in the caller's transaction (or one of its own). With
 * `ignoreDuplicates`, rows whose dedupe key is already recorded are skipped (a retried projection);
 * without, a duplicate fails as a unique violation. Answers the ids written.
 */
export async function appendAuditEvents(db: DbOrTx, events: readonly AuditEventInput[], options: { ignoreDuplicates?: boolean } = {}): Promise<number[]> {
  if (events.length === 0) return [];
  return inTransaction(db, async (tx) => {
    let list = events;
    if (options.ignoreDuplicates) {
      // Every writer holds the lock below, so a key not seen now cannot appear before our insert.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${'rectify:chain:audit_events'}))`);
      const keys = [...new Set(events.map((e) => e.dedupeKey))];
      const seen = new Set((await tx.select({ k: auditEvents.dedupeKey }).from(auditEvents).where(inArray(auditEvents.dedupeKey, keys))).map((r) => r.k));
      list = events.filter((e) => !seen.has(e.dedupeKey) && (seen.add(e.dedupeKey), true));
      if (list.length === 0) return [];
    }
    const { head, ids } = await lockHead(tx, 'audit_events', list.length);
    let prev = head;
    const rows = list.map((e, i) => {
      const row: AuditRow = {
        id: ids[i]!,
        dedupeKey: e.dedupeKey,
        entityType: e.entityType,
        entityId: e.entityId,
        action: e.action,
        actorUserId: e.actorUserId ?? null,
        actorLabel: e.actorLabel,
        at: e.at,
        before: asJsonb(e.before),
        after: asJsonb(e.after),
        details: asJsonb(e.details),
      };
      const hash = chainHash(algorithm, prev, auditContent(row));
      const out = { ...row, before: e.before ?? null, after: e.after ?? null, details: e.details ?? null, prevHash: prev, hash, hashAlg: algorithm };
      prev = hash;
      return out;
    });
    await tx.insert(auditEvents).values(rows);
    return ids;
  });
}

/** Appends login-log rows in order, chained, in the caller's transaction (or one of its own). */
export async function appendLoginEvents(db: DbOrTx, events: readonly LoginEventRow[]): Promise<void> {
  if (events.length === 0) return;
  await inTransaction(db, async (tx) => {
    const { head, ids } = await lockHead(tx, 'login_events', events.length);
    let prev = head;
    const rows = events.map((e, i) => {
      const row: LoginRow = { ...e, id: ids[i]! };
      const hash = chainHash(algorithm, prev, loginContent(row));
      const out = { ...row, prevHash: prev, hash, hashAlg: algorithm };
      prev = hash;
      return out;
    });
    await tx.insert(loginEvents).values(rows);
  });
}

// --- Rows written before the chain --------------------------------------------------------------

const BATCH = 2000;
/** An array literal of ids or hex hashes (nothing to quote). */
const pgArray = (values: ReadonlyArray<number | string>) => `{${values.join(',')}}`;

/**
 * Chains, in id order, the rows an upgraded database holds from before the chain existed (the
 * trigger allows exactly this update). The caller holds the table's chain lock.
 */
async function chainUnchained(tx: Tx, table: ChainTable): Promise<number> {
  const t = table === 'audit_events' ? auditEvents : loginEvents;
  const [first] = await tx.select({ id: t.id }).from(t).where(isNull(t.hash)).orderBy(asc(t.id)).limit(1);
  if (!first) return 0;
  const [before] = await tx
    .select({ hash: t.hash })
    .from(t)
    .where(sql`${t.id} < ${first.id}`)
    .orderBy(desc(t.id))
    .limit(1);
  let prev = before?.hash ?? (await checkpointOf(tx, table))?.lastHash ?? GENESIS;
  let after = first.id - 1;
  let done = 0;
  for (;;) {
    const rows = await readRows(tx, table, after, BATCH);
    const updates: Array<{ id: number; hash: string; prev: string }> = [];
    for (const r of rows) {
      if (r.hash !== null) break;
      const hash = chainHash(algorithm, prev, contentOf(table, r));
      updates.push({ id: r.id, hash, prev });
      prev = hash;
    }
    if (updates.length === 0) return done;
    await tx.execute(sql`
      update ${tableSql(table)} t set hash = v.hash, prev_hash = v.prev, hash_alg = ${algorithm}
      from (select unnest(${pgArray(updates.map((u) => u.id))}::bigint[]) as id, unnest(${pgArray(updates.map((u) => u.hash))}::text[]) as hash, unnest(${pgArray(updates.map((u) => u.prev))}::text[]) as prev) v
      where t.id = v.id`);
    done += updates.length;
    if (updates.length < rows.length || rows.length < BATCH) return done;
    after = updates[updates.length - 1]!.id;
  }
}

/** Chains what an upgraded database holds from before the chain (run by the migrator). */
export async function chainExistingRows(db: Db): Promise<Record<ChainTable, number>> {
  const out = { audit_events: 0, login_events: 0 };
  for (const table of CHAIN_TABLES) {
    out[table] = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`rectify:chain:${table}`}))`);
      return chainUnchained(tx, table);
    });
  }
  return out;
}

// --- Reading and verifying --------------------------------------------------------------------

type StoredRow = (AuditRow | LoginRow) & { hash: string | null; prevHash: string | null; hashAlg: string | null };

async function readRows(db: DbOrTx, table: ChainTable, afterId: number, limit: number): Promise<StoredRow[]> {
  if (table === 'audit_events') {
    return db.select().from(auditEvents).where(gt(auditEvents.id, afterId)).orderBy(asc(auditEvents.id)).limit(limit);
  }
  return db.select().from(loginEvents).where(gt(loginEvents.id, afterId)).orderBy(asc(loginEvents.id)).limit(limit);
}

function contentOf(table: ChainTable, r: StoredRow): string {
  return table === 'audit_events' ? auditContent(r as AuditRow) : loginContent(r as LoginRow);
}

export interface Checkpoint {
  /** The audit_events row recording it. */
  auditId: number;
  prunedUpToId: number;
  lastHash: string;
  rows: number;
  at: Date;
}

/** The latest retention checkpoint of a table: the chain continues from its last pruned row. */
export async function checkpointOf(db: DbOrTx, table: ChainTable): Promise<Checkpoint | null> {
  const [row] = await db
    .select({ id: auditEvents.id, at: auditEvents.at, details: auditEvents.details })
    .from(auditEvents)
    .where(and(eq(auditEvents.entityType, 'audit_chain'), eq(auditEvents.entityId, table), eq(auditEvents.action, 'pruned')))
    .orderBy(desc(sql`(${auditEvents.details}->>'prunedUpToId')::bigint`))
    .limit(1);
  if (!row?.details) return null;
  const d = row.details as { prunedUpToId: number; lastHash: string; rows: number };
  return { auditId: row.id, prunedUpToId: Number(d.prunedUpToId), lastHash: String(d.lastHash), rows: Number(d.rows), at: row.at };
}

export interface ChainReport {
  table: ChainTable;
  /** Rows checked (from the checkpoint on). */
  rows: number;
  checkpoint: Checkpoint | null;
  /** The last row's id and hash: note it down elsewhere, and a rewrite of the whole chain shows too. */
  head: { id: number; hash: string } | null;
  /** The first row that does not match, and how. */
  firstMismatch: { id: number; problem: string } | null;
}

/** Walks a table's chain from its latest checkpoint and names the first row that does not match. */
export async function verifyChain(db: Db, table: ChainTable): Promise<ChainReport> {
  const checkpoint = await checkpointOf(db, table);
  let prev = checkpoint?.lastHash ?? GENESIS;
  let after = checkpoint?.prunedUpToId ?? 0;
  let rows = 0;
  let head: ChainReport['head'] = null;
  for (;;) {
    const batch = await readRows(db, table, after, BATCH);
    for (const r of batch) {
      rows += 1;
      const mismatch = (problem: string): ChainReport => ({ table, rows, checkpoint, head, firstMismatch: { id: r.id, problem } });
      if (r.hash === null || r.prevHash === null || r.hashAlg === null) return mismatch('not chained (no hash)');
      if (r.prevHash !== prev) {
        return mismatch(
          rows === 1 && checkpoint === null && prev === GENESIS
            ? 'its previous hash is not the start of the chain: rows before it were removed without a checkpoint'
            : 'its previous hash is not the hash of the row before it: a row before it was removed or changed',
        );
      }
      if (!(HASH_ALGORITHMS as readonly string[]).includes(r.hashAlg)) return mismatch(`unknown hash algorithm ${r.hashAlg}`);
      if (chainHash(r.hashAlg as HashAlgorithm, r.prevHash, contentOf(table, r)) !== r.hash)
        return mismatch('its content does not match its hash: the row was changed');
      prev = r.hash;
      head = { id: r.id, hash: r.hash };
    }
    if (batch.length < BATCH) return { table, rows, checkpoint, head, firstMismatch: null };
    after = batch[batch.length - 1]!.id;
  }
}

// --- Retention --------------------------------------------------------------------------------

/**
 * Deletes the oldest rows of a table, up to (not including) the first row at or after the cutoff,
 * after recording the checkpoint that allows it (in the caller's transaction). Answers the count.
 */
export async function pruneChained(tx: Tx, table: ChainTable, cutoff: Date, at: Date): Promise<number> {
  const t = table === 'audit_events' ? auditEvents : loginEvents;
  // A prefix in chain order: a row slightly out of time order waits for the next pruning.
  const [bound] = await tx.execute<{ up_to: string | null }>(sql`
    select coalesce((select min(id) - 1 from ${tableSql(table)} where at >= ${cutoff.toISOString()}::timestamptz), (select max(id) from ${tableSql(table)}))::text as up_to`);
  if (!bound?.up_to) return 0;
  const [last] = await tx
    .select({ id: t.id, hash: t.hash })
    .from(t)
    .where(sql`${t.id} <= ${Number(bound.up_to)}`)
    .orderBy(desc(t.id))
    .limit(1);
  if (!last?.hash) return 0;
  const [count] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(t)
    .where(sql`${t.id} <= ${last.id}`);
  await appendAuditEvents(
    tx,
    [
      {
        dedupeKey: `audit_chain:${table}:pruned:${last.id}`,
        entityType: 'audit_chain',
        entityId: table,
        action: 'pruned',
        actorLabel: 'system',
        at,
        details: { prunedUpToId: last.id, lastHash: last.hash, rows: count?.n ?? 0, cutoff: cutoff.toISOString() },
      },
    ],
    { ignoreDuplicates: true },
  );
  const deleted = await tx
    .delete(t)
    .where(sql`${t.id} <= ${last.id}`)
    .returning({ id: t.id });
  return deleted.length;
}
