/**
 * 一乡一表: the make-up of each leadership team in a jurisdiction (per team: members, ages and
 * bands, women, college+, minorities, party members), ages counted on a given date. Read from
 * team_structure_counts (db/schema/stats-summaries.ts), not from the members joined to people.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../client.js';
import type { TeamKind } from '../../../domain/people.js';
import { selectRows, withPrefix, type StatsScope } from './scope.js';

export interface TeamStructureCounts {
  code: string;
  name: string;
  members: number;
  /** Members whose birth date is known (ages are over these). */
  withAge: number;
  ageSum: number;
  youngest: number | null;
  oldest: number | null;
  age35OrUnder: number;
  age36To45: number;
  age46To54: number;
  age55OrOver: number;
  women: number;
  college: number;
  minority: number;
  partyMembers: number;
}

export async function countTeamStructure(db: Db, params: { scope: StatsScope; team: TeamKind; asOfDate: string }): Promise<TeamStructureCounts[]> {
  const { scope, team, asOfDate } = params;
  // From team_structure_counts (a row per team and birth date, kept by the triggers of migration
  // 0016): ages are counted on asOfDate per birth date and weighted by its members. Aggregated per
  // team first; the team's name is looked up for the few resulting rows only.
  return selectRows<TeamStructureCounts>(
    db,
    sql`
    with a as materialized (
      select s.division_code, extract(year from age(${asOfDate}::date, s.birth_date))::int as age,
        s.members, s.women, s.college, s.minority, s.party_members
      from team_structure_counts s
      where ${withPrefix(sql`s.division_code`, scope.prefix)} and s.team_kind = ${team}
    ),
    t as (
      select division_code,
        sum(members)::int as members,
        coalesce(sum(members) filter (where age is not null), 0)::int as "withAge",
        coalesce(sum(age * members), 0)::int as "ageSum",
        min(age)::int as youngest,
        max(age)::int as oldest,
        coalesce(sum(members) filter (where age <= 35), 0)::int as "age35OrUnder",
        coalesce(sum(members) filter (where age between 36 and 45), 0)::int as "age36To45",
        coalesce(sum(members) filter (where age between 46 and 54), 0)::int as "age46To54",
        coalesce(sum(members) filter (where age >= 55), 0)::int as "age55OrOver",
        sum(women)::int as women,
        sum(college)::int as college,
        sum(minority)::int as minority,
        sum(party_members)::int as "partyMembers"
      from a group by division_code
    )
    select t.division_code as code, (select d.name from divisions d where d.code = t.division_code) as name,
      t.members, t."withAge", t."ageSum", t.youngest, t.oldest, t."age35OrUnder", t."age36To45", t."age46To54", t."age55OrOver",
      t.women, t.college, t.minority, t."partyMembers"
    from t
    order by t.division_code
  `,
  );
}
