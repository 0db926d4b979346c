import type { Db } from '../db/client.js';
import { findEscalationSheet, recordEscalationPrint, type EscalationSheet } from '../db/queries/escalation-sheets.js';
import { NotFoundError } from '../domain/errors.js';
import type { AuthUser } from '../domain/roles.js';
import { createWorkingDaysCounter } from './next-due.js';

/** The printable 督办单 of an escalation: each print is recorded (who, when, which copy). */
export function createEscalationService(deps: { db: Db; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const workingDaysLeft = createWorkingDaysCounter(deps.db, now);
  const notFound = () => new NotFoundError('未找到该督办，或不在您的管辖范围内 (escalation not found)');

  /** How long it has been overdue, in working days on the village's calendar, while still open. */
  async function overdueWorkingDays(sheet: EscalationSheet, at: Date): Promise<number | null> {
    if (sheet.obligation.status !== 'open' || !sheet.obligation.dueDate) return null;
    const left = await workingDaysLeft(sheet.villageCode, sheet.obligation.dueDate, at);
    return left < 0 ? -left : 0;
  }

  return {
    /** The sheet to look at (nothing recorded); `prints` so far. */
    async sheet(user: AuthUser, id: string) {
      const found = await findEscalationSheet(deps.db, user, id);
      if (!found) throw notFound();
      return { ...found, overdueWorkingDays: await overdueWorkingDays(found.sheet, now()) };
    },
    /** Printing it: recorded with who and when; answers which copy this is. */
    async print(user: AuthUser, id: string) {
      const at = now();
      const printed = await recordEscalationPrint(deps.db, user, id, at);
      if (!printed) throw notFound();
      return {
        sheet: printed.sheet,
        printNo: printed.printNo,
        printedAt: at,
        printedBy: user.name,
        overdueWorkingDays: await overdueWorkingDays(printed.sheet, at),
      };
    },
  };
}
export type EscalationService = ReturnType<typeof createEscalationService>;
