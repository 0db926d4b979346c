import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { policies } from '../schema/index.js';
import type { DeadlinePolicy } from '../../domain/policy.js';
import { PREFIX_LENGTH, jurisdictionPrefix, toFullCode } from '../../domain/divisions.js';
import type { AuthUser } from '../../domain/roles.js';
import { appendAuditEvents } from './audit-chain.js';

export type PolicyRow = typeof policies.$inferSelect;

/** The 12-digit codes of a division and all its ancestors (province → itself). */
export function ancestorCodes(code: string): string[] {
  const full = toFullCode(code);
  const own = jurisdictionPrefix(code).length;
  return Object.values(PREFIX_LENGTH)
    .filter((len) => len <= own)
    .map((len) => toFullCode(full.slice(0, len)));
}

/** Policies a user can use: those of their jurisdiction, its ancestors, and its descendants. */
export async function listPolicies(db: Db, user: AuthUser, options: { includeRetired?: boolean } = {}): Promise<PolicyRow[]> {
  const prefix = jurisdictionPrefix(user.jurisdictionCode);
  const visible = sql`(${policies.jurisdictionCode} like ${prefix + '%'} or ${inArray(policies.jurisdictionCode, ancestorCodes(user.jurisdictionCode))})`;
  return db
    .select()
    .from(policies)
    .where(options.includeRetired ? visible : and(visible, isNull(policies.retiredAt)))
    .orderBy(policies.jurisdictionCode, policies.name, desc(policies.version));
}

export async function getPolicy(db: Db, id: string): Promise<PolicyRow | null> {
  const [row] = await db.select().from(policies).where(eq(policies.id, id));
  return row ?? null;
}

/** The newest version in force (not retired) of the named policy at the nearest level at or above `code`. */
export async function findApplicablePolicy(db: Db, code: string, name: string): Promise<PolicyRow | null> {
  const rows = await db
    .select()
    .from(policies)
    .where(and(eq(policies.name, name), inArray(policies.jurisdictionCode, ancestorCodes(code)), isNull(policies.retiredAt)))
    .orderBy(desc(sql`length(rtrim(${policies.jurisdictionCode}, '0'))`), desc(policies.version))
    .limit(1);
  return rows[0] ?? null;
}

/** Creates the next version of a named policy; earlier versions stay untouched for running cases. */
export async function createPolicyVersion(
  db: Db,
  user: AuthUser,
  input: { jurisdictionCode: string; name: string; body: DeadlinePolicy; basedOn?: string | null },
): Promise<PolicyRow> {
  return db.transaction(async (tx) => {
    // Serialise version numbering per (jurisdiction, name).
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${input.jurisdictionCode + '/' + input.name}))`);
    const [latest] = await tx
      .select({ version: policies.version })
      .from(policies)
      .where(and(eq(policies.jurisdictionCode, input.jurisdictionCode), eq(policies.name, input.name)))
      .orderBy(desc(policies.version))
      .limit(1);
    const [row] = await tx
      .insert(policies)
      .values({ ...input, version: (latest?.version ?? 0) + 1, createdBy: user.id })
      .returning();
    await appendAuditEvents(tx, [
      {
        dedupeKey: `policy:${row!.id}:created`,
        entityType: 'policy',
        entityId: row!.id,
        action: 'policy_version_created',
        actorUserId: user.id,
        actorLabel: user.name,
        at: row!.createdAt,
        before: null,
        after: { name: row!.name, version: row!.version, body: row!.body, basedOn: row!.basedOn },
        details: null,
      },
    ]);
    return row!;
  });
}

/** Retires a version: it keeps running the processes that started on it. Null when already retired. */
export async function retirePolicy(db: Db, user: AuthUser, id: string, reason: string): Promise<PolicyRow | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(policies)
      .set({ retiredAt: sql`now()`, retiredBy: user.id, retiredReason: reason })
      .where(and(eq(policies.id, id), isNull(policies.retiredAt)))
      .returning();
    if (!row) return null;
    await appendAuditEvents(tx, [
      {
        dedupeKey: `policy:${row.id}:retired`,
        entityType: 'policy',
        entityId: row.id,
        action: 'policy_retired',
        actorUserId: user.id,
        actorLabel: user.name,
        at: row.retiredAt!,
        before: { retiredAt: null },
        after: { retiredAt: row.retiredAt!.toISOString() },
        details: { reason },
      },
    ]);
    return row;
  });
}
