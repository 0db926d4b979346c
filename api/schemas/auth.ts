import { z } from 'zod';
import { LOGIN_OUTCOMES, MAX_PASSWORD_LENGTH, PASSWORD_CHANGE_REASONS, USERNAME_MESSAGE, USERNAME_PATTERN } from '../../domain/accounts.js';
import { ROLES, USER_POSTS } from '../../domain/roles.js';
import type { Account } from '../../services/accounts.js';
import type { SessionInfo, SignedIn } from '../../services/auth.js';
import type { ListedSession } from '../../db/queries/sessions.js';
import { iso, printable } from './common.js';

/** As typed at the login form: bounded and printable; matched case-insensitively. */
export const LoginUsername = printable(z.string().min(1).max(64)).describe('用户名（不区分大小写）');
/** Any characters, bounded: a 10 KB password is refused before it is hashed. */
export const Password = z.string().min(1).max(MAX_PASSWORD_LENGTH);
export const Username = z.string().trim().toLowerCase().regex(USERNAME_PATTERN, USERNAME_MESSAGE).describe('3–32位小写字母、数字或 ._-');

export const AccountSchema = z
  .object({
    id: z.uuid(),
    username: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    jurisdictionCode: z.string(),
    post: z.enum(USER_POSTS).nullable(),
    personId: z.uuid().nullable(),
    active: z.boolean().describe('false：已停用，不能登录，令牌失效'),
    hasPassword: z.boolean(),
    hasToken: z.boolean().describe('是否持有 Bearer 令牌（令牌本身只在签发时显示一次）'),
    mustChangePassword: z.boolean(),
    passwordChangedAt: z.string().nullable(),
    lockedUntil: z.string().nullable().describe('连续登录失败被锁定至此时；null：未锁定'),
    createdAt: z.string(),
  })
  .meta({ id: 'Account' });

export const toAccountDto = (a: Account): z.output<typeof AccountSchema> => ({
  id: a.id,
  username: a.username,
  name: a.name,
  role: a.role,
  jurisdictionCode: a.jurisdictionCode,
  post: a.post,
  personId: a.personId,
  active: a.active,
  hasPassword: a.hasPassword,
  hasToken: a.hasToken,
  mustChangePassword: a.mustChangePassword,
  passwordChangedAt: iso(a.passwordChangedAt),
  lockedUntil: iso(a.lockedUntil),
  createdAt: a.createdAt.toISOString(),
});

export const SessionSchema = z
  .object({
    id: z.uuid(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string().describe('绝对到期时间（登录后 8 小时）'),
    idleExpiresAt: z.string().describe('无操作到此时即结束（30 分钟）'),
    endsAt: z.string().describe('以上两者中较早者'),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .meta({ id: 'Session' });

export const toSessionDto = (
  s: Pick<SessionInfo, 'id' | 'createdAt' | 'lastSeenAt' | 'expiresAt' | 'idleExpiresAt' | 'endsAt' | 'ip' | 'userAgent'>,
): z.output<typeof SessionSchema> => ({
  id: s.id,
  createdAt: s.createdAt.toISOString(),
  lastSeenAt: s.lastSeenAt.toISOString(),
  expiresAt: s.expiresAt.toISOString(),
  idleExpiresAt: s.idleExpiresAt.toISOString(),
  endsAt: s.endsAt.toISOString(),
  ip: s.ip,
  userAgent: s.userAgent,
});

export const SignedInSchema = z
  .object({
    user: z.object({
      id: z.uuid(),
      username: z.string(),
      name: z.string(),
      role: z.enum(ROLES),
      jurisdictionCode: z.string(),
      jurisdictionName: z.string().nullable().describe('管辖区划名称（如 惠水县）；区划未导入时为 null'),
      officeName: z.string().describe('所在单位（如 某某镇党委、某某县委组织部），水印与页眉显示'),
    }),
    session: SessionSchema.nullable().describe('以 Bearer 令牌访问时为 null'),
    csrfToken: z.string().nullable().describe('以会话 Cookie 提交更改时放在 X-CSRF-Token 请求头'),
    passwordChange: z.enum(PASSWORD_CHANGE_REASONS).nullable().describe('须先修改密码的原因：first_login 首次登录、reset 重置后、expired 已过期'),
    passwordExpiresAt: z.string().nullable(),
  })
  .meta({ id: 'SignedIn' });

export const toSignedInDto = (s: SignedIn, office: { jurisdictionName: string | null; officeName: string }): z.output<typeof SignedInSchema> => ({
  user: { id: s.user.id, username: s.user.username, name: s.user.name, role: s.user.role, jurisdictionCode: s.user.jurisdictionCode, ...office },
  session: toSessionDto(s.session),
  csrfToken: s.session.csrfToken,
  passwordChange: s.passwordChange,
  passwordExpiresAt: iso(s.passwordExpiresAt),
});

export const ListedSessionSchema = SessionSchema.extend({
  user: z.object({ id: z.uuid(), username: z.string(), name: z.string(), role: z.enum(ROLES), jurisdictionCode: z.string() }),
  current: z.boolean().describe('是否为本次请求所用的会话'),
}).meta({ id: 'ListedSession' });

export const toListedSessionDto = (s: ListedSession, idleMs: number, currentId: string | null): z.output<typeof ListedSessionSchema> => {
  const idleExpiresAt = new Date(s.lastSeenAt.getTime() + idleMs);
  return {
    ...toSessionDto({ ...s, idleExpiresAt, endsAt: idleExpiresAt < s.expiresAt ? idleExpiresAt : s.expiresAt }),
    user: s.user,
    current: s.id === currentId,
  };
};

export const LoginEventSchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    username: z.string().describe('登录时输入的用户名'),
    userId: z.uuid().nullable(),
    sessionId: z.uuid().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    outcome: z.enum(LOGIN_OUTCOMES),
    reason: z.string().nullable(),
    actorUserId: z.uuid().nullable().describe('由他人操作时（重置密码、终止会话）为操作人'),
  })
  .meta({ id: 'LoginEvent' });
