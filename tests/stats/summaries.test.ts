/**
 * The statistics' summary tables (reserve_village_counts, team_structure_counts: migration 0016)
 * against the from-scratch counts, after a series of writes of every kind a writer makes: the people
 * import (new people, changed people, team members, nominations, changed nominations), candidates
 * started from nominations or alone, every state a projection writes, a transfer, deletes, a moved
 * nomination, a person whose birth date becomes unknown, truncation. At each step:
 * - the reserves and structure counts read from the summaries equal the queries the statistics ran
 *   before the summaries (below, with the domain's constants), for several scopes and dates;
 * - the summaries kept by the triggers equal a recount from scratch (`stats_rebuild_summaries`).
 * A write that left a summary behind fails both.
 */
import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDb, type DbHandle } from '../../db/client.js';
import { importDivisions } from '../../db/seed/import-divisions.js';
import { createUser } from '../../db/queries/users.js';
import { writeNominationImport, writeTeamMemberImport, type ImportMeta, type PersonWrite } from '../../db/queries/people-import.js';
import { insertNominatedReserve, insertTransferredReserve } from '../../db/queries/reserves.js';
import { rebuildStatsSummaries } from '../../db/queries/stats-summaries.js';
import { countReservesByVillage, type VillageReserveCounts } from '../../db/queries/stats/reserves.js';
import { countTeamStructure, type TeamStructureCounts } from '../../db/queries/stats/structure.js';
import { selectRows, withPrefix, type StatsScope } from '../../db/queries/stats/scope.js';
import { countyOf, townshipOf } from '../../domain/divisions.js';
import {
  COLLEGE_LEVELS,
  EDUCATION_LEVELS,
  MAJORITY_ETHNIC_GROUP,
  RESERVE_NOMINATION_STATUSES,
  RESERVE_SOURCES,
  TEAM_KINDS,
  type EducationLevel,
  type ReserveSource,
} from '../../domain/people.js';
import { DEFAULT_POLICY, reservePolicyOf } from '../../domain/policy.js';
import { POOL_STATES, RESERVE_STATES, TERMINAL_RESERVE_STATES } from '../../domain/reserves.js';
import { YOUTH_AGE_LIMIT } from '../../domain/stats.js';
import { testDatabaseUrl, type TestDatabase } from '../support/servers.js';

let database: TestDatabase;
let h: DbHandle;
let userId: string;
let townships: string[];
let villages: string[];

// --- The statistics' queries before the summaries (issue 5), from the source rows ------------------

async function reservesFromScratch(scope: StatsScope, asOfDate: string): Promise<VillageReserveCounts[]> {
  const within = (column: SQL) => withPrefix(column, scope.prefix);
  return selectRows<VillageReserveCounts>(
    h.db,
    sql`
    with reserves as materialized (
      select r.village_code, r.person_id, r.status = 'in_pool' as in_pool, r.source
      from reserve_nominations r
      where ${within(sql`r.village_code`)}
        and r.id not in (select rc.nomination_id from reserve_candidates rc where ${within(sql`rc.village_code`)} and rc.nomination_id is not null)
      union all
      select rc.village_code, rc.person_id, rc.state in ${POOL_STATES}, rc.source
      from reserve_candidates rc
      where ${within(sql`rc.village_code`)} and rc.state not in ${TERMINAL_RESERVE_STATES}
    )
    select r.village_code as village, r.source,
      (count(*) filter (where r.in_pool))::int as "inPool",
      count(*)::int as nominated,
      (count(*) filter (where r.in_pool and p.birth_date > (${asOfDate}::date - interval '${sql.raw(String(YOUTH_AGE_LIMIT + 1))} years')))::int as young,
      (count(*) filter (where r.in_pool and p.education in ${COLLEGE_LEVELS}))::int as college,
      (count(*) filter (where r.in_pool and p.gender = 'female'))::int as female,
      (count(*) filter (where r.in_pool and p.party_member))::int as party
    from reserves r left join people p on p.id = case when r.in_pool then r.person_id end
    group by r.village_code, r.source`,
  );
}

