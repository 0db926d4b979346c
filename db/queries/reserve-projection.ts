import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { reserveCandidates, reserveCoverageAlerts, reserveRecords } from '../schema/index.js';
import { POOL_STATES, isCovered } from '../../domain/reserves.js';
import { RESERVE_POOL_TARGET } from '../../domain/stats.js';
import { toFullCode } from '../../domain/divisions.js';
import type { ReserveChange } from '../../domain/contracts/reserve.js';
import { HAS_PROVISIONAL_DATE, insertNotifications, recordProcessChange, type Tx } from './deadline-projection.js';
import type { ProjectionCommit } from '../../lib/metrics.js';

const date = (iso: string | null): Date | null => (iso ? new Date(iso) : null);
const POOL = POOL_STATES as readonly string[];

/**
 * Writes one change of a reserve candidate (`recordProcessChange`), with the record it carries. When
 * the candidate enters or leaves the pool, the coverage of its township's villages is re-evaluated
 * in the same transaction: alerts raised or cleared.
 */
export async function recordReserveChange(db: Db, change: ReserveChange): Promise<{ applied: boolean; commit?: ProjectionCommit }> {
  const { snapshot: s, event } = change;
  const outcome = s.outcome;
  return recordProcessChange(
    db,
    {
      owner: { reserveCandidateId: s.candidateId },
      auditEntity: { type: 'reserve_candidate', id: s.candidateId, keyPrefix: 'reserve' },
      advance: (tx) =>
        tx
          .update(reserveCandidates)
          .set({
            state: s.state,
            rag: s.rag,
            qualifiedAt: date(s.qualifiedAt),
            inspectedAt: date(s.inspectedAt),
            publicityEndsAt: date(s.publicityEndsAt),
            pooledAt: date(s.pooledAt),
            trainingStartedAt: date(s.trainingStartedAt),
            closedAt: date(s.closedAt),
            placedPost: outcome?.kind === 'placed' ? outcome.post : null,
            newInPost: outcome?.kind === 'placed' ? outcome.newInPost : null,
            transferredTo: outcome?.kind === 'transferred' ? outcome.toVillageCode : null,
            exitReason: outcome?.kind === 'exited' ? outcome.reason : outcome?.kind === 'transferred' ? outcome.reason : null,
            clockRequests: s.clockRequests ?? [],
            projectionSeq: s.seq,
            updatedAt: new Date(event.at),
          })
          .where(and(eq(reserveCandidates.id, s.candidateId), lt(reserveCandidates.projectionSeq, s.seq)))
          .returning({ id: reserveCandidates.id }),
      extra: async (tx, at) => {
        const r = change.record;
        if (!r) return;
        await tx
          .insert(reserveRecords)
          .values({ candidateId: s.candidateId, kind: r.kind, key: r.key, content: r.content, late: r.late, submittedBy: event.actor.userId, submittedAt: at })
          .onConflictDoNothing();
      },
      afterNotifications: async (tx, at, commit) => {
        const wasInPool = POOL.includes(String(event.before?.state));
        if (wasInPool !== POOL.includes(s.state)) await evaluateCoverage(tx, s.townshipCode, at, commit);
      },
    },
    change,
  );
}

/**
 * Raises an alert (and notifies the township office) for each village of the township with fewer
 * than 2 reserves in its pool and no open alert; clears the open alert of each village that has 2
 * again. Serialised per township, so concurrent pool changes count each other.
 */
export async function evaluateCoverage(tx: Tx, townshipCode: string, at: Date, commit?: ProjectionCommit): Promise<{ raised: number; cleared: number }> {
  const township = toFullCode(townshipCode);
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`reserve-coverage:${township}`}))`);
  const rows = await tx.execute<{ code: string; name: string; in_pool: number; alert_id: string | null }>(sql`
    select d.code, d.name, coalesce(p.n, 0)::int as in_pool, a.id as alert_id
    from divisions d
    left join (
      select village_code, count(*) as n from ${reserveCandidates}
      where village_code like ${township.slice(0, 9) + '%'} and state in ${POOL}
      group by village_code
    ) p on p.village_code = d.code
    left join ${reserveCoverageAlerts} a on a.village_code = d.code and a.cleared_at is null
    where d.level = 'village' and d.code like ${township.slice(0, 9) + '%'}
    order by d.code`);
  let raised = 0;
  let cleared = 0;
  for (const v of rows) {
    if (!isCovered(v.in_pool) && !v.alert_id) {
      const [alert] = await tx
        .insert(reserveCoverageAlerts)
        .values({ villageCode: v.code, townshipCode: township, inPoolAtRaise: v.in_pool, raisedAt: at })
        .onConflictDoNothing()
        .returning({ id: reserveCoverageAlerts.id });
      if (!alert) continue;
      raised++;
      await insertNotifications(
        tx,
        null,
        null,
        [
          {
            dedupeKey: `reserve-coverage-alert:${alert.id}:township_office@${township}`,
            recipient: { userId: null, role: 'township_office', divisionCode: township },
            kind: 'reserve.coverage_alert',
            title: '后备力量不足预警',
            body: `${v.name}（${v.code}）在库后备力量${v.in_pool}人，少于${RESERVE_POOL_TARGET}人，请及时补充。`,
          },
        ],
        at,
        commit,
      );
    } else if (isCovered(v.in_pool) && v.alert_id) {
      await tx.update(reserveCoverageAlerts).set({ clearedAt: at, inPoolAtClear: v.in_pool }).where(eq(reserveCoverageAlerts.id, v.alert_id));
      cleared++;
    }
  }
  return { raised, cleared };
}

/** Mentorships and reserve candidates (ordered, paged) with open obligations under a division prefix. */
export async function findProcessesToRecompute(
  db: Db,
  input: { divisionPrefix: string; onlyProvisional: boolean; after: { kind: 'mentorship' | 'reserve'; id: string } | null; limit: number },
): Promise<Array<{ kind: 'mentorship' | 'reserve'; id: string }>> {
  const prefix = input.divisionPrefix + '%';
  const provisional = input.onlyProvisional ? sql`and ${HAS_PROVISIONAL_DATE}` : sql``;
  const rows = await db.execute<{ kind: 'mentorship' | 'reserve'; id: string }>(sql`
    select kind, id from (
      select distinct 'mentorship' as kind, o.mentorship_id::text as id
      from obligations o join mentorships m on m.id = o.mentorship_id
      where o.status = 'open' and m.village_code like ${prefix} ${provisional}
      union
      select distinct 'reserve' as kind, o.reserve_candidate_id::text as id
      from obligations o join reserve_candidates r on r.id = o.reserve_candidate_id
      where o.status = 'open' and r.village_code like ${prefix} ${provisional}
    ) x
    ${input.after ? sql`where (kind, id) > (${input.after.kind}::text, ${input.after.id}::text)` : sql``}
    order by kind, id
    limit ${input.limit}`);
  return rows.map((r) => ({ kind: r.kind, id: r.id }));
}
