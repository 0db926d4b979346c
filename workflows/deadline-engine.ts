/**
 * The deadline engine every long-running process shares (rectification, 1+1 mentoring, reserves):
 * opening obligations from a DueBasis (`scheduleDeadline`) or a recurring period
 * (`scheduleReportPeriod`), firing due rungs once each, the next wake-up, re-timing (recompute,
 * extension, interruption, policy move) with fired rungs kept as history, suspension (remaining time
 * measured, no rung fires), the RAG of the worst live obligation, and the recompute signal.
 *
 * Workflow code: the arithmetic runs in activities (recorded in history; local activities since
 * `LOCAL_DATE_ARITHMETIC_PATCH`); this module only decides when to ask and what to keep. A process
 * supplies a host: its state (the obligations array lives in its snapshot), how to name
 * obligations, its clock (ladder, zone, office hour, the division whose calendar counts), who hears
 * of each responsible party, and how it records a change.
 *
 * Extracted from the released rectification workflow without changing the activities it schedules
 * or their order: the committed histories in tests/replay still replay.
 */
import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import {
  RUNG_LABELS,
  caseRag,
  describeDue,
  dueRungs,
  isLive,
  nextRungAt,
  obligationLabel,
  rearmRungs,
  type DueBasis,
  type Obligation,
  type ObligationKind,
  type ObligationStatus,
  type Rag,
  type ResponsibleParty,
  type ScheduledRung,
} from '../domain/escalation.js';
import type { LadderStep } from '../domain/policy.js';
import type { EscalationSpec, Notice, Recipient, Suspension } from '../domain/contracts/deadlines.js';

/**
 * Activity options of every process workflow: projections must land eventually, so retry without
 * limit. Each attempt is one short transaction, so a 10 s timeout only cuts off an attempt lost
 * with a crashed worker; retries at most 5 s apart keep an escalation at most seconds late once
 * Postgres or the worker is back. (Timeouts and retry policy are not part of replay checks.)
 */
export const PROCESS_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds' },
} as const;

export type DateActivities = Pick<ReturnType<typeof createActivities>, 'scheduleDeadline' | 'scheduleReportPeriod' | 'computeInstant' | 'measureRemaining'>;

/**
 * Patch: the date arithmetic (pure, given the calendar it reads) runs as local activities, in the
 * worker, without a server round trip per deadline: a designation needs one activity task instead
 * of three. Runs released before it replay their (remote) activities.
 */
export const LOCAL_DATE_ARITHMETIC_PATCH = 'local-date-arithmetic';

const remoteDates = proxyActivities<DateActivities>(PROCESS_ACTIVITY_OPTIONS);
const localDates = proxyLocalActivities<DateActivities>(PROCESS_ACTIVITY_OPTIONS);

/**
 * Patch: 暂定 belongs to a date. Rungs scheduled before it carry no flag of their own and their
 * obligation's flag was the OR of its due date and every rung (so a notice called a certain due date
 * 暂定 because a later rung reached an unpublished year). A run that still holds such rungs gives
 * each the obligation's old flag (an upper bound) and re-times its live obligations from their
 * basis once, which sets every flag per date; runs released before it replay without doing so.
 */
export const PER_DATE_PROVISIONAL_PATCH = 'per-date-provisional';

/** The date activities of this run (see LOCAL_DATE_ARITHMETIC_PATCH). Workflow context only. */
export function dateActivities(): DateActivities {
  return patched(LOCAL_DATE_ARITHMETIC_PATCH) ? localDates : remoteDates;
}

/** How a process's days are counted and its ladder climbed. */
export interface ClockSettings {
  ladder: LadderStep[];
  timeZone: string;
  officeHour?: string;
  /** The division whose calendar (national + local overrides) counts working days. */
  divisionCode: string;
}

/** A recurring period's schedule (the shape `scheduleReportPeriod` takes). */
export interface PeriodSchedule {
  timeZone: string;
  officeHour?: string;
  reportPeriod: 'calendar' | string;
  reportDue: string;
  ladder: LadderStep[];
}

