/**
 * Plain-JSON shapes every long-running process shares (rectification, mentorship, reserve): who
 * acted, what a change notifies, a fired rung, a suspended clock. Each process's own types file
 * re-exports what it uses.
 */
import type { EscalationRung, ExemptionCategory } from '../escalation.js';
import type { Role } from '../roles.js';

/** Who did it: a user, or the system (timers). */
export interface Actor {
  userId: string | null;
  label: string;
  role: Role | 'system';
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: 'system', role: 'system' };

/** An inbox recipient: one user, or an office (a role at a division). */
export interface Recipient {
  userId: string | null;
  role: Role;
  divisionCode: string;
}

export interface NotificationSpec {
  /** Unique per event and recipient. */
  dedupeKey: string;
  recipient: Recipient;
  kind: string;
  title: string;
  body: string;
}

/** A notification before its dedupe key is fixed (the commit names it after the event). */
export type Notice = Omit<NotificationSpec, 'dedupeKey'>;

/** One audited change of a process (its `seq` orders projections). */
export interface ProcessEvent {
  seq: number;
  action: string;
  actor: Actor;
  at: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  details: Record<string, unknown> | null;
}

export interface EscalationSpec {
  obligationId: string;
  rung: EscalationRung;
  scheduledAt: string;
  raisedAt: string;
  target: Recipient;
}

/** 暂停计时: while set, no rung fires; remaining time kept per obligation. */
export interface Suspension {
  since: string;
  reason: string;
  remaining: Record<string, { workingDays: number } | { ms: number }>;
}

export interface RecomputeArgs {
  reason: string;
}

/** 延期 (extension, asked before the due date) or 容错 (exemption, for an overdue obligation). */
export interface ClockRequest {
  id: string;
  kind: 'extension' | 'exemption';
  obligationId: string;
  reason: string;
  /** Extension: the civil date asked for. */
  newDueDate?: string;
  /** Exemption: the 容错 scenario. */
  category?: ExemptionCategory;
  requestedBy: Actor;
  requestedAt: string;
  status: 'pending' | 'approved' | 'refused';
  decidedBy?: Actor;
  decidedAt?: string;
  comment?: string;
}

export interface ClockRequestArgs {
  actor: Actor;
  kind: 'extension' | 'exemption';
  obligationId: string;
  reason: string;
  newDueDate?: string;
  category?: ExemptionCategory;
}
export interface ClockDecisionArgs {
  actor: Actor;
  requestId: string;
  approved: boolean;
  comment?: string;
}
