/**
 * Spreadsheet imports of people (leadership team members) and reserve nominations, and the reads
 * that export them back in the same shape. An import writes everything in one transaction, or
 * nothing.
 */
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { annualAssessments, leadershipTeamMembers, people, peopleImports, reserveNominations } from '../schema/index.js';
import type { DivisionLevel } from '../../domain/divisions.js';
import {
  isVillageSecretaryPost,
  type EducationLevel,
  type Gender,
  type ReserveNominationStatus,
  type ReserveSource,
  type TeamKind,
} from '../../domain/people.js';
import { selectRows, withPrefix } from './stats/scope.js';
import { appendAuditEvents } from './audit-chain.js';

/** Rows per statement: 1,000 rows × ≤10 columns stays far below Postgres' 65,535 parameters. */
const CHUNK = 1_000;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function findDivisionsByCode(db: Db, codes: readonly string[]): Promise<Map<string, { name: string; level: DivisionLevel }>> {
  const found = new Map<string, { name: string; level: DivisionLevel }>();
  for (const part of chunks([...new Set(codes)], 5_000)) {
    const rows = await selectRows<{ code: string; name: string; level: DivisionLevel }>(db, sql`select code, name, level from divisions where code in ${part}`);
    for (const r of rows) found.set(r.code, { name: r.name, level: r.level });
  }
  return found;
}

export interface PersonFields {
  name: string;
  gender: Gender;
  birthDate: string;
  ethnicity: string;
  education: EducationLevel;
  partyMember: boolean;
  position: string | null;
}

export interface ExistingMember extends PersonFields {
  memberId: string;
  personId: string;
  teamKind: TeamKind;
  divisionCode: string;
  post: string;
}

export async function findTeamMembers(db: Db, divisionCodes: readonly string[]): Promise<ExistingMember[]> {
  const out: ExistingMember[] = [];
  for (const part of chunks([...new Set(divisionCodes)], 5_000)) {
    const rows = await selectRows<ExistingMember>(
      db,
      sql`
      select m.id as "memberId", m.person_id as "personId", m.team_kind as "teamKind", m.division_code as "divisionCode", m.post,
        p.name, p.gender, p.birth_date as "birthDate", p.ethnicity, p.education, p.party_member as "partyMember", p.position
      from leadership_team_members m join people p on p.id = m.person_id
      where m.division_code in ${part}`,
    );
    out.push(...rows);
  }
  return out;
}

export interface ExistingNomination extends PersonFields {
  nominationId: string;
  personId: string;
  villageCode: string;
  source: ReserveSource;
  status: ReserveNominationStatus;
  nominatedOn: string;
  note: string | null;
}

export async function findNominations(db: Db, villageCodes: readonly string[]): Promise<ExistingNomination[]> {
  const out: ExistingNomination[] = [];
  for (const part of chunks([...new Set(villageCodes)], 5_000)) {
    const rows = await selectRows<ExistingNomination>(
      db,
      sql`
      select r.id as "nominationId", r.person_id as "personId", r.village_code as "villageCode", r.source, r.status,
        r.nominated_on::text as "nominatedOn", r.note,
        p.name, p.gender, p.birth_date as "birthDate", p.ethnicity, p.education, p.party_member as "partyMember", p.position
      from reserve_nominations r join people p on p.id = r.person_id
      where r.village_code in ${part}`,
    );
    out.push(...rows);
  }
  return out;
}

export interface ImportMeta {
  kind: 'people' | 'reserve_nominations' | 'annual_assessments';
  fileName: string | null;
  fileSha256: string;
  rows: number;
  createdBy: string | null;
  actorLabel: string;
}

export interface PersonWrite extends PersonFields {
  /** Existing person to update, or a new id to insert. */
  personId: string;
  isNew: boolean;
  /** Whether an existing person's fields change. */
  changed: boolean;
}

export interface MemberWrite {
  person: PersonWrite;
  memberId: string | null;
  teamKind: TeamKind;
  divisionCode: string;
  post: string;
}

