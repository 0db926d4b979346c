import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CONTACT_KINDS } from '../../domain/delivery.js';
import type { ContactPointService } from '../../services/contact-points.js';
import { userOf } from '../plugins/auth.js';
import { ErrorSchema, errorResponses, printable } from '../schemas/common.js';
import { ContactPointAnswerSchema, ContactPointSchema, toContactPointAnswerDto, toContactPointDto } from '../schemas/delivery.js';

const Id = z.strictObject({ id: z.uuid() });
const UserId = z.strictObject({ userId: z.uuid() });
const UserAndId = z.strictObject({ userId: z.uuid(), id: z.uuid() });
const Address = printable(z.string().max(320, '至多 320 个字符 (at most 320 characters)')).meta({
  description: '手机号码（中国大陆，可带 +86）或电子邮件地址；只写不读，答复只有掩码',
});
const NewContactPoint = z.strictObject({ kind: z.enum(CONTACT_KINDS), address: Address });
const sendErrors = { ...errorResponses, 429: ErrorSchema } as const;
const List = z.object({ items: z.array(ContactPointSchema) });

/**
 * A person's own SMS numbers and e-mail addresses (`/me`), and the org dept's management of those
 * of the accounts it manages (`/accounts/:userId`). Answers carry hints only.
 */
export const contactPointRoutes: FastifyPluginAsyncZod<{ contactPoints: ContactPointService }> = async (app, { contactPoints }) => {
  app.get('/me/contact-points', {
    schema: { operationId: 'listMyContactPoints', summary: '我的联系方式（短信、电子邮件）', tags: ['delivery'], response: { 200: List, ...errorResponses } },
    handler: async (request) => ({ items: (await contactPoints.list(userOf(request))).map(toContactPointDto) }),
  });

  app.post('/me/contact-points', {
    schema: {
      operationId: 'addMyContactPoint',
      summary: '添加联系方式：向该号码或邮箱发送 6 位验证码（10 分钟内有效），验证后才接收提醒',
      tags: ['delivery'],
      body: NewContactPoint,
      response: { 201: ContactPointAnswerSchema, ...sendErrors },
    },
    handler: async (request, reply) => reply.code(201).send(toContactPointAnswerDto(await contactPoints.create(userOf(request), request.body))),
  });

  app.post('/me/contact-points/:id/verify', {
    schema: {
      operationId: 'verifyMyContactPoint',
      summary: '输入验证码（错 5 次须重新获取）',
      tags: ['delivery'],
      params: Id,
      body: z.strictObject({ code: z.string().regex(/^\d{6}$/, '须为 6 位数字 (six digits)') }),
      response: { 200: ContactPointSchema, ...errorResponses },
    },
    handler: async (request) => toContactPointDto(await contactPoints.verify(userOf(request), request.params.id, request.body.code)),
  });

  app.post('/me/contact-points/:id/resend-code', {
    schema: {
      operationId: 'resendContactPointCode',
      summary: '重新发送验证码（每分钟至多一次；原验证码作废）',
      tags: ['delivery'],
      params: Id,
      response: { 200: ContactPointAnswerSchema, ...sendErrors },
    },
    handler: async (request) => toContactPointAnswerDto(await contactPoints.resend(userOf(request), request.params.id)),
  });

  app.delete('/me/contact-points/:id', {
    schema: { operationId: 'removeMyContactPoint', summary: '删除联系方式', tags: ['delivery'], params: Id, response: { 204: z.null(), ...errorResponses } },
    handler: async (request, reply) => {
      await contactPoints.remove(userOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  app.get('/accounts/:userId/contact-points', {
    schema: {
      operationId: 'listAccountContactPoints',
      summary: '账号的联系方式（组织部，管辖范围内）',
      tags: ['delivery'],
      params: UserId,
      response: { 200: List, ...errorResponses },
    },
    handler: async (request) => ({ items: (await contactPoints.listFor(userOf(request), request.params.userId)).map(toContactPointDto) }),
  });

  app.post('/accounts/:userId/contact-points', {
    schema: {
      operationId: 'addAccountContactPoint',
      summary: '为账号添加联系方式（组织部）：发送验证码由本人验证，或当面核实后直接标为已验证（verified: true，记入审计）',
      tags: ['delivery'],
      params: UserId,
      body: NewContactPoint.extend({ verified: z.boolean().optional().meta({ description: '组织部已当面核实该号码或邮箱' }) }),
      response: { 201: ContactPointAnswerSchema, ...sendErrors },
    },
    handler: async (request, reply) =>
      reply.code(201).send(toContactPointAnswerDto(await contactPoints.createFor(userOf(request), request.params.userId, request.body))),
  });

  app.delete('/accounts/:userId/contact-points/:id', {
    schema: {
      operationId: 'removeAccountContactPoint',
      summary: '删除账号的联系方式（组织部）',
      tags: ['delivery'],
      params: UserAndId,
      response: { 204: z.null(), ...errorResponses },
    },
    handler: async (request, reply) => {
      await contactPoints.removeFor(userOf(request), request.params.userId, request.params.id);
      return reply.code(204).send(null);
    },
  });
};
