import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { people, users } from '../schema/index.js';
import type { EducationLevel, Gender } from '../../domain/people.js';
import type { Role } from '../../domain/roles.js';
import type { Tx } from './deadline-projection.js';

export type PersonRow = typeof people.$inferSelect;

/** A person given in a request: an existing one by id, or a new one to record. */
export type PersonInput =
  | { personId: string }
  | {
      name: string;
      gender?: Gender;
      birthDate?: string;
      ethnicity?: string;
      education?: EducationLevel;
      partyMember?: boolean;
      position?: string;
    };

export async function getPerson(db: Db | Tx, id: string): Promise<PersonRow | null> {
  const [row] = await db.select().from(people).where(eq(people.id, id));
  return row ?? null;
}

export async function getPeople(db: Db, ids: string[]): Promise<PersonRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(people).where(inArray(people.id, ids));
}

/** Inserts a new person at `divisionCode` (their village or township). */
export async function insertPerson(tx: Db | Tx, input: Exclude<PersonInput, { personId: string }>, divisionCode: string): Promise<PersonRow> {
  const [row] = await tx
    .insert(people)
    .values({
      name: input.name,
      gender: input.gender ?? null,
      birthDate: input.birthDate ?? null,
      ethnicity: input.ethnicity ?? null,
      education: input.education ?? null,
      partyMember: input.partyMember ?? null,
      position: input.position ?? null,
      divisionCode,
    })
    .returning();
  return row!;
}

/** The active user account of a person, if they have one (a mentor who logs in). */
export async function findUserOfPerson(db: Db, personId: string): Promise<{ id: string; role: Role } | null> {
  const [row] = await db
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(and(eq(users.personId, personId), eq(users.active, true)))
    .limit(1);
  return row ?? null;
}
