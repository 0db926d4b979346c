/**
 * Account management by the org dept (issue 10): create, list, disable/enable, reset a password,
 * unlock, end sessions, issue/revoke a bearer token, within its jurisdiction.
 *
 * Who manages whom: an org dept manages sponsors and township offices within its jurisdiction
 * and org depts strictly below it. Its own colleagues and anyone above or beside it are not
 * found (404), like any object outside one's jurisdiction. The admin CLI (actor `admin`) manages
 * everyone. Every change is an audit event with who made it.
 */
import type { Db } from '../db/client.js';
import {
  clearThrottle,
  createUser,
  findLoginAccount,
  getUser,
  listUsers,
  locksOf,
  recordAccountAudit,
  setPasswordHash,
  setUserActive,
  setUserToken,
  type AuditActor,
  type User,
} from '../db/queries/users.js';
import { endSessions, insertLoginEvents } from '../db/queries/sessions.js';
import { divisionExists } from '../db/queries/divisions.js';
import { isWithin, jurisdictionPrefix, levelOfCode, toFullCode } from '../domain/divisions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { normalizeUsername } from '../domain/accounts.js';
import type { AuthUser, Role, UserPost } from '../domain/roles.js';
import type { PasswordHasher } from '../lib/password-hash.js';
import { generateOneTimePassword, type AuthSettings, type ClientInfo } from './auth.js';

/** A person through the API, or the admin CLI, which manages every account. */
export type AccountManager = { user: AuthUser } | { admin: string };

export interface Account extends User {
  lockedUntil: Date | null;
}

export interface NewAccount {
  username: string;
  name: string;
  role: Role;
  jurisdictionCode: string;
  personId?: string;
  post?: UserPost;
}

function actorOf(manager: AccountManager): AuditActor {
  return 'user' in manager ? { actorUserId: manager.user.id, actorLabel: manager.user.name } : { actorLabel: manager.admin };
}

/** Whether the manager may manage an account in this role and division (see the module comment); contact points follow it. */
export function manages(manager: AccountManager, target: { role: Role; jurisdictionCode: string }): boolean {
  if (!('user' in manager)) return true;
  const own = manager.user.jurisdictionCode;
  if (manager.user.role !== 'org_dept' || !isWithin(target.jurisdictionCode, own)) return false;
  return target.role !== 'org_dept' || target.jurisdictionCode !== toFullCode(own);
}

const NOT_FOUND = '未找到该账号 (no such account)';

