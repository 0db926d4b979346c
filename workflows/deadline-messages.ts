/**
 * Messages every deadline-carrying workflow understands, defined once: the calendar-change fan-out
 * signals rectification, mentorship and reserve workflows alike. Also the ApplicationFailure types
 * the API maps to HTTP statuses.
 */
import { defineSignal } from '@temporalio/workflow';
import type { RecomputeArgs } from '../domain/contracts/deadlines.js';

/** The calendar changed (a year's notice loaded, a local override): re-time open deadlines. */
export const recomputeDeadlinesSignal = defineSignal<[RecomputeArgs]>('recomputeDeadlines');

/** An invalid transition: answered as 409. */
export const FAILURE_INVALID_TRANSITION = 'InvalidTransition';
/** A field-level problem with a command's arguments: answered as 400 naming the field. */
export const FAILURE_VALIDATION = 'ValidationFailed';
/** The caller may not send this command to this process as it stands (who files a case): 403. */
export const FAILURE_FORBIDDEN = 'Forbidden';
