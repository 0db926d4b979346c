/**
 * What the service accepts from people, wherever it comes in (API bodies and queries, spreadsheet
 * cells): dates in a bounded span of years, and text without control characters.
 */

/**
 * Every date, instant and month a request carries lies in these years. Nothing this service tracks
 * happens outside them, and date arithmetic past them misbehaves (`Date.UTC` reads year 20 as 1920;
 * luxon and Intl give up near year 10000), which used to answer 500.
 */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;
export const YEAR_RANGE_MESSAGE = `年份须在${MIN_YEAR}–${MAX_YEAR}之间 (year must be ${MIN_YEAR}–${MAX_YEAR})`;

/** True for 'YYYY…' strings whose year is within MIN_YEAR–MAX_YEAR. */
export function yearInRange(value: string): boolean {
  const year = Number(value.slice(0, 4));
  return /^\d{4}/.test(value) && year >= MIN_YEAR && year <= MAX_YEAR;
}

/**
 * Characters stored text may not hold: C0 controls other than tab and line breaks, DEL, U+FFFE and
 * U+FFFF, and unpaired surrogates. Postgres refuses NUL in text and jsonb, and XML (so every .xlsx
 * export) refuses the rest; people do not type them.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/;
export const UNPAIRED_SURROGATE = /\p{Cs}/u;

export const CONTROL_CHARACTERS_MESSAGE = '不能含控制字符或无效字符 (must not contain control or invalid characters)';

export function hasForbiddenCharacters(value: string): boolean {
  return CONTROL_CHARACTERS.test(value) || UNPAIRED_SURROGATE.test(value);
}
