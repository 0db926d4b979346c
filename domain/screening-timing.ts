/** How long a screening campaign's steps may last (kept apart from domain/screening.ts, which workflows import). */
import { isValidDuration, parseDuration } from './clock.js';

/**
 * A campaign's step lasts days or weeks: at most a year (260 working days), never negative. (A
 * deadline thousands of years out cannot even be stored.)
 */
export function withinAYear(v: string): boolean {
  if (v.startsWith('-') || !isValidDuration(v)) return false;
  const spec = parseDuration(v);
  if (spec.kind === 'working_days') return spec.days <= 260;
  const days = spec.duration.shiftTo('days').days;
  return Number.isFinite(days) && days >= 0 && days <= 366;
}
