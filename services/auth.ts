/**
 * Sign-in: passwords, browser sessions, lockout and the login log (issue 10). Bearer tokens stay
 * for API clients and the CLI (db/queries/users.ts findUserByToken).
 *
 * Secrets never leave this module: the password and its hash, the session cookie's value (only its
 * sha256 is stored) are neither logged nor returned, except the cookie value once, to the route
 * that sets the cookie.
 */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Db } from '../db/client.js';
import {
  clearThrottle,
  findLoginAccount,
  getThrottle,
  getUser,
  recordLoginFailure,
  replacePasswordHash,
  setPasswordHash,
  type LoginAccount,
  type User,
} from '../db/queries/users.js';
import {
  endSessions,
  findSessionByTokenHash,
  getSession,
  hashSessionToken,
  insertLoginEvents,
  insertSession,
  listLoginEvents,
  listOpenSessions,
  pruneLoginRecords,
  touchSession,
  type LoginEventInput,
  type SessionRow,
} from '../db/queries/sessions.js';
import { listDivisionsByCode } from '../db/queries/divisions.js';
import { jurisdictionPrefix, toFullCode } from '../domain/divisions.js';
import { DomainError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import {
  normalizeUsername,
  passwordExpiresAt,
  passwordProblems,
  type LoginOutcome,
  type PasswordChangeReason,
  type PasswordPolicy,
} from '../domain/accounts.js';
import { officeName, type AuthUser } from '../domain/roles.js';
import { HasherBusyError, type PasswordHasher } from '../lib/password-hash.js';

export interface AuthSettings {
  password: PasswordPolicy;
  idleMs: number;
  absoluteMs: number;
  lockoutAttempts: number;
  lockoutMs: number;
  loginLimitPerIp: number;
  loginLimitPerUsername: number;
  cookieSecure: 'auto' | 'always' | 'never';
  publicOrigin: string | undefined;
  retentionDays: number;
}

export function authSettingsFromConfig(config: Config): AuthSettings {
  return {
    password: {
      minLength: config.PASSWORD_MIN_LENGTH,
      minClasses: config.PASSWORD_MIN_CLASSES,
      historySize: config.PASSWORD_HISTORY,
      maxAgeDays: config.PASSWORD_MAX_AGE_DAYS,
    },
    idleMs: config.AUTH_SESSION_IDLE_MINUTES * 60_000,
    absoluteMs: config.AUTH_SESSION_ABSOLUTE_HOURS * 3_600_000,
    lockoutAttempts: config.AUTH_LOCKOUT_ATTEMPTS,
    lockoutMs: config.AUTH_LOCKOUT_MINUTES * 60_000,
    loginLimitPerIp: config.AUTH_LOGIN_LIMIT_PER_IP,
    loginLimitPerUsername: config.AUTH_LOGIN_LIMIT_PER_USERNAME,
    cookieSecure: config.AUTH_COOKIE_SECURE,
    publicOrigin: config.AUTH_PUBLIC_ORIGIN,
    retentionDays: config.LOGIN_LOG_RETENTION_DAYS,
  };
}

/** Where a request came from, for the session and the login log. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface SessionInfo {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  idleExpiresAt: Date;
  /** The earlier of the two ends, if nothing else happens. */
  endsAt: Date;
  csrfToken: string;
  ip: string | null;
  userAgent: string | null;
}

export interface SignedIn {
  user: User;
  session: SessionInfo;
  /** Set: this session may only change the password (and read itself, and log out). */
  passwordChange: PasswordChangeReason | null;
  passwordExpiresAt: Date | null;
}

export class LockedError extends DomainError {
  constructor(readonly lockedUntil: Date) {
    super(423, 'Locked', `账号已锁定，${lockedUntil.toISOString()} 后自动解锁 (account locked until ${lockedUntil.toISOString()})`, {
      lockedUntil: lockedUntil.toISOString(),
    });
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message: string) {
    super(401, 'Unauthorized', message);
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'Too Many Requests', message, { retryAfterSeconds });
  }
}

const BAD_CREDENTIALS = '用户名或密码错误 (wrong username or password)';
/** Login events keep the username as typed, bounded: a 10 KB "username" is refused before, but be safe. */
const USERNAME_LOG_LENGTH = 64;
/** last_seen moves at most this often; the idle timeout is minutes, so seconds of slack are harmless. */
const TOUCH_GRANULARITY_MS = 10_000;

