/**
 * Time to delisting: per group and whole day since designation, how many cases were delisted
 * (events) and how many left observation undelisted (censored: still open at asOf, or cancelled).
 * The Kaplan–Meier arithmetic is in domain/stats.ts.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../client.js';
import type { DivisionLevel } from '../../../domain/divisions.js';
import { startOfCivilDate } from '../../../domain/stats.js';
import { caseScope, groupName, groupOf, ts, selectRows, type StatsScope } from './scope.js';

export interface SurvivalCountRow {
  group: string;
  name: string | null;
  days: number;
  events: number;
  censored: number;
}

export async function countTimeToDelisting(
  db: Db,
  params: { scope: StatsScope; groupBy: DivisionLevel; fromYear: number; toYear: number; asOf: Date },
): Promise<SurvivalCountRow[]> {
  const { scope, groupBy, fromYear, toYear, asOf } = params;
  const rows = await selectRows<SurvivalCountRow>(
    db,
    sql`
    with c as (
      select ${groupOf(sql`c.village_code`, groupBy)} as grp,
        (c.delisted_at is not null and c.delisted_at <= ${ts(asOf)}) as event,
        case
          when c.delisted_at is not null and c.delisted_at <= ${ts(asOf)} then c.delisted_at
          when c.state = 'cancelled' and c.closed_at <= ${ts(asOf)} then c.closed_at
          else ${ts(asOf)}
        end - c.designated_at as span
      from rectification_cases c
      where ${caseScope(scope)}
        and c.designated_at <= ${ts(asOf)}
        and c.designated_at >= ${ts(startOfCivilDate(`${fromYear}-01-01`))}
        and c.designated_at < ${ts(startOfCivilDate(`${toYear + 1}-01-01`))}
    )
    , counts as (
      select grp, floor(extract(epoch from span) / 86400)::int as days,
        count(*) filter (where event)::int as events,
        count(*) filter (where not event)::int as censored
      from c
      group by 1, 2
    )
    select grp as "group", ${groupName(sql`grp`)} as name, days, events, censored
    from counts
    order by 1, 3
  `,
  );
  return rows;
}
