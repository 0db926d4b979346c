/** Messages of the reserve workflow, defined once; the API imports these objects. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  AnnualReviewArgs,
  ClockDecisionArgs,
  ClockRequestArgs,
  ExitArgs,
  PeriodicReviewArgs,
  PlaceArgs,
  PublicizeArgs,
  ReserveSnapshot,
  ReviewResultArgs,
  StartTrainingArgs,
  TrainingRecordArgs,
  TransferArgs,
} from '../domain/contracts/reserve.js';

export { recomputeDeadlinesSignal } from './deadline-messages.js';

/** Resolves once the workflow has opened its first obligation and projected it. */
export const reserveReadyUpdate = defineUpdate<ReserveSnapshot, []>('ready');
export const qualifyReserveUpdate = defineUpdate<ReserveSnapshot, [ReviewResultArgs]>('qualify');
export const inspectReserveUpdate = defineUpdate<ReserveSnapshot, [ReviewResultArgs]>('inspect');
export const publicizeReserveUpdate = defineUpdate<ReserveSnapshot, [PublicizeArgs]>('publicize');
export const startTrainingUpdate = defineUpdate<ReserveSnapshot, [StartTrainingArgs]>('startTraining');
export const fileTrainingRecordUpdate = defineUpdate<ReserveSnapshot, [TrainingRecordArgs]>('fileTrainingRecord');
export const periodicReviewUpdate = defineUpdate<ReserveSnapshot, [PeriodicReviewArgs]>('periodicReview');
export const annualReviewUpdate = defineUpdate<ReserveSnapshot, [AnnualReviewArgs]>('annualReview');
export const placeReserveUpdate = defineUpdate<ReserveSnapshot, [PlaceArgs]>('place');
export const exitReserveUpdate = defineUpdate<ReserveSnapshot, [ExitArgs]>('exit');
export const transferReserveUpdate = defineUpdate<ReserveSnapshot, [TransferArgs]>('transfer');
export const requestReserveClockChangeUpdate = defineUpdate<ReserveSnapshot, [ClockRequestArgs]>('requestClockChange');
export const decideReserveClockChangeUpdate = defineUpdate<ReserveSnapshot, [ClockDecisionArgs]>('decideClockChange');

export const reserveSnapshotQuery = defineQuery<ReserveSnapshot>('snapshot');
