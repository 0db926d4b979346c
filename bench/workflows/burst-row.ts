/**
 * The bare reference for the month-end burst: a workflow that sleeps until a given instant, then
 * writes one row to Postgres through one activity (as a rung's projection does), and nothing else.
 * Same activity timeout and retry as the production projection, so only our code differs.
 *
 * It then stays open, as a case stays open waiting for its next deadline after a rung: completing
 * would add the server's close work (visibility, retention) to each row, which an escalation does
 * not pay, and a slower baseline would flatter the ratio.
 */
import { condition, proxyActivities, sleep } from '@temporalio/workflow';
import type { BurstRowActivities } from '../support/burst-row-activities.js';

const { writeBurstRow } = proxyActivities<BurstRowActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds' },
});

export interface BurstRowInput {
  id: string;
  /** The common instant, epoch milliseconds. */
  at: number;
}

export async function burstRowWorkflow(input: BurstRowInput): Promise<void> {
  // Workflow time is the workflow task's start time: deterministic on replay.
  const wait = input.at - Date.now();
  if (wait > 0) await sleep(wait);
  // A workflow whose first task ran after the instant armed no timer: the bench counts them.
  await writeBurstRow({ id: input.id, scheduledAt: new Date(input.at).toISOString(), timerArmed: wait > 0 });
  // The dev server is dropped with the run; the timer only bounds a workflow left behind elsewhere.
  await condition(() => false, '1 hour');
}
