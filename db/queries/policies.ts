import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { auditEvents, policies } from '../schema/index.js';
import type { DeadlinePolicy } from '../../domain/policy.js';
import { PREFIX_LENGTH, jurisdictionPrefix, toFullCode } from '../../domain/divisions.js';
import type { AuthUser } from '../../domain/roles.js';

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
export async function listPolicies(db: Db, user: AuthUser): Promise<PolicyRow[]> {
  const prefix = jurisdictionPrefix(user.jurisdictionCode);
  return db
    .select()
    .from(policies)
    .where(sql`${policies.jurisdictionCode} like ${prefix + '%'} or ${inArray(policies.jurisdictionCode, ancestorCodes(user.jurisdictionCode))}`)
    .orderBy(policies.jurisdictionCode, policies.name, desc(policies.version));
}

export async function getPolicy(db: Db, id: string): Promise<PolicyRow | null> {
  const [row] = await db.select().from(policies).where(eq(policies.id, id));
  return row ?? null;
}

/** The newest version of the named policy at the nearest level at or above `code`. */
export async function findApplicablePolicy(db: Db, code: string, name: string): Promise<PolicyRow | null> {
  const rows = await db
    .select()
    .from(policies)
    .where(and(eq(policies.name, name), inArray(policies.jurisdictionCode, ancestorCodes(code))))
    .orderBy(desc(sql`length(rtrim(${policies.jurisdictionCode}, '0'))`), desc(policies.version))
    .limit(1);
  return rows[0] ?? null;
}

/** Creates the next version of a named policy; earlier versions stay untouched for running cases. */
export async function createPolicyVersion(db: Db, user: AuthUser, input: { jurisdictionCode: string; name: string; body: DeadlinePolicy }): Promise<PolicyRow> {
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
    await tx.insert(auditEvents).values({
      dedupeKey: `policy:${row!.id}:created`,
      entityType: 'policy',
      entityId: row!.id,
      action: 'policy_version_created',
      actorUserId: user.id,
      actorLabel: user.name,
      at: row!.createdAt,
      before: null,
      after: { name: row!.name, version: row!.version, body: row!.body },
      details: null,
    });
    return row!;
  });
}
