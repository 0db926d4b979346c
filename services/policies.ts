import type { Db } from '../db/client.js';
import { createPolicyVersion, findApplicablePolicy, getPolicy, listPolicies } from '../db/queries/policies.js';
import { isWithin } from '../domain/divisions.js';
import { ForbiddenError, ValidationError } from '../domain/errors.js';
import { DEFAULT_POLICY, type DeadlinePolicy } from '../domain/policy.js';
import { ALLOWED_ROLES, type AuthUser } from '../domain/roles.js';
import { divisionExists } from '../db/queries/divisions.js';

export function createPolicyService(deps: { db: Db }) {
  return {
    list: (user: AuthUser) => listPolicies(deps.db, user),
    async create(user: AuthUser, input: { jurisdictionCode?: string; name: string; body: DeadlinePolicy }) {
      if (!ALLOWED_ROLES.managePolicies.includes(user.role)) throw new ForbiddenError('仅组织部可以制定期限策略 (only the org dept manages policies)');
      const jurisdictionCode = input.jurisdictionCode ?? user.jurisdictionCode;
      if (!isWithin(jurisdictionCode, user.jurisdictionCode) || !(await divisionExists(deps.db, jurisdictionCode))) {
        throw new ValidationError('区划不在您的管辖范围内 (division outside your jurisdiction)', 'jurisdictionCode');
      }
      return createPolicyVersion(deps.db, user, { jurisdictionCode, name: input.name, body: input.body });
    },
  };
}
export type PolicyService = ReturnType<typeof createPolicyService>;

/** The name of the policy each jurisdiction applies unless a process names another. */
export const DEFAULT_POLICY_NAME = 'default';

/**
 * The policy a new process in `villageCode` starts with: the one named (it must apply to the
 * village: its own county's or an ancestor's), else the nearest `default`, else the built-in
 * defaults. Cases, mentorships and reserves all snapshot what this answers.
 */
export async function resolveVillagePolicy(db: Db, villageCode: string, policyId: string | undefined): Promise<{ policyId: string | null; policy: DeadlinePolicy }> {
  if (policyId) {
    const row = await getPolicy(db, policyId);
    // A policy of another county is as unknown as a missing one.
    if (!row || !isWithin(villageCode, row.jurisdictionCode)) throw new ValidationError('未找到适用于该村的期限策略 (no such policy for this village)', 'policyId');
    return { policyId: row.id, policy: row.body };
  }
  const applicable = await findApplicablePolicy(db, villageCode, DEFAULT_POLICY_NAME);
  return applicable ? { policyId: applicable.id, policy: applicable.body } : { policyId: null, policy: DEFAULT_POLICY };
}
