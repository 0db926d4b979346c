import { z } from 'zod';
import { civilDate } from '../../domain/stats.js';
import { CONTROL_CHARACTERS, CONTROL_CHARACTERS_MESSAGE, MAX_YEAR, MIN_YEAR, UNPAIRED_SURROGATE, YEAR_RANGE_MESSAGE } from '../../domain/input.js';

/** Schemas registered with an id become named OpenAPI components. */
export const ErrorSchema = z
  .object({
    requestId: z.string(),
    statusCode: z.number().int(),
    error: z.string(),
    message: z.string(),
    details: z
      .looseObject({
        issues: z
          .array(
            z.object({
              field: z.string().meta({ description: '请求中的位置，如 body.period、query.from、params.id、headers.idempotency-key' }),
              message: z.string(),
              code: z.string().meta({ description: '格式错误为 zod 的关键字（invalid_type 等）；业务规则为 rule' }),
            }),
          )
          .optional()
          .meta({ description: '每个有问题的字段一项：格式错误与业务规则错误同一形状' }),
      })
      .optional()
      .meta({ description: 'issues[]（出错字段）；导入失败另有 report，/readyz 另有 checks' }),
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
 * Dates, instants and months in MIN_YEAR–MAX_YEAR (domain/input.ts says why); the bound is in the
 * OpenAPI document as a pattern.
 */
export { MAX_YEAR, MIN_YEAR };
/** A leading year in MIN_YEAR–MAX_YEAR, as a pattern JSON Schema can carry. */
const IN_RANGE_YEAR = /^(?:20\d\d|2100)-/;
const DATE_MESSAGE = '须为有效日期 YYYY-MM-DD (a valid date YYYY-MM-DD)';

/** A civil date YYYY-MM-DD, 2000-01-01 … 2100-12-31. */
export const IsoDate = z.iso.date(DATE_MESSAGE).regex(IN_RANGE_YEAR, YEAR_RANGE_MESSAGE).meta({ format: 'date' });
/** An ISO-8601 instant with `Z` or an offset, in years 2000–2100 as written. */
export const IsoInstant = z.iso
  .datetime({ offset: true, message: '须为带时区的 ISO 时间，如 2026-01-31T09:00:00+08:00 (an ISO-8601 instant with an offset)' })
  .regex(IN_RANGE_YEAR, YEAR_RANGE_MESSAGE)
  .meta({ format: 'date-time' });
/** A month YYYY-MM, 2000-01 … 2100-12. */
export const IsoMonth = (message = '须为 YYYY-MM (must be YYYY-MM)') =>
  z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, message)
    .regex(IN_RANGE_YEAR, YEAR_RANGE_MESSAGE);
/** A birth date: 1900-01-01 … today in Beijing (no one is born in the future). */
export const BirthDate = z.iso
  .date(DATE_MESSAGE)
  .regex(/^(?:19|20)\d\d-/, '出生年份须在1900年以后 (birth year must be 1900 or later)')
  .refine((v) => v <= civilDate(new Date()), '出生日期不能晚于今天 (birth date must not be in the future)')
  .meta({ format: 'date' });

/**
 * A string without control characters (domain/input.ts): a NUL used to reach Postgres and answer
 * 500, or, in a command, fail the workflow's projection for ever. The pattern documents it in the
 * OpenAPI document; unpaired surrogates (not expressible there) are refused too.
 */
const PRINTABLE = new RegExp(`^[^${CONTROL_CHARACTERS.source.slice(1, -1)}]*$`);
export const printable = (schema: z.ZodString) =>
  schema.regex(PRINTABLE, CONTROL_CHARACTERS_MESSAGE).refine((v) => !UNPAIRED_SURROGATE.test(v), CONTROL_CHARACTERS_MESSAGE);
/** Free text a person types: trimmed, not empty, bounded, printable. */
export const text = (max: number) =>
  printable(z.string().trim().min(1, '不能为空 (must not be empty)').max(max, `至多 ${max} 个字符 (at most ${max} characters)`));
/** An identifier a client sends back (an obligation or request id): not empty, bounded, printable. */
export const key = (max: number) => printable(z.string().min(1).max(max));

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
