/**
 * The reserve pool (后备力量): per group the villages, how many reach the pool target (≥2 in pool)
 * and the nomination target (≥3 on record), and the pool's composition. Two sources, counted once:
 * the candidates of the reserve process (Process C; in the pool = in_pool, in_training,
 * annual_review; on record = not placed, exited or transferred), and imported nominations that no
 * candidate was started from (an office's existing pool brought in from its spreadsheet). Both are
 * counted per village in reserve_village_counts (migration 0016), kept by triggers.
 * States are current (no history): `asOf` only sets the date ages are counted on.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../client.js';
import type { ReserveSource } from '../../../domain/people.js';
import { YOUTH_AGE_LIMIT } from '../../../domain/stats.js';
import { selectRows, withPrefix, type StatsScope } from './scope.js';

export interface VillageReserveCounts {
  village: string;
  source: ReserveSource;
  inPool: number;
  /** On record (in the pool or on the way to it). */
  nominated: number;
  /** Composition of the pool. */
  young: number;
  college: number;
  female: number;
  party: number;
}

/**
 * Per village and source (the service sums villages into groups, finds the villages below target,
 * and totals the sources), from reserve_village_counts: one index range scan of the scope's summary
 * rows (a row per village, source and pool birth date), not the reserves joined to their people.
 * The triggers of migration 0016 keep the summary exact; see db/schema/stats-summaries.ts.
 */
export async function countReservesByVillage(db: Db, params: { scope: StatsScope; asOfDate: string }): Promise<VillageReserveCounts[]> {
  const { scope, asOfDate } = params;
  return selectRows<VillageReserveCounts>(
    db,
    sql`
    select s.village_code as village, s.source,
      sum(s.in_pool)::int as "inPool",
      sum(s.on_record)::int as nominated,
      coalesce(sum(s.in_pool) filter (where s.birth_date > (${asOfDate}::date - interval '${sql.raw(String(YOUTH_AGE_LIMIT + 1))} years')), 0)::int as young,
      sum(s.college)::int as college,
      sum(s.female)::int as female,
      sum(s.party_members)::int as party
    from reserve_village_counts s
    where ${withPrefix(sql`s.village_code`, scope.prefix)}
    group by s.village_code, s.source
  `,
  );
}

/** The villages and townships of a scope (for the list of villages below target, with names). */
export async function listVillagesAndTownships(db: Db, params: { scope: StatsScope }) {
  return selectRows<{ code: string; name: string; level: 'township' | 'village' }>(
    db,
    sql`
    select code, name, level from divisions
    where level in ('township', 'village') and ${withPrefix(sql`code`, params.scope.prefix)}`,
  );
}
