/** The case list as offices export it: one row per case, with names instead of codes and ids. */
import { sql } from 'drizzle-orm';
import type { Db } from '../../client.js';
import type { CaseState } from '../../../domain/cases.js';
import type { Rag } from '../../../domain/escalation.js';
import { caseScope, selectRows, toDate, ts, type StatsScope } from './scope.js';

export interface CaseExportRow {
  id: string;
  villageCode: string;
  villageName: string | null;
  townshipName: string | null;
  countyName: string | null;
  state: CaseState;
  rag: Rag;
  reasons: string[];
  sponsorName: string | null;
  designatedAt: Date;
  rectificationDueAt: Date | null;
  delistedAt: Date | null;
  followUpEndsAt: Date | null;
  closedAt: Date | null;
  cancelReason: string | null;
  acceptanceAttempts: number;
  isRelapseCase: boolean;
  overdueObligations: number;
}

export async function listCasesForExport(
  db: Db,
  params: { scope: StatsScope; states?: readonly CaseState[]; rags?: readonly Rag[]; sponsorUserId?: string; asOf: Date; limit: number },
): Promise<CaseExportRow[]> {
  const { scope, states, rags, sponsorUserId, asOf, limit } = params;
  const filters = [
    states?.length ? sql`and c.state in ${states}` : sql``,
    rags?.length ? sql`and c.rag in ${rags}` : sql``,
    sponsorUserId ? sql`and c.sponsor_user_id = ${sponsorUserId}` : sql``,
  ];
  const rows = await selectRows<
    CaseExportRow & {
      designatedAt: string;
      rectificationDueAt: string | null;
      delistedAt: string | null;
      followUpEndsAt: string | null;
      closedAt: string | null;
    }
  >(
    db,
    sql`
    select c.id, c.village_code as "villageCode", v.name as "villageName", t.name as "townshipName", k.name as "countyName",
      c.state, c.rag, c.reasons, u.name as "sponsorName", c.designated_at as "designatedAt",
      (select o.due_at from obligations o where o.case_id = c.id and o.kind = 'rectification' and o.key = '1') as "rectificationDueAt",
      c.delisted_at as "delistedAt", c.follow_up_ends_at as "followUpEndsAt", c.closed_at as "closedAt",
      c.cancel_reason as "cancelReason", c.acceptance_attempts as "acceptanceAttempts",
      (c.parent_case_id is not null) as "isRelapseCase",
      (select count(*) from obligations o where o.case_id = c.id and o.status = 'open' and o.due_at < ${ts(asOf)})::int as "overdueObligations"
    from rectification_cases c
    left join divisions v on v.code = c.village_code
    left join divisions t on t.code = c.township_code
    left join divisions k on k.code = c.county_code
    left join users u on u.id = c.sponsor_user_id
    where ${caseScope(scope)} ${filters[0]} ${filters[1]} ${filters[2]}
    order by c.designated_at desc, c.id
    limit ${limit}`,
  );
  return rows.map((r) => ({
    ...r,
    designatedAt: toDate(r.designatedAt),
    rectificationDueAt: r.rectificationDueAt ? toDate(r.rectificationDueAt) : null,
    delistedAt: r.delistedAt ? toDate(r.delistedAt) : null,
    followUpEndsAt: r.followUpEndsAt ? toDate(r.followUpEndsAt) : null,
    closedAt: r.closedAt ? toDate(r.closedAt) : null,
  }));
}
