import { z } from 'zod';
import { civilDate } from '../../domain/stats.js';

/** Schemas registered with an id become named OpenAPI components. */
export const ErrorSchema = z
  .object({
    requestId: z.string(),
    statusCode: z.number().int(),
    error: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: 'Error' });

export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  413: ErrorSchema,
} as const;

export const PaginationQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

export const DivisionCode = z.string().regex(/^\d{12}$/, '须为12位区划代码 (must be a 12-digit division code)');
export const DivisionPrefix = z.string().regex(/^\d{2,12}$/, '须为2–12位区划代码 (must be a 2–12 digit division code)');
export const Instant = z.string().describe('ISO-8601 instant (UTC)');

/**
 * Every date, instant and month a request carries lies in these years. Nothing this service tracks
 * happens outside them, and date arithmetic past them misbehaves (`Date.UTC` reads year 20 as
 * 1920, luxon and Intl give up near year 10000), which used to surface as 500s. The bound is in
 * the OpenAPI document as a pattern.
 */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2100;
const IN_RANGE_YEAR = /^(?:20\d\d|2100)-/;
const YEAR_MESSAGE = `年份须在${MIN_YEAR}–${MAX_YEAR}之间 (year must be ${MIN_YEAR}–${MAX_YEAR})`;
const DATE_MESSAGE = '须为有效日期 YYYY-MM-DD (a valid date YYYY-MM-DD)';

/** A civil date YYYY-MM-DD, 2000-01-01 … 2100-12-31. */
export const IsoDate = z.iso.date(DATE_MESSAGE).regex(IN_RANGE_YEAR, YEAR_MESSAGE).meta({ format: 'date' });
/** An ISO-8601 instant with `Z` or an offset, in years 2000–2100 as written. */
export const IsoInstant = z.iso
  .datetime({ offset: true, message: '须为带时区的 ISO 时间，如 2026-01-31T09:00:00+08:00 (an ISO-8601 instant with an offset)' })
  .regex(IN_RANGE_YEAR, YEAR_MESSAGE)
  .meta({ format: 'date-time' });
/** A month YYYY-MM, 2000-01 … 2100-12. */
export const IsoMonth = (message = '须为 YYYY-MM (must be YYYY-MM)') => z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, message).regex(IN_RANGE_YEAR, YEAR_MESSAGE);
/** A birth date: 1900-01-01 … today in Beijing (no one is born in the future). */
export const BirthDate = z.iso
  .date(DATE_MESSAGE)
  .regex(/^(?:19|20)\d\d-/, '出生年份须在1900年以后 (birth year must be 1900 or later)')
  .refine((v) => v <= civilDate(new Date()), '出生日期不能晚于今天 (birth date must not be in the future)')
  .meta({ format: 'date' });

/** Free text a person types: trimmed, not empty, bounded. */
export const text = (max: number) => z.string().trim().min(1).max(max);

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
