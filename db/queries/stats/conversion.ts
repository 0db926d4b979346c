/**
 * Conversion by cohort (designation year): counts per group and cohort, as of an instant.
 * Definitions are in domain/stats.ts; this file only counts.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../client.js';
import type { DivisionLevel } from '../../../domain/divisions.js';
import { RELAPSE_WINDOW_MONTHS, STATS_TIME_ZONE, startOfCivilDate } from '../../../domain/stats.js';
import { caseScope, groupOf, ts, selectRows, type StatsScope } from './scope.js';

export interface ConversionCounts {
  group: string;
  cohort: number;
  designated: number;
  cancelled: number;
  delisted: number;
  onTimeDelisted: number;
  failed: number;
  relapsed: number;
}

export async function countConversion(
  db: Db,
  params: { scope: StatsScope; groupBy: DivisionLevel; fromYear: number; toYear: number; asOf: Date },
): Promise<ConversionCounts[]> {
  const { scope, groupBy, fromYear, toYear, asOf } = params;
  const zone = sql.raw(`'${STATS_TIME_ZONE}'`);
  const rows = await selectRows<ConversionCounts>(
    db,
    sql`
    with c as (
      select c.id, c.state, c.designated_at, c.delisted_at, c.closed_at, c.acceptance_attempts,
        ${groupOf(sql`c.village_code`, groupBy)} as grp,
        extract(year from c.designated_at at time zone ${zone})::int as cohort,
        (c.delisted_at is not null and c.delisted_at <= ${ts(asOf)}) as delisted,
        (c.state = 'cancelled' and c.delisted_at is null and c.closed_at <= ${ts(asOf)}) as cancelled
      from rectification_cases c
      where ${caseScope(scope)}
        and c.designated_at <= ${ts(asOf)}
        and c.designated_at >= ${ts(startOfCivilDate(`${fromYear}-01-01`))}
        and c.designated_at < ${ts(startOfCivilDate(`${toYear + 1}-01-01`))}
    )
    select c.grp as "group", c.cohort,
      count(*)::int as designated,
      count(*) filter (where c.cancelled)::int as cancelled,
      count(*) filter (where c.delisted)::int as delisted,
      count(*) filter (where c.delisted and exists (
        -- the rectification obligation met by the passing request, against the original deadline
        select 1 from obligations first, obligations passing
        where first.case_id = c.id and first.kind = 'rectification' and first.key = '1'
          and passing.case_id = c.id and passing.kind = 'rectification' and passing.key = c.acceptance_attempts::text
          and passing.status = 'satisfied' and passing.closed_at <= first.due_at
      ))::int as "onTimeDelisted",
      count(*) filter (where not c.delisted and not c.cancelled and exists (
        select 1 from case_submissions s
        where s.case_id = c.id and s.kind = 'acceptance_review' and s.submitted_at <= ${ts(asOf)}
          and s.content->>'passed' = 'false'
      ))::int as failed,
      count(*) filter (where c.delisted and c.state = 'relapsed' and c.closed_at <= ${ts(asOf)}
        and c.closed_at <= c.delisted_at + interval '${sql.raw(String(RELAPSE_WINDOW_MONTHS))} months')::int as relapsed
    from c
    group by c.grp, c.cohort
    order by c.grp, c.cohort
  `,
  );
  return rows;
}
