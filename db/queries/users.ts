import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, like } from 'drizzle-orm';
import type { Db } from '../client.js';
import { isUniqueViolation } from './pg-errors.js';
import { auditEvents, divisions, people, users } from '../schema/index.js';
import { levelOfCode, toFullCode } from '../../domain/divisions.js';
import { ValidationError } from '../../domain/errors.js';
import { ROLES, USER_POSTS, type Role, type UserPost } from '../../domain/roles.js';

/** Tokens look like `rct_<43 base64url chars>`; the prefix makes a leaked one recognisable. */
export const TOKEN_PREFIX = 'rct_';

export interface User {
  id: string;
  name: string;
  role: Role;
  jurisdictionCode: string;
  personId: string | null;
  active: boolean;
  post: UserPost | null;
  createdAt: Date;
}

/** Who did it, for the audit trail: a user, or a label such as "admin-cli" / "system". */
export interface AuditActor {
  actorUserId?: string;
  actorLabel: string;
}

export interface CreateUserParams {
  name: string;
  role: Role;
  /** A division code, 12 digits or short ("522731"); stored as 12 digits. */
  jurisdictionCode: string;
  personId?: string;
  /** township_party_secretary: a township office user of a township, one active holder each. */
  post?: UserPost;
  actor: AuditActor;
}

// Explicit columns: the token hash never leaves this module.
const userColumns = {
  id: users.id,
  name: users.name,
  role: users.role,
  jurisdictionCode: users.jurisdictionCode,
  personId: users.personId,
  active: users.active,
  post: users.post,
  createdAt: users.createdAt,
};

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** sha256 hex of the whole token (prefix included): what `users.token_hash` stores. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates a user and its audit event in one transaction; the token is returned once, never stored. */
export async function createUser(db: Db, params: CreateUserParams): Promise<{ user: User; token: string }> {
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
  const token = generateToken();

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
      .values({ name, role: params.role, jurisdictionCode, personId: params.personId ?? null, post: params.post ?? null, tokenHash: hashToken(token) })
      .returning(userColumns)
      .catch((err: unknown) => {
        // The partial unique index keeps one active holder per township, even against a concurrent add.
        if (isUniqueViolation(err, 'users_post_holder_uq')) throw new ValidationError('该乡镇已有乡镇党委书记 (the township already has a party secretary)', 'post');
        throw err;
      });
    if (!created) throw new Error('insert into users returned no row');
    await tx.insert(auditEvents).values({
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
        name: created.name,
        role: created.role,
        jurisdictionCode: created.jurisdictionCode,
        personId: created.personId,
        active: created.active,
        post: created.post,
      },
    });
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
