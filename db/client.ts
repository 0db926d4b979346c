import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema/index.js';

export type Db = PostgresJsDatabase<typeof schema>;
export interface DbHandle {
  db: Db;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface DbOptions {
  max?: number;
  /**
   * Postgres statement_timeout for every connection of this pool, in ms (0 or unset: none). The
   * API's pool has one (API_STATEMENT_TIMEOUT_MS); the worker's projections and migrations do not.
   */
  statementTimeoutMs?: number;
  /** The pool's name, in its connections' application_name (`<name>-<pid>-<n>`). */
  name?: string;
}

let pools = 0;

/**
 * A pool whose connections carry a name of their own (`rectify-<pid>-<n>`, as application_name):
 * the metrics endpoint counts this pool's connections in pg_stat_activity by it
 * (db/queries/metrics.ts), and an operator sees which process holds which backends. The timeout is
 * a startup parameter, so it holds on every connection the pool opens, in or out of transactions.
 */
export function createDb(url: string, options: DbOptions = {}): DbHandle {
  const max = options.max ?? 10;
  const applicationName = `${options.name ?? 'rectify'}-${process.pid}-${++pools}`.slice(0, 63);
  const timeout = options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {};
  const sql = postgres(url, { max, onnotice: () => {}, connection: { application_name: applicationName, ...timeout } });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/** The most connections a pool opens (the `max` it was created with). */
export function poolMax(db: Db): number {
  return Number((db as unknown as { $client: postgres.Sql }).$client.options.max);
}

/**
 * Runs several reads on one consistent snapshot (a read-only REPEATABLE READ transaction): a detail
 * page read in parallel queries on the pool could otherwise show a timeline entry whose obligation
 * change, committed between two of the reads, it does not show.
 */
export function readSnapshot<T>(db: Db, read: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => read(tx as unknown as Db), { isolationLevel: 'repeatable read', accessMode: 'read only' });
}
