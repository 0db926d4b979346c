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
 * The summary rows of a scope summed per `key` (the village, or the village and source): the base of
 * every reserve count below.
 */
function sumsPer(key: 'village' | 'village and source', scope: StatsScope, asOfDate: string) {
  const columns = key === 'village' ? sql`s.village_code as village` : sql`s.village_code as village, s.source`;
  const groupBy = key === 'village' ? sql`s.village_code` : sql`s.village_code, s.source`;
  return sql`
    select ${columns},
      sum(s.in_pool)::int as in_pool,
      sum(s.on_record)::int as on_record,
      coalesce(sum(s.in_pool) filter (where s.birth_date > (${asOfDate}::date - interval '${sql.raw(String(YOUTH_AGE_LIMIT + 1))} years')), 0)::int as young,
      sum(s.college)::int as college,
      sum(s.female)::int as female,
      sum(s.party_members)::int as party
    from reserve_village_counts s
    where ${withPrefix(sql`s.village_code`, scope.prefix)}
    group by ${groupBy}`;
}

/**
 * Per village and source, from reserve_village_counts: one index range scan of the scope's summary
 * rows (a row per village, source and pool birth date), not the reserves joined to their people.
 * The triggers of migration 0016 keep the summary exact; see db/schema/stats-summaries.ts.
 */
export async function countReservesByVillage(db: Db, params: { scope: StatsScope; asOfDate: string }): Promise<VillageReserveCounts[]> {
  return selectRows<VillageReserveCounts>(
    db,
    sql`
    select village, source, in_pool as "inPool", on_record as nominated, young, college, female, party
    from (${sumsPer('village and source', params.scope, params.asOfDate)}) v`,
  );
}

export interface GroupReserveCounts {
  /** The group's code prefix. */
  group: string;
  villagesAtPoolTarget: number;
  villagesAtNominationTarget: number;
  inPool: number;
  nominated: number;
  poolYoung: number;
  poolCollege: number;
  poolFemale: number;
  poolPartyMembers: number;
}

/**
 * Per group (the villages' code prefix of `groupLength` digits): the villages reaching each target,
 * their sources summed first, and the pool's totals. Summed in Postgres, so a prefecture's answer is
 * a row per county, not a row per village and source.
 */
export async function countReservesByGroup(
  db: Db,
  params: { scope: StatsScope; asOfDate: string; groupLength: number; poolTarget: number; nominationTarget: number },
): Promise<GroupReserveCounts[]> {
  const { scope, asOfDate, groupLength, poolTarget, nominationTarget } = params;
  return selectRows<GroupReserveCounts>(
    db,
    sql`
    -- Summed per village in one pass (a province: 37,000 summary rows into 20,000 villages).
    with per_village as (${sumsPer('village', scope, asOfDate)})
    select left(village, ${sql.raw(String(groupLength))}) as "group",
      count(*) filter (where in_pool >= ${poolTarget})::int as "villagesAtPoolTarget",
      count(*) filter (where on_record >= ${nominationTarget})::int as "villagesAtNominationTarget",
      sum(in_pool)::int as "inPool", sum(on_record)::int as nominated, sum(young)::int as "poolYoung",
      sum(college)::int as "poolCollege", sum(female)::int as "poolFemale", sum(party)::int as "poolPartyMembers"
    from per_village
    group by 1`,
  );
}

/** The pool and the record per source, over the scope. */
export async function countReservesBySource(
  db: Db,
  params: { scope: StatsScope },
): Promise<Array<{ source: ReserveSource; inPool: number; nominated: number }>> {
  return selectRows(
    db,
    sql`
    select s.source, sum(s.in_pool)::int as "inPool", sum(s.on_record)::int as nominated
    from reserve_village_counts s
    where ${withPrefix(sql`s.village_code`, params.scope.prefix)}
    group by s.source`,
  );
}

export interface VillageBelowTarget {
  villageCode: string;
  villageName: string;
  townshipName: string | null;
  inPool: number;
  nominated: number;
}

/**
 * The first `limit` villages of the scope (in code order) whose pool is below `poolTarget`, with their
 * township's name. The scope's villages' codes are read by their code range from the index alone
 * (materialized: ordered by code under a LIMIT, the planner would rather walk the whole table in
 * primary-key order and filter it, 200 ms for a county), joined to their summed summary rows, and
 * only the villages kept look up their names and their township's.
 */
export async function listVillagesBelowPoolTarget(db: Db, params: { scope: StatsScope; poolTarget: number; limit: number }): Promise<VillageBelowTarget[]> {
  const { scope, poolTarget, limit } = params;
  return selectRows<VillageBelowTarget>(
    db,
    sql`
    with villages as materialized (
      select code from divisions where level = 'village' and ${withPrefix(sql`code`, scope.prefix)}
    ), sums as (
      select s.village_code, sum(s.in_pool)::int as in_pool, sum(s.on_record)::int as on_record
      from reserve_village_counts s where ${withPrefix(sql`s.village_code`, scope.prefix)}
      group by s.village_code
    ), below as (
      select v.code, coalesce(s.in_pool, 0) as in_pool, coalesce(s.on_record, 0) as on_record
      from villages v left join sums s on s.village_code = v.code
      where coalesce(s.in_pool, 0) < ${poolTarget}
      order by v.code
      limit ${limit}
    )
    select b.code as "villageCode", v.name as "villageName", t.name as "townshipName", b.in_pool as "inPool", b.on_record as nominated
    from below b
    join divisions v on v.code = b.code
    left join divisions t on t.code = rpad(left(b.code, 9), 12, '0') and t.level = 'township'
    order by b.code`,
  );
}