function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A one-time password that meets any policy this config allows (up to 4 classes, ≥ 16 characters). */
export function generateOneTimePassword(username: string, policy: PasswordPolicy): string {
  const sets = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789'];
  const length = Math.max(16, policy.minLength + 4);
  for (;;) {
    const chars: string[] = [];
    for (let i = 0; i < length; i++) {
      if (i > 0 && i % 5 === 4) chars.push('-');
      else chars.push(sets[i % 3]![randomInt(sets[i % 3]!.length)]!);
    }
    const password = chars.join('');
    if (passwordProblems(password, username, policy).length === 0) return password;
  }
}

export function createAuthService(deps: { db: Db; hasher: PasswordHasher; settings: AuthSettings; now?: () => Date }) {
  const { db, hasher, settings } = deps;
  const now = deps.now ?? (() => new Date());

  const sessionInfo = (row: SessionRow): SessionInfo => {
    const idleExpiresAt = new Date(row.lastSeenAt.getTime() + settings.idleMs);
    return {
      id: row.id,
      createdAt: row.createdAt,
      lastSeenAt: row.lastSeenAt,
      expiresAt: row.expiresAt,
      idleExpiresAt,
      endsAt: idleExpiresAt < row.expiresAt ? idleExpiresAt : row.expiresAt,
      csrfToken: row.csrfToken,
      ip: row.ip,
      userAgent: row.userAgent,
    };
  };

  /** Why this account must change its password now, if it must. */
  const passwordChangeOf = (account: LoginAccount, at: Date): PasswordChangeReason | null => {
    if (account.user.mustChangePassword) return account.passwordHistory.length === 0 ? 'first_login' : 'reset';
    const expires = passwordExpiresAt(account.user.passwordChangedAt, settings.password);
    return expires && expires <= at ? 'expired' : null;
  };

  const event = (e: Omit<LoginEventInput, 'at'> & { at?: Date }) => insertLoginEvents(db, [{ at: e.at ?? now(), ...e }]);

  const withHasher = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof HasherBusyError) throw new TooManyRequestsError('登录请求过多，请稍后再试 (too many sign-ins in progress, retry shortly)', 1);
      throw error;
    }
  };

  return {
    settings,

    async usernameOf(userId: string): Promise<string> {
      return (await getUser(db, userId))?.username ?? '';
    },

    /** The user's jurisdiction by name and the office they speak for (the console's header and watermark). */
    async officeOf(user: Pick<AuthUser, 'role' | 'jurisdictionCode'>): Promise<{ jurisdictionName: string | null; officeName: string }> {
      const [division] = await listDivisionsByCode(db, [toFullCode(user.jurisdictionCode)]);
      const jurisdictionName = division?.name ?? null;
      return { jurisdictionName, officeName: officeName(user.role, jurisdictionName) };
    },

    /**
     * Checks the password and opens a session. The answer is the same for an unknown username, a
     * wrong password and a disabled account, and costs the same time; a lock (of any username, known
     * or not) answers 423 without checking the password.
     */
    async login(input: { username: string; password: string } & ClientInfo): Promise<SignedIn & { token: string }> {
      const username = normalizeUsername(input.username).slice(0, USERNAME_LOG_LENGTH);
      const client = { ip: input.ip, userAgent: input.userAgent };
      const at = now();
      const [throttle, account] = await Promise.all([getThrottle(db, username), findLoginAccount(db, { username })]);
      const userId = account?.user.id ?? null;
      if (throttle.lockedUntil && throttle.lockedUntil > at) {
        await event({ at, username, userId, ...client, outcome: 'locked', reason: 'attempt while locked' });
        throw new LockedError(throttle.lockedUntil);
      }

      let ok = false;
      let reason = 'unknown username';
      if (account?.passwordHash) {
        ok = await withHasher(() => hasher.verify(input.password, account.passwordHash!));
        reason = ok ? '' : 'wrong password';
        if (ok && !account.user.active) {
          ok = false;
          reason = 'account disabled';
        }
      } else {
        await withHasher(() => hasher.verifyNothing(input.password));
        if (account) reason = 'account has no password';
      }

      if (!ok || !account) {
        const after = await recordLoginFailure(db, username, at, settings.lockoutAttempts, settings.lockoutMs);
        const lockedNow = after.lockedUntil && after.lockedUntil > at;
        await event({
          at,
          username,
          userId,
          ...client,
          outcome: 'login_failed',
          reason: lockedNow ? `${reason}; locked until ${after.lockedUntil!.toISOString()}` : reason,
        });
        if (lockedNow) throw new LockedError(after.lockedUntil!);
        throw new UnauthorizedError(BAD_CREDENTIALS);
      }

      await clearThrottle(db, username);
      if (hasher.needsRehash(account.passwordHash!)) {
        await replacePasswordHash(db, account.user.id, await withHasher(() => hasher.hash(input.password)));
      }
      const token = generateSecret();
      const row = await insertSession(db, {
        tokenHash: hashSessionToken(token),
        csrfToken: generateSecret(),
        userId: account.user.id,
        at,
        expiresAt: new Date(at.getTime() + settings.absoluteMs),
        ...client,
      });
      await event({ at, username, userId: account.user.id, sessionId: row.id, ...client, outcome: 'login_ok' });
      return {
        token,
        user: account.user,
        session: sessionInfo(row),
        passwordChange: passwordChangeOf(account, at),
        passwordExpiresAt: passwordExpiresAt(account.user.passwordChangedAt, settings.password),
      };
    },

    /**
     * The session a cookie names, if it is still open. One past its idle or absolute end is ended
     * here (and logged) and answers null, as do a forged, replayed-after-logout or revoked cookie.
     */
    async authenticateSession(token: string, client: ClientInfo): Promise<SignedIn | null> {
      if (token.length === 0 || token.length > 100) return null;
      const row = await findSessionByTokenHash(db, hashSessionToken(token));
      if (!row || row.endedAt) return null;
      const at = now();
      const ending: LoginOutcome | null = at >= row.expiresAt ? 'expired' : at.getTime() >= row.lastSeenAt.getTime() + settings.idleMs ? 'idle_timeout' : null;
      const account = await findLoginAccount(db, { id: row.userId });
      if (!account) return null;
      if (ending) {
        const ended = await endSessions(db, { id: row.id }, { reason: ending, at, by: null });
        if (ended.length > 0) await event({ at, username: account.user.username, userId: account.user.id, sessionId: row.id, ...client, outcome: ending });
        return null;
      }
      if (!account.user.active) return null;
      await touchSession(db, row.id, at, TOUCH_GRANULARITY_MS);
      return {
        user: account.user,
        session: sessionInfo({ ...row, lastSeenAt: at }),
        passwordChange: passwordChangeOf(account, at),
        passwordExpiresAt: passwordExpiresAt(account.user.passwordChangedAt, settings.password),
      };
    },

    /** CSRF: the header must equal the session's token (compared in constant time). */
    csrfMatches(session: SessionInfo, header: string | undefined): boolean {
      if (!header) return false;
      const expected = Buffer.from(session.csrfToken);
      const actual = Buffer.from(header);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },

    async logout(user: User, sessionId: string, client: ClientInfo): Promise<void> {
      const at = now();
      const ended = await endSessions(db, { id: sessionId }, { reason: 'logout', at, by: user.id });
      if (ended.length > 0) await event({ at, username: user.username, userId: user.id, sessionId, ...client, outcome: 'logout' });
    },

    /**
     * The caller changes their own password: the current one proves it is them, the new one meets
     * the policy and is none of the last N. Every other session of theirs ends.
     */
    async changePassword(
      caller: AuthUser,
      currentSessionId: string | null,
      input: { currentPassword: string; newPassword: string },
      client: ClientInfo,
    ): Promise<void> {
      const account = await findLoginAccount(db, { id: caller.id });
      if (!account) throw new NotFoundError();
      const username = account.user.username;
      if (!account.passwordHash || !(await withHasher(() => hasher.verify(input.currentPassword, account.passwordHash!)))) {
        throw new ValidationError('当前密码不正确 (the current password is wrong)', 'currentPassword');
      }
      const problems = passwordProblems(input.newPassword, username, settings.password);
      if (problems.length > 0) throw new ValidationError(`新密码不符合要求：${problems.join('；')}`, 'newPassword', { problems });
      const recent = [account.passwordHash, ...account.passwordHistory].slice(0, settings.password.historySize);
      for (const old of recent) {
        if (await withHasher(() => hasher.verify(input.newPassword, old))) {
          throw new ValidationError(
            `新密码不能与最近 ${settings.password.historySize} 次使用过的密码相同 (must differ from the last ${settings.password.historySize})`,
            'newPassword',
          );
        }
      }
      const hash = await withHasher(() => hasher.hash(input.newPassword));
      const at = now();
      await db.transaction(async (tx) => {
        await setPasswordHash(tx, account.user.id, {
          hash,
          previous: account.passwordHash,
          history: account.passwordHistory,
          keep: settings.password.historySize - 1,
          mustChange: false,
          at,
        });
        const ended = await endSessions(tx, currentSessionId ? { userId: account.user.id, exceptId: currentSessionId } : { userId: account.user.id }, {
          reason: 'password_changed',
          at,
          by: account.user.id,
        });
        await insertLoginEvents(tx, [
          { at, username, userId: account.user.id, sessionId: currentSessionId, ...client, outcome: 'password_changed' },
          ...ended.map((s) => ({
            at,
            username,
            userId: account.user.id,
            sessionId: s.id,
            ...client,
            outcome: 'session_revoked' as const,
            reason: 'password changed',
          })),
        ]);
      });
    },

    /** The caller's open sessions (to end one left open on another computer). */
    async listOwnSessions(caller: AuthUser, page: { limit: number; offset: number }) {
      return listOpenSessions(db, { userId: caller.id, now: now(), idleMs: settings.idleMs, ...page });
    },

    /** 在线用户: open sessions of every user within the org dept's jurisdiction. */
    async listSessionsOfJurisdiction(caller: AuthUser, page: { limit: number; offset: number }) {
      if (caller.role !== 'org_dept') throw new ForbiddenError('只有县委组织部可以查看在线用户 (only the org dept lists online sessions)');
      return listOpenSessions(db, { jurisdictionPrefix: jurisdictionPrefix(caller.jurisdictionCode), now: now(), idleMs: settings.idleMs, ...page });
    },

    /** Ends one session: the caller's own, or (an org dept) one of its jurisdiction. Others are 404. */
    async endSession(caller: AuthUser, sessionId: string, client: ClientInfo): Promise<void> {
      const session = await getSession(db, sessionId);
      const visible =
        session &&
        (session.userId === caller.id || (caller.role === 'org_dept' && session.user.jurisdictionCode.startsWith(jurisdictionPrefix(caller.jurisdictionCode))));
      if (!session || !visible) throw new NotFoundError('未找到该会话 (no such session)');
      const at = now();
      const own = session.userId === caller.id;
      const ended = await endSessions(db, { id: sessionId }, { reason: own ? 'logout' : 'session_revoked', at, by: caller.id });
      if (ended.length === 0) return;
      const user = await getUser(db, session.userId);
      await event({
        at,
        username: user?.username ?? '',
        userId: session.userId,
        sessionId,
        ...client,
        outcome: own ? 'logout' : 'session_revoked',
        actorUserId: own ? null : caller.id,
        reason: own ? 'ended from the session list' : 'ended by the org dept',
      });
    },

    /** The login log: one's own; an org dept's, of every user within its jurisdiction. */
    async listEvents(caller: AuthUser, filter: { userId?: string; outcome?: LoginOutcome; from?: Date; to?: Date; limit: number; offset: number }) {
      if (caller.role !== 'org_dept' && filter.userId !== undefined && filter.userId !== caller.id) throw new NotFoundError('未找到该用户 (no such user)');
      const scope = caller.role === 'org_dept' ? { jurisdictionPrefix: jurisdictionPrefix(caller.jurisdictionCode) } : { userId: caller.id };
      return listLoginEvents(db, { ...filter, ...scope, ...(filter.userId ? { userId: filter.userId } : {}) });
    },

    /** Retention: login events (and ended sessions) older than the retention period go; run daily. */
    async pruneLoginRecords(): Promise<{ events: number; sessions: number }> {
      const at = now();
      return pruneLoginRecords(db, new Date(at.getTime() - settings.retentionDays * 86_400_000), at);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
