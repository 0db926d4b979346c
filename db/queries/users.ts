import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq, gt, inArray, like, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { isUniqueViolation } from './pg-errors.js';
import { divisions, loginThrottle, people, users } from '../schema/index.js';
import { USERNAME_MESSAGE, USERNAME_PATTERN, normalizeUsername } from '../../domain/accounts.js';
import { levelOfCode, toFullCode } from '../../domain/divisions.js';
import { ValidationError } from '../../domain/errors.js';
import { ROLES, USER_POSTS, type Role, type UserPost } from '../../domain/roles.js';
import { appendAuditEvents } from './audit-chain.js';

/** Tokens look like `rct_<43 base64url chars>`; the prefix makes a leaked one recognisable. */
export const TOKEN_PREFIX = 'rct_';

export interface User {
  id: string;
  username: string;
  name: string;
  role: Role;
  jurisdictionCode: string;
  personId: string | null;
  active: boolean;
  post: UserPost | null;
  createdAt: Date;
  hasPassword: boolean;
  hasToken: boolean;
  mustChangePassword: boolean;
  passwordChangedAt: Date | null;
}

/** Who did it, for the audit trail: a user, or a label such as "admin-cli" / "system". */
export interface AuditActor {
  actorUserId?: string;
  actorLabel: string;
}

export interface CreateUserParams {
  /** Lower case, USERNAME_PATTERN; default `user-<random>` (tests and scripts that only need a token). */
  username?: string;
  name: string;
  role: Role;
  /** A division code, 12 digits or short ("522731"); stored as 12 digits. */
  jurisdictionCode: string;
  personId?: string;
  /** township_party_secretary: a township office user of a township, one active holder each. */
  post?: UserPost;
  /** A hash from lib/password-hash.ts; without one the account signs in only by token until a reset. */
  passwordHash?: string;
  /** When the password was set (default: the database's now). */
  passwordChangedAt?: Date;
  /** Default true: a first login must change the password (false only for demo users). */
  mustChangePassword?: boolean;
  actor: AuditActor;
}

// Explicit columns: neither hash ever leaves this module.
const userColumns = {
  id: users.id,
  username: users.username,
  name: users.name,
  role: users.role,
  jurisdictionCode: users.jurisdictionCode,
  personId: users.personId,
  active: users.active,
  post: users.post,
  createdAt: users.createdAt,
  hasPassword: sql<boolean>`${users.passwordHash} is not null`,
  hasToken: sql<boolean>`${users.tokenHash} is not null`,
  mustChangePassword: users.mustChangePassword,
  passwordChangedAt: users.passwordChangedAt,
};

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** sha256 hex of the whole token (prefix included): what `users.token_hash` stores. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Creates a user and its audit event in one transaction; the token (unless `issueToken: false`) is
 * returned once, never stored.
 */
