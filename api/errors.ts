import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { locales } from 'zod';
import { DomainError } from '../domain/errors.js';
import { isQueryCanceled } from '../db/queries/pg-errors.js';

/** The one error shape every endpoint answers with. */
export interface ErrorBody {
  requestId: string;
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(request: FastifyRequest, statusCode: number, message: string, details?: unknown): ErrorBody {
  return { requestId: request.id, statusCode, error: REASON[statusCode] ?? 'Error', message, ...(details === undefined ? {} : { details }) };
}

/** One problem with a request, named by the path the client sent it under. */
export interface ErrorIssue {
  /** `body.measures.0.owner`, `query.from`, `params.id`, `headers.idempotency-key`. */
  field: string;
  message: string;
  /** zod's keyword for request-format errors; `rule` for a business rule. */
  code: string;
}

// Fastify calls the query string "querystring"; clients send a query, and read `query.from`.
const LOCATION_NAMES: Record<string, string> = { body: 'body', querystring: 'query', query: 'query', params: 'params', headers: 'headers' };

/** Turns "/measures/0/owner" into the field name users see, e.g. "body.measures.0.owner". */
function fieldPath(context: string | undefined, instancePath: string, extraKey?: string): string {
  return [context ? (LOCATION_NAMES[context] ?? context) : undefined, ...instancePath.split('/'), extraKey].filter(Boolean).join('.');
}

/**
 * Services name a business rule's field as their own input calls it (`villageCode`, `period`);
 * the client reads it where it sent it: a path parameter, a query parameter, else the body.
 */
function clientFieldPath(request: FastifyRequest, field: string): string {
  const [head = '', ...rest] = field.split('.');
  if (head in LOCATION_NAMES && rest.length > 0) return [LOCATION_NAMES[head], ...rest].join('.');
  const has = (source: unknown) => typeof source === 'object' && source !== null && Object.hasOwn(source, head);
  if (has(request.params)) return `params.${field}`;
  if (has(request.query)) return `query.${field}`;
  return `body.${field}`;
}

/** A business error's details in the same shape as a request-format error's: `issues[]`. */
function domainDetails(request: FastifyRequest, error: DomainError): Record<string, unknown> | undefined {
  if (!error.details) return undefined;
  const { field, ...rest } = error.details;
  if (typeof field !== 'string') return error.details;
  const issue: ErrorIssue = { field: clientFieldPath(request, field), message: error.message, code: 'rule' };
  return { ...rest, issues: [issue] };
}

const zodEnglish = locales.en().localeError;
const zodChinese = locales.zhCN().localeError;

/**
 * zod's default messages are English; the console is Chinese. A missing field says 必填; any other
 * message zod wrote itself (recognised by regenerating it from the issue) gets its zh-CN wording with
 * the English kept in brackets, as our own messages are written. A schema's own message is kept.
 */
export function localizedZodMessage(code: string, params: Record<string, unknown>, message: string): string {
  if (code === 'invalid_type') {
    const received = /, received (\S+)$/.exec(message)?.[1];
    if (received === 'undefined') return '必填 (required)';
    const issue = { code, ...params } as Parameters<typeof zodEnglish>[0];
    const english = zodEnglish(issue);
    if (received && typeof english === 'string' && english.replace(/received undefined$/, `received ${received}`) === message) {
      const chinese = zodChinese(issue);
      if (typeof chinese === 'string') return `${chinese.replace(/undefined$/, received)} (${message})`;
    }
    return message;
  }
  const issue = { code, ...params } as Parameters<typeof zodEnglish>[0];
  if (zodEnglish(issue) !== message) return message;
  const chinese = zodChinese(issue);
  return typeof chinese === 'string' ? `${chinese} (${message})` : message;
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.flatMap((v) => {
      // An unknown field is named itself, not its parent object.
      const keys = v.keyword === 'unrecognized_keys' ? ((v.params as { keys?: string[] }).keys ?? []) : [undefined];
      return keys.map((key) => ({
        field: fieldPath(error.validationContext, v.instancePath, key),
        message: key ? `未知字段 (unknown field)` : localizedZodMessage(v.keyword, v.params as Record<string, unknown>, v.message ?? 'invalid'),
        code: v.keyword,
      }));
    });
    const message = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
    return reply.code(400).send(errorBody(request, 400, `请求参数无效 (invalid request): ${message}`, { issues }));
  }
  if (error instanceof DomainError) {
    return reply.code(error.statusCode).send(errorBody(request, error.statusCode, error.message, domainDetails(request, error)));
  }
  if (isResponseSerializationError(error)) {
    request.log.error({ err: error, issues: error.cause.issues }, 'response did not match its schema');
    return reply.code(500).send(errorBody(request, 500, '服务器内部错误 (internal error)'));
  }
  if (isQueryCanceled(error)) {
    // The API pool's statement_timeout (API_STATEMENT_TIMEOUT_MS): the server is not broken, this
    // query was too big or waited too long for a lock; a narrower one, or the same later, may pass.
    // Logged without the query: its parameters may hold what no log line should.
    request.log.warn({ route: request.routeOptions.url, pgCode: '57014' }, 'query cancelled by statement_timeout');
    reply.header('retry-after', 5);
    return reply
      .code(503)
      .send(errorBody(request, 503, '查询超时，请缩小范围或稍后再试 (the query took too long and was cancelled; narrow it or retry later)'));
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Fastify's own client errors: malformed JSON, 413 body too large, 415 media type.
    return reply.code(status).send(errorBody(request, status, error.message));
  }
  request.log.error({ err: error }, 'unhandled error');
  // 5xx never leaks internals.
  return reply.code(status >= 500 ? status : 500).send(errorBody(request, status >= 500 ? status : 500, '服务器内部错误 (internal error)'));
}
