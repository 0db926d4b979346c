/**
 * Escalation accounting against the expected set. The expected set is computed from the
 * obligations' scheduled rungs (as the workflows armed and projected them); delivered is what
 * reached Postgres. `escalations` is unique on (obligation, rung), so a duplicate cannot show as a
 * row: a rung fired twice would show as a second `escalation_raised` audit event (each change of a
 * case has its own sequence number) and as extra notifications; both are counted.
 */
import type { DbHandle } from '../../db/client.js';

export interface Ledger {
  expected: number;
  delivered: number;
  duplicated: number;
  lost: number;
  /** Delivered for a rung not in the expected set (e.g. an obligation that was no longer open). */
  unexpected: number;
  /** Committed before the rung's instant. */
  early: number;
  /** committed_at − scheduled_at, ms, for each delivered expected rung. */
  latenessMs: number[];
  lostKeys: string[];
  duplicateKeys: string[];
}

/** `caseIds: 'all'` counts every case of the database (a burst of 50,000 is too many parameters). */
export async function escalationLedger(db: DbHandle, options: { caseIds: string[] | 'all'; dueBefore: Date; kinds?: string[] }): Promise<Ledger> {
  const ids = options.caseIds;
  if (ids !== 'all' && ids.length === 0) throw new Error('escalationLedger: no cases');
  const within = (column: string) => (ids === 'all' ? db.sql`true` : db.sql`${db.sql(column)} in ${db.sql(ids)}`);
  const kinds = options.kinds ?? ['plan'];
  const expected = await db.sql<{ key: string; at: Date }[]>`
    select o.id || '|' || (r->>'rung') as key, (r->>'at')::timestamptz as at
      from obligations o, jsonb_array_elements(o.rungs) r
     where ${within('o.case_id')} and o.kind::text in ${db.sql(kinds)} and (r->>'at')::timestamptz <= ${options.dueBefore.toISOString()}::timestamptz`;
  const delivered = await db.sql<{ key: string; lateness_ms: number }[]>`
    select obligation_id || '|' || rung as key, extract(epoch from (committed_at - scheduled_at)) * 1000 as lateness_ms
      from escalations where ${within('case_id')}`;
  const audits = await db.sql<{ key: string; n: number }[]>`
    select (details->>'obligationId') || '|' || (details->>'rung') as key, count(*)::int as n
      from audit_events
     where entity_type = 'case' and action = 'escalation_raised' and ${within('entity_id')}
     group by 1`;
  // Notifications of an escalation: one per recipient; more than the recipients would be duplicates.
  const notes = await db.sql<{ key: string; n: number; recipients: number }[]>`
    select e.obligation_id || '|' || e.rung as key, count(*)::int as n,
           count(distinct coalesce(n.recipient_user_id::text, n.recipient_role || '@' || n.recipient_division_code))::int as recipients
      from notifications n join escalations e on e.id = n.escalation_id
     where ${within('e.case_id')}
     group by 1`;

  const expectedKeys = new Set(expected.map((r) => r.key));
  const deliveredMap = new Map(delivered.map((r) => [r.key, Number(r.lateness_ms)]));
  const duplicateKeys = new Set<string>();
  for (const a of audits) if (a.n > 1) duplicateKeys.add(a.key);
  for (const n of notes) if (n.n > n.recipients) duplicateKeys.add(n.key);
  const lostKeys = [...expectedKeys].filter((k) => !deliveredMap.has(k));
  const latenessMs = [...expectedKeys].filter((k) => deliveredMap.has(k)).map((k) => deliveredMap.get(k)!);
  return {
    expected: expectedKeys.size,
    delivered: [...deliveredMap.keys()].filter((k) => expectedKeys.has(k)).length,
    duplicated: duplicateKeys.size,
    lost: lostKeys.length,
    unexpected: [...deliveredMap.keys()].filter((k) => !expectedKeys.has(k)).length,
    early: latenessMs.filter((l) => l < 0).length,
    latenessMs,
    lostKeys,
    duplicateKeys: [...duplicateKeys],
  };
}

/** Rungs of the given cases' obligations, as the workflows scheduled them. */
export async function scheduledRungs(
  db: DbHandle,
  caseIds: string[],
  kinds: string[] = ['plan'],
): Promise<Array<{ obligationId: string; rung: string; at: string }>> {
  if (caseIds.length === 0) return [];
  const rows = await db.sql<{ obligation_id: string; rung: string; at: string }[]>`
    select o.id as obligation_id, r->>'rung' as rung, r->>'at' as at
      from obligations o, jsonb_array_elements(o.rungs) r
     where o.case_id in ${db.sql(caseIds)} and o.kind::text in ${db.sql(kinds)}`;
  return rows.map((r) => ({ obligationId: r.obligation_id, rung: r.rung, at: r.at }));
}
