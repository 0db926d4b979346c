import type { Db } from '../db/client.js';
import { countOpenByLight, getDivisionWithChildren, listDivisionsByCode, type DivisionSummary, type LightCountRow } from '../db/queries/divisions.js';
import { getSecretaryPost } from '../db/queries/village-secretary.js';
import { DIVISION_LEVELS, PREFIX_LENGTH, isWithin, jurisdictionPrefix, levelOfCode, toFullCode } from '../domain/divisions.js';
import { NotFoundError } from '../domain/errors.js';
import type { Rag } from '../domain/escalation.js';
import type { AuthUser } from '../domain/roles.js';

export interface LightCounts {
  red: number;
  yellow: number;
  green: number;
  total: number;
}

/** Open cases (and, for offices, mentorships and reserve candidates) of a division by light. */
export interface DivisionLights {
  cases: LightCounts;
  /** null for a sponsor: mentorships and reserves are not theirs to see. */
  mentorships: LightCounts | null;
  reserves: LightCounts | null;
}

const zero = (): LightCounts => ({ red: 0, yellow: 0, green: 0, total: 0 });

function tally(rows: LightCountRow[]): { byGroup: Map<string, LightCounts>; total: LightCounts } {
  const byGroup = new Map<string, LightCounts>();
  const total = zero();
  for (const row of rows) {
    const g = byGroup.get(row.group) ?? zero();
    for (const target of [g, total]) {
      target[row.rag as Rag] += row.open;
      target.total += row.open;
    }
    byGroup.set(row.group, g);
  }
  return { byGroup, total };
}

export function createDivisionService(deps: { db: Db }) {
  const { db } = deps;

  /**
   * A division's children with the lights of their open processes: the drill-down county →
   * township → village. Outside the caller's jurisdiction answers like a division that does not
   * exist. `path` runs from the caller's jurisdiction down to this division (the breadcrumb).
   */
  async function lights(user: AuthUser, code: string) {
    const full = toFullCode(code);
    if (!isWithin(full, user.jurisdictionCode)) throw new NotFoundError('未找到该区划 (division not found)');
    const division = await getDivisionWithChildren(db, full);
    if (!division) throw new NotFoundError('未找到该区划 (division not found)');
    const sponsor = user.role === 'sponsor';
    const childLevel = division.children[0]?.level ?? division.level;
    const groupLength = PREFIX_LENGTH[childLevel];
    const counts = await countOpenByLight(db, {
      scope: { code: full, level: division.level, prefix: jurisdictionPrefix(full), sponsorUserId: sponsor ? user.id : null },
      groupLength,
      processes: !sponsor,
    });
    const cases = tally(counts.cases);
    const mentorships = sponsor ? null : tally(counts.mentorships);
    const reserves = sponsor ? null : tally(counts.reserves);
    const of = (group: string): DivisionLights => ({
      cases: cases.byGroup.get(group) ?? zero(),
      mentorships: mentorships ? (mentorships.byGroup.get(group) ?? zero()) : null,
      reserves: reserves ? (reserves.byGroup.get(group) ?? zero()) : null,
    });
    const top = DIVISION_LEVELS.indexOf(levelOfCode(user.jurisdictionCode));
    const here = DIVISION_LEVELS.indexOf(division.level);
    const pathCodes = DIVISION_LEVELS.slice(top, here + 1).map((level) => toFullCode(full.slice(0, PREFIX_LENGTH[level])));
    const path: DivisionSummary[] = await listDivisionsByCode(db, [...new Set(pathCodes)]);
    return {
      code: division.code,
      name: division.name,
      level: division.level,
      parentCode: division.parentCode,
      scope: sponsor ? ('own_cases' as const) : ('jurisdiction' as const),
      path,
      totals: { cases: cases.total, mentorships: mentorships?.total ?? null, reserves: reserves?.total ?? null },
      children: division.children.map((child) => ({ ...child, ...of(child.code.slice(0, groupLength)) })),
    };
  }

  /** A division and its children; a village also with its secretary post (holder's name, vacant since). */
  async function get(code: string) {
    const division = await getDivisionWithChildren(db, code);
    if (!division) return null;
    const post = division.level === 'village' ? await getSecretaryPost(db, division.code) : null;
    const secretary = post ? { name: post.personId ? post.name : null, vacantSince: post.personId ? null : post.vacantSince } : null;
    return { ...division, secretary };
  }

  return { get, lights };
}
export type DivisionService = ReturnType<typeof createDivisionService>;
