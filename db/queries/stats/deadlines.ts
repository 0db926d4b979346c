/**
 * Deadlines across a jurisdiction: obligations due per period (met on time, met late, overdue,
 * exempted), monthly report timeliness, open escalations by rung, and the most overdue cases.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../client.js';
import type { DivisionLevel } from '../../../domain/divisions.js';
import type { EscalationRung, ObligationKind, Rag } from '../../../domain/escalation.js';
import type { CaseState } from '../../../domain/cases.js';
import type { Period } from '../../../domain/stats.js';
import { caseScope, groupName, groupOf, toDate, ts, selectRows, type StatsScope } from './scope.js';

/**
 * Approved exemptions (容错) count apart from overdue, in every period they touch: an exemption
 * approved by asOf excuses the obligation even if approval came after the period ended.
 * `obligations.exempted_at` is set by the exemption process (migration 0002); until exemptions
 * are approved this reads 0.
 */
function exempted(asOf: Date): SQL {
  return sql`(o.exempted_at is not null and o.exempted_at <= ${ts(asOf)})`;
}

export interface DeadlineCounts {
  period: string;
  group: string;
  name: string | null;
  due: number;
  metOnTime: number;
  metLate: number;
  exempted: number;
  reportsDue: number;
  reportsOnTime: number;
  reportsLate: number;
  reportsExempted: number;
}

/**
 * Per period and group. "Due" leaves out obligations cancelled on or before their due instant (no
 * longer owed: the case was cancelled, or the report period ended with delisting). The cut-off of a
 * period is its end, or asOf for the period under way.
 */
export async function countDeadlines(
  db: Db,
  params: { scope: StatsScope; groupBy: DivisionLevel; periods: readonly Period[]; asOf: Date; kinds?: readonly ObligationKind[] },
): Promise<DeadlineCounts[]> {
  const { scope, groupBy, periods, asOf, kinds } = params;
  if (periods.length === 0) return [];
  const values = sql.join(
    periods.map((p) => sql`(${p.label}::text, ${ts(p.start)}, least(${ts(p.end)}, ${ts(asOf)}))`),
    sql`, `,
  );
  const first = periods[0]!.start;
  const last = periods[periods.length - 1]!.end;
  const kindFilter = kinds?.length ? sql`and o.kind in ${kinds}` : sql``;
  const rows = await selectRows<DeadlineCounts>(
    db,
    sql`
    with p(label, start_at, cutoff) as (values ${values}),
    o as (
      select o.kind, o.due_at, o.status, o.closed_at, ${exempted(asOf)} as exempted, ${groupOf(sql`c.village_code`, groupBy)} as grp
      from obligations o
      join rectification_cases c on c.id = o.case_id
      where ${caseScope(scope)}
        and o.due_at >= ${ts(first)} and o.due_at < ${ts(last)} and o.due_at < ${ts(asOf)}
        and not (o.status = 'cancelled' and o.closed_at <= o.due_at)
        ${kindFilter}
    ),
    x as (
      select p.label, o.grp, o.kind,
        o.exempted,
        (o.status = 'satisfied' and o.closed_at <= o.due_at) as on_time,
        (o.status = 'satisfied' and o.closed_at > o.due_at and o.closed_at <= p.cutoff) as late
      from p join o on o.due_at >= p.start_at and o.due_at < p.cutoff
    )
    select label as period, grp as "group", ${groupName(sql`grp`)} as name,
      count(*)::int as due,
      count(*) filter (where not exempted and on_time)::int as "metOnTime",
      count(*) filter (where not exempted and late)::int as "metLate",
      count(*) filter (where exempted)::int as exempted,
      count(*) filter (where kind = 'monthly_report')::int as "reportsDue",
      count(*) filter (where kind = 'monthly_report' and not exempted and on_time)::int as "reportsOnTime",
      count(*) filter (where kind = 'monthly_report' and not exempted and late)::int as "reportsLate",
      count(*) filter (where kind = 'monthly_report' and exempted)::int as "reportsExempted"
    from x
    group by 1, 2
    order by 1, 2
  `,
  );
  return rows;
}

export interface EscalationCounts {
  group: string;
  name: string | null;
  rung: EscalationRung;
  open: number;
}

/** Escalations raised by asOf and not resolved by then, per group and rung. */
export async function countOpenEscalations(db: Db, params: { scope: StatsScope; groupBy: DivisionLevel; asOf: Date }): Promise<EscalationCounts[]> {
  const { scope, groupBy, asOf } = params;
  const rows = await selectRows<EscalationCounts>(
    db,
    sql`
    with x as (
      select ${groupOf(sql`c.village_code`, groupBy)} as grp, e.rung, count(*)::int as open
      from escalations e
      join rectification_cases c on c.id = e.case_id
      where ${caseScope(scope)}
        and e.raised_at <= ${ts(asOf)} and (e.resolved_at is null or e.resolved_at > ${ts(asOf)})
      group by 1, 2
    )
    select grp as "group", ${groupName(sql`grp`)} as name, rung, open from x
    order by 1, 3
  `,
  );
  return rows;
}

export interface OverdueCaseRow {
  caseId: string;
  villageCode: string;
  villageName: string | null;
  townshipName: string | null;
  countyName: string | null;
  state: CaseState;
  rag: Rag;
  sponsorName: string | null;
  obligationKind: ObligationKind;
  obligationKey: string;
  dueAt: Date;
  /** Obligations of the case overdue at asOf. */
  overdueObligations: number;
  highestRung: EscalationRung | null;
}

/**
 * The cases whose oldest unmet obligation is the most overdue at asOf (one row per case).
 */
export async function listMostOverdueCases(db: Db, params: { scope: StatsScope; asOf: Date; limit: number }): Promise<OverdueCaseRow[]> {
  const { scope, asOf, limit } = params;
  const rows = await selectRows<OverdueCaseRow>(
    db,
    sql`
    with o as (
      select c.id as case_id, c.village_code, c.state, c.rag, c.sponsor_user_id,
        o.id as obligation_id, o.kind, o.key, o.due_at,
        row_number() over (partition by c.id order by o.due_at, o.id) as n,
        count(*) over (partition by c.id) as overdue
      from obligations o
      join rectification_cases c on c.id = o.case_id
      where ${caseScope(scope)}
        and o.due_at < ${ts(asOf)}
        and (o.status = 'open' or o.closed_at > ${ts(asOf)})
        and not (o.status = 'cancelled' and o.closed_at <= o.due_at)
        and not ${exempted(asOf)}
    ),
    worst as (
      select * from o where n = 1 order by due_at, case_id limit ${limit}
    )
    select w.case_id as "caseId", w.village_code as "villageCode", v.name as "villageName", t.name as "townshipName",
      k.name as "countyName", w.state, w.rag, u.name as "sponsorName",
      w.kind as "obligationKind", w.key as "obligationKey", w.due_at as "dueAt", w.overdue::int as "overdueObligations",
      (select max(e.rung) from escalations e where e.obligation_id = w.obligation_id and e.raised_at <= ${ts(asOf)}) as "highestRung"
    from worst w
    left join divisions v on v.code = w.village_code
    left join divisions t on t.code = rpad(left(w.village_code, 9), 12, '0')
    left join divisions k on k.code = rpad(left(w.village_code, 6), 12, '0')
    left join users u on u.id = w.sponsor_user_id
    order by w.due_at, w.case_id
  `,
  );
  return rows.map((r) => ({ ...r, dueAt: toDate(r.dueAt) }));
}
