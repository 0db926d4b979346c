import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { jurisdictionPrefix } from '../../domain/divisions.js';
import type { AuthUser } from '../../domain/roles.js';
import type { ObligationKind, ObligationStatus, ResponsibleParty } from '../../domain/escalation.js';

/** Which process an obligation belongs to (exactly one owner column is set). */
export type ObligationProcess = 'case' | 'mentorship' | 'reserve' | 'screening';

/** One row of the cross-process to-do list. */
export interface ObligationListRow {
  id: string;
  process: ObligationProcess;
  entityId: string;
  kind: ObligationKind;
  /** The period of a recurring obligation (a monthly report's YYYY-MM, Q1, H1…), else "1" or a retry's number. */
  key: string;
  responsible: ResponsibleParty;
  dueAt: Date;
  dueDate: string | null;
  provisional: boolean;
  status: ObligationStatus;
  closedAt: Date | null;
  exempted: boolean;
  villageCode: string;
  villageName: string | null;
  townshipName: string | null;
  /** What the obligation is about, for a list: the village for a case, the mentee or the candidate. */
  subjectName: string | null;
}

/**
 * The obligations a user must meet themselves (`mine`), or every one they may see (`visible`).
 * Mine: a sponsor's own cases' sponsor obligations; a mentor's obligations when the mentor has an
 * account (a sponsor or an office user); for an office, what its office owes within its
 * jurisdiction — the township office also files for reserve candidates (no accounts) and for
 * mentors without an account, as the workflows route them (domain/escalation.ts).
 */
function ownedBy(user: AuthUser, scope: 'mine' | 'visible'): SQL {
  const within = sql`t.village_code like ${`${jurisdictionPrefix(user.jurisdictionCode)}%`}`;
  const asMentor = sql`(t.responsible = 'mentor' and t.mentor_user_id = ${user.id})`;
  if (user.role === 'sponsor') {
    const ownCase = sql`t.sponsor_user_id = ${user.id}`;
    return scope === 'visible' ? sql`(${ownCase} or ${asMentor})` : sql`((${ownCase} and t.responsible = 'sponsor') or ${asMentor})`;
  }
  if (scope === 'visible') return within;
  const office =
    user.role === 'township_office'
      ? sql`(t.responsible in ('township_office', 'candidate', 'first_secretary', 'paired_department') or (t.responsible = 'mentor' and t.mentor_user_id is null))`
      : sql`t.responsible = 'org_dept'`;
  return sql`((${within} and ${office}) or ${asMentor})`;
}

export interface ObligationListOptions {
  scope: 'mine' | 'visible';
  status: ObligationStatus | 'all';
  process?: ObligationProcess;
  kinds?: ObligationKind[];
  /**
   * The current period only: of each process and kind, the newest obligation (by its key: YYYY-MM,
   * Q2 before Q10), unless it was dropped, or met and its due date has passed `at` (the process
   * has moved on, or ended). So a report filed this month still shows, as filed, until it was due.
   */
  current?: { at: Date };
  limit: number;
  offset: number;
}

