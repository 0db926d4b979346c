/**
 * The one module through which the API (and activities) reach Temporal. Workflow IDs come from
 * business keys; starting twice is success; Update failures become typed domain errors.
 */
import {
  Client,
  Connection,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { rectificationWorkflow } from '../workflows/rectification.js';
import { mentorshipWorkflow } from '../workflows/mentorship.js';
import { reserveWorkflow } from '../workflows/reserve.js';
import { screeningWorkflow } from '../workflows/screening.js';
import {
  calendarChangeWorkflowId,
  deliveryDispatcherWorkflowId,
  deliverySenderWorkflowId,
  mentorshipWorkflowId,
  rectificationWorkflowId,
  reserveWorkflowId,
  screeningWorkflowId,
} from '../workflows/ids.js';
import { calendarChangeWorkflow, type CalendarChangeInput } from '../workflows/calendar-change.js';
import { deliveryDispatcherWorkflow, deliverySenderWorkflow } from '../workflows/delivery.js';
import { wakeDispatcherSignal, wakeSenderSignal } from '../workflows/delivery-messages.js';
import { FAILURE_FORBIDDEN, FAILURE_INVALID_TRANSITION, FAILURE_VALIDATION } from '../workflows/deadline-messages.js';
import { readyUpdate, snapshotQuery } from '../workflows/rectification-messages.js';
import { mentorshipReadyUpdate } from '../workflows/mentorship-messages.js';
import { reserveReadyUpdate } from '../workflows/reserve-messages.js';
import { screeningReadyUpdate } from '../workflows/screening-messages.js';
import type { CaseSnapshot, RectificationInput } from '../domain/contracts/rectification.js';
import type { MentorshipInput, MentorshipSnapshot } from '../domain/contracts/mentorship.js';
import type { ReserveInput, ReserveSnapshot } from '../domain/contracts/reserve.js';
import type { ScreeningInput, ScreeningSnapshot } from '../domain/contracts/screening.js';
import type { Tracing } from '../lib/tracing.js';
import { clientTracingInterceptors } from './tracing.js';

export interface TemporalHandle {
  client: Client;
  connection: Connection;
  taskQueue: string;
  close(): Promise<void>;
}

/**
 * A handle with no server behind it, for building the app where no route used reaches Temporal
 * (benchmarks of reads and sign-in, describing the OpenAPI document). Readiness reports Temporal up.
 */
export function detachedTemporalHandle(): TemporalHandle {
  return { client: {}, connection: { healthService: { check: async () => ({}) } }, taskQueue: 'none', close: async () => {} } as unknown as TemporalHandle;
}

export async function connectTemporal(options: {
  address: string;
  namespace: string;
  taskQueue: string;
  connectTimeout?: string;
  /** With tracing, workflow starts and Updates continue the caller's trace (temporal/tracing.ts). */
  tracing?: Tracing | null;
}): Promise<TemporalHandle> {
  const connection = await Connection.connect({ address: options.address, connectTimeout: options.connectTimeout });
  const client = new Client({ connection, namespace: options.namespace, interceptors: { workflow: clientTracingInterceptors(options.tracing) } });
  return { client, connection, taskQueue: options.taskQueue, close: () => connection.close() };
}

export { rectificationWorkflowId, mentorshipWorkflowId, reserveWorkflowId, screeningWorkflowId };

/**
 * Update-with-Start: starts a process's workflow (ID from its business key) and waits until its
 * first deadlines are armed and projected. Safe to repeat: an existing run is reused; a finished one
 * is reported as already started (null).
 */
async function startWithReady<I, R>(
  temporal: TemporalHandle,
  workflow: (input: I) => Promise<unknown>,
  workflowId: string,
  input: I,
  ready: UpdateDefinition<R, []>,
): Promise<R | null> {
  const startWorkflowOperation = new WithStartWorkflowOperation(workflow, {
    workflowId,
    taskQueue: temporal.taskQueue,
    args: [input] as [I],
    workflowIdConflictPolicy: 'USE_EXISTING',
    // A closed process never restarts under the same ID.
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  try {
    return await temporal.client.workflow.executeUpdateWithStart(ready, { startWorkflowOperation });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return null;
    throw err;
  }
}

/** Sends a command (an Update); `updateId` (the Idempotency-Key) makes a retry one change. */
async function executeCommand<R, Args extends [unknown, ...unknown[]]>(
  temporal: TemporalHandle,
  workflowId: string,
  update: UpdateDefinition<R, Args>,
  args: Args,
  updateId: string | undefined,
  what: string,
): Promise<R> {
  const handle = temporal.client.workflow.getHandle(workflowId);
  try {
    return await handle.executeUpdate(update, { args, updateId });
  } catch (err) {
    throw toDomainError(err, what);
  }
}

/** Starts a case's workflow and waits until its first deadlines are armed and projected. */
export function startRectification(temporal: TemporalHandle, input: RectificationInput): Promise<CaseSnapshot | null> {
  return startWithReady(temporal, rectificationWorkflow, rectificationWorkflowId(input.caseId), input, readyUpdate);
}

/**
 * Starts a case's workflow with the state the service opened it in (`input.opened`, already
 * projected): a plain start, nothing waited for. Safe to repeat: a run under the case's ID, running
 * or finished, means it was started.
 */
export async function startOpenedRectification(temporal: TemporalHandle, input: RectificationInput): Promise<void> {
  try {
    await temporal.client.workflow.start(rectificationWorkflow, {
      workflowId: rectificationWorkflowId(input.caseId),
      taskQueue: temporal.taskQueue,
      args: [input],
      // A closed process never restarts under the same ID.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

export function startMentorship(temporal: TemporalHandle, input: MentorshipInput): Promise<MentorshipSnapshot | null> {
  return startWithReady(temporal, mentorshipWorkflow, mentorshipWorkflowId(input.mentorshipId), input, mentorshipReadyUpdate);
}

export function startReserve(temporal: TemporalHandle, input: ReserveInput): Promise<ReserveSnapshot | null> {
  return startWithReady(temporal, reserveWorkflow, reserveWorkflowId(input.candidateId), input, reserveReadyUpdate);
}

/** Starts a screening campaign's workflow and waits until its triggers are pre-filled and its sheets owed. */
export function startScreening(temporal: TemporalHandle, input: ScreeningInput): Promise<ScreeningSnapshot | null> {
  return startWithReady(temporal, screeningWorkflow, screeningWorkflowId(input.campaignId), input, screeningReadyUpdate);
}

export function executeScreeningCommand<Args extends [unknown, ...unknown[]]>(
  temporal: TemporalHandle,
  campaignId: string,
  update: UpdateDefinition<ScreeningSnapshot, Args>,
  args: Args,
  updateId?: string,
): Promise<ScreeningSnapshot> {
  return executeCommand(temporal, screeningWorkflowId(campaignId), update, args, updateId, '该排查研判');
}

/** Sends a command (an Update) to a case; `updateId` (the Idempotency-Key) makes a retry one change. */
export function executeCaseCommand<Args extends [unknown, ...unknown[]]>(
  temporal: TemporalHandle,
  caseId: string,
  update: UpdateDefinition<CaseSnapshot, Args>,
  args: Args,
  updateId?: string,
): Promise<CaseSnapshot> {
  return executeCommand(temporal, rectificationWorkflowId(caseId), update, args, updateId, '该案例');
}

export function executeMentorshipCommand<Args extends [unknown, ...unknown[]]>(
  temporal: TemporalHandle,
  mentorshipId: string,
  update: UpdateDefinition<MentorshipSnapshot, Args>,
  args: Args,
  updateId?: string,
): Promise<MentorshipSnapshot> {
  return executeCommand(temporal, mentorshipWorkflowId(mentorshipId), update, args, updateId, '该帮带');
}

export function executeReserveCommand<Args extends [unknown, ...unknown[]]>(
  temporal: TemporalHandle,
  candidateId: string,
  update: UpdateDefinition<ReserveSnapshot, Args>,
  args: Args,
  updateId?: string,
): Promise<ReserveSnapshot> {
  return executeCommand(temporal, reserveWorkflowId(candidateId), update, args, updateId, '该后备力量');
}

export async function queryCaseSnapshot(temporal: TemporalHandle, caseId: string): Promise<CaseSnapshot> {
  return temporal.client.workflow.getHandle(rectificationWorkflowId(caseId)).query(snapshotQuery);
}

/** Maps a rejected or failed Update to the error the API answers with. */
export function toDomainError(err: unknown, what = '该案例'): unknown {
  if (err instanceof WorkflowNotFoundError) return new ConflictError(`${what}的流程已结束，不能再执行此操作 (the workflow has ended)`);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const failure = err.cause;
    if (failure.type === FAILURE_VALIDATION) {
      const field = (failure.details?.[0] as { field?: string } | undefined)?.field;
      return new ValidationError(failure.message, field);
    }
    if (failure.type === FAILURE_INVALID_TRANSITION) return new ConflictError(failure.message);
    if (failure.type === FAILURE_FORBIDDEN) return new ForbiddenError(failure.message);
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause) return new ConflictError(err.cause.message);
  if (err instanceof NotFoundError) return err;
  return err;
}

/**
 * Starts the durable fan-out that re-times running cases after a calendar change; keyed by the
 * change (a calendar version, an override), so asking twice starts it once.
 */
export async function startCalendarChange(temporal: TemporalHandle, key: string, input: CalendarChangeInput): Promise<void> {
  try {
    await temporal.client.workflow.start(calendarChangeWorkflow, {
      workflowId: calendarChangeWorkflowId(key),
      taskQueue: temporal.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** Sending runs on a task queue of its own beside the processes' (a slow provider never holds up a deadline). */
export const deliveryTaskQueue = (taskQueue: string): string => `${taskQueue}-deliveries`;

/** Wakes the delivery dispatcher, starting it if it is not running. */
export async function wakeDeliveryDispatcher(temporal: TemporalHandle): Promise<void> {
  const taskQueue = deliveryTaskQueue(temporal.taskQueue);
  await temporal.client.workflow.signalWithStart(deliveryDispatcherWorkflow, {
    workflowId: deliveryDispatcherWorkflowId(taskQueue),
    taskQueue,
    signal: wakeDispatcherSignal,
    signalArgs: [],
  });
}

/**
 * A wake of the delivery dispatcher for a process that writes outbox rows (the worker's projections,
 * the API's designations): calls within `coalesceMs` are one signal, and a failed signal is only
 * logged (the worker's periodic nudge catches up). Answers the function to call after a commit.
 */
export function coalescedDispatcherWake(
  temporal: TemporalHandle,
  options: { coalesceMs?: number; logger?: { warn(obj: object, msg: string): void } } = {},
): { wake(): void; now(): Promise<void>; cancel(): void } {
  let pending: NodeJS.Timeout | null = null;
  const now = () =>
    wakeDeliveryDispatcher(temporal).catch((err: unknown) => options.logger?.warn({ err }, 'could not wake the delivery dispatcher (the next nudge will)'));
  return {
    wake() {
      pending ??= setTimeout(() => {
        pending = null;
        void now();
      }, options.coalesceMs ?? 200);
    },
    now,
    cancel() {
      if (pending) clearTimeout(pending);
      pending = null;
    },
  };
}

/** Wakes (or starts) the sender of one contact point or office channel. */
export async function wakeDeliverySender(temporal: TemporalHandle, targetId: string): Promise<void> {
  const taskQueue = deliveryTaskQueue(temporal.taskQueue);
  await temporal.client.workflow.signalWithStart(deliverySenderWorkflow, {
    workflowId: deliverySenderWorkflowId(targetId),
    taskQueue,
    args: [{ targetId }],
    signal: wakeSenderSignal,
    signalArgs: [],
  });
}
