/**
 * The bare reference for the case-fleet benchmark: workflows that do nothing, so a start measures
 * what the Temporal server (and one workflow task) costs on this machine, without our code.
 */
import { condition, defineQuery, defineUpdate, setHandler } from '@temporalio/workflow';

export const pingUpdate = defineUpdate<string>('ping');
export const idleQuery = defineQuery<string>('idle');

/** Completes in its first workflow task. */
export async function trivialWorkflow(): Promise<void> {}

/** Answers one Update, then waits (like a case waits for its deadlines). */
export async function waitingWorkflow(): Promise<void> {
  setHandler(pingUpdate, () => 'pong');
  await condition(() => false, '10 minutes');
}

/**
 * The SDK's own floor for bench/worker-memory.ts: answers a query and waits a day, holding no state
 * of its own, so the memory a cached one costs is what the SDK costs per cached run.
 */
export async function idleWorkflow(): Promise<void> {
  setHandler(idleQuery, () => 'idle');
  await condition(() => false, '1 day');
}
