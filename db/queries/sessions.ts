import { createHash } from 'node:crypto';
import { and, desc, eq, gt, gte, isNull, like, lt, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.js';
import { loginEvents, sessions, users } from '../schema/index.js';
import { appendLoginEvents, pruneChained } from './audit-chain.js';
import type { Tx } from './deadline-projection.js';
import type { LoginOutcome } from '../../domain/accounts.js';
import type { Role } from '../../domain/roles.js';

/** sha256 hex of a session cookie's value: all that `sessions.token_hash` keeps. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface SessionRow {
  id: string;
  userId: string;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  endedAt: Date | null;
  endReason: LoginOutcome | null;
}

const sessionColumns = {
  id: sessions.id,
  userId: sessions.userId,
  csrfToken: sessions.csrfToken,
  createdAt: sessions.createdAt,
  lastSeenAt: sessions.lastSeenAt,
  expiresAt: sessions.expiresAt,
  ip: sessions.ip,
  userAgent: sessions.userAgent,
  endedAt: sessions.endedAt,
  endReason: sessions.endReason,
};

export async function insertSession(
  db: Db,
  row: { tokenHash: string; csrfToken: string; userId: string; at: Date; expiresAt: Date; ip: string | null; userAgent: string | null },
): Promise<SessionRow> {
  const [created] = await db
    .insert(sessions)
    .values({
      tokenHash: row.tokenHash,
      csrfToken: row.csrfToken,
      userId: row.userId,
      createdAt: row.at,
      lastSeenAt: row.at,
      expiresAt: row.expiresAt,
      ip: row.ip,
      userAgent: row.userAgent,
    })
    .returning(sessionColumns);
  return created!;
}

export async function findSessionByTokenHash(db: Db, tokenHash: string): Promise<SessionRow | null> {
  const [row] = await db.select(sessionColumns).from(sessions).where(eq(sessions.tokenHash, tokenHash));
  return row ?? null;
}

export async function getSession(db: Db, id: string): Promise<(SessionRow & { user: { jurisdictionCode: string; role: Role } }) | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [row] = await db
    .select({ ...sessionColumns, user: { jurisdictionCode: users.jurisdictionCode, role: users.role } })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, id));
  return row ?? null;
}

/** Moves last_seen forward, at most once every few seconds (a write per request would be waste). */
export async function touchSession(db: Db, id: string, at: Date, granularityMs: number): Promise<void> {
  await db
    .update(sessions)
    .set({ lastSeenAt: at })
    .where(and(eq(sessions.id, id), isNull(sessions.endedAt), lt(sessions.lastSeenAt, new Date(at.getTime() - granularityMs))));
}

/** Ends open sessions (one, or all of a user but one) and returns those it ended: each gets a login event. */
export async function endSessions(
  db: Db,
  which: { id: string } | { userId: string; exceptId?: string },
  end: { reason: LoginOutcome; at: Date; by: string | null },
): Promise<Array<{ id: string; userId: string }>> {
  const target =
    'id' in which ? eq(sessions.id, which.id) : and(eq(sessions.userId, which.userId), which.exceptId ? ne(sessions.id, which.exceptId) : undefined);
  return db
    .update(sessions)
    .set({ endedAt: end.at, endReason: end.reason, endedBy: end.by })
    .where(and(target, isNull(sessions.endedAt)))
    .returning({ id: sessions.id, userId: sessions.userId });
}

export interface SessionListFilter {
  /** One user's sessions, or every user's within a jurisdiction prefix. */
  userId?: string;
  jurisdictionPrefix?: string;
  now: Date;
  idleMs: number;
  limit: number;
  offset: number;
}

export interface ListedSession extends SessionRow {
  user: { id: string; username: string; name: string; role: Role; jurisdictionCode: string };
}

/** Sessions still open at `now`: not ended, not past either timeout (在线用户). */
export async function listOpenSessions(db: Db, filter: SessionListFilter): Promise<{ total: number; items: ListedSession[] }> {
  const where = and(
    isNull(sessions.endedAt),
    gt(sessions.expiresAt, filter.now),
    gt(sessions.lastSeenAt, new Date(filter.now.getTime() - filter.idleMs)),
    filter.userId ? eq(sessions.userId, filter.userId) : undefined,
    filter.jurisdictionPrefix !== undefined ? like(users.jurisdictionCode, `${filter.jurisdictionPrefix}%`) : undefined,
  );
  const [items, [count]] = await Promise.all([
    db
      .select({
        ...sessionColumns,
        user: { id: users.id, username: users.username, name: users.name, role: users.role, jurisdictionCode: users.jurisdictionCode },
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(where)
      .orderBy(desc(sessions.lastSeenAt), desc(sessions.id))
      .limit(filter.limit)
      .offset(filter.offset),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(where),
  ]);
  return { total: count?.n ?? 0, items };
}

// --- The login log -----------------------------------------------------------------------------------

export interface LoginEventInput {
  at: Date;
  username: string;
  userId: string | null;
  sessionId?: string | null;
  ip: string | null;
  userAgent: string | null;
  outcome: LoginOutcome;
  reason?: string | null;
  actorUserId?: string | null;
}

export async function insertLoginEvents(db: Db | Tx, events: LoginEventInput[]): Promise<void> {
  await appendLoginEvents(
    db,
    events.map((e) => ({
      at: e.at,
      username: e.username.slice(0, 64),
      userId: e.userId,
      sessionId: e.sessionId ?? null,
      ip: e.ip,
      userAgent: e.userAgent?.slice(0, 512) ?? null,
      outcome: e.outcome,
      reason: e.reason ?? null,
      actorUserId: e.actorUserId ?? null,
    })),
  );
}

export interface LoginEventFilter {
  userId?: string;
  /** Events of users within the prefix (events of unknown usernames belong to nobody's jurisdiction). */
  jurisdictionPrefix?: string;
  outcome?: LoginOutcome;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

export async function listLoginEvents(db: Db, filter: LoginEventFilter) {
  const conditions: Array<SQL | undefined> = [
    filter.userId ? eq(loginEvents.userId, filter.userId) : undefined,
    filter.jurisdictionPrefix !== undefined ? like(users.jurisdictionCode, `${filter.jurisdictionPrefix}%`) : undefined,
    filter.outcome ? eq(loginEvents.outcome, filter.outcome) : undefined,
    filter.from ? gte(loginEvents.at, filter.from) : undefined,
    filter.to ? lte(loginEvents.at, filter.to) : undefined,
  ];
  const where = and(...conditions);
  const columns = {
    id: loginEvents.id,
    at: loginEvents.at,
    username: loginEvents.username,
    userId: loginEvents.userId,
    sessionId: loginEvents.sessionId,
    ip: loginEvents.ip,
    userAgent: loginEvents.userAgent,
    outcome: loginEvents.outcome,
    reason: loginEvents.reason,
    actorUserId: loginEvents.actorUserId,
  };
  const [items, [count]] = await Promise.all([
    db
      .select(columns)
      .from(loginEvents)
      .leftJoin(users, eq(users.id, loginEvents.userId))
      .where(where)
      .orderBy(desc(loginEvents.at), desc(loginEvents.id))
      .limit(filter.limit)
      .offset(filter.offset),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(loginEvents)
      .leftJoin(users, eq(users.id, loginEvents.userId))
      .where(where),
  ]);
  return { total: count?.n ?? 0, items };
}

/**
 * Retention: login events older than the cutoff go (through the chain's recorded checkpoint, the
 * only DELETE the table's trigger allows), then the sessions that ended before it and that no
 * remaining event names. Nothing newer than the cutoff is touched.
 */
export async function pruneLoginRecords(db: Db, cutoff: Date, at: Date = new Date()): Promise<{ events: number; sessions: number }> {
  return db.transaction(async (tx) => {
    const events = await pruneChained(tx, 'login_events', cutoff, at);
    const ended = await tx
      .delete(sessions)
      .where(and(lt(sessions.expiresAt, cutoff), sql`not exists (select 1 from ${loginEvents} where ${loginEvents.sessionId} = ${sessions.id})`))
      .returning({ id: sessions.id });
    return { events, sessions: ended.length };
  });
}
