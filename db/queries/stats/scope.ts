/**
 * The slice of the country a statistic covers: a division (by code prefix) and, for a sponsor, only
 * their own cases. Case rows are selected through their township (cases_township_code_idx) rather
 * than `village_code LIKE …`, which a plain btree index serves only under the C collation.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../client.js';
import { PREFIX_LENGTH, type DivisionLevel } from '../../../domain/divisions.js';

export interface StatsScope {
  /** The division's 12-digit code. */
  code: string;
  level: DivisionLevel;
  /** Every code inside the division starts with this ('' for the whole country). */
  prefix: string;
  /** Set for a sponsor: only the cases they sponsor. */
  sponsorUserId: string | null;
}

export interface DivisionRef {
  code: string;
  name: string;
  level: DivisionLevel;
}

export async function findDivision(db: Db, code: string): Promise<DivisionRef | null> {
  const rows = await selectRows<DivisionRef>(db, sql`select code, name, level from divisions where code = ${code}`);
  return rows[0] ?? null;
}

/**
 * `column` starts with `prefix`, as a range the varchar_pattern_ops indexes serve (byte order,
 * whatever the database collation), with parameters a generic plan can still use (`LIKE 'p%'`
 * needs a literal pattern for that, which prepared statements do not give after a few runs).
 * The planner estimates such a range at about one row, so the statistics queries are written for
 * that: the range is the outer side of nested loops whose inner side is an index probe, and a big
 * range is never joined against an aggregate (which would be rescanned per row).
 */
export function withPrefix(column: SQL, prefix: string): SQL {
  if (!/^\d*$/.test(prefix)) throw new Error(`bad division prefix ${prefix}`);
  if (prefix === '') return sql`true`;
  const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return sql`(${column} ~>=~ ${prefix} and ${column} ~<~ ${upper})`;
}

/** The condition that selects the cases (alias `c`) of the scope. */
export function caseScope(scope: StatsScope): SQL {
  let where: SQL;
  if (scope.level === 'village') where = sql`c.village_code = ${scope.code}`;
  else if (scope.level === 'township') where = sql`c.township_code = ${scope.code}`;
  else if (scope.prefix === '') where = sql`true`;
  else where = sql`c.township_code in (select d.code from divisions d where d.level = 'township' and ${withPrefix(sql`d.code`, scope.prefix)})`;
  return scope.sponsorUserId ? sql`${where} and c.sponsor_user_id = ${scope.sponsorUserId}` : where;
}

/** The group a village code falls in, at a level: its code prefix of that level's length. */
export function groupOf(column: SQL, level: DivisionLevel): SQL {
  return sql`left(${column}, ${sql.raw(String(PREFIX_LENGTH[level]))})`;
}

export interface GroupRow {
  /** Code prefix of the group (e.g. '522731' for a county). */
  group: string;
  code: string;
  name: string;
  villages: number;
}

/** Every division of a level inside the scope, with its number of villages. */
export async function listGroups(db: Db, scope: StatsScope, level: DivisionLevel): Promise<GroupRow[]> {
  const n = sql.raw(String(PREFIX_LENGTH[level]));
  if (level === 'village') {
    return selectRows<GroupRow>(
      db,
      sql`
      select code as "group", code, name, 1 as villages from divisions
      where level = 'village' and ${withPrefix(sql`code`, scope.prefix)} order by code`,
    );
  }
  return selectRows<GroupRow>(
    db,
    sql`
    with v as (
      select left(code, ${n}) as grp, count(*)::int as villages from divisions
      where level = 'village' and ${withPrefix(sql`code`, scope.prefix)}
      group by 1
    )
    select left(d.code, ${n}) as "group", d.code, d.name, coalesce(v.villages, 0) as villages
    from divisions d left join v on v.grp = left(d.code, ${n})
    where d.level = ${level} and ${withPrefix(sql`d.code`, scope.prefix)}
    order by d.code`,
  );
}

/** The name of a group (a code prefix), looked up by primary key: for the few rows of an aggregate. */
export function groupName(group: SQL): SQL {
  return sql`(select gd.name from divisions gd where gd.code = rpad(${group}, 12, '0'))`;
}

/**
 * An instant as a query parameter. (Drizzle's postgres-js driver passes Date parameters through
 * unserialised, which Postgres cannot read; ISO text with a cast is exact.)
 */
export function ts(instant: Date): SQL {
  return sql`${instant.toISOString()}::timestamptz`;
}

/** A timestamptz as raw queries return it (text) → Date. */
export function toDate(value: string | Date): Date {
  return value instanceof Date ? value : new Date(value);
}

/** Runs a raw select and types its rows (the column aliases in the SQL are the keys of T). */
export async function selectRows<T>(db: Pick<Db, 'execute'>, query: SQL): Promise<T[]> {
  const rows = await db.execute<Record<string, unknown>>(query);
  return [...rows] as T[];
}
