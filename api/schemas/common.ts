import { z } from 'zod';

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
/** Free text a person types: trimmed, not empty, bounded. */
export const text = (max: number) => z.string().trim().min(1).max(max);

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
