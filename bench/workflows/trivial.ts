/**
 * The bare reference for the case-fleet benchmark: workflows that do nothing, so a start measures
 * what the Temporal server (and one workflow task) costs on this machine, without our code.
 */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';

export const pingUpdate = defineUpdate<string>('ping');

/** Completes in its first workflow task. */
export async function trivialWorkflow(): Promise<void> {}

/** Answers one Update, then waits (like a case waits for its deadlines). */
export async function waitingWorkflow(): Promise<void> {
  setHandler(pingUpdate, () => 'pong');
  await condition(() => false, '10 minutes');
}
