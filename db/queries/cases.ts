import { and, asc, count, desc, eq, getTableColumns, inArray, isNotNull, isNull, like, lt, or, sql, type SQL } from 'drizzle-orm';
import { readSnapshot, type Db } from '../client.js';
import { deliveriesAbout } from './deliveries.js';
import { caseSubmissions, escalations, obligations, rectificationCases, users } from '../schema/index.js';
import { ConflictError } from '../../domain/errors.js';
import type { CaseState } from '../../domain/cases.js';
import type { Rag } from '../../domain/escalation.js';
import type { DeadlinePolicy } from '../../domain/policy.js';
import { jurisdictionPrefix } from '../../domain/divisions.js';
import type { AuthUser } from '../../domain/roles.js';
import { visibleTo } from './scope.js';
import { isUniqueViolation } from './pg-errors.js';
import { appendAuditEvents, type AuditEventInput } from './audit-chain.js';
import type { Tx } from './deadline-projection.js';
import type { RectificationInput } from '../../domain/contracts/rectification.js';
import { timelineOf } from './audit.js';
import { replaceSupportHolders } from './support-package.js';
import { SUPPORT_POSTS, type PackagePost, type SupportPackageState } from '../../domain/support-package.js';

export type CaseRow = typeof rectificationCases.$inferSelect;

/** A case as the API shows it: the row and the case its relapse opened, if any. */
export type CaseView = CaseRow & {
  successorCaseId: string | null;
  villageName: string | null;
  townshipName: string | null;
  sponsorName: string | null;
  nextDue: NextDue | null;
};

/**
 * The successor is derived from the new case's `parent_case_id` (indexed), not stored twice, so the
 * two directions cannot disagree. A case relapses once, so it has at most one.
 */
const caseViewColumns = {
  ...getTableColumns(rectificationCases),
  // Spelled out: drizzle renders a column of the only table unqualified, which the subquery would take as its own.
  successorCaseId: sql<
    string | null
  >`(select successor.id from rectification_cases successor where successor.parent_case_id = rectification_cases.id order by successor.designated_at, successor.id limit 1)`,
  // Names for lists and pickers (one row each by primary key), and the soonest open obligation.
  villageName: sql<string | null>`(select d.name from divisions d where d.code = rectification_cases.village_code)`,
  townshipName: sql<string | null>`(select d.name from divisions d where d.code = rectification_cases.township_code)`,
  sponsorName: sql<string | null>`(select u.name from users u where u.id = rectification_cases.sponsor_user_id)`,
  nextDue: sql<NextDue | null>`(select jsonb_build_object('kind', o.kind, 'dueAt', o.due_at, 'dueDate', o.due_date, 'provisional', o.provisional)
    from obligations o where o.case_id = rectification_cases.id and o.status = 'open' order by o.due_at, o.id limit 1)`,
};

/** The soonest open obligation of a case, as the list shows it. */
export interface NextDue {
  kind: string;
  /** As Postgres renders a timestamptz in JSON. */
  dueAt: string;
  dueDate: string | null;
  provisional: boolean;
  /** Filled by the service for lists: working days left (negative: overdue), on the village's calendar. */
  workingDaysLeft?: number | null;
}

