/** Messages of the rectification workflow, defined once; the API imports these objects. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  AcceptanceRequestArgs,
  AcceptanceReviewArgs,
  CancelArgs,
  CaseSnapshot,
  ClockDecisionArgs,
  ClockPauseArgs,
  ClockRequestArgs,
  InterruptArgs,
  PlanArgs,
  PolicyChangeArgs,
  RelapseArgs,
  ReportArgs,
  SponsorChangeArgs,
  SupportMemberArgs,
  SupportReportArgs,
  VisitArgs,
} from '../domain/contracts/rectification.js';

/** Resolves once the workflow has armed its first deadlines and projected them. */
export const readyUpdate = defineUpdate<CaseSnapshot, []>('ready');
export const submitPlanUpdate = defineUpdate<CaseSnapshot, [PlanArgs]>('submitPlan');
export const submitReportUpdate = defineUpdate<CaseSnapshot, [ReportArgs]>('submitReport');
export const requestAcceptanceUpdate = defineUpdate<CaseSnapshot, [AcceptanceRequestArgs]>('requestAcceptance');
export const reviewAcceptanceUpdate = defineUpdate<CaseSnapshot, [AcceptanceReviewArgs]>('reviewAcceptance');
export const changeSponsorUpdate = defineUpdate<CaseSnapshot, [SponsorChangeArgs]>('changeSponsor');
export const cancelUpdate = defineUpdate<CaseSnapshot, [CancelArgs]>('cancel');
export const relapseUpdate = defineUpdate<CaseSnapshot, [RelapseArgs]>('relapse');

export const requestClockChangeUpdate = defineUpdate<CaseSnapshot, [ClockRequestArgs]>('requestClockChange');
export const decideClockChangeUpdate = defineUpdate<CaseSnapshot, [ClockDecisionArgs]>('decideClockChange');
export const suspendClockUpdate = defineUpdate<CaseSnapshot, [ClockPauseArgs]>('suspendClock');
export const resumeClockUpdate = defineUpdate<CaseSnapshot, [ClockPauseArgs]>('resumeClock');
export const interruptClockUpdate = defineUpdate<CaseSnapshot, [InterruptArgs]>('interruptClock');
export const changePolicyUpdate = defineUpdate<CaseSnapshot, [PolicyChangeArgs]>('changePolicy');

// The support package (包保责任体系) and 回头看 visits.
export const changeSupportMemberUpdate = defineUpdate<CaseSnapshot, [SupportMemberArgs]>('changeSupportMember');
export const submitSupportReportUpdate = defineUpdate<CaseSnapshot, [SupportReportArgs]>('submitSupportReport');
export const recordVisitUpdate = defineUpdate<CaseSnapshot, [VisitArgs]>('recordVisit');

// Shared with the other processes (defined once in deadline-messages.ts).
export { FAILURE_INVALID_TRANSITION, FAILURE_VALIDATION, recomputeDeadlinesSignal } from './deadline-messages.js';

export const snapshotQuery = defineQuery<CaseSnapshot>('snapshot');
