import { and, asc, count, desc, eq, getTableColumns, inArray, like, lt, sql, type SQL } from 'drizzle-orm';
import { readSnapshot, type Db } from '../client.js';
import { deliveriesAbout } from './deliveries.js';
import { escalations, mentorships, obligations, reserveCandidates, reserveNominations, reserveRecords } from '../schema/index.js';
import { ConflictError } from '../../domain/errors.js';
import { jurisdictionPrefix } from '../../domain/divisions.js';
import type { Rag } from '../../domain/escalation.js';
import type { ReserveSource } from '../../domain/people.js';
import type { ReservePolicy } from '../../domain/policy.js';
import { POOL_STATES, RESERVE_STATES, type ReserveState } from '../../domain/reserves.js';
import { RESERVE_POOL_TARGET } from '../../domain/stats.js';
import type { AuthUser } from '../../domain/roles.js';
import { visibleTo } from './scope.js';
import { isUniqueViolation } from './pg-errors.js';
import { insertPerson, type PersonInput } from './people.js';
import { timelineOf } from './audit.js';
import { insertAuditEvent } from './deadline-projection.js';
import type { Actor } from '../../domain/contracts/deadlines.js';
import type { NextDue } from './cases.js';
import { appendAuditEvents } from './audit-chain.js';

export type ReserveRow = typeof reserveCandidates.$inferSelect;

/** A candidate as the API shows it: the row with the names lists need and its soonest open deadline. */
export type ReserveView = ReserveRow & {
  villageName: string | null;
  townshipName: string | null;
  personName: string | null;
  nextDue: NextDue | null;
};

// Spelled out with the table's name: drizzle renders the only table's columns unqualified, which a subquery would take as its own.
const reserveViewColumns = {
  ...getTableColumns(reserveCandidates),
  villageName: sql<string | null>`(select d.name from divisions d where d.code = reserve_candidates.village_code)`,
  townshipName: sql<string | null>`(select d.name from divisions d where d.code = reserve_candidates.township_code)`,
  personName: sql<string | null>`(select p.name from people p where p.id = reserve_candidates.person_id)`,
  nextDue: sql<NextDue | null>`(select jsonb_build_object('kind', o.kind, 'dueAt', o.due_at, 'dueDate', o.due_date, 'provisional', o.provisional)
    from obligations o where o.reserve_candidate_id = reserve_candidates.id and o.status = 'open' order by o.due_at, o.id limit 1)`,
};

/** How a candidate list is ordered: newest nomination first (default), soonest deadline, last change. */
export const RESERVE_SORTS = ['nominated', 'next_due', 'updated'] as const;
export type ReserveSort = (typeof RESERVE_SORTS)[number];

export interface NewReserve {
  villageCode: string;
  townshipCode: string;
  countyCode: string;
  person: PersonInput;
  source: ReserveSource;
  nominationId: string | null;
  ageAtNomination: number | null;
  ageWarning: boolean;
  note: string | null;
  policyId: string | null;
  policy: ReservePolicy;
  nominatedAt: Date;
  createdBy: string;
  createdByLabel: string;
  nominationKey: string;
  warnings: unknown[];
}

/** Inserts a nominated candidate (and the person, if new) with its first audit event, or finds an earlier attempt's. */
export async function insertNominatedReserve(db: Db, input: NewReserve): Promise<{ row: ReserveRow; created: boolean }> {
  try {
    return await db.transaction(async (tx) => {
      const [existing] = await tx
        .select()
        .from(reserveCandidates)
        .where(and(eq(reserveCandidates.createdBy, input.createdBy), eq(reserveCandidates.nominationKey, input.nominationKey)));
      if (existing) return { row: existing, created: false };
      const personId = 'personId' in input.person ? input.person.personId : (await insertPerson(tx, input.person, input.villageCode)).id;
      const id = crypto.randomUUID();
      const [row] = await tx
        .insert(reserveCandidates)
        .values({
          id,
          personId,
          villageCode: input.villageCode,
          townshipCode: input.townshipCode,
          countyCode: input.countyCode,
          source: input.source,
          nominationId: input.nominationId,
          state: 'nominated',
          rag: 'green',
          ageAtNomination: input.ageAtNomination,
          ageWarning: input.ageWarning,
          note: input.note,
          policyId: input.policyId,
          policy: input.policy,
          nominatedAt: input.nominatedAt,
          createdBy: input.createdBy,
          nominationKey: input.nominationKey,
          projectionSeq: 0,
        })
        .returning();
      await appendAuditEvents(tx, [
        {
          dedupeKey: `reserve:${id}:0`,
          entityType: 'reserve_candidate',
          entityId: id,
          action: 'nominated',
          actorUserId: input.createdBy,
          actorLabel: input.createdByLabel,
          at: input.nominatedAt,
          before: null,
          after: { state: 'nominated' },
          details: { personId, source: input.source, nominationId: input.nominationId, note: input.note, warnings: input.warnings, policyId: input.policyId },
        },
      ]);
      return { row: row!, created: true };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'reserve_candidates_one_open_per_person_uq')) {
      throw new ConflictError('此人已是进行中的后备力量 (this person is already an open reserve candidate)', { field: 'person' });
    }
    throw err;
  }
}

