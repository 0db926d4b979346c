/**
 * What every long-running process workflow does the same way, around its deadline engine: commands
 * as validated Updates run one at a time under a lock, notifications keyed per event and recipient,
 * and the main loop (tick, continue-as-new when history grows, sleep until the next deadline or a
 * change). Workflow code: no I/O.
 */
import { ApplicationFailure, allHandlersFinished, condition, currentUpdateInfo, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { FAILURE_FORBIDDEN, FAILURE_INVALID_TRANSITION, FAILURE_VALIDATION } from './deadline-messages.js';
import type { Rag } from '../domain/escalation.js';
import type { Actor, EscalationSpec, Notice, NotificationSpec, ProcessEvent, Recipient } from '../domain/contracts/deadlines.js';
import { createExclusive } from './exclusive.js';

/** Plain-JSON copy (the workflow sandbox need not offer structuredClone). */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}

/** A field-level problem with a command (400 naming the field). */
export function invalid(field: string, message: string): never {
  throw ApplicationFailure.create({ type: FAILURE_VALIDATION, message, details: [{ field }], nonRetryable: true });
}

/** A command the process's current state refuses (409 with the reason), like a refused transition. */
export function conflict(message: string): never {
  throw ApplicationFailure.create({ type: FAILURE_INVALID_TRANSITION, message, nonRetryable: true });
}

/** The caller may not send this command here (403 with the reason). */
export function forbidden(message: string): never {
  throw ApplicationFailure.create({ type: FAILURE_FORBIDDEN, message, nonRetryable: true });
}

/**
 * Dedupe keys name the event (or the rung) and the recipient: a retried projection notifies once.
 * `eventKey` is e.g. "case:<id>:<seq>"; an escalation is keyed by its obligation and rung instead.
 */
export function keyNotifications(
  eventKey: string,
  escalation: Pick<EscalationSpec, 'obligationId' | 'rung'> | undefined,
  notices: Notice[],
): NotificationSpec[] {
  const prefix = escalation ? `esc:${escalation.obligationId}:${escalation.rung}` : eventKey;
  return uniqueBy(
    notices.map((n) => ({ ...n, dedupeKey: `${prefix}:${n.recipient.userId ?? `${n.recipient.role}@${n.recipient.divisionCode}`}` })),
    (n) => n.dedupeKey,
  );
}

/** The same notice to each recipient. */
export function notify(recipients: Recipient[], kind: string, title: string, body: string): Notice[] {
  return recipients.map((recipient) => ({ recipient, kind, title, body }));
}

/**
 * Patch: a process records its changes with a local activity, in the workflow task that made them.
 * A fired rung then costs one workflow task (timer, rung, projection, next timer) instead of two
 * and an activity task, which is what a month-end burst is made of; a command answers one task
 * sooner. The guarantee is the same: the projection retries without limit (past a minute the SDK
 * backs off with timers), is keyed by `seq`, and a worker lost mid-task has the task retried
 * elsewhere. Runs released before it replay their (remote) projection activities.
 */
export const LOCAL_PROJECTION_PATCH = 'local-projection';

/** The projection of this run: local since LOCAL_PROJECTION_PATCH, else the remote activity. Workflow context only. */
export function projectionOf<A, R>(remote: (change: A) => Promise<R>, local: (change: A) => Promise<R>): (change: A) => Promise<R> {
  return (change) => (patched(LOCAL_PROJECTION_PATCH) ? local(change) : remote(change));
}

/** What every process's change carries to its projection activity, plus its own parts (`Extra`). */
export type ProcessChange<S, Extra> = { snapshot: S; event: ProcessEvent; escalation?: EscalationSpec; notifications: NotificationSpec[] } & Partial<Extra>;

/**
 * A process's one way of recording a change: the next `seq`, the colour of its worst obligation,
 * and one projection activity call with the snapshot, the audit event (before/after summaries) and
 * the notifications keyed by `<eventKey>:<seq>`.
 */
export function createCommitter<S extends { seq: number; rag: Rag }, Extra extends object>(options: {
  state: S;
  /** e.g. `case:<id>`: names the event in notification dedupe keys. */
  eventKey: string;
  summary: () => Record<string, unknown>;
  rag: () => Rag;
  project: (change: ProcessChange<S, Extra>) => Promise<unknown>;
}) {
  const s = options.state;
  return async function commit(
    action: string,
    actor: Actor,
    before: Record<string, unknown>,
    extra: { details?: Record<string, unknown>; notifications?: Notice[]; escalation?: EscalationSpec } & Partial<Extra> = {},
  ): Promise<void> {
    const { details, notifications, escalation, ...own } = extra;
    s.seq += 1;
    s.rag = options.rag();
    await options.project({
      snapshot: clone(s),
      event: { seq: s.seq, action, actor, at: new Date(Date.now()).toISOString(), before, after: options.summary(), details: details ?? null },
      escalation,
      ...(own as Partial<Extra>),
      notifications: keyNotifications(`${options.eventKey}:${s.seq}`, escalation, notifications ?? []),
    });
  };
}

