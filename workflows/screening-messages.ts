/** Messages of the screening campaign workflow, defined once; the API imports these objects. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AmendArgs, ApproveArgs, DesignateArgs, JudgeArgs, ScreeningSnapshot, SubmitSheetArgs } from '../domain/contracts/screening.js';

export { recomputeDeadlinesSignal } from './deadline-messages.js';

/** Resolves once the campaign has pre-filled its hard triggers, opened every township's sheet and projected it. */
export const screeningReadyUpdate = defineUpdate<ScreeningSnapshot, []>('ready');
export const submitSheetUpdate = defineUpdate<ScreeningSnapshot, [SubmitSheetArgs]>('submitSheet');
export const judgeUpdate = defineUpdate<ScreeningSnapshot, [JudgeArgs]>('judge');
export const approveListUpdate = defineUpdate<ScreeningSnapshot, [ApproveArgs]>('approve');
export const amendListUpdate = defineUpdate<ScreeningSnapshot, [AmendArgs]>('amend');
export const designateListUpdate = defineUpdate<ScreeningSnapshot, [DesignateArgs]>('designate');

export const screeningSnapshotQuery = defineQuery<ScreeningSnapshot>('snapshot');
