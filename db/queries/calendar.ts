import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { calendarDays, calendarOverrides, calendarVersions } from '../schema/index.js';
import type { Calendar, SpecialDay } from '../../domain/calendar.js';
import { ancestorCodes } from './policies.js';
import { appendAuditEvents } from './audit-chain.js';

export interface CalendarDayInput {
  date: string;
  workday: boolean;
  name: string | null;
}

/** Stores an import as a new version covering the years it contains. */
export async function insertCalendarVersion(
  db: Db,
  input: { source: string; note?: string; importedBy?: string | null; actorLabel: string; days: CalendarDayInput[]; years?: number[] },
): Promise<{ id: number; years: number[] }> {
  const years = input.years ?? [...new Set(input.days.map((d) => Number(d.date.slice(0, 4))))].sort();
  return db.transaction(async (tx) => {
    const [version] = await tx
      .insert(calendarVersions)
      .values({ source: input.source, years, note: input.note ?? null, importedBy: input.importedBy ?? null })
      .returning({ id: calendarVersions.id, importedAt: calendarVersions.importedAt });
    for (let i = 0; i < input.days.length; i += 2000) {
      await tx.insert(calendarDays).values(input.days.slice(i, i + 2000).map((d) => ({ versionId: version!.id, ...d })));
    }
    await appendAuditEvents(tx, [
      {
        dedupeKey: `calendar-version:${version!.id}`,
        entityType: 'calendar_version',
        entityId: String(version!.id),
        action: 'calendar_version_imported',
        actorUserId: input.importedBy ?? null,
        actorLabel: input.actorLabel,
        at: version!.importedAt,
        before: null,
        after: { source: input.source, years, days: input.days.length },
        details: input.note ? { note: input.note } : null,
      },
    ]);
    return { id: version!.id, years };
  });
}

export async function hasCalendarSource(db: Db, source: string): Promise<boolean> {
  const rows = await db.select({ id: calendarVersions.id }).from(calendarVersions).where(eq(calendarVersions.source, source)).limit(1);
  return rows.length > 0;
}

/** The newest version id: a cheap stamp telling a cache whether the national calendar changed. */
export async function latestCalendarVersionId(db: Db): Promise<number> {
  const [row] = await db.select({ id: sql<number>`coalesce(max(${calendarVersions.id}), 0)` }).from(calendarVersions);
  return Number(row?.id ?? 0);
}

/** The national calendar in force: for each year, the days of the newest version covering it. */
export async function loadNationalCalendar(db: Db): Promise<{ special: Map<string, SpecialDay>; loadedYears: Set<number> }> {
  const rows = await db.execute<{ date: string; workday: boolean; name: string | null; version_id: number }>(sql`
    with in_force as (
      select y as year, max(v.id) as version_id
      from ${calendarVersions} v, unnest(v.years) as y
      group by y
    )
    select d.date::text as date, d.workday, d.name, d.version_id
    from ${calendarDays} d
    join in_force f on f.version_id = d.version_id and f.year = extract(year from d.date)::int`);
  const years = await db.execute<{ year: number }>(sql`select distinct unnest(years) as year from ${calendarVersions}`);
  const special = new Map<string, SpecialDay>();
  for (const r of rows) special.set(r.date, { workday: r.workday, name: r.name, source: `calendar-version:${r.version_id}` });
  return { special, loadedYears: new Set(years.map((y) => Number(y.year))) };
}

export type OverrideRow = typeof calendarOverrides.$inferSelect;

/** Active overrides of a division and its ancestors, the nearest first. */
export async function overridesFor(db: Db, divisionCode: string): Promise<OverrideRow[]> {
  const rows = await db
    .select()
    .from(calendarOverrides)
    .where(and(inArray(calendarOverrides.divisionCode, ancestorCodes(divisionCode)), isNull(calendarOverrides.revokedAt)));
  // Nearer jurisdictions win: sort by significant code length, longest first.
  return rows.sort((a, b) => b.divisionCode.replace(/0+$/, '').length - a.divisionCode.replace(/0+$/, '').length);
}

/** The calendar a division lives by: the national one with its own and its ancestors' overrides on top. */
export function withOverrides(national: Calendar, overrides: OverrideRow[]): Calendar {
  if (overrides.length === 0) return national;
  const special = new Map(national.special);
  // Apply the farthest first so the nearest wins.
  for (const o of [...overrides].reverse()) {
    special.set(o.date, { workday: o.workday, name: o.reason, source: `override:${o.id}` });
  }
  return { special, loadedYears: national.loadedYears };
}

export async function listOverrides(db: Db, prefix: string): Promise<OverrideRow[]> {
  return db
    .select()
    .from(calendarOverrides)
    .where(sql`${calendarOverrides.divisionCode} like ${prefix + '%'} or ${inArray(calendarOverrides.divisionCode, ancestorCodes(prefix.padEnd(12, '0')))}`)
    .orderBy(desc(calendarOverrides.createdAt));
}

export async function createOverride(
  db: Db,
  actor: { userId: string; label: string },
  input: { divisionCode: string; date: string; workday: boolean; reason: string },
): Promise<OverrideRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(calendarOverrides)
      .values({ ...input, createdBy: actor.userId })
      .returning();
    await appendAuditEvents(tx, [
      {
        dedupeKey: `calendar-override:${row!.id}:created`,
        entityType: 'calendar_override',
        entityId: row!.id,
        action: 'calendar_override_created',
        actorUserId: actor.userId,
        actorLabel: actor.label,
        at: row!.createdAt,
        before: null,
        after: { divisionCode: row!.divisionCode, date: row!.date, workday: row!.workday, reason: row!.reason },
        details: null,
      },
    ]);
    return row!;
  });
}

export async function revokeOverride(db: Db, actor: { userId: string; label: string }, id: string): Promise<OverrideRow | null> {
  return db.transaction(async (tx) => {
    const now = new Date();
    const [row] = await tx
      .update(calendarOverrides)
      .set({ revokedAt: now, revokedBy: actor.userId })
      .where(and(eq(calendarOverrides.id, id), isNull(calendarOverrides.revokedAt)))
      .returning();
    if (!row) return null;
    await appendAuditEvents(tx, [
      {
        dedupeKey: `calendar-override:${id}:revoked`,
        entityType: 'calendar_override',
        entityId: id,
        action: 'calendar_override_revoked',
        actorUserId: actor.userId,
        actorLabel: actor.label,
        at: now,
        before: { revokedAt: null },
        after: { revokedAt: now.toISOString() },
        details: null,
      },
    ]);
    return row;
  });
}

export async function getOverride(db: Db, id: string): Promise<OverrideRow | null> {
  const [row] = await db.select().from(calendarOverrides).where(eq(calendarOverrides.id, id));
  return row ?? null;
}

export async function getCalendarVersion(db: Db, id: number) {
  const [row] = await db.select().from(calendarVersions).where(eq(calendarVersions.id, id));
  return row ?? null;
}

export async function listCalendarVersions(db: Db) {
  return db.select().from(calendarVersions).orderBy(desc(calendarVersions.id));
}
