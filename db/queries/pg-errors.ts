/** True when `err` (or what Drizzle wrapped) is Postgres' unique violation, of `constraint` if given. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint_name?: string; cause?: unknown } | null;
  if (e?.code === '23505' && (!constraint || e.constraint_name === constraint)) return true;
  return e?.cause ? isUniqueViolation(e.cause, constraint) : false;
}

/**
 * True when `err` (or what Drizzle wrapped) is Postgres' query_canceled: the pool's
 * statement_timeout fired (or an operator cancelled the query).
 */
export function isQueryCanceled(err: unknown): boolean {
  const e = err as { code?: string; cause?: unknown } | null;
  if (e?.code === '57014') return true;
  return e?.cause ? isQueryCanceled(e.cause) : false;
}
