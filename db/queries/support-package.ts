/**
 * The support package (包保责任体系): who holds which post of a case, now and before. Rows are
 * written with the designation and by the case's projection; reads join people and users for names.
 */
import { and, asc, eq, inArray, isNull, like, ne, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { caseSupportAssignments, people, rectificationCases, users } from '../schema/index.js';
import { TERMINAL_CASE_STATES } from '../../domain/cases.js';
import type { SupportHolder, SupportPost } from '../../domain/support-package.js';
import type { AuthUser, Role } from '../../domain/roles.js';
import { visibleTo } from './scope.js';
import { jurisdictionPrefix } from '../../domain/divisions.js';
import type { Tx } from './deadline-projection.js';

export type SupportAssignmentRow = typeof caseSupportAssignments.$inferSelect;

/** One holder's term as lists and the detail show it. */
export interface SupportTerm {
  caseId: string;
  post: SupportPost;
  personId: string | null;
  personName: string | null;
  departmentName: string | null;
  startedAt: Date;
  endedAt: Date | null;
  reason: string | null;
  assignedByLabel: string;
}

const termColumns = {
  caseId: caseSupportAssignments.caseId,
  post: caseSupportAssignments.post,
  personId: caseSupportAssignments.personId,
  personName: people.name,
  departmentName: caseSupportAssignments.departmentName,
  startedAt: caseSupportAssignments.startedAt,
  endedAt: caseSupportAssignments.endedAt,
  reason: caseSupportAssignments.reason,
  assignedByLabel: caseSupportAssignments.assignedByLabel,
};

/** Every term of a case's posts (history included), oldest first. */
export async function supportTermsOf(db: Db | Tx, caseId: string): Promise<SupportTerm[]> {
  return db
    .select(termColumns)
    .from(caseSupportAssignments)
    .leftJoin(people, eq(people.id, caseSupportAssignments.personId))
    .where(eq(caseSupportAssignments.caseId, caseId))
    .orderBy(asc(caseSupportAssignments.startedAt), asc(caseSupportAssignments.id));
}

/** The current holders of the given cases (for list rows and the 一乡一表 sheet). */
export async function currentSupportTerms(db: Db, caseIds: string[]): Promise<SupportTerm[]> {
  if (caseIds.length === 0) return [];
  return db
    .select(termColumns)
    .from(caseSupportAssignments)
    .leftJoin(people, eq(people.id, caseSupportAssignments.personId))
    .where(and(inArray(caseSupportAssignments.caseId, caseIds), isNull(caseSupportAssignments.endedAt)))
    .orderBy(asc(caseSupportAssignments.startedAt), asc(caseSupportAssignments.id));
}

/** Writes the current holders of a post: ends the terms in force, starts the new ones (ids keyed by `key`: idempotent). */
export async function replaceSupportHolders(
  tx: Db | Tx,
  input: {
    caseId: string;
    post: SupportPost;
    holders: readonly SupportHolder[];
    reason: string | null;
    at: Date;
    key: string;
    actor: { userId: string | null; label: string };
  },
): Promise<void> {
  await tx
    .update(caseSupportAssignments)
    .set({ endedAt: input.at })
    .where(and(eq(caseSupportAssignments.caseId, input.caseId), eq(caseSupportAssignments.post, input.post), isNull(caseSupportAssignments.endedAt)));
  if (input.holders.length === 0) return;
  await tx
    .insert(caseSupportAssignments)
    .values(
      input.holders.map((h, i) => ({
        id: `${input.key}:${input.post}:${i}`,
        caseId: input.caseId,
        post: input.post,
        personId: h.personId,
        departmentName: h.departmentName ?? null,
        startedAt: input.at,
        reason: input.reason,
        assignedBy: input.actor.userId,
        assignedByLabel: input.actor.label,
      })),
    )
    .onConflictDoNothing();
}

/** A person named for a post: who they are, where, and the account linked to them. */
export interface PersonForPost {
  id: string;
  name: string;
  divisionCode: string | null;
  userId: string | null;
  userRole: Role | null;
}

export async function peopleForPosts(db: Db, ids: string[]): Promise<PersonForPost[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: people.id, name: people.name, divisionCode: people.divisionCode, userId: users.id, userRole: users.role })
    .from(people)
    .leftJoin(users, and(eq(users.personId, people.id), eq(users.active, true)))
    .where(inArray(people.id, ids));
  // A person with several accounts: the first one answers for the post.
  const byId = new Map<string, PersonForPost>();
  for (const r of rows) if (!byId.has(r.id)) byId.set(r.id, r);
  return [...byId.values()];
}

