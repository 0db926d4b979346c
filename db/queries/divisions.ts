import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { divisions, villagePartyOrganizations } from '../schema/index.js';
import { countyOf, toFullCode, type DivisionLevel } from '../../domain/divisions.js';
import { TERMINAL_CASE_STATES } from '../../domain/cases.js';
import { TERMINAL_MENTORSHIP_STATES } from '../../domain/mentorships.js';
import { TERMINAL_RESERVE_STATES } from '../../domain/reserves.js';
import type { Rag } from '../../domain/escalation.js';
import { caseScope, selectRows, withPrefix, type StatsScope } from './stats/scope.js';

export interface DivisionSummary {
  code: string;
  name: string;
  level: DivisionLevel;
}

export interface DivisionWithChildren extends DivisionSummary {
  parentCode: string | null;
  children: DivisionSummary[];
}

export interface Village {
  code: string;
  name: string;
  /** The township (乡镇/街道) the village belongs to. */
  townshipCode: string;
  countyCode: string;
  /** Its 村党组织, null when none was created (the importer creates one per village). */
  organizationId: string | null;
  organizationName: string | null;
}

/** Short codes ("522731") are padded; anything that is not 2–12 digits matches nothing. */
function fullCodeOrNull(code: string): string | null {
  return /^\d{2,12}$/.test(code) ? toFullCode(code) : null;
}

export async function getDivisionWithChildren(db: Db, code: string): Promise<DivisionWithChildren | null> {
  const full = fullCodeOrNull(code);
  if (!full) return null;
  const [division] = await db
    .select({ code: divisions.code, name: divisions.name, level: divisions.level, parentCode: divisions.parentCode })
    .from(divisions)
    .where(eq(divisions.code, full));
  if (!division) return null;
  const children = await db
    .select({ code: divisions.code, name: divisions.name, level: divisions.level })
    .from(divisions)
    .where(eq(divisions.parentCode, full))
    .orderBy(asc(divisions.code));
  return { ...division, children };
}

export async function divisionExists(db: Db, code: string): Promise<boolean> {
  const full = fullCodeOrNull(code);
  if (!full) return false;
  const rows = await db.select({ code: divisions.code }).from(divisions).where(eq(divisions.code, full)).limit(1);
  return rows.length > 0;
}

/** A village-level division and its party organization; null if the code is not an imported village. */
export async function getVillage(db: Db, code: string): Promise<Village | null> {
  if (!/^\d{12}$/.test(code)) return null;
  const [row] = await db
    .select({
      code: divisions.code,
      name: divisions.name,
      parentCode: divisions.parentCode,
      organizationId: villagePartyOrganizations.id,
      organizationName: villagePartyOrganizations.name,
    })
    .from(divisions)
    .leftJoin(villagePartyOrganizations, eq(villagePartyOrganizations.villageCode, divisions.code))
    .where(and(eq(divisions.code, code), eq(divisions.level, 'village')));
  if (!row) return null;
  return {
    code: row.code,
    name: row.name,
    // Villages always have a parent; the fallback only guards a hand-edited row.
    townshipCode: row.parentCode ?? toFullCode(code.slice(0, 9)),
    countyCode: countyOf(code),
    organizationId: row.organizationId,
    organizationName: row.organizationName,
  };
}

/** Open processes by light, per group (a code prefix of the child level). */
export interface LightCountRow {
  group: string;
  rag: Rag;
  open: number;
}

/**
 * Open cases, mentorships and reserve candidates inside a division by light, grouped by the code
 * prefix of `groupLength` digits (the division's children). A sponsor's scope counts only their
 * own cases. Each count is one index range over the open rows of the division.
 */
export async function countOpenByLight(
  db: Db,
  params: { scope: StatsScope; groupLength: number; processes: boolean },
): Promise<{ cases: LightCountRow[]; mentorships: LightCountRow[]; reserves: LightCountRow[] }> {
  const n = sql.raw(String(params.groupLength));
  const closedCases = sql.raw(TERMINAL_CASE_STATES.map((s) => `'${s}'`).join(','));
  const closedMentorships = sql.raw(TERMINAL_MENTORSHIP_STATES.map((s) => `'${s}'`).join(','));
  const closedReserves = sql.raw(TERMINAL_RESERVE_STATES.map((s) => `'${s}'`).join(','));
  const cases = selectRows<LightCountRow>(
    db,
    sql`
    select left(c.village_code, ${n}) as "group", c.rag, count(*)::int as open
    from rectification_cases c
    where ${caseScope(params.scope)} and c.state not in (${closedCases})
    group by 1, 2`,
  );
  if (!params.processes) return { cases: await cases, mentorships: [], reserves: [] };
  const [caseRows, mentorships, reserves] = await Promise.all([
    cases,
    selectRows<LightCountRow>(
      db,
      sql`
      select left(m.village_code, ${n}) as "group", m.rag, count(*)::int as open
      from mentorships m
      where ${withPrefix(sql`m.village_code`, params.scope.prefix)} and m.state not in (${closedMentorships})
      group by 1, 2`,
    ),
    selectRows<LightCountRow>(
      db,
      sql`
      select left(r.village_code, ${n}) as "group", r.rag, count(*)::int as open
      from reserve_candidates r
      where ${withPrefix(sql`r.village_code`, params.scope.prefix)} and r.state not in (${closedReserves})
      group by 1, 2`,
    ),
  ]);
  return { cases: caseRows, mentorships, reserves };
}

/** Divisions by code (the breadcrumb of a drill-down), in code order. */
export async function listDivisionsByCode(db: Db, codes: string[]): Promise<DivisionSummary[]> {
  if (codes.length === 0) return [];
  return db
    .select({ code: divisions.code, name: divisions.name, level: divisions.level })
    .from(divisions)
    .where(inArray(divisions.code, codes))
    .orderBy(asc(divisions.code));
}
