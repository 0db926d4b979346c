/**
 * The grouped counts the metrics endpoint reads at scrape time: one query each, no state kept.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';

/**
 * Open obligations by process and light. The light is `obligationRag` (domain/escalation.ts) in SQL:
 * the worst colour among the rungs that have fired, green when none has. An obligation with an
 * approved exemption (容错) is open but its clock has stopped: it is `exempted`, apart, as every
 * statistic counts it. (The owner tables' `rag` is the process's worst obligation, not each one's.)
 */
export async function countOpenObligationsByLight(db: Db): Promise<Array<{ process: string; light: string; n: number }>> {
  const rows = await db.execute<{ process: string; light: string; n: number }>(sql`
    select
      case when o.case_id is not null then 'case' when o.mentorship_id is not null then 'mentorship' else 'reserve' end as process,
      case
        when o.exempted_at is not null then 'exempted'
        else coalesce((
          select case max(case r->>'rag' when 'red' then 2 when 'yellow' then 1 else 0 end) when 2 then 'red' when 1 then 'yellow' end
          from jsonb_array_elements(o.rungs) r
          where r->>'firedAt' is not null
        ), 'green')
      end as light,
      count(*)::int as n
    from obligations o
    where o.status = 'open'
    group by 1, 2`);
  return [...rows];
}

/** Inbox notifications by kind and whether they were acknowledged. */
export async function countNotificationsByKindAndStatus(db: Db): Promise<Array<{ kind: string; status: 'acked' | 'unacked'; n: number }>> {
  const rows = await db.execute<{ kind: string; status: 'acked' | 'unacked'; n: number }>(sql`
    select kind, case when acked_at is null then 'unacked' else 'acked' end as status, count(*)::int as n
    from notifications
    group by 1, 2`);
  return [...rows];
}

/**
 * This pool's connections by state, as Postgres sees them: every pool names its connections
 * (db/client.ts: application_name), so the backends sharing the scraping connection's name are the
 * pool's. The scraping connection itself is left out.
 */
export async function countPoolConnections(db: Db): Promise<Array<{ state: string; n: number }>> {
  const rows = await db.execute<{ state: string; n: number }>(sql`
    select coalesce(state, 'unknown') as state, count(*)::int as n
    from pg_stat_activity
    where application_name = current_setting('application_name') and pid <> pg_backend_pid()
    group by 1`);
  return [...rows];
}
