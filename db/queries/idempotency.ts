import { and, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { idempotencyKeys } from '../schema/index.js';

export async function findIdempotentResponse(db: Db, userId: string, key: string) {
  const [row] = await db
    .select({ requestHash: idempotencyKeys.requestHash, statusCode: idempotencyKeys.statusCode, response: idempotencyKeys.response })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
  return row ?? null;
}

/** First answer wins: a concurrent duplicate does not overwrite it. */
export async function saveIdempotentResponse(
  db: Db,
  userId: string,
  key: string,
  entry: { method: string; path: string; requestHash: string; statusCode: number; response: unknown },
): Promise<void> {
  await db
    .insert(idempotencyKeys)
    .values({ userId, key, ...entry, response: storable(entry.response) })
    .onConflictDoNothing();
}

/**
 * jsonb cannot hold U+0000, and an answer may echo it (an import's row report quotes the bad cell):
 * the stored copy carries U+FFFD in its place. An escaped backslash before "u0000" is left alone.
 */
function storable(response: unknown): unknown {
  const json = JSON.stringify(response);
  if (json === undefined || !json.includes('\\u0000')) return response;
  return JSON.parse(json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd'));
}