export type ScheduledPeriod = Awaited<ReturnType<DateActivities['scheduleReportPeriod']>>;

export interface RungChange {
  details: Record<string, unknown>;
  escalation: EscalationSpec;
  notifications: Notice[];
}

export interface DeadlineHost {
  /** The process state: its obligations (and its suspension, for processes whose clock can stop). */
  readonly state: { obligations: Obligation[]; suspension?: Suspension | null };
  obligationId(kind: ObligationKind, key: string): string;
  clock(): ClockSettings;
  /**
   * Who hears of an obligation of this party (reminders), or of the office rungs; `obligation` is the
   * one concerned (a campaign's sheets are owed by a different township each).
   */
  recipientsFor(party: ResponsibleParty, obligation?: Obligation): Recipient[];
  /**
   * Optional: who an office rung of this obligation goes to, when not the office itself (null: the
   * usual routing). The township rung of a step the township office owes goes above it.
   */
  escalationRecipients?(obligation: Obligation, rung: ScheduledRung): Promise<Recipient[] | null>;
  /** The process summary recorded as `before` in the audit trail. */
  summary(): Record<string, unknown>;
  /** Records a fired rung as one change of the process (action `escalation_raised`). */
  commitRung(before: Record<string, unknown>, change: RungChange): Promise<void>;
  /**
   * The date functions themselves, outside a workflow (a service opening a case with the functions of
   * activities/deadlines.ts); in a workflow, absent: its (local) activities, recorded in history.
   */
  dates?: DateActivities;
}

export type DeadlineEngine = ReturnType<typeof createDeadlineEngine>;

/** The rungs a re-timing moved or re-flagged, each with old and new instant and 暂定 flag (fired rungs never change). */
function rungChanges(before: readonly ScheduledRung[], after: readonly ScheduledRung[]): Array<Record<string, unknown>> {
  const changes: Array<Record<string, unknown>> = [];
  for (const next of after) {
    const prev = before.find((r) => r.rung === next.rung);
    if (prev && prev.at === next.at && (prev.provisional ?? false) === (next.provisional ?? false)) continue;
    changes.push({
      rung: next.rung,
      atBefore: prev?.at ?? null,
      atAfter: next.at,
      provisionalBefore: prev?.provisional ?? null,
      provisionalAfter: next.provisional ?? false,
    });
  }
  return changes;
}