export interface NominationWrite {
  person: PersonWrite;
  nominationId: string | null;
  villageCode: string;
  source: ReserveSource;
  status: ReserveNominationStatus;
  nominatedOn: string;
  note: string | null;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** New people are inserted, changed ones updated; each new person is filed under the row's division. */
async function writePeople(tx: Tx, items: ReadonlyArray<{ person: PersonWrite; divisionCode: string }>): Promise<void> {
  for (const part of chunks(items.filter((i) => i.person.isNew))) {
    await tx.insert(people).values(
      part.map(({ person: p, divisionCode }) => ({
        id: p.personId,
        name: p.name,
        gender: p.gender,
        birthDate: p.birthDate,
        ethnicity: p.ethnicity,
        education: p.education,
        partyMember: p.partyMember,
        position: p.position,
        divisionCode,
      })),
    );
  }
  for (const part of chunks(items.map((i) => i.person).filter((p) => !p.isNew && p.changed))) {
    const values = sql.join(
      part.map(
        (p) =>
          sql`(${p.personId}::uuid, ${p.name}, ${p.gender}, ${p.birthDate}::date, ${p.ethnicity}, ${p.education}, ${p.partyMember}::boolean, ${p.position})`,
      ),
      sql`, `,
    );
    await tx.execute(sql`
      update people set name = v.name, gender = v.gender, birth_date = v.birth_date, ethnicity = v.ethnicity,
        education = v.education, party_member = v.party_member, position = v.position
      from (values ${values}) as v(id, name, gender, birth_date, ethnicity, education, party_member, position)
      where people.id = v.id`);
  }
}

async function startImport(tx: Tx, meta: ImportMeta): Promise<string> {
  const [row] = await tx
    .insert(peopleImports)
    .values({ kind: meta.kind, fileName: meta.fileName, fileSha256: meta.fileSha256, rows: meta.rows, createdBy: meta.createdBy })
    .returning({ id: peopleImports.id });
  return row!.id;
}

async function auditImport(tx: Tx, importId: string, meta: ImportMeta, counts: Record<string, number>): Promise<void> {
  await appendAuditEvents(tx, [
    {
      dedupeKey: `people_import:${importId}`,
      entityType: 'people_import',
      entityId: importId,
      action: 'imported',
      actorUserId: meta.createdBy,
      actorLabel: meta.actorLabel,
      at: new Date(),
      before: null,
      after: { kind: meta.kind, rows: meta.rows, ...counts },
      details: { fileName: meta.fileName, fileSha256: meta.fileSha256 },
    },
  ]);
}

export async function writeTeamMemberImport(
  db: Db,
  meta: ImportMeta,
  writes: readonly MemberWrite[],
  counts: Record<string, number>,
  onProgress?: (written: number) => void,
): Promise<string> {
  return db.transaction(async (tx) => {
    const importId = await startImport(tx, meta);
    let written = 0;
    for (const part of chunks(writes)) {
      await writePeople(
        tx,
        part.map((w) => ({ person: w.person, divisionCode: w.divisionCode })),
      );
      const inserts = part.filter((w) => w.memberId === null);
      if (inserts.length > 0) {
        await tx
          .insert(leadershipTeamMembers)
          .values(inserts.map((w) => ({ personId: w.person.personId, teamKind: w.teamKind, divisionCode: w.divisionCode, post: w.post, importId })));
      }
      const updates = part.filter((w) => w.memberId !== null);
      if (updates.length > 0) {
        const values = sql.join(
          updates.map((w) => sql`(${w.memberId}::uuid, ${w.post})`),
          sql`, `,
        );
        await tx.execute(sql`
          update leadership_team_members set post = v.post, import_id = ${importId}::uuid, updated_at = now()
          from (values ${values}) as v(id, post) where leadership_team_members.id = v.id`);
      }
      written += part.length;
      onProgress?.(written);
    }
    await recordVillageSecretaries(tx, importId, meta, writes);
    await auditImport(tx, importId, meta, counts);
    return importId;
  });
}

/**
 * A village team row whose post is the party secretary makes that person the holder of the
 * village's secretary post (the vacancy cleared), audited per village with before and after. An
 * import cannot tell that a post became vacant: the secretary command records that.
 */
async function recordVillageSecretaries(tx: Tx, importId: string, meta: ImportMeta, writes: readonly MemberWrite[]): Promise<void> {
  const holders = new Map<string, string>();
  for (const w of writes) if (isVillageSecretaryPost(w.teamKind, w.post)) holders.set(w.divisionCode, w.person.personId);
  if (holders.size === 0) return;
  const at = new Date();
  for (const part of chunks([...holders.keys()])) {
    await tx.execute(sql`
      insert into village_party_organizations (village_code, name)
      select d.code, d.name || '党组织' from divisions d where d.code in ${part} and d.level = 'village'
      on conflict (village_code) do nothing`);
    const before = await tx.execute<{ village_code: string; person_id: string | null; vacant_since: string | null }>(sql`
      select village_code, secretary_person_id as person_id, secretary_vacant_since::text as vacant_since
      from village_party_organizations where village_code in ${part} for update`);
    const changed = before.filter((b) => b.person_id !== holders.get(b.village_code) || b.vacant_since !== null);
    if (changed.length === 0) continue;
    const values = sql.join(
      changed.map((b) => sql`(${b.village_code}, ${holders.get(b.village_code)!}::uuid)`),
      sql`, `,
    );
    await tx.execute(sql`
      update village_party_organizations set secretary_person_id = v.person_id, secretary_vacant_since = null
      from (values ${values}) as v(village_code, person_id) where village_party_organizations.village_code = v.village_code`);
    await appendAuditEvents(
      tx,
      changed.map((b) => ({
        dedupeKey: `village_secretary:${b.village_code}:import:${importId}`,
        entityType: 'village_secretary',
        entityId: b.village_code,
        action: 'secretary_recorded',
        actorUserId: meta.createdBy,
        actorLabel: meta.actorLabel,
        at,
        before: { personId: b.person_id, vacantSince: b.vacant_since },
        after: { personId: holders.get(b.village_code)!, vacantSince: null },
        details: { source: 'people_import', importId },
      })),
    );
  }
}

export async function writeNominationImport(
  db: Db,
  meta: ImportMeta,
  writes: readonly NominationWrite[],
  counts: Record<string, number>,
  onProgress?: (written: number) => void,
): Promise<string> {
  return db.transaction(async (tx) => {
    const importId = await startImport(tx, meta);
    let written = 0;
    for (const part of chunks(writes)) {
      await writePeople(
        tx,
        part.map((w) => ({ person: w.person, divisionCode: w.villageCode })),
      );
      const inserts = part.filter((w) => w.nominationId === null);
      if (inserts.length > 0) {
        await tx.insert(reserveNominations).values(
          inserts.map((w) => ({
            personId: w.person.personId,
            villageCode: w.villageCode,
            source: w.source,
            status: w.status,
            nominatedOn: w.nominatedOn,
            note: w.note,
            importId,
          })),
        );
      }
      const updates = part.filter((w) => w.nominationId !== null);
      if (updates.length > 0) {
        const values = sql.join(
          updates.map(
            (w) => sql`(${w.nominationId}::uuid, ${w.source}::reserve_source, ${w.status}::reserve_nomination_status, ${w.nominatedOn}::date, ${w.note})`,
          ),
          sql`, `,
        );
        await tx.execute(sql`
          update reserve_nominations set source = v.source, status = v.status, nominated_on = v.nominated_on, note = v.note,
            import_id = ${importId}::uuid, updated_at = now()
          from (values ${values}) as v(id, source, status, nominated_on, note) where reserve_nominations.id = v.id`);
      }
      written += part.length;
      onProgress?.(written);
    }
    await auditImport(tx, importId, meta, counts);
    return importId;
  });
}

// --- Exports (the import shape) --------------------------------------------------------------------

export interface TeamMemberExportRow extends PersonFields {
  post: string;
  teamKind: TeamKind;
  divisionCode: string;
  divisionName: string;
}

export async function listTeamMembers(db: Db, params: { prefix: string; team?: TeamKind }): Promise<TeamMemberExportRow[]> {
  const teamFilter = params.team ? sql`and m.team_kind = ${params.team}` : sql``;
  const rows = await selectRows<TeamMemberExportRow>(
    db,
    sql`
    select p.name, p.gender, p.birth_date as "birthDate", p.ethnicity, p.education, p.party_member as "partyMember", p.position,
      m.post, m.team_kind as "teamKind", m.division_code as "divisionCode", d.name as "divisionName"
    from leadership_team_members m
    join people p on p.id = m.person_id
    join divisions d on d.code = m.division_code
    where ${withPrefix(sql`m.division_code`, params.prefix)} ${teamFilter}
    order by m.team_kind, m.division_code, p.name, p.birth_date, m.id`,
  );
  return rows;
}

export interface NominationExportRow extends PersonFields {
  villageCode: string;
  villageName: string;
  townshipName: string | null;
  source: ReserveSource;
  status: ReserveNominationStatus;
  nominatedOn: string;
  note: string | null;
}

export async function listNominations(db: Db, params: { prefix: string }): Promise<NominationExportRow[]> {
  const rows = await selectRows<NominationExportRow>(
    db,
    sql`
    select p.name, p.gender, p.birth_date as "birthDate", p.ethnicity, p.education, p.party_member as "partyMember", p.position,
      r.village_code as "villageCode", v.name as "villageName", t.name as "townshipName", r.source, r.status,
      r.nominated_on::text as "nominatedOn", r.note
    from reserve_nominations r
    join people p on p.id = r.person_id
    join divisions v on v.code = r.village_code
    left join divisions t on t.code = rpad(left(r.village_code, 9), 12, '0')
    where ${withPrefix(sql`r.village_code`, params.prefix)}
    order by r.village_code, p.name, p.birth_date, r.id`,
  );
  return rows;
}

/** The annual assessment results already held for these villages and years. */
export async function findAssessments(
  db: Db,
  rows: ReadonlyArray<{ villageCode: string; year: number }>,
): Promise<Map<string, { rank: number; rankOf: number; satisfaction: number | null }>> {
  const found = new Map<string, { rank: number; rankOf: number; satisfaction: number | null }>();
  for (const part of chunks([...new Set(rows.map((r) => r.villageCode))], 5_000)) {
    const existing = await db.select().from(annualAssessments).where(inArray(annualAssessments.villageCode, part));
    for (const a of existing) found.set(`${a.villageCode}|${a.year}`, { rank: a.rank, rankOf: a.rankOf, satisfaction: a.satisfaction });
  }
  return found;
}

/** Writes the new and changed assessment results and the import's record, in one transaction. */
export async function writeAssessmentImport(
  db: Db,
  meta: ImportMeta,
  writes: ReadonlyArray<{ villageCode: string; year: number; rank: number; rankOf: number; satisfaction: number | null }>,
  counts: Record<string, number>,
): Promise<string> {
  return db.transaction(async (tx) => {
    const importId = await startImport(tx, meta);
    for (const part of chunks(writes)) {
      if (part.length === 0) continue;
      await tx
        .insert(annualAssessments)
        .values(part.map((w) => ({ villageCode: w.villageCode, year: w.year, rank: w.rank, rankOf: w.rankOf, satisfaction: w.satisfaction })))
        .onConflictDoUpdate({
          target: [annualAssessments.year, annualAssessments.villageCode],
          set: { rank: sql`excluded.rank`, rankOf: sql`excluded.rank_of`, satisfaction: sql`excluded.satisfaction`, importedAt: sql`now()` },
        });
    }
    await auditImport(tx, importId, meta, counts);
    return importId;
  });
}
