import { and, asc, count, desc, eq, getTableColumns, inArray, like, lt, sql, type SQL } from 'drizzle-orm';
import { readSnapshot, type Db } from '../client.js';
import { deliveriesAbout } from './deliveries.js';
import { escalations, mentorshipCheckIns, mentorships, obligations } from '../schema/index.js';
import { ConflictError } from '../../domain/errors.js';
import { jurisdictionPrefix } from '../../domain/divisions.js';
import type { Rag } from '../../domain/escalation.js';
import { MENTORED_STATES, TERMINAL_MENTORSHIP_STATES, type MentorshipState } from '../../domain/mentorships.js';
import type { MentorshipPolicy } from '../../domain/policy.js';
import type { AuthUser } from '../../domain/roles.js';
import { visibleTo } from './scope.js';
import { isUniqueViolation } from './pg-errors.js';
import { insertPerson, type PersonInput } from './people.js';
import type { NextDue } from './cases.js';
import { appendAuditEvents } from './audit-chain.js';
import { timelineOf } from './audit.js';

export type MentorshipRow = typeof mentorships.$inferSelect;

/** A mentorship as the API shows it: the row with the names lists need and its soonest open deadline. */
export type MentorshipView = MentorshipRow & {
  villageName: string | null;
  townshipName: string | null;
  menteeName: string | null;
  mentorName: string | null;
  nextDue: NextDue | null;
};

// Spelled out with the table's name: drizzle renders the only table's columns unqualified, which a subquery would take as its own.
const mentorshipViewColumns = {
  ...getTableColumns(mentorships),
  villageName: sql<string | null>`(select d.name from divisions d where d.code = mentorships.village_code)`,
  townshipName: sql<string | null>`(select d.name from divisions d where d.code = mentorships.township_code)`,
  menteeName: sql<string | null>`(select p.name from people p where p.id = mentorships.mentee_person_id)`,
  mentorName: sql<string | null>`(select p.name from people p where p.id = mentorships.mentor_person_id)`,
  nextDue: sql<NextDue | null>`(select jsonb_build_object('kind', o.kind, 'dueAt', o.due_at, 'dueDate', o.due_date, 'provisional', o.provisional)
    from obligations o where o.mentorship_id = mentorships.id and o.status = 'open' order by o.due_at, o.id limit 1)`,
};

/** How a mentorship list is ordered: newest proposal first (default), soonest deadline, last change. */
export const MENTORSHIP_SORTS = ['proposed', 'next_due', 'updated'] as const;
export type MentorshipSort = (typeof MENTORSHIP_SORTS)[number];

export interface NewMentorship {
  villageCode: string;
  townshipCode: string;
  countyCode: string;
  mentee: PersonInput;
  mentor: PersonInput | null;
  note: string | null;
  policyId: string | null;
  policy: MentorshipPolicy;
  sourceReserveCandidateId: string | null;
  proposedAt: Date;
  createdBy: string;
  createdByLabel: string;
  proposalKey: string;
}

/**
 * Inserts a proposed mentorship (and the people it names, if new) with its first audit event, or
 * finds the one an earlier attempt with the same key inserted: a retried request converges on one.
 */
export async function insertProposedMentorship(db: Db, input: NewMentorship): Promise<{ row: MentorshipRow; created: boolean }> {
  try {
    return await db.transaction(async (tx) => {
      const [existing] = await tx
        .select()
        .from(mentorships)
        .where(and(eq(mentorships.createdBy, input.createdBy), eq(mentorships.proposalKey, input.proposalKey)));
      if (existing) return { row: existing, created: false };
      const menteeId = 'personId' in input.mentee ? input.mentee.personId : (await insertPerson(tx, input.mentee, input.villageCode)).id;
      const mentorId =
        input.mentor === null ? null : 'personId' in input.mentor ? input.mentor.personId : (await insertPerson(tx, input.mentor, input.townshipCode)).id;
      const id = crypto.randomUUID();
      const [row] = await tx
        .insert(mentorships)
        .values({
          id,
          menteePersonId: menteeId,
          mentorPersonId: mentorId,
          villageCode: input.villageCode,
          townshipCode: input.townshipCode,
          countyCode: input.countyCode,
          state: 'proposed',
          rag: 'green',
          note: input.note,
          policyId: input.policyId,
          policy: input.policy,
          sourceReserveCandidateId: input.sourceReserveCandidateId,
          proposedAt: input.proposedAt,
          createdBy: input.createdBy,
          proposalKey: input.proposalKey,
          projectionSeq: 0,
        })
        .returning();
      await appendAuditEvents(tx, [
        {
          dedupeKey: `mentorship:${id}:0`,
          entityType: 'mentorship',
          entityId: id,
          action: 'proposed',
          actorUserId: input.createdBy,
          actorLabel: input.createdByLabel,
          at: input.proposedAt,
          before: null,
          after: { state: 'proposed', mentorPersonId: mentorId },
          details: { menteePersonId: menteeId, note: input.note, policyId: input.policyId, sourceReserveCandidateId: input.sourceReserveCandidateId },
        },
      ]);
      return { row: row!, created: true };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'mentorships_one_open_per_mentee_uq')) {
      throw new ConflictError('该干部已有进行中的1+1帮带 (this cadre already has an open mentorship)', { field: 'mentee' });
    }
    throw err;
  }
}

export async function getMentorshipRow(db: Db, id: string): Promise<MentorshipView | null> {
  const [row] = await db.select(mentorshipViewColumns).from(mentorships).where(eq(mentorships.id, id));
  return row ?? null;
}