export function createAccountService(deps: { db: Db; hasher: PasswordHasher; settings: AuthSettings; now?: () => Date }) {
  const { db, hasher, settings } = deps;
  const now = deps.now ?? (() => new Date());

  const requireManager = (manager: AccountManager) => {
    if ('user' in manager && manager.user.role !== 'org_dept') throw new ForbiddenError('只有县委组织部可以管理账号 (only the org dept manages accounts)');
  };

  /** The account, if the manager may manage it; 404 otherwise (never "exists but not yours"). */
  const managed = async (manager: AccountManager, id: string): Promise<User> => {
    requireManager(manager);
    const user = await getUser(db, id);
    if (!user || !manages(manager, user)) throw new NotFoundError(NOT_FOUND);
    return user;
  };

  const withLock = async (user: User): Promise<Account> => ({ ...user, lockedUntil: (await locksOf(db, [user.username], now())).get(user.username) ?? null });

  const snapshot = (u: User) => ({
    username: u.username,
    role: u.role,
    jurisdictionCode: u.jurisdictionCode,
    active: u.active,
    hasToken: u.hasToken,
    hasPassword: u.hasPassword,
  });

  /** Ends every session of the user, each with a login event, in the caller's transaction. */
  const endAllSessions = async (tx: Db, user: User, reason: 'session_revoked' | 'password_reset', manager: AccountManager, client: ClientInfo, at: Date) => {
    const actorUserId = 'user' in manager ? manager.user.id : null;
    const ended = await endSessions(tx, { userId: user.id }, { reason, at, by: actorUserId });
    await insertLoginEvents(
      tx,
      ended.map((s) => ({
        at,
        username: user.username,
        userId: user.id,
        sessionId: s.id,
        ...client,
        outcome: 'session_revoked' as const,
        reason,
        actorUserId,
      })),
    );
    return ended.length;
  };

  return {
    /** A new account with a one-time password (shown once; the first login must change it). */
    async create(manager: AccountManager, input: NewAccount): Promise<{ account: Account; oneTimePassword: string }> {
      requireManager(manager);
      if (!/^\d{2,12}$/.test(input.jurisdictionCode)) throw new ValidationError('jurisdictionCode must be a division code of 2–12 digits', 'jurisdictionCode');
      const code = toFullCode(input.jurisdictionCode);
      if ('user' in manager) {
        const division = await divisionExists(db, code);
        if (!division || !isWithin(code, manager.user.jurisdictionCode))
          throw new ValidationError('未找到该区划，或不在您的管辖范围内 (no such division in your jurisdiction)', 'jurisdictionCode');
        if (!manages(manager, { role: input.role, jurisdictionCode: code })) {
          throw new ValidationError('只能为下级创建县委组织部账号 (an org dept account is created for a lower level only)', 'jurisdictionCode');
        }
      }
      if (input.role === 'township_office' && levelOfCode(code) !== 'township') {
        throw new ValidationError('乡镇党委账号的管辖范围须为乡镇 (a township office account belongs to a township)', 'jurisdictionCode');
      }
      const username = normalizeUsername(input.username);
      const oneTimePassword = generateOneTimePassword(username, settings.password);
      const { user } = await createUser(db, {
        ...input,
        username,
        passwordHash: await hasher.hash(oneTimePassword),
        mustChangePassword: true,
        passwordChangedAt: now(),
        issueToken: false,
        actor: actorOf(manager),
      });
      return { account: { ...user, lockedUntil: null }, oneTimePassword };
    },

    async list(manager: AccountManager, filter: { role?: Role; active?: boolean; q?: string; jurisdictionCode?: string; limit: number; offset: number }) {
      requireManager(manager);
      const scope = 'user' in manager ? manager.user.jurisdictionCode : '';
      if (filter.jurisdictionCode && scope && !isWithin(filter.jurisdictionCode, scope)) return { total: 0, items: [] as Account[] };
      const prefix = filter.jurisdictionCode ? jurisdictionPrefix(filter.jurisdictionCode) : scope ? jurisdictionPrefix(scope) : '';
      const q = filter.q?.trim().toLowerCase();
      const all = (await listUsers(db, prefix)).filter(
        (u) =>
          manages(manager, u) &&
          (filter.role === undefined || u.role === filter.role) &&
          (filter.active === undefined || u.active === filter.active) &&
          (!q || u.username.includes(q) || u.name.toLowerCase().includes(q)),
      );
      const page = all.slice(filter.offset, filter.offset + filter.limit);
      const locks = await locksOf(
        db,
        page.map((u) => u.username),
        now(),
      );
      return { total: all.length, items: page.map((u) => ({ ...u, lockedUntil: locks.get(u.username) ?? null })) };
    },

    async get(manager: AccountManager, id: string): Promise<Account> {
      return withLock(await managed(manager, id));
    },

    /** Disabled: no login, no token, every session ended. Enabled again: as it was. */
    async setActive(manager: AccountManager, id: string, active: boolean, client: ClientInfo): Promise<Account> {
      const user = await managed(manager, id);
      if (user.active !== active) {
        const at = now();
        await db.transaction(async (tx) => {
          await setUserActive(tx, id, active);
          const ended = active ? 0 : await endAllSessions(tx, user, 'session_revoked', manager, client, at);
          await recordAccountAudit(tx, {
            userId: id,
            action: active ? 'enabled' : 'disabled',
            actor: actorOf(manager),
            at,
            before: { active: user.active },
            after: { active },
            details: { sessionsEnded: ended },
          });
        });
      }
      return withLock((await getUser(db, id))!);
    },

    /** A new one-time password (shown once); the next login must change it; every session ends. */
    async resetPassword(manager: AccountManager, id: string, client: ClientInfo): Promise<{ account: Account; oneTimePassword: string }> {
      const user = await managed(manager, id);
      const account = (await findLoginAccount(db, { id }))!;
      const oneTimePassword = generateOneTimePassword(user.username, settings.password);
      const hash = await hasher.hash(oneTimePassword);
      const at = now();
      await db.transaction(async (tx) => {
        await setPasswordHash(tx, id, {
          hash,
          previous: account.passwordHash,
          history: account.passwordHistory,
          keep: settings.password.historySize - 1,
          mustChange: true,
          at,
        });
        await clearThrottle(tx, user.username);
        const ended = await endAllSessions(tx, user, 'password_reset', manager, client, at);
        await insertLoginEvents(tx, [
          { at, username: user.username, userId: id, ...client, outcome: 'password_reset', actorUserId: 'user' in manager ? manager.user.id : null },
        ]);
        await recordAccountAudit(tx, { userId: id, action: 'password_reset', actor: actorOf(manager), at, details: { sessionsEnded: ended } });
      });
      return { account: await withLock((await getUser(db, id))!), oneTimePassword };
    },

    async unlock(manager: AccountManager, id: string): Promise<Account> {
      const user = await managed(manager, id);
      const before = await withLock(user);
      await db.transaction(async (tx) => {
        await clearThrottle(tx, user.username);
        await recordAccountAudit(tx, {
          userId: id,
          action: 'unlocked',
          actor: actorOf(manager),
          at: now(),
          before: { lockedUntil: before.lockedUntil?.toISOString() ?? null },
          after: { lockedUntil: null },
        });
      });
      return withLock(user);
    },

    async revokeSessions(manager: AccountManager, id: string, client: ClientInfo): Promise<{ ended: number }> {
      const user = await managed(manager, id);
      const at = now();
      return db.transaction(async (tx) => {
        const ended = await endAllSessions(tx, user, 'session_revoked', manager, client, at);
        await recordAccountAudit(tx, { userId: id, action: 'sessions_revoked', actor: actorOf(manager), at, details: { sessionsEnded: ended } });
        return { ended };
      });
    },

    /** A new bearer token (shown once; any earlier one stops working), or none. */
    async setToken(manager: AccountManager, id: string, issue: boolean): Promise<{ account: Account; token: string | null }> {
      const user = await managed(manager, id);
      const at = now();
      const token = await db.transaction(async (tx) => {
        const created = await setUserToken(tx, id, issue);
        await recordAccountAudit(tx, {
          userId: id,
          action: issue ? 'token_issued' : 'token_revoked',
          actor: actorOf(manager),
          at,
          before: snapshot(user),
          after: { hasToken: issue },
        });
        return created;
      });
      return { account: await withLock((await getUser(db, id))!), token };
    },

    /**
     * People to pick (a sponsor to name, a mentor): active users within the caller's jurisdiction,
     * or within `division` when that lies inside it. A sponsor picks only themselves.
     */
    async pickable(caller: AuthUser, filter: { role?: Role; division?: string; limit: number }) {
      if (caller.role === 'sponsor') {
        const self = await getUser(db, caller.id);
        return self && (!filter.role || filter.role === 'sponsor') ? [self] : [];
      }
      if (filter.division && !isWithin(filter.division, caller.jurisdictionCode)) return [];
      const prefix = jurisdictionPrefix(filter.division ?? caller.jurisdictionCode);
      const all = await listUsers(db, prefix);
      return all.filter((u) => u.active && (!filter.role || u.role === filter.role)).slice(0, filter.limit);
    },

    /** The account by username (the CLI names accounts so). */
    async idOfUsername(manager: AccountManager, username: string): Promise<string> {
      const account = await findLoginAccount(db, { username: normalizeUsername(username) });
      if (!account || !manages(manager, account.user)) throw new NotFoundError(NOT_FOUND);
      return account.user.id;
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
