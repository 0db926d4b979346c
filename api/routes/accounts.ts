import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES, USER_POSTS } from '../../domain/roles.js';
import type { AccountService } from '../../services/accounts.js';
import { clientInfo, userOf } from '../plugins/auth.js';
import { DivisionPrefix, errorResponses, PaginationQuery, text } from '../schemas/common.js';
import { AccountSchema, toAccountDto, Username } from '../schemas/auth.js';

const Id = z.strictObject({ id: z.uuid() });
const WithOneTimePassword = z.object({
  account: AccountSchema,
  oneTimePassword: z.string().describe('一次性密码：只显示这一次，首次登录须修改'),
});

/**
 * Account management for the org dept. Answers carrying a one-time password or a token are never
 * stored for Idempotency-Key replay (`secretAnswer`) and are marked no-store.
 */
export const accountRoutes: FastifyPluginAsyncZod<{ accounts: AccountService }> = async (app, { accounts }) => {
  app.get('/users', {
    schema: {
      operationId: 'listPickableUsers',
      summary: '选择人员（如指定包保领导）：管辖范围内的在岗用户',
      tags: ['accounts'],
      querystring: z.strictObject({
        role: z.enum(ROLES).optional(),
        division: DivisionPrefix.optional().describe('只看该区划内的'),
        limit: z.coerce.number().int().min(1).max(500).default(200),
      }),
      response: {
        200: z.object({
          items: z.array(
            z
              .object({ id: z.uuid(), name: z.string(), role: z.enum(ROLES), jurisdictionCode: z.string(), post: z.enum(USER_POSTS).nullable() })
              .meta({ id: 'PickableUser' }),
          ),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => ({
      items: (await accounts.pickable(userOf(request), request.query)).map((u) => ({
        id: u.id,
        name: u.name,
        role: u.role,
        jurisdictionCode: u.jurisdictionCode,
        post: u.post,
      })),
    }),
  });

  app.get('/accounts', {
    schema: {
      operationId: 'listAccounts',
      summary: '管辖范围内的账号（组织部）',
      tags: ['accounts'],
      querystring: z.strictObject({
        role: z.enum(ROLES).optional(),
        active: z.enum(['true', 'false']).optional(),
        q: text(100).optional().describe('用户名或姓名包含'),
        jurisdictionCode: DivisionPrefix.optional(),
        ...PaginationQuery,
      }),
      response: { 200: z.object({ total: z.number().int(), items: z.array(AccountSchema) }), ...errorResponses },
    },
    handler: async (request) => {
      const { active, ...rest } = request.query;
      const page = await accounts.list({ user: userOf(request) }, { ...rest, ...(active ? { active: active === 'true' } : {}) });
      return { total: page.total, items: page.items.map(toAccountDto) };
    },
  });

  app.post('/accounts', {
    config: { secretAnswer: true },
    schema: {
      operationId: 'createAccount',
      summary: '新建账号（包保领导、乡镇党委，或下级组织部），答复一次性密码',
      tags: ['accounts'],
      body: z.strictObject({
        username: Username,
        name: text(200),
        role: z.enum(ROLES),
        jurisdictionCode: DivisionPrefix,
        personId: z.uuid().optional(),
        post: z.enum(USER_POSTS).optional(),
      }),
      response: { 201: WithOneTimePassword, ...errorResponses },
    },
    handler: async (request, reply) => {
      const created = await accounts.create({ user: userOf(request) }, request.body);
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ account: toAccountDto(created.account), oneTimePassword: created.oneTimePassword });
    },
  });

  app.get('/accounts/:id', {
    schema: { operationId: 'getAccount', summary: '一个账号', tags: ['accounts'], params: Id, response: { 200: AccountSchema, ...errorResponses } },
    handler: async (request) => toAccountDto(await accounts.get({ user: userOf(request) }, request.params.id)),
  });

  const simple = (
    path: string,
    operationId: string,
    summary: string,
    run: (manager: { user: ReturnType<typeof userOf> }, id: string, client: ReturnType<typeof clientInfo>) => Promise<Parameters<typeof toAccountDto>[0]>,
  ) =>
    app.post(`/accounts/:id/${path}`, {
      schema: { operationId, summary, tags: ['accounts'], params: Id, response: { 200: AccountSchema, ...errorResponses } },
      handler: async (request) => toAccountDto(await run({ user: userOf(request) }, request.params.id, clientInfo(request))),
    });
  simple('disable', 'disableAccount', '停用账号：不能登录，令牌失效，在线会话全部结束', (m, id, c) => accounts.setActive(m, id, false, c));
  simple('enable', 'enableAccount', '启用账号', (m, id, c) => accounts.setActive(m, id, true, c));
  simple('unlock', 'unlockAccount', '解除登录锁定', (m, id) => accounts.unlock(m, id));

  app.post('/accounts/:id/reset-password', {
    config: { secretAnswer: true },
    schema: {
      operationId: 'resetAccountPassword',
      summary: '重置密码：答复一次性密码（只显示一次），下次登录须修改，在线会话全部结束',
      tags: ['accounts'],
      params: Id,
      response: { 200: WithOneTimePassword, ...errorResponses },
    },
    handler: async (request, reply) => {
      const reset = await accounts.resetPassword({ user: userOf(request) }, request.params.id, clientInfo(request));
      reply.header('cache-control', 'no-store');
      return { account: toAccountDto(reset.account), oneTimePassword: reset.oneTimePassword };
    },
  });

  app.post('/accounts/:id/revoke-sessions', {
    schema: {
      operationId: 'revokeAccountSessions',
      summary: '结束该账号的所有在线会话',
      tags: ['accounts'],
      params: Id,
      response: { 200: z.object({ ended: z.number().int() }), ...errorResponses },
    },
    handler: async (request) => accounts.revokeSessions({ user: userOf(request) }, request.params.id, clientInfo(request)),
  });

  app.post('/accounts/:id/token', {
    config: { secretAnswer: true },
    schema: {
      operationId: 'issueAccountToken',
      summary: '签发 Bearer 令牌（只显示一次；原令牌随即失效）',
      tags: ['accounts'],
      params: Id,
      response: { 200: z.object({ account: AccountSchema, token: z.string() }), ...errorResponses },
    },
    handler: async (request, reply) => {
      const issued = await accounts.setToken({ user: userOf(request) }, request.params.id, true);
      reply.header('cache-control', 'no-store');
      return { account: toAccountDto(issued.account), token: issued.token! };
    },
  });

  app.post('/accounts/:id/token/revoke', {
    schema: {
      operationId: 'revokeAccountToken',
      summary: '吊销 Bearer 令牌',
      tags: ['accounts'],
      params: Id,
      response: { 200: AccountSchema, ...errorResponses },
    },
    handler: async (request) => toAccountDto((await accounts.setToken({ user: userOf(request) }, request.params.id, false)).account),
  });
};