export const DEFAULT_HISTORY_LIMIT = 10_000;

/**
 * How many applied commands' Update IDs a run hands to the next one when it continues as new: a
 * client's retry comes seconds after its first try, not 100 commands later on the same record.
 */
export const CARRIED_UPDATE_IDS = 100;

export function createProcessKit<C extends string, S>(options: {
  /** The process state answered to every command. */
  state: () => S;
  /** null when the command is allowed in the current state, else why not. */
  check: (command: C) => string | null;
  /** The Update IDs of the last commands applied by earlier runs (the input's `recentUpdateIds`). */
  carriedUpdateIds?: readonly string[];
}) {
  const exclusive = createExclusive();
  let changed = false;
  // Temporal applies an Update ID once per run only: a client retrying a command (its Idempotency-
  // Key is the Update ID) after the run continued as new would apply it again. The IDs applied by
  // earlier runs come in the input; such a retry is accepted and answers the state, unapplied.
  // Replay-safe without a patch: older runs' inputs hold no IDs, and within a run Temporal never
  // hands a handler an ID it has already completed.
  const earlier = new Set(options.carriedUpdateIds ?? []);
  const recent: string[] = [...(options.carriedUpdateIds ?? [])];
  const appliedEarlier = (): boolean => {
    const id = currentUpdateInfo()?.id;
    return id !== undefined && earlier.has(id);
  };

  /** Validators reject before anything reaches history; handlers re-check under the lock. */
  function assertAllowed(command: C): void {
    const problem = options.check(command);
    if (problem) conflict(problem);
  }

  /** Runs a command under the lock, re-checking the transition, and answers the new state. */
  function command<A extends { actor: Actor }>(name: C, body: (args: A) => Promise<void>, validate?: (args: A) => void) {
    return {
      handler: (args: A): Promise<S> =>
        exclusive(async () => {
          if (appliedEarlier()) return clone(options.state());
          assertAllowed(name);
          validate?.(args);
          await body(args);
          changed = true;
          const id = currentUpdateInfo()?.id;
          if (id !== undefined) recent.push(id);
          if (recent.length > CARRIED_UPDATE_IDS) recent.splice(0, recent.length - CARRIED_UPDATE_IDS);
          return clone(options.state());
        }),
      validator: (args: A): void => {
        if (appliedEarlier()) return;
        assertAllowed(name);
        validate?.(args);
      },
    };
  }

  /**
   * The main loop: timer work under the lock, continue-as-new when Temporal suggests it (or past
   * `historyLimit` events), then sleep until the next deadline or until something changes.
   */
  async function run(loop: {
    isOpen: () => boolean;
    tick: () => Promise<void>;
    nextWake: () => number | null;
    /** Work waiting that must wake the loop (a recompute signal). */
    pending: () => boolean;
    historyLimit?: number;
    /** A fresh run is worth it now (checked only when no other continue-as-new is due). */
    freshRun?: () => boolean;
    continueAsNew: () => Promise<never>;
  }): Promise<void> {
    const historyLimit = loop.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    while (loop.isOpen()) {
      await exclusive(loop.tick);
      if (!loop.isOpen()) break;
      const info = workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength > historyLimit || loop.freshRun?.()) {
        await condition(allHandlersFinished);
        await loop.continueAsNew();
      }
      const wake = loop.nextWake();
      changed = false;
      const woken = () => changed || loop.pending() || !loop.isOpen();
      if (wake === null) await condition(woken);
      else await condition(woken, Math.max(wake - Date.now(), 1));
    }
    await condition(allHandlersFinished);
  }

  return {
    exclusive,
    assertAllowed,
    command,
    run,
    /** For the next run's input: the Update IDs of the last commands applied (this run's and carried ones). */
    recentUpdateIds: (): string[] => [...recent],
    /** Wakes the main loop (a signal arrived). */
    markChanged(): void {
      changed = true;
    },
  };
}

/**
 * Registers a command (from `kit.command`) as the handler of its Update, with its validator (so a
 * refused command never reaches history), optionally wrapped by a guard such as "filed by whoever
 * may file". One line per command instead of the same three arguments each time.
 */
export function handleUpdate<A extends unknown[], R>(
  update: UpdateDefinition<R, A>,
  command: { handler: (...args: A) => Promise<R>; validator: (...args: A) => void },
  guard?: (validator: (...args: A) => void) => (...args: A) => void,
): void {
  setHandler(update, command.handler, { validator: guard ? guard(command.validator) : command.validator });
}
