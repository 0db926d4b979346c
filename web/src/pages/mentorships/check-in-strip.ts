/**
 * The monthly check-in strip of a mentorship: one cell per month of its term (12 months, +6 per
 * extension), from the first check-in month. Each month is worked out from what the server
 * projected (check-ins and check-in obligations), never from a calendar of our own:
 * - logged: a check-in on time; late: a check-in after its deadline (逾期补记);
 * - missing: owed and past its deadline with none; due: owed, deadline not yet passed;
 * - future: not begun yet; skipped: not owed (the mentor post was vacant, or the pair had ended).
 */
export type StripStatus = 'logged' | 'late' | 'missing' | 'due' | 'future' | 'skipped';

export interface StripCell {
  period: string;
  status: StripStatus;
  /** The month's deadline, when one was owed. */
  dueAt: string | null;
  dueDate: string | null;
}

export interface StripInput {
  state: string;
  startedAt: string | null;
  proposedAt: string;
  extensions: number;
  obligations: Array<{ kind: string; key: string; status: string; dueAt: string; dueDate: string | null }>;
  checkIns: Array<{ period: string; late: boolean }>;
}

const MONTH = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' });
const TERMINAL = ['completed', 'terminated'];

/** YYYY-MM of an instant, in Beijing. */
export function monthOf(instant: string): string {
  return MONTH.format(new Date(instant)).slice(0, 7);
}

export function addMonths(period: string, n: number): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export function checkInStrip(m: StripInput, now: number): StripCell[] {
  const owed = m.obligations.filter((o) => o.kind === 'mentoring_check_in');
  const keys = [...owed.map((o) => o.key), ...m.checkIns.map((c) => c.period)].sort();
  const first = keys[0] ?? monthOf(m.startedAt ?? m.proposedAt);
  const latestOpened =
    owed
      .map((o) => o.key)
      .sort()
      .at(-1) ?? null;
  const length = Math.max(12 + 6 * m.extensions, keys.length ? monthsBetween(first, keys.at(-1)!) + 1 : 0);
  const closed = TERMINAL.includes(m.state);
  return Array.from({ length }, (_, i) => {
    const period = addMonths(first, i);
    const checkIn = m.checkIns.find((c) => c.period === period);
    const obligation = owed.find((o) => o.key === period);
    const due = { dueAt: obligation?.dueAt ?? null, dueDate: obligation?.dueDate ?? null };
    if (checkIn) return { period, status: checkIn.late ? 'late' : 'logged', ...due };
    if (obligation?.status === 'open') return { period, status: Date.parse(obligation.dueAt) < now ? 'missing' : 'due', ...due };
    // Cancelled (the post fell vacant, the pair ended) or satisfied without a log (exempted): not counted.
    if (obligation) return { period, status: 'skipped', ...due };
    if (latestOpened === null || period > latestOpened) return { period, status: closed ? 'skipped' : 'future', ...due };
    return { period, status: 'skipped', ...due };
  });
}

function monthsBetween(from: string, to: string): number {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm);
}
