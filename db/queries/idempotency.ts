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
  await db.insert(idempotencyKeys).values({ userId, key, ...entry }).onConflictDoNothing();
}
