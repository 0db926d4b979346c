/**
 * The reserve pool (后备力量): per group the villages, how many reach the pool target (≥2 in pool)
 * and the nomination target (≥3 on record), and the pool's composition. Two sources, counted once:
 * the candidates of the reserve process (Process C; in the pool = in_pool, in_training,
 * annual_review; on record = not placed, exited or transferred), and imported nominations that no
 * candidate was started from (an office's existing pool brought in from its spreadsheet).
 * States are current (no history): `asOf` only sets the date ages are counted on.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../client.js';
import { COLLEGE_LEVELS, type ReserveSource } from '../../../domain/people.js';
import { POOL_STATES, TERMINAL_RESERVE_STATES } from '../../../domain/reserves.js';
import { YOUTH_AGE_LIMIT } from '../../../domain/stats.js';
import { selectRows, withPrefix, type StatsScope } from './scope.js';

/**
 * Every reserve on record in the scope: village, person, in the pool or not, source. A nomination
 * from which a candidate was started is left out (the candidate stands for it); the candidates of
 * the scope are hashed once rather than probed per nomination.
 */
function reservesOnRecord(scope: StatsScope): SQL {
  return sql`
    with candidates as materialized (
      select rc.village_code, rc.person_id, rc.state in ${POOL_STATES} as in_pool, rc.source, rc.nomination_id
      from reserve_candidates rc
      where ${withPrefix(sql`rc.village_code`, scope.prefix)} and rc.state not in ${TERMINAL_RESERVE_STATES}
    )
    select r.village_code, r.person_id, r.status = 'in_pool' as in_pool, r.source
    from reserve_nominations r
    where ${withPrefix(sql`r.village_code`, scope.prefix)}
      and r.id not in (
        select rc.nomination_id from reserve_candidates rc
        where ${withPrefix(sql`rc.village_code`, scope.prefix)} and rc.nomination_id is not null)
    union all
    select village_code, person_id, in_pool, source from candidates`;
}

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
 * Per village and source, in one pass over the reserves of the scope (the service sums villages
 * into groups, finds the villages below target, and totals the sources). Index range scans on the
 * two sources; only reserves in the pool are looked up in people (by primary key) for the
 * composition. No join with the divisions table, whose prefix ranges the planner cannot estimate.
 */
export async function countReservesByVillage(db: Db, params: { scope: StatsScope; asOfDate: string }): Promise<VillageReserveCounts[]> {
  const { scope, asOfDate } = params;
  return selectRows<VillageReserveCounts>(
    db,
    sql`
    with reserves as materialized (${reservesOnRecord(scope)})
    select r.village_code as village, r.source,
      (count(*) filter (where r.in_pool))::int as "inPool",
      count(*)::int as nominated,
      (count(*) filter (where r.in_pool and p.birth_date > (${asOfDate}::date - interval '${sql.raw(String(YOUTH_AGE_LIMIT + 1))} years')))::int as young,
      (count(*) filter (where r.in_pool and p.education in ${COLLEGE_LEVELS}))::int as college,
      (count(*) filter (where r.in_pool and p.gender = 'female'))::int as female,
      (count(*) filter (where r.in_pool and p.party_member))::int as party
    from reserves r
    -- Only reserves in the pool are looked up: for the others the key is null, and the probe is empty.
    left join people p on p.id = case when r.in_pool then r.person_id end
    group by r.village_code, r.source
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
