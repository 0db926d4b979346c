import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { jurisdictionPrefix } from '../../domain/divisions.js';
import type { EscalationRung, ObligationKind, ResponsibleParty } from '../../domain/escalation.js';
import type { AuthUser, Role } from '../../domain/roles.js';
import type { ObligationProcess } from './obligations.js';
import { appendAuditEvents } from './audit-chain.js';

/** What a printed 督办单 shows: the escalation, what is overdue since when, and whom it concerns. */
export interface EscalationSheet {
  id: string;
  rung: EscalationRung;
  scheduledAt: Date;
  raisedAt: Date;
  resolvedAt: Date | null;
  targetRole: Role;
  targetDivisionName: string | null;
  process: ObligationProcess;
  entityId: string;
  obligation: { kind: ObligationKind; responsible: ResponsibleParty; dueAt: Date; dueDate: string | null; status: string; closedAt: Date | null };
  villageCode: string;
  villageName: string | null;
  townshipName: string | null;
  countyName: string | null;
  subjectName: string | null;
  sponsorName: string | null;
}

type Queryable = Pick<Db, 'execute'>;

/**
 * An escalation's sheet, if the user may see it (its case, mentorship or reserve is in their
 * jurisdiction; a sponsor: their own cases); null otherwise, as if it did not exist. `prints` is how
 * many times it was printed so far.
 */
export async function findEscalationSheet(db: Queryable, user: AuthUser, id: string): Promise<{ sheet: EscalationSheet; prints: number } | null> {
  const visible =
    user.role === 'sponsor'
      ? sql`c.sponsor_user_id = ${user.id}`
      : sql`coalesce(c.village_code, m.village_code, r.village_code, case when o.kind = 'screening_sheet' then o.key else s.county_code end) like ${`${jurisdictionPrefix(user.jurisdictionCode)}%`}`;
  {
    const [row] = await db.execute<{
      id: string;
      rung: EscalationRung;
      scheduled_at: Date | string;
      raised_at: Date | string;
      resolved_at: Date | string | null;
      target_role: Role;
      target_division_name: string | null;
      process: ObligationProcess;
      entity_id: string;
      kind: ObligationKind;
      responsible: ResponsibleParty;
      due_at: Date | string;
      due_date: string | null;
      status: string;
      closed_at: Date | string | null;
      village_code: string;
      village_name: string | null;
      township_name: string | null;
      county_name: string | null;
      person_name: string | null;
      sponsor_name: string | null;
    }>(sql`
      select e.id, e.rung, e.scheduled_at, e.raised_at, e.resolved_at, e.target_role,
        (select d.name from divisions d where d.code = e.target_division_code) as target_division_name,
        case when e.case_id is not null then 'case' when e.mentorship_id is not null then 'mentorship'
          when e.screening_campaign_id is not null then 'screening' else 'reserve' end as process,
        coalesce(e.case_id, e.mentorship_id, e.reserve_candidate_id, e.screening_campaign_id) as entity_id,
        o.kind, o.responsible, o.due_at, o.due_date::text as due_date, o.status, o.closed_at,
        coalesce(c.village_code, m.village_code, r.village_code, case when o.kind = 'screening_sheet' then o.key else s.county_code end) as village_code,
        (select d.name from divisions d where d.code = coalesce(c.village_code, m.village_code, r.village_code, case when o.kind = 'screening_sheet' then o.key else s.county_code end)) as village_name,
        (select d.name from divisions d where d.code = coalesce(c.township_code, m.township_code, r.township_code, case when o.kind = 'screening_sheet' then o.key end)) as township_name,
        (select d.name from divisions d where d.code = coalesce(c.county_code, m.county_code, r.county_code, s.county_code)) as county_name,
        (select p.name from people p where p.id = coalesce(m.mentee_person_id, r.person_id)) as person_name,
        (select u.name from users u where u.id = c.sponsor_user_id) as sponsor_name
      from escalations e
      join obligations o on o.id = e.obligation_id
      left join rectification_cases c on c.id = e.case_id
      left join mentorships m on m.id = e.mentorship_id
      left join reserve_candidates r on r.id = e.reserve_candidate_id
      left join screening_campaigns s on s.id = e.screening_campaign_id
      where e.id = ${id} and ${visible}`);
    if (!row) return null;
    const [{ prints } = { prints: 0 }] = await db.execute<{ prints: number }>(
      sql`select count(*)::int as prints from audit_events where entity_type = 'escalation' and entity_id = ${id} and action = 'printed'`,
    );
    const date = (v: Date | string) => new Date(v);
    return {
      prints,
      sheet: {
        id: row.id,
        rung: row.rung,
        scheduledAt: date(row.scheduled_at),
        raisedAt: date(row.raised_at),
        resolvedAt: row.resolved_at ? date(row.resolved_at) : null,
        targetRole: row.target_role,
        targetDivisionName: row.target_division_name,
        process: row.process,
        entityId: row.entity_id,
        obligation: {
          kind: row.kind,
          responsible: row.responsible,
          dueAt: date(row.due_at),
          dueDate: row.due_date,
          status: row.status,
          closedAt: row.closed_at ? date(row.closed_at) : null,
        },
        villageCode: row.village_code,
        villageName: row.village_name,
        townshipName: row.township_name,
        countyName: row.county_name,
        subjectName: row.process === 'case' || row.process === 'screening' ? row.village_name : row.person_name,
        sponsorName: row.sponsor_name,
      },
    };
  }
}

/**
 * Records that the user printed the sheet (who, when, which copy) in the audit trail. The count and
 * the insert share a transaction under a lock on the escalation, so two prints at once get two
 * numbers. Null when the user may not see it.
 */
export async function recordEscalationPrint(db: Db, user: AuthUser, id: string, at: Date): Promise<{ sheet: EscalationSheet; printNo: number } | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select 1 from escalations where id = ${id} for update`);
    const found = await findEscalationSheet(tx, user, id);
    if (!found) return null;
    const printNo = found.prints + 1;
    await appendAuditEvents(tx, [
      {
        dedupeKey: `escalation:${id}:printed:${randomUUID()}`,
        entityType: 'escalation',
        entityId: id,
        action: 'printed',
        actorUserId: user.id,
        actorLabel: user.name,
        at,
        before: null,
        after: null,
        details: { printNo, process: found.sheet.process, entityId: found.sheet.entityId },
      },
    ]);
    return { sheet: found.sheet, printNo };
  });
}