async function structureFromScratch(scope: StatsScope, team: string, asOfDate: string): Promise<TeamStructureCounts[]> {
  return selectRows<TeamStructureCounts>(
    h.db,
    sql`
    with a as (
      select m.division_code, extract(year from age(${asOfDate}::date, p.birth_date))::int as age, p.gender, p.education, p.ethnicity, p.party_member
      from leadership_team_members m join people p on p.id = m.person_id
      where ${withPrefix(sql`m.division_code`, scope.prefix)} and m.team_kind = ${team}
    )
    select division_code as code, (select d.name from divisions d where d.code = a.division_code) as name,
      count(*)::int as members, count(age)::int as "withAge", coalesce(sum(age), 0)::int as "ageSum",
      min(age)::int as youngest, max(age)::int as oldest,
      count(*) filter (where age <= 35)::int as "age35OrUnder",
      count(*) filter (where age between 36 and 45)::int as "age36To45",
      count(*) filter (where age between 46 and 54)::int as "age46To54",
      count(*) filter (where age >= 55)::int as "age55OrOver",
      count(*) filter (where gender = 'female')::int as women,
      count(*) filter (where education in ${COLLEGE_LEVELS})::int as college,
      count(*) filter (where ethnicity is not null and ethnicity <> ${MAJORITY_ETHNIC_GROUP})::int as minority,
      count(*) filter (where party_member)::int as "partyMembers"
    from a group by division_code order by division_code`,
  );
}

// --- Checks ------------------------------------------------------------------------------------------

const SCOPES: StatsScope[] = [
  { code: '520000000000', level: 'province', prefix: '52', sponsorUserId: null },
  { code: '000000000000', level: 'province', prefix: '', sponsorUserId: null }, // every code (the queries read the prefix only)
  { code: '522700000000', level: 'prefecture', prefix: '5227', sponsorUserId: null },
  { code: '522726000000', level: 'county', prefix: '522726', sponsorUserId: null },
  { code: '522727000000', level: 'county', prefix: '522727', sponsorUserId: null },
];
// Around the youth boundary (born 1990-06-30 is 35 on 2025-06-30, 36 a day later) and far from it.
const DATES = ['2025-06-30', '2025-07-01', '2026-02-28', '2001-01-01'];

const byKey = <T extends { village?: string; source?: string; code?: string }>(rows: T[]) =>
  [...rows].sort((a, b) => `${a.village ?? a.code}:${a.source ?? ''}`.localeCompare(`${b.village ?? b.code}:${b.source ?? ''}`));

async function summaryRows(): Promise<{ reserves: string[]; teams: string[] }> {
  const reserves = await h.sql<{ r: string }[]>`select row(r.*)::text as r from reserve_village_counts r order by 1`;
  const teams = await h.sql<{ r: string }[]>`select row(t.*)::text as r from team_structure_counts t order by 1`;
  return { reserves: reserves.map((x) => x.r), teams: teams.map((x) => x.r) };
}

async function expectSummariesExact(step: string): Promise<void> {
  for (const scope of SCOPES) {
    for (const asOfDate of DATES) {
      expect(byKey(await countReservesByVillage(h.db, { scope, asOfDate })), `${step}: reserves ${scope.prefix} ${asOfDate}`).toEqual(
        byKey(await reservesFromScratch(scope, asOfDate)),
      );
      for (const team of TEAM_KINDS) {
        expect(await countTeamStructure(h.db, { scope, team, asOfDate }), `${step}: structure ${team} ${scope.prefix} ${asOfDate}`).toEqual(
          await structureFromScratch(scope, team, asOfDate),
        );
      }
    }
  }
  const kept = await summaryRows();
  await rebuildStatsSummaries(h.db);
  expect(kept, `${step}: the summaries kept by the triggers equal a recount`).toEqual(await summaryRows());
}

// --- Data ----------------------------------------------------------------------------------------------

/** Deterministic choices. */
let seed = 14;
function rand(n: number): number {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
}
const pick = <T>(items: readonly T[]): T => items[rand(items.length)]!;

function newPerson(i: number): PersonWrite {
  // Birth dates spread over 1960–2004, some on the youth boundary of the dates above.
  const birthDate =
    i % 7 === 0
      ? pick(['1990-06-30', '1990-07-01', '1989-07-01'])
      : `${1960 + rand(45)}-${String(1 + rand(12)).padStart(2, '0')}-${String(1 + rand(28)).padStart(2, '0')}`;
  return {
    personId: randomUUID(),
    isNew: true,
    changed: false,
    name: `人员${i}`,
    gender: pick(['male', 'female'] as const),
    birthDate,
    ethnicity: pick([MAJORITY_ETHNIC_GROUP, MAJORITY_ETHNIC_GROUP, '苗族', '布依族']),
    education: pick(EDUCATION_LEVELS),
    partyMember: rand(10) < 7,
    position: null,
  };
}

