import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../../domain/roles.js';
import { DomainError, ForbiddenError } from '../../domain/errors.js';
import { UnauthorizedError, type AuthService, type ClientInfo, type SignedIn } from '../../services/auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: AuthUser | null;
    /** Set when the request was authenticated by the session cookie (not by a bearer token). */
    signedIn: SignedIn | null;
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token or session (health checks, login). */
    public?: boolean;
    /** Routes a session that must change its password may still use (read itself, change it, log out). */
    duringPasswordChange?: boolean;
  }
}

/** The session cookie's name. Its value is 32 random bytes; only their sha256 is stored. */
export const SESSION_COOKIE = 'rectify_session';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function clientInfo(request: FastifyRequest): ClientInfo {
  const agent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null };
}

/** The origin this server answers as: the configured public one, else what the request's Host names. */
function ownOrigin(request: FastifyRequest, publicOrigin: string | undefined): string {
  return publicOrigin ? new URL(publicOrigin).origin : `${request.protocol}://${request.host}`;
}

/** A request that names an Origin must name ours (a cross-site form or script is refused). */
export function assertSameOrigin(request: FastifyRequest, publicOrigin: string | undefined): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (origin !== ownOrigin(request, publicOrigin)) throw new ForbiddenError('请求来源不是本站 (Origin is not this site)');
}

export function isSecureRequest(request: FastifyRequest, mode: 'auto' | 'always' | 'never'): boolean {
  return mode === 'always' || (mode === 'auto' && request.protocol === 'https');
}

class PasswordChangeRequiredError extends DomainError {
  constructor(reason: string) {
    super(403, 'Forbidden', '须先修改密码 (the password must be changed first)', { passwordChange: reason });
  }
}

/**
 * Who is calling: a bearer token (API clients, the CLI), else the session cookie (the console).
 * A change made with the cookie must carry the session's CSRF token and, when it names an Origin,
 * ours. A session that must change its password may only do that. Every route needs one or the
 * other unless it is marked `config: { public: true }`.
 */
export const authPlugin = fp<{ findUserByToken(token: string): Promise<AuthUser | null>; auth: AuthService }>(async (app, options) => {
  app.decorateRequest('user', null);
  app.decorateRequest('signedIn', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.routeOptions.config.public || !request.routeOptions.url) return;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = header.match(/^Bearer\s+(\S+)$/i);
      if (!match) throw new UnauthorizedError('Authorization 须为 Bearer 令牌 (Authorization must be a bearer token)');
      const user = await options.findUserByToken(match[1]!);
      if (!user) throw new UnauthorizedError('访问令牌无效 (invalid token)');
      request.user = { id: user.id, name: user.name, role: user.role, jurisdictionCode: user.jurisdictionCode };
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    if (!cookie) throw new UnauthorizedError('未登录：缺少会话或访问令牌 (not signed in: no session cookie or bearer token)');
    const signedIn = await options.auth.authenticateSession(cookie, clientInfo(request));
    if (!signedIn) {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      throw new UnauthorizedError('会话无效或已结束，请重新登录 (the session is invalid or has ended: sign in again)');
    }
    if (!SAFE_METHODS.has(request.method)) {
      assertSameOrigin(request, options.auth.settings.publicOrigin);
      const csrf = request.headers[CSRF_HEADER];
      if (!options.auth.csrfMatches(signedIn.session, typeof csrf === 'string' ? csrf : undefined)) {
        throw new ForbiddenError(`缺少或错误的 ${CSRF_HEADER} (missing or wrong CSRF token)`);
      }
    }
    if (signedIn.passwordChange && !request.routeOptions.config.duringPasswordChange) throw new PasswordChangeRequiredError(signedIn.passwordChange);
    const { user } = signedIn;
    request.user = { id: user.id, name: user.name, role: user.role, jurisdictionCode: user.jurisdictionCode };
    request.signedIn = signedIn;
  });
});

/** The authenticated user of a route that requires one. */
export function userOf(request: FastifyRequest): AuthUser {
  if (!request.user) throw new UnauthorizedError('未认证 (not authenticated)');
  return request.user;
}
