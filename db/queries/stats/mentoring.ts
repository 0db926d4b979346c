/**
 * 1+1 mentoring (帮带, Process B) per group: new cadres in an open mentorship, those with a named
 * mentor in a paired state (coverage), vacant mentor posts, and how ended mentorships ended
 * (completion). States are current; `asOf` bounds the endings counted.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../client.js';
import { PREFIX_LENGTH, type DivisionLevel } from '../../../domain/divisions.js';
import { MENTORED_STATES, TERMINAL_MENTORSHIP_STATES } from '../../../domain/mentorships.js';
import { groupName, selectRows, ts, withPrefix, type StatsScope } from './scope.js';

export interface MentoringCounts {
  group: string;
  name: string | null;
  newCadres: number;
  mentored: number;
  awaitingApproval: number;
  mentorVacant: number;
  extended: number;
  ended: number;
  completed: number;
  terminated: number;
}

export async function countMentoring(db: Db, params: { scope: StatsScope; groupBy: DivisionLevel; asOf: Date }): Promise<MentoringCounts[]> {
  const { scope, groupBy, asOf } = params;
  const n = sql.raw(String(PREFIX_LENGTH[groupBy]));
  return selectRows<MentoringCounts>(
    db,
    sql`
    with m as (
      select left(village_code, ${n}) as grp, mentee_person_id, mentor_person_id, state, closed_at
      from mentorships
      where ${withPrefix(sql`village_code`, scope.prefix)} and proposed_at <= ${ts(asOf)}
    ),
    x as (
      select grp,
        count(distinct mentee_person_id) filter (where state not in ${TERMINAL_MENTORSHIP_STATES})::int as new_cadres,
        count(distinct mentee_person_id) filter (where state in ${MENTORED_STATES} and mentor_person_id is not null)::int as mentored,
        count(*) filter (where state = 'proposed')::int as awaiting,
        count(*) filter (where state = 'mentor_vacant')::int as vacant,
        count(*) filter (where state = 'extended')::int as extended,
        count(*) filter (where state in ${TERMINAL_MENTORSHIP_STATES} and closed_at <= ${ts(asOf)})::int as ended,
        count(*) filter (where state = 'completed' and closed_at <= ${ts(asOf)})::int as completed,
        count(*) filter (where state = 'terminated' and closed_at <= ${ts(asOf)})::int as terminated
      from m group by grp
    )
    select grp as "group", ${groupName(sql`grp`)} as name, new_cadres as "newCadres", mentored, awaiting as "awaitingApproval",
      vacant as "mentorVacant", extended, ended, completed, terminated
    from x
    order by grp
  `,
  );
}
