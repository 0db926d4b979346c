/**
 * The support package (包保责任体系) per group: open cases, and how many of them miss each post
 * today (no sponsor; no current holder of the township cadre, first secretary, work team or paired
 * department). Current state only: assignments keep their history, but a statistic of "who was
 * missing when" has not been asked for.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../client.js';
import { TERMINAL_CASE_STATES } from '../../../domain/cases.js';
import type { DivisionLevel } from '../../../domain/divisions.js';
import { caseScope, groupName, groupOf, selectRows, type StatsScope } from './scope.js';

export interface SupportCoverageCounts {
  group: string;
  name: string | null;
  openCases: number;
  noSponsor: number;
  noTownshipCadre: number;
  noFirstSecretary: number;
  noWorkTeam: number;
  noPairedDepartment: number;
  /** Cases with every post held. */
  complete: number;
}

export async function countSupportCoverage(db: Db, params: { scope: StatsScope; groupBy: DivisionLevel }): Promise<SupportCoverageCounts[]> {
  const { scope, groupBy } = params;
  const held = (post: string) => sql`exists (select 1 from case_support_assignments a where a.case_id = c.id and a.post = ${post} and a.ended_at is null)`;
  return selectRows<SupportCoverageCounts>(
    db,
    sql`
    with x as (
      select ${groupOf(sql`c.village_code`, groupBy)} as grp,
        c.sponsor_user_id is not null as sponsor,
        ${held('township_cadre')} as cadre,
        ${held('first_secretary')} as secretary,
        ${held('work_team')} as team,
        ${held('paired_department')} as department
      from rectification_cases c
      where ${caseScope(scope)} and c.state not in ${TERMINAL_CASE_STATES}
    )
    select grp as "group", ${groupName(sql`grp`)} as name,
      count(*)::int as "openCases",
      count(*) filter (where not sponsor)::int as "noSponsor",
      count(*) filter (where not cadre)::int as "noTownshipCadre",
      count(*) filter (where not secretary)::int as "noFirstSecretary",
      count(*) filter (where not team)::int as "noWorkTeam",
      count(*) filter (where not department)::int as "noPairedDepartment",
      count(*) filter (where sponsor and cadre and secretary and team and department)::int as complete
    from x group by grp order by grp
  `,
  );
}
