/**
 * After the calendar changes (a year's notice loaded, a local override), tells every affected
 * running process to re-time its open deadlines: the cases first, then (since the mentorship and
 * reserve processes exist) mentorships and reserve candidates. Durable: if the process that asked
 * dies, this still reaches every one; pages through them and continues as new so history stays small.
 */
import { continueAsNew, getExternalWorkflowHandle, log, patched, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { mentorshipWorkflowId, rectificationWorkflowId, reserveWorkflowId } from './ids.js';
import { recomputeDeadlinesSignal } from './deadline-messages.js';

const { findCasesToRecompute, findProcessesToRecompute } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Runs started before mentorships and reserves existed stop after the cases. */
export const RECOMPUTE_OTHER_PROCESSES_PATCH = 'recompute-mentorships-and-reserves';

export type ProcessRef = { kind: 'mentorship' | 'reserve'; id: string };

export interface CalendarChangeInput {
  reason: string;
  /** Processes of villages under this code prefix ("" for the whole country). */
  divisionPrefix: string;
  /** Only processes with provisional deadlines (a new year's notice), or all open ones (an override). */
  onlyProvisional: boolean;
  afterCaseId?: string | null;
  signalled?: number;
  /** After the cases: mentorships and reserve candidates, paged by (kind, id). */
  phase?: 'cases' | 'processes';
  afterProcess?: ProcessRef | null;
}

const PAGE = 200;
const PAGES_PER_RUN = 25;

export async function calendarChangeWorkflow(input: CalendarChangeInput): Promise<{ signalled: number }> {
  let signalled = input.signalled ?? 0;
  const signalAll = (workflowIds: string[]) =>
    Promise.all(
      workflowIds.map(async (workflowId) => {
        try {
          await getExternalWorkflowHandle(workflowId).signal(recomputeDeadlinesSignal, { reason: input.reason });
          signalled++;
        } catch (err) {
          // A process that closed meanwhile has nothing to re-time.
          log.warn('workflow not signalled', { workflowId, error: String(err) });
        }
      }),
    );

  if ((input.phase ?? 'cases') === 'processes') {
    let after = input.afterProcess ?? null;
    for (let page = 0; page < PAGES_PER_RUN; page++) {
      const refs = await findProcessesToRecompute({ divisionPrefix: input.divisionPrefix, onlyProvisional: input.onlyProvisional, after, limit: PAGE });
      if (refs.length === 0) return { signalled };
      await signalAll(refs.map((r) => (r.kind === 'mentorship' ? mentorshipWorkflowId(r.id) : reserveWorkflowId(r.id))));
      after = refs[refs.length - 1]!;
    }
    return continueAsNew<typeof calendarChangeWorkflow>({ ...input, afterProcess: after, signalled });
  }

  let after = input.afterCaseId ?? null;
  for (let page = 0; page < PAGES_PER_RUN; page++) {
    const caseIds = await findCasesToRecompute({
      divisionPrefix: input.divisionPrefix,
      onlyProvisional: input.onlyProvisional,
      afterCaseId: after,
      limit: PAGE,
    });
    if (caseIds.length === 0) {
      if (!patched(RECOMPUTE_OTHER_PROCESSES_PATCH)) return { signalled };
      return continueAsNew<typeof calendarChangeWorkflow>({ ...input, phase: 'processes', afterProcess: null, signalled });
    }
    await signalAll(caseIds.map(rectificationWorkflowId));
    after = caseIds[caseIds.length - 1]!;
  }
  return continueAsNew<typeof calendarChangeWorkflow>({ ...input, afterCaseId: after, signalled });
}