export async function createUser(db: Db, params: CreateUserParams & { issueToken?: true }): Promise<{ user: User; token: string }>;
export async function createUser(db: Db, params: CreateUserParams & { issueToken: false }): Promise<{ user: User; token: null }>;
export async function createUser(db: Db, params: CreateUserParams & { issueToken?: boolean }): Promise<{ user: User; token: string | null }> {
  const username = params.username === undefined ? `user-${randomBytes(6).toString('hex')}` : normalizeUsername(params.username);
  if (!USERNAME_PATTERN.test(username)) throw new ValidationError(USERNAME_MESSAGE, 'username');
  const name = params.name.trim();
  if (name === '' || name.length > 200) throw new ValidationError('name must be 1–200 characters', 'name');
  if (!(ROLES as readonly string[]).includes(params.role)) {
    throw new ValidationError(`role must be one of ${ROLES.join(', ')}`, 'role');
  }
  if (!/^\d{2,12}$/.test(params.jurisdictionCode)) {
    throw new ValidationError('jurisdictionCode must be a division code of 2–12 digits', 'jurisdictionCode');
  }
  const jurisdictionCode = toFullCode(params.jurisdictionCode);
  if (params.personId !== undefined && !UUID_PATTERN.test(params.personId)) {
    throw new ValidationError('personId must be a UUID', 'personId');
  }
  if (params.post !== undefined) {
    if (!(USER_POSTS as readonly string[]).includes(params.post)) throw new ValidationError(`post must be one of ${USER_POSTS.join(', ')}`, 'post');
    if (params.role !== 'township_office' || levelOfCode(jurisdictionCode) !== 'township') {
      throw new ValidationError('乡镇党委书记须为乡镇一级的乡镇党委用户 (the township party secretary is a township_office user of a township)', 'post');
    }
  }
  const token = params.issueToken === false ? null : generateToken();

  const user = await db.transaction(async (tx) => {
    const [division] = await tx.select({ code: divisions.code }).from(divisions).where(eq(divisions.code, jurisdictionCode));
    if (!division) {
      throw new ValidationError(`未找到区划 ${jurisdictionCode} (no such division)`, 'jurisdictionCode');
    }
    if (params.personId !== undefined) {
      const [person] = await tx.select({ id: people.id }).from(people).where(eq(people.id, params.personId));
      if (!person) throw new ValidationError(`未找到人员 ${params.personId} (no such person)`, 'personId');
    }
    const [created] = await tx
      .insert(users)
      .values({
        username,
        name,
        role: params.role,
        jurisdictionCode,
        personId: params.personId ?? null,
        post: params.post ?? null,
        tokenHash: token === null ? null : hashToken(token),
        passwordHash: params.passwordHash ?? null,
        passwordChangedAt: params.passwordHash ? (params.passwordChangedAt ?? sql`now()`) : null,
        mustChangePassword: params.mustChangePassword ?? true,
      })
      .returning(userColumns)
      .catch((err: unknown) => {
        if (isUniqueViolation(err, 'users_username_unique')) throw new ValidationError(`用户名 ${username} 已被使用 (the username is taken)`, 'username');
        // The partial unique index keeps one active holder per township, even against a concurrent add.
        if (isUniqueViolation(err, 'users_post_holder_uq'))
          throw new ValidationError('该乡镇已有乡镇党委书记 (the township already has a party secretary)', 'post');
        throw err;
      });
    if (!created) throw new Error('insert into users returned no row');
    await appendAuditEvents(tx, [
      {
        dedupeKey: `user:${created.id}:created`,
        entityType: 'user',
        entityId: created.id,
        action: 'created',
        actorUserId: params.actor.actorUserId ?? null,
        actorLabel: params.actor.actorLabel,
        at: created.createdAt,
        before: null,
        after: {
          id: created.id,
          username: created.username,
          name: created.name,
          role: created.role,
          jurisdictionCode: created.jurisdictionCode,
          personId: created.personId,
          active: created.active,
          post: created.post,
          hasPassword: created.hasPassword,
          hasToken: created.hasToken,
        },
      },
    ]);
    return created;
  });
  return { user, token };
}

/** The active user holding this bearer token, or null. */
export async function findUserByToken(db: Db, token: string): Promise<User | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const [user] = await db
    .select(userColumns)
    .from(users)
    .where(and(eq(users.tokenHash, hashToken(token)), eq(users.active, true)));
  return user ?? null;
}

export async function getUser(db: Db, id: string): Promise<User | null> {
  if (!UUID_PATTERN.test(id)) return null;
  const [user] = await db.select(userColumns).from(users).where(eq(users.id, id));
  return user ?? null;
}

/** Users whose jurisdiction code starts with the prefix ('' for everyone), by jurisdiction then name. */
export async function listUsers(db: Db, jurisdictionPrefix: string): Promise<User[]> {
  if (!/^\d{0,12}$/.test(jurisdictionPrefix)) {
    throw new ValidationError('jurisdiction prefix must be up to 12 digits', 'jurisdiction');
  }
  return db
    .select(userColumns)
    .from(users)
    .where(like(users.jurisdictionCode, `${jurisdictionPrefix}%`))
    .orderBy(asc(users.jurisdictionCode), asc(users.name), asc(users.createdAt));
}

/** The active holder of the township's party-secretary post, or null when nobody is set. */
export async function findTownshipSecretary(db: Db, townshipCode: string): Promise<{ userId: string } | null> {
  const [row] = await db
    .select({ userId: users.id })
    .from(users)
    .where(and(eq(users.jurisdictionCode, toFullCode(townshipCode)), eq(users.post, 'township_party_secretary'), eq(users.active, true)));
  return row ?? null;
}

/** What a sign-in needs of an account: its hashes stay in the auth service. */
export interface LoginAccount {
  user: User;
  passwordHash: string | null;
  passwordHistory: string[];
}

export async function findLoginAccount(db: Db, by: { username: string } | { id: string }): Promise<LoginAccount | null> {
  if ('id' in by && !UUID_PATTERN.test(by.id)) return null;
  const [row] = await db
    .select({ user: userColumns, passwordHash: users.passwordHash, passwordHistory: users.passwordHistory })
    .from(users)
    .where('id' in by ? eq(users.id, by.id) : eq(users.username, by.username));
  return row ?? null;
}