export function createDeadlineEngine(host: DeadlineHost) {
  let pendingRecompute: string | null = null;
  const now = (): string => new Date(Date.now()).toISOString();
  const obligations = (): Obligation[] => host.state.obligations;
  const dates = (): DateActivities => host.dates ?? dateActivities();

  /** Opens an obligation due `after` from `from` (its rungs per the ladder) and adds it to the state. */
  async function open(kind: ObligationKind, key: string, responsible: ResponsibleParty, from: string, after: string): Promise<Obligation> {
    const basis: DueBasis = { from, after };
    const { dueAt, dueDate, provisional, rungs } = await dates().scheduleDeadline({ basis, ...host.clock() });
    const obligation: Obligation = { id: host.obligationId(kind, key), kind, key, responsible, dueAt, dueDate, provisional, basis, rungs, status: 'open' };
    obligations().push(obligation);
    return obligation;
  }

  /** When something `after` from `from` falls due on the process's calendar (a period, no rungs: publicity). */
  async function dueInstant(from: string, after: string): Promise<string> {
    const { dueAt } = await dates().scheduleDeadline({ basis: { from, after }, ...host.clock(), ladder: [] });
    return dueAt;
  }

  /** The index-th period of a recurring obligation (counted from `anchor`), with its due and rungs. */
  async function schedulePeriod(schedule: PeriodSchedule, anchor: string, index: number): Promise<ScheduledPeriod> {
    return dates().scheduleReportPeriod({ policy: schedule, anchor, index, divisionCode: host.clock().divisionCode });
  }

  /** Adds the obligation a scheduled period owes (the caller decides whether it is owed). */
  function addPeriodObligation(kind: ObligationKind, key: string, responsible: ResponsibleParty, p: ScheduledPeriod): Obligation {
    const obligation: Obligation = {
      id: host.obligationId(kind, key),
      kind,
      key,
      responsible,
      dueAt: p.dueAt,
      dueDate: p.dueDate,
      provisional: p.provisional,
      basis: p.basis,
      rungs: p.rungs,
      status: 'open',
    };
    obligations().push(obligation);
    return obligation;
  }

  function close(obligation: Obligation | undefined, status: Exclude<ObligationStatus, 'open'>): void {
    if (!obligation || obligation.status !== 'open') return;
    obligation.status = status;
    obligation.closedAt = now();
  }

  function openOf(kind: ObligationKind): Obligation[] {
    return obligations().filter((o) => o.kind === kind && o.status === 'open');
  }

  function find(kind: ObligationKind, key: string): Obligation | undefined {
    return obligations().find((o) => o.kind === kind && o.key === key);
  }

  function cancelAllOpen(): void {
    for (const o of obligations()) close(o, 'cancelled');
  }

  /** True when the obligation was met after its due instant. */
  function isLate(obligation: Obligation | undefined): boolean {
    return obligation ? Date.now() > Date.parse(obligation.dueAt) : false;
  }

  /** Fires one rung: the reminder to whoever answers for it, the office rungs to the offices. */
  async function fireRung(obligation: Obligation, rung: ScheduledRung): Promise<void> {
    const before = host.summary();
    const raisedAt = now();
    rung.firedAt = raisedAt;
    const routed = rung.rung === 'reminder' ? null : ((await host.escalationRecipients?.(obligation, rung)) ?? null);
    const recipients =
      routed && routed.length > 0
        ? routed
        : rung.rung === 'reminder'
          ? host.recipientsFor(obligation.responsible, obligation)
          : rung.rung === 'township_office'
            ? host.recipientsFor('township_office', obligation)
            : host.recipientsFor('org_dept', obligation);
    const primary = recipients[0]!;
    const what = obligationLabel(obligation);
    const title = `${RUNG_LABELS[rung.rung]}：${what}`;
    const due = describeDue(obligation, host.clock().timeZone);
    const body = rung.rung === 'reminder' ? `${what}将于${due}到期，请按时完成。` : `${what}已于${due}到期仍未完成，现予${RUNG_LABELS[rung.rung]}。`;
    await host.commitRung(before, {
      details: { obligationId: obligation.id, rung: rung.rung, scheduledAt: rung.at },
      escalation: { obligationId: obligation.id, rung: rung.rung, scheduledAt: rung.at, raisedAt, target: primary },
      notifications: recipients.map((recipient) => ({ recipient, kind: `escalation.${rung.rung}`, title, body })),
    });
  }

  /**
   * Timer work common to every process: a pending recompute first (unless the clock is suspended:
   * it is re-timed when it resumes), then every due rung once. Returns false while suspended, so
   * the process opens no period either.
   */
  async function tick(onRecompute: (reason: string) => Promise<void>): Promise<boolean> {
    if (obligations().some((o) => o.rungs.some((r) => r.provisional === undefined)) && patched(PER_DATE_PROVISIONAL_PATCH)) {
      for (const o of obligations()) for (const r of o.rungs) r.provisional ??= o.provisional ?? false;
      // Suspended: re-timed when it resumes, like any recompute.
      if (!host.state.suspension) await onRecompute('暂定标注按日期重算 (provisional flags per date)');
    }
    if (pendingRecompute !== null) {
      const reason = pendingRecompute;
      pendingRecompute = null;
      if (!host.state.suspension) await onRecompute(reason);
    }
    if (host.state.suspension) return false;
    for (const { obligation, rung } of dueRungs(obligations(), Date.now())) {
      if (obligation.status === 'open' && !rung.firedAt) await fireRung(obligation, rung);
    }
    return true;
  }

  /**
   * When to wake next: the earliest unfired rung and the process's own `running` timers, which stop
   * with the clock, and its `always` timers, which do not (the end of a follow-up year).
   */
  function nextWake(running: readonly number[], always: readonly number[] = []): number | null {
    if (host.state.suspension) return always.length ? Math.min(...always) : null;
    const candidates: number[] = [];
    const rung = nextRungAt(obligations());
    if (rung !== null) candidates.push(rung);
    candidates.push(...running, ...always);
    return candidates.length ? Math.min(...candidates) : null;
  }

  /**
   * Re-times live obligations from the basis `pick` gives; fired rungs stay (history), unfired ones
   * take their new instants. Answers what moved, for the process to record.
   */
  async function retime(pick: (o: Obligation) => DueBasis | undefined, only?: (o: Obligation) => boolean): Promise<Array<Record<string, unknown>>> {
    const changes: Array<Record<string, unknown>> = [];
    for (const o of obligations()) {
      if (!isLive(o) || (only && !only(o))) continue;
      const basis = pick(o);
      if (!basis) continue;
      const next = await dates().scheduleDeadline({ basis, ...host.clock() });
      const rungs = rearmRungs(o.rungs, next.rungs);
      const moved = next.dueAt !== o.dueAt || (o.provisional ?? false) !== next.provisional || JSON.stringify(rungs) !== JSON.stringify(o.rungs);
      if (moved) {
        changes.push({
          obligationId: o.id,
          dueBefore: o.dueAt,
          dueAfter: next.dueAt,
          provisionalBefore: o.provisional ?? false,
          provisionalAfter: next.provisional,
          rungs: rungChanges(o.rungs, rungs),
        });
      }
      Object.assign(o, { basis, dueAt: next.dueAt, dueDate: next.dueDate, provisional: next.provisional, rungs });
    }
    return changes;
  }

  /** Moves one obligation to a fixed civil date (an approved extension); fired rungs stay. */
  async function moveToDate(o: Obligation, fixedDate: string): Promise<{ obligationId: string; dueBefore: string; dueAfter: string }> {
    const basis: DueBasis = { fixedDate };
    const next = await dates().scheduleDeadline({ basis, ...host.clock() });
    const change = { obligationId: o.id, dueBefore: o.dueAt, dueAfter: next.dueAt };
    Object.assign(o, { basis, dueAt: next.dueAt, dueDate: next.dueDate, provisional: next.provisional, rungs: rearmRungs(o.rungs, next.rungs) });
    return change;
  }

  /** What is left on each live obligation's clock at `since` (for a suspension). */
  async function measureAll(since: string): Promise<Suspension['remaining']> {
    const remaining: Suspension['remaining'] = {};
    const { timeZone, divisionCode } = host.clock();
    for (const o of obligations().filter(isLive)) {
      remaining[o.id] = await dates().measureRemaining({ dueAt: o.dueAt, dueDate: o.dueDate ?? null, now: since, timeZone, divisionCode });
    }
    return remaining;
  }

  /** The basis that gives each suspended obligation its remaining time again, counted from `at`. */
  function resumeBasis(suspension: Suspension, at: string): (o: Obligation) => DueBasis | undefined {
    return (o) => {
      const left = suspension.remaining[o.id];
      if (!left) return undefined;
      return 'workingDays' in left ? { from: at, after: `${left.workingDays}WD` } : { from: at, after: `PT${Math.max(1, Math.round(left.ms / 1000))}S` };
    };
  }

  return {
    open,
    dueInstant,
    schedulePeriod,
    addPeriodObligation,
    close,
    openOf,
    find,
    cancelAllOpen,
    isLate,
    fireRung,
    tick,
    nextWake,
    retime,
    moveToDate,
    measureAll,
    resumeBasis,
    /** The colour of the process: its worst live obligation. */
    rag: (): Rag => caseRag(obligations()),
    /** The recompute signal: remembered, done by the next tick. */
    requestRecompute(reason: string): void {
      pendingRecompute = reason;
    },
    get recomputePending(): boolean {
      return pendingRecompute !== null;
    },
  };
}
