/**
 * The village party secretary post (村党组织书记) as `village_party_organizations` keeps it: who
 * holds it, or since when it has been vacant. The screening campaign's hard trigger "post vacant
 * for more than 3 months" reads these columns; the command and the people import write them.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { divisions, people, villagePartyOrganizations } from '../schema/index.js';
import { appendAuditEvents } from './audit-chain.js';

export interface SecretaryPostRow {
  villageCode: string;
  villageName: string;
  organizationName: string | null;
  personId: string | null;
  name: string | null;
  vacantSince: string | null;
}

/** The post of a village-level division; null when the code is not an imported village. */
export async function getSecretaryPost(db: Db, villageCode: string): Promise<SecretaryPostRow | null> {
  const [row] = await db
    .select({
      villageCode: divisions.code,
      villageName: divisions.name,
      organizationName: villagePartyOrganizations.name,
      personId: villagePartyOrganizations.secretaryPersonId,
      name: people.name,
      vacantSince: villagePartyOrganizations.secretaryVacantSince,
    })
    .from(divisions)
    .leftJoin(villagePartyOrganizations, eq(villagePartyOrganizations.villageCode, divisions.code))
    .leftJoin(people, eq(people.id, villagePartyOrganizations.secretaryPersonId))
    .where(and(eq(divisions.code, villageCode), eq(divisions.level, 'village')));
  return row ?? null;
}

/** A person as the command checks them: where they are recorded. */
export async function personDivision(db: Db, personId: string): Promise<{ id: string; name: string; divisionCode: string | null } | null> {
  const [row] = await db.select({ id: people.id, name: people.name, divisionCode: people.divisionCode }).from(people).where(eq(people.id, personId));
  return row ?? null;
}

/**
 * Records the post: a holder (the vacancy cleared) or vacant since a date (the holder cleared), with
 * an audit row holding before and after, in one transaction. The organization row is created with
 * the village's name when the division import left none.
 */
export async function setSecretaryPost(
  db: Db,
  input: {
    villageCode: string;
    personId: string | null;
    since: string;
    reason: string;
    actor: { userId: string; label: string };
    at: Date;
  },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into village_party_organizations (village_code, name)
      select d.code, d.name || '党组织' from divisions d where d.code = ${input.villageCode}
      on conflict (village_code) do nothing`);
    const [before] = await tx
      .select({ personId: villagePartyOrganizations.secretaryPersonId, vacantSince: villagePartyOrganizations.secretaryVacantSince })
      .from(villagePartyOrganizations)
      .where(eq(villagePartyOrganizations.villageCode, input.villageCode))
      .for('update');
    const after = input.personId ? { personId: input.personId, vacantSince: null } : { personId: null, vacantSince: input.since };
    await tx
      .update(villagePartyOrganizations)
      .set({ secretaryPersonId: after.personId, secretaryVacantSince: after.vacantSince })
      .where(eq(villagePartyOrganizations.villageCode, input.villageCode));
    await appendAuditEvents(tx, [
      {
        dedupeKey: `village_secretary:${input.villageCode}:${input.at.toISOString()}:${crypto.randomUUID()}`,
        entityType: 'village_secretary',
        entityId: input.villageCode,
        action: input.personId ? 'secretary_recorded' : 'secretary_vacated',
        actorUserId: input.actor.userId,
        actorLabel: input.actor.label,
        at: input.at,
        before: before ? { personId: before.personId, vacantSince: before.vacantSince } : null,
        after,
        details: { since: input.since, reason: input.reason },
      },
    ]);
  });
}