export interface TransferredReserve {
  from: ReserveRow;
  villageCode: string;
  townshipCode: string;
  countyCode: string;
  reason: string;
  policyId: string | null;
  policy: ReservePolicy;
  at: Date;
  actor: Actor;
}

/**
 * Inserts the candidate a transfer continues at the target village (调入), or finds the one an
 * earlier attempt inserted: at most one per transferred candidate (a unique key), so the activity
 * that calls this may be retried. The person, source and nomination stay those of the original.
 */
export async function insertTransferredReserve(db: Db, input: TransferredReserve): Promise<ReserveRow> {
  return db.transaction(async (tx) => {
    const [existing] = await tx.select().from(reserveCandidates).where(eq(reserveCandidates.transferredFromId, input.from.id));
    if (existing) return existing;
    const id = crypto.randomUUID();
    const createdBy = input.actor.userId ?? input.from.createdBy;
    const [row] = await tx
      .insert(reserveCandidates)
      .values({
        id,
        personId: input.from.personId,
        villageCode: input.villageCode,
        townshipCode: input.townshipCode,
        countyCode: input.countyCode,
        source: input.from.source,
        nominationId: input.from.nominationId,
        state: 'nominated',
        rag: 'green',
        ageAtNomination: input.from.ageAtNomination,
        ageWarning: input.from.ageWarning,
        note: input.reason,
        policyId: input.policyId,
        policy: input.policy,
        nominatedAt: input.from.nominatedAt,
        createdBy,
        nominationKey: `transfer:${input.from.id}`,
        transferredFromId: input.from.id,
        projectionSeq: 0,
      })
      .returning();
    await insertAuditEvent(
      tx,
      { type: 'reserve_candidate', id, keyPrefix: 'reserve' },
      {
        seq: 0,
        action: 'transferred_in',
        actor: input.actor,
        at: input.at.toISOString(),
        before: null,
        after: { state: 'nominated' },
        details: { fromCandidateId: input.from.id, fromVillageCode: input.from.villageCode, reason: input.reason, policyId: input.policyId },
      },
    );
    return row!;
  });
}

export async function getReserveRow(db: Db, id: string): Promise<ReserveView | null> {
  const [row] = await db.select(reserveViewColumns).from(reserveCandidates).where(eq(reserveCandidates.id, id));
  return row ?? null;
}

export async function getNomination(db: Db, id: string) {
  const [row] = await db.select().from(reserveNominations).where(eq(reserveNominations.id, id));
  return row ?? null;
}

export async function findVisibleReserve(db: Db, user: AuthUser, id: string): Promise<ReserveView | null> {
  if (user.role === 'sponsor') return null;
  const [row] = await db
    .select(reserveViewColumns)
    .from(reserveCandidates)
    .where(and(eq(reserveCandidates.id, id), visibleTo(user, { code: reserveCandidates.villageCode })));
  return row ?? null;
}

export interface ReserveFilters {
  state?: ReserveState[];
  rag?: Rag[];
  source?: ReserveSource[];
  division?: string;
  sort?: ReserveSort;
  limit: number;
  offset: number;
}

export async function listReserves(db: Db, user: AuthUser, filters: ReserveFilters): Promise<{ items: ReserveView[]; total: number }> {
  const conditions: SQL[] = [visibleTo(user, { code: reserveCandidates.villageCode })];
  if (filters.state?.length) conditions.push(inArray(reserveCandidates.state, filters.state));
  if (filters.rag?.length) conditions.push(inArray(reserveCandidates.rag, filters.rag));
  if (filters.source?.length) conditions.push(inArray(reserveCandidates.source, filters.source));
  if (filters.division) conditions.push(like(reserveCandidates.villageCode, `${jurisdictionPrefix(filters.division)}%`));
  const where = and(...conditions);
  const [items, [totalRow]] = await Promise.all([
    db
      .select(reserveViewColumns)
      .from(reserveCandidates)
      .where(where)
      .orderBy(...reserveOrder(filters.sort ?? 'nominated'))
      .limit(filters.limit)
      .offset(filters.offset),
    db.select({ total: count() }).from(reserveCandidates).where(where),
  ]);
  return { items, total: totalRow?.total ?? 0 };
}

function reserveOrder(sort: ReserveSort): SQL[] {
  if (sort === 'updated') return [desc(reserveCandidates.updatedAt), asc(reserveCandidates.id)];
  if (sort === 'next_due') {
    // Nothing open (placed, exited, transferred) comes last.
    return [
      sql`(select min(o.due_at) from obligations o where o.reserve_candidate_id = ${reserveCandidates.id} and o.status = 'open') asc nulls last`,
      asc(reserveCandidates.id),
    ];
  }
  return [desc(reserveCandidates.nominatedAt), asc(reserveCandidates.id)];
}

