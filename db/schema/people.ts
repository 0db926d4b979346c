import { boolean, date, index, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { divisions } from './divisions.js';

/** A person: cadres, sponsors, secretaries, later reserves and mentors. */
export const people = pgTable(
  'people',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    gender: text('gender', { enum: ['male', 'female'] }),
    birthDate: date('birth_date'),
    ethnicity: text('ethnicity'),
    education: text('education'),
    partyMember: boolean('party_member'),
    position: text('position'),
    divisionCode: varchar('division_code', { length: 12 }).references(() => divisions.code),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('people_division_code_idx').on(t.divisionCode)],
);

/** 村党组织: one per village. */
export const villagePartyOrganizations = pgTable(
  'village_party_organizations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    villageCode: varchar('village_code', { length: 12 })
      .notNull()
      .unique()
      .references(() => divisions.code),
    name: text('name').notNull(),
    secretaryPersonId: uuid('secretary_person_id').references(() => people.id),
    /**
     * Since when the secretary post has been vacant (null: filled, or not known). The screening
     * campaign's hard trigger "vacant > 3 months" reads it.
     */
    secretaryVacantSince: date('secretary_vacant_since', { mode: 'string' }),
  },
  (t) => [index('vpo_secretary_person_id_idx').on(t.secretaryPersonId)],
);