/** A new password hash; the old one joins the history (newest first, `keep` long). */
export async function setPasswordHash(
  db: Db,
  userId: string,
  change: { hash: string; previous: string | null; history: string[]; keep: number; mustChange: boolean; at: Date },
): Promise<void> {
  const history = (change.previous ? [change.previous, ...change.history] : change.history).slice(0, Math.max(0, change.keep));
  await db
    .update(users)
    .set({ passwordHash: change.hash, passwordHistory: history, passwordChangedAt: change.at, mustChangePassword: change.mustChange })
    .where(eq(users.id, userId));
}

/** Same password, new parameters (the cost changed): history and dates stay. */
export async function replacePasswordHash(db: Db, userId: string, hash: string): Promise<void> {
  await db.update(users).set({ passwordHash: hash }).where(eq(users.id, userId));
}

export async function setUserActive(db: Db, userId: string, active: boolean): Promise<void> {
  await db
    .update(users)
    .set({ active })
    .where(eq(users.id, userId))
    .catch((err: unknown) => {
      if (isUniqueViolation(err, 'users_post_holder_uq'))
        throw new ValidationError('该乡镇已有在岗的乡镇党委书记 (the township already has an active party secretary)', 'post');
      throw err;
    });
}

/** A new bearer token (returned once), or none (`null`: revoked). */
export async function setUserToken(db: Db, userId: string, issue: boolean): Promise<string | null> {
  const token = issue ? generateToken() : null;
  await db
    .update(users)
    .set({ tokenHash: token === null ? null : hashToken(token) })
    .where(eq(users.id, userId));
  return token;
}

/** An audit row for an account change (create has its own, inside createUser). */
export async function recordAccountAudit(
  db: Db,
  event: {
    userId: string;
    action: string;
    actor: AuditActor;
    at: Date;
    before?: Record<string, unknown> | null;
    after?: Record<string, unknown> | null;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await appendAuditEvents(db, [
    {
      dedupeKey: `user:${event.userId}:${event.action}:${randomUUID()}`,
      entityType: 'user',
      entityId: event.userId,
      action: event.action,
      actorUserId: event.actor.actorUserId ?? null,
      actorLabel: event.actor.actorLabel,
      at: event.at,
      before: event.before ?? null,
      after: event.after ?? null,
      details: event.details ?? null,
    },
  ]);
}

// --- Failed sign-ins and locks (login_throttle) ------------------------------------------------------

export interface ThrottleState {
  failedAttempts: number;
  lockedUntil: Date | null;
}

export async function getThrottle(db: Db, username: string): Promise<ThrottleState> {
  const [row] = await db
    .select({ failedAttempts: loginThrottle.failedAttempts, lockedUntil: loginThrottle.lockedUntil })
    .from(loginThrottle)
    .where(eq(loginThrottle.username, username));
  return row ?? { failedAttempts: 0, lockedUntil: null };
}

/**
 * One more failure in a row, in one statement (concurrent failures all count): the `threshold`-th
 * sets the lock and starts the count again.
 */
export async function recordLoginFailure(db: Db, username: string, at: Date, threshold: number, lockMs: number): Promise<ThrottleState> {
  const lockUntil = new Date(at.getTime() + lockMs);
  const [row] = await db
    .insert(loginThrottle)
    .values({ username, failedAttempts: threshold <= 1 ? 0 : 1, lockedUntil: threshold <= 1 ? lockUntil : null, lastFailedAt: at })
    .onConflictDoUpdate({
      target: loginThrottle.username,
      set: {
        failedAttempts: sql`case when ${loginThrottle.failedAttempts} + 1 >= ${threshold} then 0 else ${loginThrottle.failedAttempts} + 1 end`,
        lockedUntil: sql`case when ${loginThrottle.failedAttempts} + 1 >= ${threshold} then ${lockUntil.toISOString()}::timestamptz else ${loginThrottle.lockedUntil} end`,
        lastFailedAt: at,
      },
    })
    .returning({ failedAttempts: loginThrottle.failedAttempts, lockedUntil: loginThrottle.lockedUntil });
  return row!;
}

/** A success or an unlock: no failures, no lock. */
export async function clearThrottle(db: Db, username: string): Promise<void> {
  await db.delete(loginThrottle).where(eq(loginThrottle.username, username));
}

/** Locks of the given usernames (for account lists). */
export async function locksOf(db: Db, usernames: string[], now: Date): Promise<Map<string, Date>> {
  if (usernames.length === 0) return new Map();
  const rows = await db
    .select({ username: loginThrottle.username, lockedUntil: loginThrottle.lockedUntil })
    .from(loginThrottle)
    .where(and(inArray(loginThrottle.username, usernames), gt(loginThrottle.lockedUntil, now)));
  return new Map(rows.map((r) => [r.username, r.lockedUntil!]));
}
