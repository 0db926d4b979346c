import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from '../../domain/roles.js';
import { DomainError } from '../../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthUser | null;
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token (health checks). */
    public?: boolean;
  }
}

class UnauthorizedError extends DomainError {
  constructor(message: string) {
    super(401, 'Unauthorized', message);
  }
}

/** Bearer tokens: every route needs one unless it is marked `config: { public: true }`. */
export const authPlugin = fp<{ findUserByToken(token: string): Promise<AuthUser | null> }>(async (app, options) => {
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.routeOptions.config.public || !request.routeOptions.url) return;
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw new UnauthorizedError('缺少访问令牌 (missing bearer token)');
    const user = await options.findUserByToken(match[1]!);
    if (!user) throw new UnauthorizedError('访问令牌无效 (invalid token)');
    request.user = user;
  });
});

/** The authenticated user of a route that requires one. */
export function userOf(request: FastifyRequest): AuthUser {
  if (!request.user) throw new UnauthorizedError('未认证 (not authenticated)');
  return request.user;
}
