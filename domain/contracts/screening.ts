/** Plain-JSON shapes shared by the screening workflow, its activities and the API. */
import type { Obligation, Rag } from '../escalation.js';
import type { ScreeningPolicy } from '../policy.js';
import type { JudgmentDecision, ScreeningState } from '../screening.js';
import type { Actor, EscalationSpec, NotificationSpec, ProcessEvent } from './deadlines.js';

export type { Actor } from './deadlines.js';

/** A township's sheet as the workflow tracks it (the entries themselves live in Postgres). */
export interface SheetStatus {
  townshipCode: string;
  submittedAt: string | null;
  late: boolean;
}

export interface JudgmentDecisionSpec {
  villageCode: string;
  decision: JudgmentDecision;
  reason: string;
}

export interface ApprovalSpec {
  /** The meeting's civil date (YYYY-MM-DD). */
  date: string;
  /** e.g. 县委常委会第12次会议. */
  meeting: string;
  /** 文号, e.g. 惠党发〔2026〕3号. */
  documentNumber: string;
}

export interface AmendmentSpec {
  villageCode: string;
  change: 'add' | 'remove';
  reason: string;
  at: string;
  by: Actor;
}

export interface DesignationResult {
  villageCode: string;
  caseId: string;
}

export interface ScreeningSnapshot {
  campaignId: string;
  countyCode: string;
  year: number;
  approvingBody: string;
  state: ScreeningState;
  rag: Rag;
  seq: number;
  openedAt: string;
  sheets: SheetStatus[];
  screeningClosedAt: string | null;
  judgedAt: string | null;
  decisions: JudgmentDecisionSpec[];
  /** The list after 研判 (village codes), and after amendments once approved. */
  list: string[];
  approval: (ApprovalSpec & { recordedAt: string }) | null;
  amendments: AmendmentSpec[];
  designations: DesignationResult[];
  designatedAt: string | null;
  obligations: Obligation[];
  policy: ScreeningPolicy;
}

export interface ScreeningInput {
  version: 1;
  campaignId: string;
  countyCode: string;
  year: number;
  approvingBody: string;
  /** Every township of the jurisdiction owes a sheet. */
  townshipCodes: string[];
  openedAt: string;
  policy: ScreeningPolicy;
  carried?: ScreeningSnapshot;
  /** Update IDs of the last commands earlier runs applied (a retry with one of them is not applied again). */
  recentUpdateIds?: string[];
  historyLimit?: number;
}

/** One change of a campaign, projected to Postgres in a single idempotent transaction. */
export interface ScreeningChange {
  snapshot: ScreeningSnapshot;
  event: ProcessEvent;
  escalation?: EscalationSpec;
  notifications: NotificationSpec[];
}

// Command arguments (Update payloads).
export interface SubmitSheetArgs {
  actor: Actor;
  townshipCode: string;
}
export interface JudgeArgs {
  actor: Actor;
  decisions: JudgmentDecisionSpec[];
  /** The proposed list these decisions give (computed by the service from the townships' proposals). */
  list: string[];
}
export interface ApproveArgs extends ApprovalSpec {
  actor: Actor;
}
export interface AmendArgs {
  actor: Actor;
  villageCode: string;
  change: 'add' | 'remove';
  reason: string;
}
export interface DesignateArgs {
  actor: Actor;
  designations: DesignationResult[];
}
