import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client.js';
import { divisions, villagePartyOrganizations } from '../schema/index.js';
import { countyOf, toFullCode, type DivisionLevel } from '../../domain/divisions.js';

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
