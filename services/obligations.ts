import type { Db } from '../db/client.js';
import { listObligations, type ObligationListOptions } from '../db/queries/obligations.js';
import type { AuthUser } from '../domain/roles.js';
import { createWorkingDaysCounter } from './next-due.js';

/** The cross-process to-do list (工作台): cases, mentorships and reserves in one list, soonest first. */
export function createObligationService(deps: { db: Db; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const workingDaysLeft = createWorkingDaysCounter(deps.db, now);
  return {
    /** `currentPeriod`: each process's current period only (ObligationListOptions.current), as of now. */
    async list(user: AuthUser, { currentPeriod, ...options }: Omit<ObligationListOptions, 'current'> & { currentPeriod?: boolean }) {
      const at = now();
      const page = await listObligations(deps.db, user, { ...options, ...(currentPeriod ? { current: { at } } : {}) });
      const items = await Promise.all(
        page.items.map(async (row) => ({
          ...row,
          workingDaysLeft: row.dueDate && row.status === 'open' ? await workingDaysLeft(row.villageCode, row.dueDate, at) : null,
        })),
      );
      return { items, total: page.total };
    },
  };
}
export type ObligationService = ReturnType<typeof createObligationService>;