function changedPerson(p: PersonWrite): PersonWrite {
  return {
    ...p,
    isNew: false,
    changed: true,
    gender: p.gender === 'male' ? 'female' : 'male',
    birthDate: p.birthDate.startsWith('19') ? `2000${p.birthDate.slice(4)}` : '1970-01-01',
    education: pick(EDUCATION_LEVELS) as EducationLevel,
    ethnicity: p.ethnicity === MAJORITY_ETHNIC_GROUP ? '苗族' : MAJORITY_ETHNIC_GROUP,
    partyMember: !p.partyMember,
  };
}

const meta = (kind: ImportMeta['kind']): ImportMeta => ({
  kind,
  fileName: `${kind}.xlsx`,
  fileSha256: randomUUID(),
  rows: 0,
  createdBy: userId,
  actorLabel: 'test',
});

beforeAll(async () => {
  database = await testDatabaseUrl();
  h = createDb(database.url, { max: 4 });
  await importDivisions(h.sql, '5227');
  const { user } = await createUser(h.db, { name: '黔南州委组织部', role: 'org_dept', jurisdictionCode: '5227', actor: { actorLabel: 'test' } });
  userId = user.id;
  const codes = await h.sql<{ code: string; level: string }[]>`
    select code, level::text from divisions where (code like '522726%' or code like '522727%') and level in ('township', 'village') order by code`;
  townships = codes.filter((c) => c.level === 'township').map((c) => c.code);
  villages = codes
    .filter((c) => c.level === 'village')
    .map((c) => c.code)
    .filter((_, i) => i % 5 === 0);
});

afterAll(async () => {
  await h?.close();
  await database?.drop();
});

