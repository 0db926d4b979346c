/**
 * Logs (issue 15): LOG_FORMAT's default, and pino-pretty's readable lines censored exactly like
 * JSON ones (redaction happens in pino, before the pretty stream). The pretty logger writes to
 * stdout, so it runs in a child process whose output is read back.
 */
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { resolveLogFormat, temporalLoggerAdapter } from '../../lib/logger.js';
import { PROJECT_ROOT } from '../../temporal/binaries.js';

const SECRET = 'Sekret-token-4711';

function logInChild(format: 'json' | 'pretty'): string {
  const script = `
    import { createLogger } from './lib/logger.ts';
    const log = createLogger('info', 'log-test', '${format}');
    log.info({ token: '${SECRET}', user: { password: '${SECRET}' }, req: { headers: { authorization: 'Bearer ${SECRET}' } }, taskToken: '${SECRET}', reqId: 'req-1' }, 'a line with secrets');
  `;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
}

describe('log format', () => {
  test('LOG_FORMAT wins; otherwise production is JSON and npm start (interactive) is pretty', () => {
    expect(resolveLogFormat({ LOG_FORMAT: 'json', NODE_ENV: 'development' }, { interactive: true })).toBe('json');
    expect(resolveLogFormat({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' })).toBe('pretty');
    expect(resolveLogFormat({ NODE_ENV: 'production' }, { interactive: true })).toBe('json');
    expect(resolveLogFormat({ NODE_ENV: 'development' }, { interactive: true })).toBe('pretty');
  });

  test('pretty lines are readable, keep the request id, and censor secrets like JSON lines', () => {
    const json = logInChild('json');
    const line = JSON.parse(json.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'a line with secrets', reqId: 'req-1', token: '[redacted]', taskToken: '[redacted]' });
    expect(json).not.toContain(SECRET);

    const pretty = logInChild('pretty');
    expect(pretty).toMatch(/INFO.*a line with secrets/);
    expect(pretty).toContain('req-1');
    expect(pretty).toContain('[redacted]');
    expect(pretty).not.toContain(SECRET);
    expect(pretty.trim().startsWith('{')).toBe(false);
  });

  test('workflow and activity lines keep the OpenTelemetry ids only while tracing is on', () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const meta = { workflowId: 'rectification-1', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', trace_flags: '01' };
    temporalLoggerAdapter(logger).info('off', meta);
    temporalLoggerAdapter(logger, { traceIds: true }).info('on', meta);
    expect(lines[0]).toMatchObject({ msg: 'off', workflowId: 'rectification-1' });
    expect(Object.keys(lines[0]!).filter((k) => k.startsWith('trace') || k.startsWith('span'))).toEqual([]);
    expect(lines[1]).toMatchObject({ msg: 'on', workflowId: 'rectification-1', trace_id: meta.trace_id, span_id: meta.span_id });
  });
});
