import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { caseSubmissions, obligations, rectificationCases } from '../schema/index.js';
import type { CaseChange } from '../../domain/contracts/rectification.js';
import { HAS_PROVISIONAL_DATE, writeProcessChange, type Tx } from './deadline-projection.js';
import type { AuditEventInput } from './audit-chain.js';
import type { ProjectionCommit } from '../../lib/metrics.js';
import { replaceSupportHolders } from './support-package.js';

/** Writes one change of a case (`recordProcessChange`), with the submission it carries. */
export async function recordCaseChange(db: Db, change: CaseChange): Promise<{ applied: boolean; commit?: ProjectionCommit }> {
  return db.transaction((tx) => recordCaseChangeIn(tx, change));
}

/**
 * `recordCaseChange` inside the caller's transaction: a case's first change written with the case
 * row, after `precedingAudit` (its designation event) in the audit chain.
 */
export async function recordCaseChangeIn(
  tx: Tx,
  change: CaseChange,
  precedingAudit: readonly AuditEventInput[] = [],
): Promise<{ applied: boolean; commit?: ProjectionCommit }> {
  const { snapshot: s, event } = change;
  return writeProcessChange(
    tx,
    {
      precedingAudit,
      owner: { caseId: s.caseId },
      auditEntity: { type: 'case', id: s.caseId, keyPrefix: 'case' },
      advance: (tx) =>
        tx
          .update(rectificationCases)
          .set({
            state: s.state,
            rag: s.rag,
            sponsorUserId: s.sponsorUserId,
            delistedAt: s.delistedAt ? new Date(s.delistedAt) : null,
            followUpEndsAt: s.followUpEndsAt ? new Date(s.followUpEndsAt) : null,
            closedAt: s.closedAt ? new Date(s.closedAt) : null,
            cancelReason: s.cancelReason,
            suspendedSince: s.suspension ? new Date(s.suspension.since) : null,
            suspensionReason: s.suspension?.reason ?? null,
            clockRequests: s.clockRequests ?? [],
            ...(s.policy ? { policy: s.policy } : {}),
            ...(s.policyId !== undefined ? { policyId: s.policyId } : {}),
            acceptanceAttempts: s.acceptanceAttempts,
            projectionSeq: s.seq,
            updatedAt: new Date(event.at),
          })
          .where(and(eq(rectificationCases.id, s.caseId), lt(rectificationCases.projectionSeq, s.seq)))
          .returning({ id: rectificationCases.id }),
      extra: async (tx, at) => {
        if (change.support) {
          const { post, holders, reason } = change.support;
          await replaceSupportHolders(tx, { caseId: s.caseId, post, holders, reason, at, key: `case:${s.caseId}:${event.seq}`, actor: event.actor });
        }
        const sub = change.submission;
        if (!sub) return;
        await tx
          .insert(caseSubmissions)
          .values({
            caseId: s.caseId,
            kind: sub.kind,
            key: sub.key,
            content: sub.content,
            late: sub.late,
            submittedBy: event.actor.userId,
            submittedAt: at,
          })
          .onConflictDoNothing();
      },
    },
    change,
  );
}

/** Case IDs (ordered, paged) with open obligations under a division prefix; optionally only provisional ones. */
export async function findCasesToRecompute(
  db: Db,
  input: { divisionPrefix: string; onlyProvisional: boolean; afterCaseId: string | null; limit: number },
): Promise<string[]> {
  const rows = await db.execute<{ case_id: string }>(sql`
    select distinct o.case_id
    from ${obligations} o
    join ${rectificationCases} c on c.id = o.case_id
    where o.status = 'open'
      and c.village_code like ${input.divisionPrefix + '%'}
      ${input.onlyProvisional ? sql`and ${HAS_PROVISIONAL_DATE}` : sql``}
      ${input.afterCaseId ? sql`and o.case_id > ${input.afterCaseId}` : sql``}
    order by o.case_id
    limit ${input.limit}`);
  return rows.map((r) => r.case_id);
}
