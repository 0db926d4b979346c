import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

/**
 * Secrets never reach a log line, even if a caller logs a request or a body by mistake: the
 * Authorization and Cookie headers, Set-Cookie, and any field named like a password or a token.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.oneTimePassword',
  '*.token',
  '*.csrfToken',
  'password',
  'oneTimePassword',
  'token',
  // The SDK puts an activity's task token (which can complete the activity) on its log lines.
  '*.taskToken',
  'taskToken',
  // Delivery (issue 12): a contact point's address, a robot's URL and secret, a verification code,
  // in a request body (logged by mistake) or a notifier's target. Top-level and `req.url` stay:
  // those are the request's path and the API's own address, not a channel's.
  ...['address', 'phone', 'url', 'secret', 'code'].flatMap((field) => [`body.${field}`, `req.body.${field}`, `*.body.${field}`]),
  ...['address', 'phone', 'url', 'secret'].flatMap((field) => [`target.${field}`, `*.target.${field}`]),
  'address',
  'phone',
  'secret',
  '*.secret',
  '*.phone',
];

/**
 * LOG_FORMAT when set; else pretty for a person (stdout a terminal, or `npm start`, which is always
 * run by one) unless NODE_ENV is production, which keeps one JSON object a line for its collector.
 */
export function resolveLogFormat(config: { LOG_FORMAT?: LogFormat; NODE_ENV: string }, options: { interactive?: boolean } = {}): LogFormat {
  if (config.LOG_FORMAT) return config.LOG_FORMAT;
  if (config.NODE_ENV === 'production') return 'json';
  return options.interactive || process.stdout.isTTY ? 'pretty' : 'json';
}

/**
 * pino-pretty as a synchronous stream (lines keep their order with the start banner), colours only
 * on a terminal. Null when it is not installed (a production install without devDependencies).
 * Redaction happens in pino before the stream, so pretty lines are censored exactly as JSON ones.
 */
function prettyStream(): DestinationStream | null {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
    return pretty({ sync: true, colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    return null;
  }
}

export function createLogger(level: string, name = 'rectify', format: LogFormat = 'json'): Logger {
  const options = { name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  const stream = format === 'pretty' ? prettyStream() : null;
  return stream ? pino(options, stream) : pino(options);
}

/**
 * Routes Temporal's Runtime logs (worker, workflow `log`, activities) into pino. With tracing on,
 * the OpenTelemetry interceptors put `trace_id` and `span_id` on workflow and activity lines. With
 * it off the workflow interceptors still run (temporal/tracing.ts) and name spans nobody exports:
 * those ids are left off, so a line never names a trace that cannot be found.
 */
export function temporalLoggerAdapter(logger: Logger, options: { traceIds?: boolean } = {}): TemporalLogger {
  const methods: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  const fields = (meta: LogMetadata | undefined): LogMetadata => {
    if (!meta || options.traceIds) return meta ?? {};
    const { trace_id: _trace, span_id: _span, trace_flags: _flags, ...rest } = meta;
    return rest;
  };
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => logger[methods[level]](fields(meta), message);
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}
