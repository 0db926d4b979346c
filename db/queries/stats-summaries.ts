/**
 * The statistics' summary tables (db/schema/stats-summaries.ts). Triggers keep them exact on every
 * write; this recounts them from scratch, for whoever loaded data with the triggers' help bypassed
 * or wants a clean start (the bench after its bulk load; migration 0016 backfills the same way).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';

export async function rebuildStatsSummaries(db: Pick<Db, 'execute'>): Promise<void> {
  await db.execute(sql`select stats_rebuild_summaries()`);
}
