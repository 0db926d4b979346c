import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LOGIN_OUTCOMES } from '../../domain/accounts.js';
import { TooManyRequestsError, type AuthService } from '../../services/auth.js';
import { assertSameOrigin, clientInfo, isSecureRequest, SESSION_COOKIE, userOf } from '../plugins/auth.js';
import { ErrorSchema, errorResponses, IsoInstant, PaginationQuery } from '../schemas/common.js';
import { LoginEventSchema, LoginUsername, ListedSessionSchema, Password, SignedInSchema, toListedSessionDto, toSignedInDto } from '../schemas/auth.js';

const authErrors = { ...errorResponses, 423: ErrorSchema, 429: ErrorSchema } as const;

/** The login route's limits key on the client IP and on the username it names (after the body is parsed). */
function loginUsernameKey(request: FastifyRequest): string {
  const body = request.body as { username?: unknown } | undefined;
  return typeof body?.username === 'string' ? `u:${body.username.trim().toLowerCase().slice(0, 64)}` : `ip:${request.ip}`;
}

export const authRoutes: FastifyPluginAsyncZod<{ auth: AuthService }> = async (app, { auth }) => {
  const { settings } = auth;
  const perIp = app.rateLimit({ max: settings.loginLimitPerIp, timeWindow: 60_000, keyGenerator: (request) => `ip:${request.ip}` });
  // A second limit on one route: the plugin runs one handler per request, so this one is checked by hand.
  const usernameLimit = app.createRateLimit({ max: settings.loginLimitPerUsername, timeWindow: 60_000, keyGenerator: loginUsernameKey });
  const perUsername = async (request: FastifyRequest, reply: FastifyReply) => {
    const limit = await usernameLimit(request);
    if (limit.isAllowed || !limit.isExceeded) return;
    reply.header('retry-after', limit.ttlInSeconds);
    throw new TooManyRequestsError(`该用户名登录尝试过于频繁，请 ${limit.ttlInSeconds} 秒后再试 (too many attempts for this username)`, limit.ttlInSeconds);
  };

  const sessionPage = (request: FastifyRequest, page: Awaited<ReturnType<AuthService['listOwnSessions']>>) => ({
    total: page.total,
    items: page.items.map((s) => toListedSessionDto(s, settings.idleMs, request.signedIn?.session.id ?? null)),
  });

  app.post('/auth/login', {
    config: { public: true },
    // The IP limit runs before the body is even parsed; the username one needs the body.
    onRequest: [perIp],
    preHandler: [perUsername],
    schema: {
      operationId: 'login',
      summary: '用户名密码登录：设置会话 Cookie（HttpOnly、SameSite=Strict），答复含 CSRF 令牌',
      tags: ['auth'],
      security: [],
      body: z.strictObject({ username: LoginUsername, password: Password }),
      response: { 200: SignedInSchema, ...authErrors },
    },
    handler: async (request, reply) => {
      assertSameOrigin(request, settings.publicOrigin);
      const signedIn = await auth.login({ ...request.body, ...clientInfo(request) });
      reply.setCookie(SESSION_COOKIE, signedIn.token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: isSecureRequest(request, settings.cookieSecure),
        path: '/',
        maxAge: Math.floor(settings.absoluteMs / 1000),
      });
      reply.header('cache-control', 'no-store');
      return toSignedInDto(signedIn, await auth.officeOf(signedIn.user));
    },
  });

  app.post('/auth/logout', {
    config: { duringPasswordChange: true },
    schema: {
      operationId: 'logout',
      summary: '退出登录：结束本会话（以 Bearer 令牌访问时无会话可结束）',
      tags: ['auth'],
      response: { 204: z.null(), ...errorResponses },
    },
    handler: async (request, reply) => {
      if (request.signedIn) await auth.logout(request.signedIn.user, request.signedIn.session.id, clientInfo(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  });

  app.get('/auth/session', {
    config: { duringPasswordChange: true },
    schema: {
      operationId: 'getSession',
      summary: '当前用户、会话何时结束、CSRF 令牌、是否须修改密码',
      tags: ['auth'],
      response: { 200: SignedInSchema, ...errorResponses },
    },
    handler: async (request) => {
      const user = userOf(request);
      const office = await auth.officeOf(user);
      if (request.signedIn) return toSignedInDto(request.signedIn, office);
      return {
        user: { ...user, username: await auth.usernameOf(user.id), ...office },
        session: null,
        csrfToken: null,
        passwordChange: null,
        passwordExpiresAt: null,
      };
    },
  });

  app.post('/auth/password', {
    config: { duringPasswordChange: true },
    schema: {
      operationId: 'changePassword',
      summary: '修改本人密码（其他会话随之结束）',
      tags: ['auth'],
      body: z.strictObject({ currentPassword: Password, newPassword: Password }),
      response: { 204: z.null(), ...authErrors },
    },
    handler: async (request, reply) => {
      await auth.changePassword(userOf(request), request.signedIn?.session.id ?? null, request.body, clientInfo(request));
      return reply.code(204).send(null);
    },
  });

  app.get('/auth/sessions', {
    schema: {
      operationId: 'listMySessions',
      summary: '本人的在线会话',
      tags: ['auth'],
      querystring: z.strictObject(PaginationQuery),
      response: { 200: z.object({ total: z.number().int(), items: z.array(ListedSessionSchema) }), ...errorResponses },
    },
    handler: async (request) => sessionPage(request, await auth.listOwnSessions(userOf(request), request.query)),
  });

  app.get('/sessions', {
    schema: {
      operationId: 'listOnlineSessions',
      summary: '在线用户：管辖范围内所有用户的在线会话（组织部）',
      tags: ['accounts'],
      querystring: z.strictObject(PaginationQuery),
      response: { 200: z.object({ total: z.number().int(), items: z.array(ListedSessionSchema) }), ...errorResponses },
    },
    handler: async (request) => sessionPage(request, await auth.listSessionsOfJurisdiction(userOf(request), request.query)),
  });

  app.post('/auth/sessions/:id/end', {
    schema: {
      operationId: 'endSession',
      summary: '结束一个会话：本人的，或（组织部）管辖范围内用户的',
      tags: ['auth'],
      params: z.strictObject({ id: z.uuid() }),
      response: { 204: z.null(), ...errorResponses },
    },
    handler: async (request, reply) => {
      await auth.endSession(userOf(request), request.params.id, clientInfo(request));
      if (request.signedIn?.session.id === request.params.id) reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  });

  app.get('/auth/events', {
    schema: {
      operationId: 'listLoginEvents',
      summary: '登录日志：本人的；组织部可看管辖范围内所有用户的',
      tags: ['auth'],
      querystring: z.strictObject({
        userId: z.uuid().optional(),
        outcome: z.enum(LOGIN_OUTCOMES).optional(),
        from: IsoInstant.optional(),
        to: IsoInstant.optional(),
        ...PaginationQuery,
      }),
      response: { 200: z.object({ total: z.number().int(), items: z.array(LoginEventSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const { from, to, ...rest } = request.query;
      const page = await auth.listEvents(userOf(request), { ...rest, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}) });
      return { total: page.total, items: page.items.map((e) => ({ ...e, at: e.at.toISOString() })) };
    },
  });
};