/** The mentorship proposed for a placed reserve, or any open one of the same person. */
export async function findMentorshipForPlacement(db: Db, candidateId: string, personId: string): Promise<MentorshipRow | null> {
  const [bySource] = await db.select().from(mentorships).where(eq(mentorships.sourceReserveCandidateId, candidateId));
  if (bySource) return bySource;
  const [open] = await db
    .select()
    .from(mentorships)
    .where(and(eq(mentorships.menteePersonId, personId), sql`${mentorships.state} not in ${TERMINAL_MENTORSHIP_STATES}`));
  return open ?? null;
}

/** The mentorship if the user may see it (offices: their jurisdiction); null otherwise. */
export async function findVisibleMentorship(db: Db, user: AuthUser, id: string): Promise<MentorshipView | null> {
  if (user.role === 'sponsor') return null;
  const [row] = await db
    .select(mentorshipViewColumns)
    .from(mentorships)
    .where(and(eq(mentorships.id, id), visibleTo(user, { code: mentorships.villageCode })));
  return row ?? null;
}

export interface MentorshipFilters {
  state?: MentorshipState[];
  rag?: Rag[];
  division?: string;
  sort?: MentorshipSort;
  limit: number;
  offset: number;
}

export async function listMentorships(db: Db, user: AuthUser, filters: MentorshipFilters): Promise<{ items: MentorshipView[]; total: number }> {
  const conditions: SQL[] = [visibleTo(user, { code: mentorships.villageCode })];
  if (filters.state?.length) conditions.push(inArray(mentorships.state, filters.state));
  if (filters.rag?.length) conditions.push(inArray(mentorships.rag, filters.rag));
  if (filters.division) conditions.push(like(mentorships.villageCode, `${jurisdictionPrefix(filters.division)}%`));
  const where = and(...conditions);
  const [items, [totalRow]] = await Promise.all([
    db
      .select(mentorshipViewColumns)
      .from(mentorships)
      .where(where)
      .orderBy(...mentorshipOrder(filters.sort ?? 'proposed'))
      .limit(filters.limit)
      .offset(filters.offset),
    db.select({ total: count() }).from(mentorships).where(where),
  ]);
  return { items, total: totalRow?.total ?? 0 };
}

function mentorshipOrder(sort: MentorshipSort): SQL[] {
  if (sort === 'updated') return [desc(mentorships.updatedAt), asc(mentorships.id)];
  if (sort === 'next_due') {
    // Nothing open (completed, terminated) comes last.
    return [sql`(select min(o.due_at) from obligations o where o.mentorship_id = ${mentorships.id} and o.status = 'open') asc nulls last`, asc(mentorships.id)];
  }
  return [desc(mentorships.proposedAt), asc(mentorships.id)];
}

export async function getMentorshipParts(db: Db, id: string) {
  return readSnapshot(db, async (db) => {
    const [deliveryRows, obligationRows, escalationRows, checkIns, timeline] = await Promise.all([
      deliveriesAbout(db, { mentorshipId: id }),
      db.select().from(obligations).where(eq(obligations.mentorshipId, id)).orderBy(asc(obligations.dueAt), asc(obligations.id)),
      db.select().from(escalations).where(eq(escalations.mentorshipId, id)).orderBy(asc(escalations.raisedAt)),
      db.select().from(mentorshipCheckIns).where(eq(mentorshipCheckIns.mentorshipId, id)).orderBy(asc(mentorshipCheckIns.period)),
      timelineOf(db, 'mentorship', id),
    ]);
    return {
      deliveries: deliveryRows,
      obligations: obligationRows,
      escalations: escalationRows,
      checkIns,
      timeline,
    };
  });
}

/** Mentorships inserted but never projected by a workflow (its start never happened): to start again. */
export async function findUnstartedMentorships(db: Db, olderThan: Date, limit = 500): Promise<MentorshipRow[]> {
  return db
    .select()
    .from(mentorships)
    .where(and(eq(mentorships.projectionSeq, 0), eq(mentorships.state, 'proposed'), lt(mentorships.updatedAt, olderThan)))
    .limit(limit);
}

export interface MentoringCoverageRow {
  townshipCode: string;
  townshipName: string | null;
  /** New cadres: mentees of open mentorships. */
  newCadres: number;
  /** …of whom have a named mentor in a working pair (active, under review, extended). */
  mentored: number;
}

/** mentoringCoverage per township of a division: new cadres with an active mentor / new cadres. */
export async function countMentoringCoverage(db: Db, divisionPrefix: string): Promise<MentoringCoverageRow[]> {
  const rows = await db.execute<{ township_code: string; township_name: string | null; new_cadres: number; mentored: number }>(sql`
    select m.township_code, t.name as township_name,
      count(distinct m.mentee_person_id)::int as new_cadres,
      count(distinct m.mentee_person_id) filter (where m.state in ${MENTORED_STATES} and m.mentor_person_id is not null)::int as mentored
    from ${mentorships} m
    left join divisions t on t.code = m.township_code
    where m.village_code like ${divisionPrefix + '%'} and m.state not in ${TERMINAL_MENTORSHIP_STATES}
    group by m.township_code, t.name
    order by m.township_code`);
  return rows.map((r) => ({ townshipCode: r.township_code, townshipName: r.township_name, newCadres: r.new_cadres, mentored: r.mentored }));
}