/** A page of a user's obligations, soonest first, and the total. */
export async function listObligations(db: Db, user: AuthUser, options: ObligationListOptions): Promise<{ items: ObligationListRow[]; total: number }> {
  const conditions: SQL[] = [ownedBy(user, options.scope)];
  if (options.status !== 'all') conditions.push(sql`t.status = ${options.status}`);
  if (options.process) conditions.push(sql`t.process = ${options.process}`);
  if (options.kinds?.length)
    conditions.push(
      sql`t.kind in (${sql.join(
        options.kinds.map((k) => sql`${k}`),
        sql`, `,
      )})`,
    );
  if (options.current)
    conditions.push(sql`t.period_rank = 1 and t.status <> 'cancelled' and (t.status = 'open' or t.due_at > ${options.current.at.toISOString()}::timestamptz)`);
  const where = sql.join(conditions, sql` and `);
  // Ranked before the status filter: the newest period is current whatever its status.
  const periodRank = options.current
    ? sql`, row_number() over (partition by coalesce(o.case_id, o.mentorship_id, o.reserve_candidate_id, o.screening_campaign_id), o.kind order by length(o.key) desc, o.key desc) as period_rank`
    : sql``;
  const pushedStatus = options.status !== 'all' && !options.current;
  const pushedKinds =
    options.current && options.kinds?.length
      ? sql`o.kind in (${sql.join(
          options.kinds.map((k) => sql`${k}`),
          sql`, `,
        )})`
      : null;
  const baseWhere = [pushedStatus ? sql`o.status = ${options.status}` : null, pushedKinds].filter((c): c is SQL => c !== null);
  // One owner per obligation: the joins are by primary key, and an open-status filter uses the status index.
  const base = sql`
    select o.id, o.kind, o.key, o.responsible, o.due_at, o.due_date::text as due_date, o.provisional, o.status, o.closed_at, o.exempted_at is not null as exempted${periodRank},
      case when o.case_id is not null then 'case' when o.mentorship_id is not null then 'mentorship'
        when o.screening_campaign_id is not null then 'screening' else 'reserve' end as process,
      coalesce(o.case_id, o.mentorship_id, o.reserve_candidate_id, o.screening_campaign_id) as entity_id,
      -- A campaign's sheet belongs to its township (the key), its 研判 to the county.
      coalesce(c.village_code, m.village_code, r.village_code, case when o.kind = 'screening_sheet' then o.key else s.county_code end) as village_code,
      coalesce(c.township_code, m.township_code, r.township_code, case when o.kind = 'screening_sheet' then o.key end) as township_code,
      c.sponsor_user_id, m.mentor_user_id, coalesce(m.mentee_person_id, r.person_id) as person_id
    from obligations o
    left join rectification_cases c on c.id = o.case_id
    left join mentorships m on m.id = o.mentorship_id
    left join reserve_candidates r on r.id = o.reserve_candidate_id
    left join screening_campaigns s on s.id = o.screening_campaign_id
    ${baseWhere.length ? sql`where ${sql.join(baseWhere, sql` and `)}` : sql``}`;
  const [rows, [totalRow]] = await Promise.all([
    db.execute<{
      id: string;
      kind: ObligationKind;
      key: string;
      responsible: ResponsibleParty;
      due_at: Date | string;
      due_date: string | null;
      provisional: boolean;
      status: ObligationStatus;
      closed_at: Date | string | null;
      exempted: boolean;
      process: ObligationProcess;
      entity_id: string;
      village_code: string;
      village_name: string | null;
      township_name: string | null;
      person_name: string | null;
    }>(sql`
      select t.*, v.name as village_name, tw.name as township_name, p.name as person_name
      from (${base}) t
      left join divisions v on v.code = t.village_code
      left join divisions tw on tw.code = t.township_code
      left join people p on p.id = t.person_id
      where ${where}
      order by t.due_at, t.id
      limit ${options.limit} offset ${options.offset}`),
    db.execute<{ total: number }>(sql`select count(*)::int as total from (${base}) t where ${where}`),
  ]);
  return {
    items: rows.map((r) => ({
      id: r.id,
      process: r.process,
      entityId: r.entity_id,
      kind: r.kind,
      key: r.key,
      responsible: r.responsible,
      dueAt: new Date(r.due_at),
      dueDate: r.due_date,
      provisional: r.provisional,
      status: r.status,
      closedAt: r.closed_at === null ? null : new Date(r.closed_at),
      exempted: r.exempted,
      villageCode: r.village_code,
      villageName: r.village_name,
      townshipName: r.township_name,
      subjectName: r.process === 'case' || r.process === 'screening' ? r.village_name : r.person_name,
    })),
    total: totalRow?.total ?? 0,
  };
}