/** How a case list is ordered: newest designation first (default), soonest deadline, last change. */
export const CASE_SORTS = ['designated', 'next_due', 'updated'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

export interface NewCase {
  villageCode: string;
  townshipCode: string;
  countyCode: string;
  organizationId: string | null;
  sponsorUserId: string | null;
  reasons: string[];
  note: string | null;
  policyId: string | null;
  policy: DeadlinePolicy;
  parentCaseId: string | null;
  designatedAt: Date;
  createdBy: string;
  createdByLabel: string;
  designationKey: string;
  /** The team named at designation (holders resolved), written with the case. */
  supportPackage?: SupportPackageState;
  /** The case's id when the caller computed its first state beforehand (else a new one). */
  id?: string;
  /** The workflow input to start it with, kept until the start is known to have happened. */
  pendingStart?: RectificationInput | null;
}

/**
 * Writes the case's first change in the insert's transaction. It appends `designated` (the case's
 * seq-0 audit event) before its own, so the audit chain's lock is taken once, at the end.
 */
export type OpenInTransaction = (tx: Tx, row: CaseRow, designated: AuditEventInput) => Promise<void>;

/**
 * Inserts a designated case and its first audit event, or finds the one an earlier attempt with the
 * same designation key inserted (a retried request converges on one case). With `open`, the case's
 * first change is written in the same transaction: all of it, or no case row.
 */
export async function insertDesignatedCase(db: Db, input: NewCase, open?: OpenInTransaction): Promise<{ row: CaseRow; created: boolean }> {
  try {
    return await db.transaction(async (tx) => {
      const [existing] = await tx
        .select()
        .from(rectificationCases)
        .where(and(eq(rectificationCases.createdBy, input.createdBy), eq(rectificationCases.designationKey, input.designationKey)));
      if (existing) return { row: existing, created: false };
      const { supportPackage, id: givenId, ...caseValues } = input;
      const id = givenId ?? crypto.randomUUID();
      const [row] = await tx
        .insert(rectificationCases)
        .values({ id, ...caseValues, state: 'designated', rag: 'green', projectionSeq: 0 })
        .returning();
      for (const post of SUPPORT_POSTS) {
        const holders = supportPackage?.[post] ?? [];
        if (holders.length === 0) continue;
        const actor = { userId: input.createdBy, label: input.createdByLabel };
        await replaceSupportHolders(tx, {
          caseId: id,
          post,
          holders,
          reason: '立案时明确 (named at designation)',
          at: input.designatedAt,
          key: `case:${id}:0`,
          actor,
        });
      }
      const designated: AuditEventInput = {
        dedupeKey: `case:${id}:0`,
        entityType: 'case',
        entityId: id,
        action: 'designated',
        actorUserId: input.createdBy,
        actorLabel: input.createdByLabel,
        at: input.designatedAt,
        before: null,
        after: { state: 'designated', sponsorUserId: input.sponsorUserId },
        details: {
          reasons: input.reasons,
          note: input.note,
          parentCaseId: input.parentCaseId,
          policyId: input.policyId,
          ...(supportPackage
            ? { supportPackage: Object.fromEntries(SUPPORT_POSTS.map((p) => [p, supportPackage[p].map((h) => h.personId ?? h.departmentName)])) }
            : {}),
        },
      };
      if (open) {
        await open(tx, row!, designated);
        const [opened] = await tx.select().from(rectificationCases).where(eq(rectificationCases.id, id));
        return { row: opened!, created: true };
      }
      await appendAuditEvents(tx, [designated]);
      return { row: row!, created: true };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'cases_one_open_per_village_uq')) {
      throw new ConflictError('该村已有未结案的整顿案例 (this village already has an open case)', { field: 'villageCode' });
    }
    throw err;
  }
}

export async function findCaseByDesignationKey(db: Db, createdBy: string, designationKey: string): Promise<CaseRow | null> {
  const [row] = await db
    .select()
    .from(rectificationCases)
    .where(and(eq(rectificationCases.createdBy, createdBy), eq(rectificationCases.designationKey, designationKey)));
  return row ?? null;
}

/** The case if the user may see it; null otherwise (the API answers 404 either way). */
export async function findVisibleCase(db: Db, user: AuthUser, caseId: string): Promise<CaseView | null> {
  const [row] = await db
    .select(caseViewColumns)
    .from(rectificationCases)
    .where(and(eq(rectificationCases.id, caseId), visibleTo(user, { code: rectificationCases.villageCode, sponsorUserId: rectificationCases.sponsorUserId })));
  return row ?? null;
}

export interface CaseFilters {
  state?: CaseState[];
  rag?: Rag[];
  division?: string;
  sponsorUserId?: string;
  /** Cases whose post has nobody now (包保责任体系). */
  missingPost?: PackagePost;
  sort?: CaseSort;
  limit: number;
  offset: number;
}

export async function listCases(db: Db, user: AuthUser, filters: CaseFilters): Promise<{ items: CaseView[]; total: number }> {
  const conditions: SQL[] = [visibleTo(user, { code: rectificationCases.villageCode, sponsorUserId: rectificationCases.sponsorUserId })];
  if (filters.state?.length) conditions.push(inArray(rectificationCases.state, filters.state));
  if (filters.rag?.length) conditions.push(inArray(rectificationCases.rag, filters.rag));
  if (filters.division) conditions.push(like(rectificationCases.villageCode, `${jurisdictionPrefix(filters.division)}%`));
  if (filters.sponsorUserId) conditions.push(eq(rectificationCases.sponsorUserId, filters.sponsorUserId));
  if (filters.missingPost === 'sponsor') conditions.push(isNull(rectificationCases.sponsorUserId));
  else if (filters.missingPost) {
    conditions.push(
      sql`not exists (select 1 from case_support_assignments a where a.case_id = rectification_cases.id and a.post = ${filters.missingPost} and a.ended_at is null)`,
    );
  }
  const where = and(...conditions);
  const [items, [totalRow]] = await Promise.all([
    db
      .select(caseViewColumns)
      .from(rectificationCases)
      .where(where)
      .orderBy(...caseOrder(filters.sort ?? 'designated'))
      .limit(filters.limit)
      .offset(filters.offset),
    db.select({ total: count() }).from(rectificationCases).where(where),
  ]);
  return { items, total: totalRow?.total ?? 0 };
}

function caseOrder(sort: CaseSort): SQL[] {
  if (sort === 'updated') return [desc(rectificationCases.updatedAt), asc(rectificationCases.id)];
  if (sort === 'next_due') {
    // Cases with nothing open (delisted, closed) come last.
    return [
      sql`(select min(o.due_at) from obligations o where o.case_id = ${rectificationCases.id} and o.status = 'open') asc nulls last`,
      asc(rectificationCases.id),
    ];
  }
  return [desc(rectificationCases.designatedAt), asc(rectificationCases.id)];
}

export async function getCaseParts(db: Db, caseId: string) {
  return readSnapshot(db, async (db) => {
    const [deliveryRows, obligationRows, escalationRows, submissionRows, timeline] = await Promise.all([
      deliveriesAbout(db, { caseId }),
      db.select().from(obligations).where(eq(obligations.caseId, caseId)).orderBy(asc(obligations.dueAt), asc(obligations.id)),
      db.select().from(escalations).where(eq(escalations.caseId, caseId)).orderBy(asc(escalations.raisedAt)),
      db.select().from(caseSubmissions).where(eq(caseSubmissions.caseId, caseId)).orderBy(asc(caseSubmissions.submittedAt)),
      timelineOf(db, 'case', caseId),
    ]);
    return {
      deliveries: deliveryRows,
      obligations: obligationRows,
      escalations: escalationRows,
      submissions: submissionRows,
      timeline,
    };
  });
}

/** One submission of a case (a 回头看 visit by its id), or null. */
export async function getCaseSubmission(db: Db, caseId: string, kind: (typeof caseSubmissions.$inferSelect)['kind'], key: string) {
  const [row] = await db
    .select()
    .from(caseSubmissions)
    .where(and(eq(caseSubmissions.caseId, caseId), eq(caseSubmissions.kind, kind), eq(caseSubmissions.key, key)));
  return row ?? null;
}

export async function getSponsorCandidate(db: Db, userId: string) {
  const [row] = await db
    .select({ id: users.id, name: users.name, role: users.role, jurisdictionCode: users.jurisdictionCode, active: users.active })
    .from(users)
    .where(eq(users.id, userId));
  return row ?? null;
}

export async function getCaseRow(db: Db, caseId: string): Promise<CaseView | null> {
  const [row] = await db.select(caseViewColumns).from(rectificationCases).where(eq(rectificationCases.id, caseId));
  return row ?? null;
}

/**
 * Cases whose workflow may never have started (the process died between the insert and the start,
 * or Temporal was down): written with their first state and a pending start, or (rows stored before
 * that) inserted but never projected by a workflow. Candidates for starting again.
 */
export async function findUnstartedCases(db: Db, olderThan: Date, limit = 500): Promise<CaseRow[]> {
  return db
    .select()
    .from(rectificationCases)
    .where(
      or(
        and(isNotNull(rectificationCases.pendingStart), lt(rectificationCases.updatedAt, olderThan)),
        and(eq(rectificationCases.projectionSeq, 0), eq(rectificationCases.state, 'designated'), lt(rectificationCases.updatedAt, olderThan)),
      ),
    )
    .limit(limit);
}

/** The case's workflow is started (or was already): nothing left for the reconciler. */
export async function clearPendingStart(db: Db, caseId: string): Promise<void> {
  await db
    .update(rectificationCases)
    .set({ pendingStart: null })
    .where(and(eq(rectificationCases.id, caseId), isNotNull(rectificationCases.pendingStart)));
}
