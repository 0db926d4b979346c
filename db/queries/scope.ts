import { eq, like, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { jurisdictionPrefix } from '../../domain/divisions.js';
import type { AuthUser } from '../../domain/roles.js';

/**
 * What a user may see of rows that belong to a village (by code) and a sponsor: a sponsor only
 * their own, an office everything under its jurisdiction prefix.
 */
export function visibleTo(user: AuthUser, columns: { code: PgColumn; sponsorUserId?: PgColumn }): SQL {
  if (user.role === 'sponsor') {
    if (!columns.sponsorUserId) throw new Error('sponsor scope needs a sponsor column');
    return eq(columns.sponsorUserId, user.id);
  }
  return like(columns.code, `${jurisdictionPrefix(user.jurisdictionCode)}%`);
}
