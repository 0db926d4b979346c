/** Messages of the mentorship workflow, defined once; the API imports these objects. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  ApproveArgs,
  CheckInArgs,
  ClockDecisionArgs,
  ClockRequestArgs,
  MentorChangeArgs,
  MentorshipReviewArgs,
  MentorshipSnapshot,
  TerminateArgs,
} from '../domain/contracts/mentorship.js';

export { recomputeDeadlinesSignal } from './deadline-messages.js';

/** Resolves once the workflow has opened its first obligation and projected it. */
export const mentorshipReadyUpdate = defineUpdate<MentorshipSnapshot, []>('ready');
export const approveMentorshipUpdate = defineUpdate<MentorshipSnapshot, [ApproveArgs]>('approve');
export const changeMentorUpdate = defineUpdate<MentorshipSnapshot, [MentorChangeArgs]>('changeMentor');
export const logCheckInUpdate = defineUpdate<MentorshipSnapshot, [CheckInArgs]>('logCheckIn');
export const reviewMentorshipUpdate = defineUpdate<MentorshipSnapshot, [MentorshipReviewArgs]>('review');
export const terminateMentorshipUpdate = defineUpdate<MentorshipSnapshot, [TerminateArgs]>('terminate');
export const requestMentorshipClockChangeUpdate = defineUpdate<MentorshipSnapshot, [ClockRequestArgs]>('requestClockChange');
export const decideMentorshipClockChangeUpdate = defineUpdate<MentorshipSnapshot, [ClockDecisionArgs]>('decideClockChange');

export const mentorshipSnapshotQuery = defineQuery<MentorshipSnapshot>('snapshot');