/** People recorded within a division prefix (for pickers), by name. */
export async function pickPeople(db: Db, input: { prefix: string; name?: string; limit: number }) {
  return db
    .select({ id: people.id, name: people.name, divisionCode: people.divisionCode, position: people.position })
    .from(people)
    .where(
      and(like(people.divisionCode, `${input.prefix}%`), ...(input.name ? [like(people.name, `%${input.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)] : [])),
    )
    .orderBy(asc(people.name), asc(people.id))
    .limit(input.limit);
}

/** The open case (other than `exceptCaseId`) where the person is first secretary now, if any: its village. */
export async function firstSecretaryElsewhere(db: Db, personId: string, exceptCaseId: string | null): Promise<{ caseId: string; villageCode: string } | null> {
  const [row] = await db
    .select({ caseId: rectificationCases.id, villageCode: rectificationCases.villageCode })
    .from(caseSupportAssignments)
    .innerJoin(rectificationCases, eq(rectificationCases.id, caseSupportAssignments.caseId))
    .where(
      and(
        eq(caseSupportAssignments.personId, personId),
        eq(caseSupportAssignments.post, 'first_secretary'),
        isNull(caseSupportAssignments.endedAt),
        notInArray(rectificationCases.state, [...TERMINAL_CASE_STATES]),
        ...(exceptCaseId ? [ne(rectificationCases.id, exceptCaseId)] : []),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** One row of the 一乡一表-style sheet: an open case of a village and its team now. */
export interface AssignmentSheetRow {
  caseId: string;
  villageCode: string;
  villageName: string | null;
  townshipCode: string;
  townshipName: string | null;
  state: string;
  sponsorUserId: string | null;
  sponsorName: string | null;
  designatedAt: Date;
}

/** Open cases the user may see (optionally under a division), by township then village. */
export async function openCasesForSheet(db: Db, user: AuthUser, division: string | undefined): Promise<AssignmentSheetRow[]> {
  const village = sql<string | null>`(select d.name from divisions d where d.code = rectification_cases.village_code)`;
  const township = sql<string | null>`(select d.name from divisions d where d.code = rectification_cases.township_code)`;
  return db
    .select({
      caseId: rectificationCases.id,
      villageCode: rectificationCases.villageCode,
      villageName: village,
      townshipCode: rectificationCases.townshipCode,
      townshipName: township,
      state: rectificationCases.state,
      sponsorUserId: rectificationCases.sponsorUserId,
      sponsorName: users.name,
      designatedAt: rectificationCases.designatedAt,
    })
    .from(rectificationCases)
    .leftJoin(users, eq(users.id, rectificationCases.sponsorUserId))
    .where(
      and(
        visibleTo(user, { code: rectificationCases.villageCode, sponsorUserId: rectificationCases.sponsorUserId }),
        notInArray(rectificationCases.state, [...TERMINAL_CASE_STATES]),
        ...(division ? [like(rectificationCases.villageCode, `${jurisdictionPrefix(division)}%`)] : []),
      ),
    )
    .orderBy(asc(rectificationCases.townshipCode), asc(rectificationCases.villageCode))
    .limit(5000);
}