describe('statistics summaries (migration 0016) stay exact through every kind of write', () => {
  const nominationPeople = new Map<string, PersonWrite>();

  test('the people import: team members and nominations, then the same files changed', async () => {
    let i = 0;
    const members = [
      ...townships.slice(0, 8).flatMap((t) => [0, 1, 2, 3].map(() => ({ teamKind: 'township_leadership' as const, divisionCode: t, post: '党委委员' }))),
      ...villages.slice(0, 25).flatMap((v) => [0, 1, 2].map(() => ({ teamKind: 'village_committee' as const, divisionCode: v, post: '村委委员' }))),
    ].map((m) => ({ ...m, person: newPerson(i++), memberId: null }));
    await writeTeamMemberImport(h.db, meta('people'), members, {});
    await expectSummariesExact('team import');

    const nominations = villages.slice(0, 30).flatMap((v) =>
      Array.from({ length: rand(5) }, () => ({
        person: newPerson(i++),
        nominationId: null,
        villageCode: v,
        source: pick(RESERVE_SOURCES),
        status: pick(RESERVE_NOMINATION_STATUSES),
        nominatedOn: '2025-03-01',
        note: null,
      })),
    );
    await writeNominationImport(h.db, meta('reserve_nominations'), nominations, {});
    await expectSummariesExact('nomination import');

    // The same spreadsheets again, edited: people's fields, nominations' status and source, new rows.
    const existing = await h.sql<
      { id: string; person_id: string; village_code: string }[]
    >`select id, person_id, village_code from reserve_nominations order by id`;
    const byPerson = new Map(nominations.map((n) => [n.person.personId, n.person]));
    const edits = existing
      .filter((_, k) => k % 2 === 0)
      .map((n) => ({
        person: changedPerson(byPerson.get(n.person_id)!),
        nominationId: n.id,
        villageCode: n.village_code,
        source: pick(RESERVE_SOURCES),
        status: pick(RESERVE_NOMINATION_STATUSES),
        nominatedOn: '2025-04-01',
        note: '复核',
      }));
    await writeNominationImport(h.db, meta('reserve_nominations'), [...edits, { ...nominations[0]!, person: newPerson(i++), nominationId: null }], {});
    await expectSummariesExact('nomination import, edited');
    for (const n of nominations) nominationPeople.set(n.person.personId, n.person);

    const memberRows = await h.sql<{ id: string; person_id: string; team_kind: 'township_leadership' | 'village_committee'; division_code: string }[]>`
      select id, person_id, team_kind::text, division_code from leadership_team_members order by id`;
    const memberPeople = new Map(members.map((m) => [m.person.personId, m.person]));
    await writeTeamMemberImport(
      h.db,
      meta('people'),
      memberRows
        .filter((_, k) => k % 3 === 0)
        .map((m) => ({
          person: changedPerson(memberPeople.get(m.person_id)!),
          memberId: m.id,
          teamKind: m.team_kind,
          divisionCode: m.division_code,
          post: '副书记',
        })),
      {},
    );
    await expectSummariesExact('team import, edited');
  });

  test('candidates: started from nominations and alone, through every state, transferred', async () => {
    const policy = reservePolicyOf(DEFAULT_POLICY);
    const nominations = await h.sql<{ id: string; person_id: string; village_code: string; source: ReserveSource }[]>`
      select id, person_id, village_code, source::text from reserve_nominations order by id`;
    const started: string[] = [];
    const start = async (
      villageCode: string,
      source: ReserveSource,
      person: { personId: string } | { name: string; birthDate: string; gender: 'female' },
      nominationId: string | null,
    ) => {
      const { row } = await insertNominatedReserve(h.db, {
        villageCode,
        townshipCode: townshipOf(villageCode),
        countyCode: countyOf(villageCode),
        person,
        source,
        nominationId,
        ageAtNomination: null,
        ageWarning: false,
        note: null,
        policyId: null,
        policy,
        nominatedAt: new Date('2025-03-01T00:00:00Z'),
        createdBy: userId,
        createdByLabel: 'test',
        nominationKey: randomUUID(),
        warnings: [],
      });
      started.push(row.id);
      return row;
    };
    for (const n of nominations.filter((_, k) => k % 3 === 0)) await start(n.village_code, n.source, { personId: n.person_id }, n.id);
    for (const v of villages.slice(30, 36)) await start(v, pick(RESERVE_SOURCES), { name: `新后备${v}`, birthDate: '1995-05-05', gender: 'female' }, null);
    await expectSummariesExact('candidates nominated');

    // The projection's write (recordReserveChange): the candidate's state, one statement per change.
    for (const [k, id] of started.entries()) {
      await h.sql`update reserve_candidates set state = ${RESERVE_STATES[k % RESERVE_STATES.length]!}, projection_seq = projection_seq + 1 where id = ${id}`;
    }
    await expectSummariesExact('candidates through every state');

    // A transfer: the first candidate leaves its village, a new one continues at another.
    await h.sql`update reserve_candidates set state = 'transferred' where id = ${started[0]!}`;
    const from = await h.db.query.reserveCandidates.findFirst({ where: (c, { eq }) => eq(c.id, started[0]!) });
    const target = villages.at(-1)!;
    const moved = await insertTransferredReserve(h.db, {
      from: from!,
      villageCode: target,
      townshipCode: townshipOf(target),
      countyCode: countyOf(target),
      reason: '工作调动',
      policyId: null,
      policy,
      at: new Date(),
      actor: { userId, label: 'test', role: 'org_dept' },
    });
    await h.sql`update reserve_candidates set state = 'in_pool' where id = ${moved.id}`;
    await expectSummariesExact('transfer');
  });

  test('deletes, a moved nomination, an unknown birth date, a bulk update, truncation', async () => {
    await h.sql`delete from leadership_team_members where id in (select id from leadership_team_members order by id limit 5)`;
    await h.sql`delete from reserve_nominations where id in (
      select id from reserve_nominations n where not exists (select 1 from reserve_candidates c where c.nomination_id = n.id) order by id limit 3)`;
    await h.sql`update reserve_nominations set village_code = ${villages[40]!} where id = (select id from reserve_nominations order by id desc limit 1)`;
    await h.sql`update people set birth_date = null, education = null where id in (
      (select person_id from leadership_team_members order by id limit 2)
      union all (select person_id from reserve_nominations where status = 'in_pool' order by id limit 2))`;
    await h.sql`update reserve_candidates set rag = 'yellow'`;
    await h.sql`update people set party_member = not party_member`;
    await expectSummariesExact('deletes and updates');

    await h.sql`delete from reserve_candidates where state in ('nominated', 'exited')`;
    await expectSummariesExact('candidates deleted');
    await h.sql`truncate leadership_team_members`;
    await h.sql`truncate reserve_candidates, reserve_nominations cascade`;
    await expectSummariesExact('truncated');
    expect(await summaryRows()).toEqual({ reserves: [], teams: [] });
  });
});