export async function getReserveParts(db: Db, id: string) {
  return readSnapshot(db, async (db) => {
    const [deliveryRows, obligationRows, escalationRows, records, timeline, [mentorship], [continued]] = await Promise.all([
      deliveriesAbout(db, { reserveCandidateId: id }),
      db.select().from(obligations).where(eq(obligations.reserveCandidateId, id)).orderBy(asc(obligations.dueAt), asc(obligations.id)),
      db.select().from(escalations).where(eq(escalations.reserveCandidateId, id)).orderBy(asc(escalations.raisedAt)),
      db.select().from(reserveRecords).where(eq(reserveRecords.candidateId, id)).orderBy(asc(reserveRecords.submittedAt), asc(reserveRecords.kind)),
      timelineOf(db, 'reserve_candidate', id),
      db.select({ id: mentorships.id }).from(mentorships).where(eq(mentorships.sourceReserveCandidateId, id)),
      db.select({ id: reserveCandidates.id }).from(reserveCandidates).where(eq(reserveCandidates.transferredFromId, id)),
    ]);
    return {
      deliveries: deliveryRows,
      obligations: obligationRows,
      escalations: escalationRows,
      records,
      timeline,
      mentorshipId: mentorship?.id ?? null,
      /** The candidate this one continues as at the village it was transferred to. */
      transferredToCandidateId: continued?.id ?? null,
    };
  });
}

/** Candidates inserted but never projected by a workflow (its start never happened): to start again. */
export async function findUnstartedReserves(db: Db, olderThan: Date, limit = 500): Promise<ReserveRow[]> {
  return db
    .select()
    .from(reserveCandidates)
    .where(and(eq(reserveCandidates.projectionSeq, 0), eq(reserveCandidates.state, 'nominated'), lt(reserveCandidates.updatedAt, olderThan)))
    .limit(limit);
}

export interface VillageCoverage {
  villageCode: string;
  villageName: string;
  inPool: number;
  /** Fewer than 2 in the pool. */
  belowTarget: boolean;
  /** The open alert row, if one was raised. */
  alertId: string | null;
  alertRaisedAt: Date | null;
}

/** Per village under a division: reserves in pool and the open alert; with totals over the whole division. */
export async function reserveCoverage(db: Db, params: { prefix: string; belowTargetOnly: boolean; limit: number; offset: number }) {
  const pattern = params.prefix + '%';
  const base = sql`
    with p as (
      select village_code, count(*) as n from ${reserveCandidates}
      where village_code like ${pattern} and state in ${POOL_STATES}
      group by village_code
    ),
    v as (
      select d.code, d.name, coalesce(p.n, 0)::int as in_pool, a.id as alert_id, a.raised_at
      from divisions d
      left join p on p.village_code = d.code
      left join reserve_coverage_alerts a on a.village_code = d.code and a.cleared_at is null
      where d.level = 'village' and d.code like ${pattern}
    )`;
  const [rows, [totals]] = await Promise.all([
    db.execute<{ code: string; name: string; in_pool: number; alert_id: string | null; raised_at: string | null }>(sql`
      ${base}
      select * from v ${params.belowTargetOnly ? sql`where in_pool < ${RESERVE_POOL_TARGET}` : sql``}
      order by code limit ${params.limit} offset ${params.offset}`),
    db.execute<{ villages: number; covered: number; in_pool: number; open_alerts: number }>(sql`
      ${base}
      select count(*)::int as villages, count(*) filter (where in_pool >= ${RESERVE_POOL_TARGET})::int as covered,
        coalesce(sum(in_pool), 0)::int as in_pool, count(alert_id)::int as open_alerts
      from v`),
  ]);
  const villages: VillageCoverage[] = rows.map((r) => ({
    villageCode: r.code,
    villageName: r.name,
    inPool: r.in_pool,
    belowTarget: r.in_pool < RESERVE_POOL_TARGET,
    alertId: r.alert_id,
    alertRaisedAt: r.raised_at ? new Date(r.raised_at) : null,
  }));
  return {
    villages,
    totals: { villages: totals?.villages ?? 0, covered: totals?.covered ?? 0, inPool: totals?.in_pool ?? 0, openAlerts: totals?.open_alerts ?? 0 },
  };
}

/** Candidates per pipeline state under a division (the funnel): every state, zero where none. */
export async function countReservesByState(db: Db, prefix: string): Promise<Array<{ state: ReserveState; count: number }>> {
  const rows = await db
    .select({ state: reserveCandidates.state, count: count() })
    .from(reserveCandidates)
    .where(like(reserveCandidates.villageCode, `${prefix}%`))
    .groupBy(reserveCandidates.state);
  const byState = new Map(rows.map((r) => [r.state, r.count]));
  return RESERVE_STATES.map((state) => ({ state, count: byState.get(state) ?? 0 }));
}
