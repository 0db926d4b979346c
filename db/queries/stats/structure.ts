/**
 * 一乡一表: the make-up of each leadership team in a jurisdiction (per team: members, ages and
 * bands, women, college+, minorities, party members), ages counted on a given date.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../client.js';
import { COLLEGE_LEVELS, MAJORITY_ETHNIC_GROUP, type TeamKind } from '../../../domain/people.js';
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
  // Aggregated per team first; the team's name is looked up for the few resulting rows only.
  return selectRows<TeamStructureCounts>(
    db,
    sql`
    with a as materialized (
      select m.division_code,
        extract(year from age(${asOfDate}::date, p.birth_date))::int as age,
        p.gender, p.education, p.ethnicity, p.party_member
      from leadership_team_members m
      join people p on p.id = m.person_id
      where ${withPrefix(sql`m.division_code`, scope.prefix)} and m.team_kind = ${team}
    ),
    t as (
      select division_code,
        count(*)::int as members,
        count(age)::int as "withAge",
        coalesce(sum(age), 0)::int as "ageSum",
        min(age)::int as youngest,
        max(age)::int as oldest,
        count(*) filter (where age <= 35)::int as "age35OrUnder",
        count(*) filter (where age between 36 and 45)::int as "age36To45",
        count(*) filter (where age between 46 and 54)::int as "age46To54",
        count(*) filter (where age >= 55)::int as "age55OrOver",
        count(*) filter (where gender = 'female')::int as women,
        count(*) filter (where education in ${COLLEGE_LEVELS})::int as college,
        count(*) filter (where ethnicity is not null and ethnicity <> ${MAJORITY_ETHNIC_GROUP})::int as minority,
        count(*) filter (where party_member)::int as "partyMembers"
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
