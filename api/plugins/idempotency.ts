import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import { DomainError } from '../../domain/errors.js';

export interface StoredResponse {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

export interface IdempotencyStore {
  find(userId: string, key: string): Promise<StoredResponse | null>;
  save(userId: string, key: string, entry: StoredResponse & { method: string; path: string }): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey: string | undefined;
  }
  interface FastifyContextConfig {
    /** The answer holds a one-time password or a token: it is never stored for replay. */
    secretAnswer?: boolean;
  }
}

const KEY_PATTERN = /^[A-Za-z0-9_\-:.]{1,200}$/;

/**
 * `Idempotency-Key` on POST: the first answer (any non-5xx) is stored and replayed for the same
 * key; reusing a key for a different request is refused. The key also reaches the services, which
 * make the change itself idempotent (Update ID, designation key), so a request whose answer was
 * lost (a crash) still makes one change when retried.
 */
export const idempotencyPlugin = fp<{ store: IdempotencyStore }>(async (app, { store }) => {
  app.decorateRequest('idempotencyKey', undefined);

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || !request.user) return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_PATTERN.test(key)) {
      throw new DomainError(400, 'Bad Request', 'Idempotency-Key 须为1–200位字母、数字或 _-:. (invalid Idempotency-Key)', { field: 'headers.idempotency-key' });
    }
    request.idempotencyKey = key;
    const stored = await store.find(request.user.id, key);
    if (!stored) return;
    if (stored.requestHash !== requestHash(request.method, request.url, request.body)) {
      throw new DomainError(422, 'Unprocessable Entity', '同一 Idempotency-Key 已用于另一请求 (Idempotency-Key reused for a different request)', {
        field: 'headers.idempotency-key',
      });
    }
    reply.header('idempotent-replayed', 'true');
    return reply.code(stored.statusCode).send(stored.response);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.idempotencyKey || !request.user || reply.getHeader('idempotent-replayed')) return payload;
    // A replay would show the secret again, to whoever holds the key; a retry makes a new one instead.
    if (request.routeOptions.config.secretAnswer) return payload;
    if (reply.statusCode >= 500) return payload;
    const body = typeof payload === 'string' ? safeJson(payload) : payload;
    await store.save(request.user.id, request.idempotencyKey, {
      method: request.method,
      path: request.url,
      requestHash: requestHash(request.method, request.url, request.body),
      statusCode: reply.statusCode,
      response: body,
    });
    return payload;
  });
});

function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${JSON.stringify(body ?? null)}`)
    .digest('hex');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
