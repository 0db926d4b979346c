/**
 * The calendar as users see it (days, due dates, the Nth working day of a month), local overrides,
 * and national versions; any change re-times the running cases it touches, durably.
 */
import type { Db } from '../db/client.js';
import {
  createOverride,
  getOverride,
  insertCalendarVersion,
  listOverrides,
  overridesFor,
  revokeOverride,
  type CalendarDayInput,
} from '../db/queries/calendar.js';
import { divisionExists } from '../db/queries/divisions.js';
import { isUniqueViolation } from '../db/queries/pg-errors.js';
import { addCalendarDays, addWorkingDays, listDays, nthWorkingDayOfMonth, type Calendar } from '../domain/calendar.js';
import { isWithin, jurisdictionPrefix, toFullCode } from '../domain/divisions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { ALLOWED_ROLES, type AuthUser } from '../domain/roles.js';
import { startCalendarChange, type TemporalHandle } from '../temporal/client.js';
import { createCalendarSource } from './calendar-source.js';

const MAX_RANGE_DAYS = 400;

type CalendarActor = { userId: string | null; label: string };
type NewCalendarVersion = { source: string; note?: string; days: CalendarDayInput[] };

export function createCalendarService(deps: { db: Db; temporal: TemporalHandle }) {
  const { db, temporal } = deps;
  const source = createCalendarSource(db);

  /** A division the user may ask about: their own jurisdiction (default) or anything inside it. */
  async function divisionFor(user: AuthUser, division: string | undefined, field = 'division'): Promise<string> {
    if (!division) return user.jurisdictionCode;
    const code = toFullCode(division);
    if (!isWithin(code, user.jurisdictionCode) || !(await divisionExists(db, code))) {
      throw new ValidationError('区划不存在或不在您的管辖范围内 (division not found in your jurisdiction)', field);
    }
    return code;
  }

  async function calendarOf(user: AuthUser, division: string | undefined): Promise<{ code: string; calendar: Calendar }> {
    const code = await divisionFor(user, division);
    return { code, calendar: await source.calendarFor(code) };
  }

  function requireCalendarRole(user: AuthUser): void {
    if (!ALLOWED_ROLES.manageCalendar.includes(user.role)) throw new ForbiddenError('仅组织部可以调整日历 (only the org dept manages the calendar)');
  }

  return {
    async days(user: AuthUser, q: { from: string; to: string; division?: string }) {
      if (q.to < q.from) throw new ValidationError('to 不能早于 from (to must not precede from)', 'to');
      if (q.to > addCalendarDays(q.from, MAX_RANGE_DAYS)) throw new ValidationError(`一次最多查询${MAX_RANGE_DAYS}天 (at most ${MAX_RANGE_DAYS} days)`, 'to');
      const { code, calendar } = await calendarOf(user, q.division);
      return { division: code, days: listDays(calendar, q.from, q.to) };
    },

    /** The Nth working day after `from` (`from` not counted). */
    async dueDate(user: AuthUser, q: { from: string; workingDays: number; division?: string }) {
      const { code, calendar } = await calendarOf(user, q.division);
      const { date, provisional } = addWorkingDays(calendar, q.from, q.workingDays);
      return { division: code, from: q.from, workingDays: q.workingDays, dueDate: date, provisional };
    },

    async nthWorkingDay(user: AuthUser, q: { month: string; n: number; division?: string }) {
      const { code, calendar } = await calendarOf(user, q.division);
      const [year, month] = q.month.split('-').map(Number) as [number, number];
      try {
        const { date, provisional } = nthWorkingDayOfMonth(calendar, year, month, q.n);
        return { division: code, month: q.month, n: q.n, date, provisional };
      } catch (err) {
        if (err instanceof RangeError) throw new ValidationError(`${q.month} 没有第${q.n}个工作日 (no such working day)`, 'n');
        throw err;
      }
    },

    async listOverrides(user: AuthUser) {
      return listOverrides(db, jurisdictionPrefix(user.jurisdictionCode));
    },

    /** The overrides that apply to a division (its own and its ancestors'), nearest first. */
    overridesFor: (code: string) => overridesFor(db, code),

    async createOverride(user: AuthUser, input: { divisionCode: string; date: string; workday: boolean; reason: string }) {
      requireCalendarRole(user);
      const divisionCode = await divisionFor(user, input.divisionCode, 'divisionCode');
      const row = await createOverride(db, { userId: user.id, label: user.name }, { ...input, divisionCode }).catch((err: unknown) => {
        if (isUniqueViolation(err, 'calendar_overrides_active_uq')) {
          throw new ValidationError(`${input.date} 在该区划已有调整，请先撤销 (an override exists for that date: revoke it first)`, 'date');
        }
        throw err;
      });
      await startCalendarChange(temporal, `override-${row.id}`, {
        reason: `日历调整：${row.date} ${row.workday ? '上班' : '休息'}（${row.reason}）`,
        divisionPrefix: jurisdictionPrefix(divisionCode),
        onlyProvisional: false,
      });
      return row;
    },

    async revokeOverride(user: AuthUser, id: string) {
      requireCalendarRole(user);
      const existing = await getOverride(db, id);
      if (!existing || !isWithin(existing.divisionCode, user.jurisdictionCode)) throw new NotFoundError('未找到该日历调整 (override not found)');
      const row = await revokeOverride(db, { userId: user.id, label: user.name }, id);
      if (!row) throw new ValidationError('该调整已撤销 (already revoked)', 'id');
      await startCalendarChange(temporal, `override-${row.id}-revoked`, {
        reason: `撤销日历调整：${row.date}（${row.reason}）`,
        divisionPrefix: jurisdictionPrefix(row.divisionCode),
        onlyProvisional: false,
      });
      return row;
    },

    /** A year's notice as a new national version; provisional deadlines of running cases are re-timed. */
    async importVersion(actor: CalendarActor, input: NewCalendarVersion) {
      const version = await saveCalendarVersion(db, actor, input);
      await retimeForVersion(temporal, version);
      return version;
    },

    calendarFor: (code: string) => source.calendarFor(code),
    national: () => source.national(),
  };
}

export type CalendarService = ReturnType<typeof createCalendarService>;

/**
 * The two halves of `importVersion`, for the admin CLI: it saves a version without Temporal, and
 * starts the re-timing when Temporal answers (or later, by `recompute-deadlines`).
 */
export function saveCalendarVersion(db: Db, actor: CalendarActor, input: NewCalendarVersion) {
  return insertCalendarVersion(db, { ...input, importedBy: actor.userId, actorLabel: actor.label });
}

/** Starts the durable re-timing of the provisional deadlines a version may move; once per version. */
export function retimeForVersion(temporal: TemporalHandle, version: { id: number; years: number[] }): Promise<void> {
  return startCalendarChange(temporal, `version-${version.id}`, {
    reason: `载入国务院节假日安排（${version.years.join('、')}年，日历版本${version.id}）`,
    divisionPrefix: '',
    onlyProvisional: true,
  });
}
