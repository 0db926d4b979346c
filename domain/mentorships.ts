/** Process B: 1+1 mentoring (帮带): one township leadership member mentors one new village cadre (S1). */
import { round } from './stats.js';

export const MENTORSHIP_STATES = [
  'proposed', // 乡镇提出结对，待组织部审核（或待明确导师）
  'active', // 帮带中
  'mid_review', // 中期评估（6个月）
  'final_review', // 期满考核（12个月）
  'extended', // 延长帮带（+6个月）
  'mentor_vacant', // 导师调离，待明确新导师
  'completed', // 期满结业
  'terminated', // 终止（被帮带人调整出班子等）
] as const;
export type MentorshipState = (typeof MENTORSHIP_STATES)[number];

export const MENTORSHIP_STATE_LABELS: Record<MentorshipState, string> = {
  proposed: '待审核',
  active: '帮带中',
  mid_review: '中期评估',
  final_review: '期满考核',
  extended: '延长帮带',
  mentor_vacant: '导师空缺',
  completed: '已结业',
  terminated: '已终止',
};

export const TERMINAL_MENTORSHIP_STATES: readonly MentorshipState[] = ['completed', 'terminated'];

export function isOpenMentorship(state: MentorshipState): boolean {
  return !TERMINAL_MENTORSHIP_STATES.includes(state);
}

/** States in which the pair works together: check-ins are owed and may be logged. */
export const PAIRED_STATES: readonly MentorshipState[] = ['active', 'mid_review', 'final_review', 'extended'];

/** "new village cadres with an active mentor": a named mentor in one of the paired states. */
export const MENTORED_STATES = PAIRED_STATES;

export const MENTORSHIP_COMMANDS = ['approve', 'changeMentor', 'logCheckIn', 'review', 'terminate', 'requestClockChange', 'decideClockChange'] as const;
export type MentorshipCommand = (typeof MENTORSHIP_COMMANDS)[number];

const ALLOWED_FROM: Record<MentorshipCommand, readonly MentorshipState[]> = {
  approve: ['proposed'],
  changeMentor: ['proposed', 'active', 'mid_review', 'final_review', 'extended', 'mentor_vacant'],
  logCheckIn: PAIRED_STATES,
  review: ['mid_review', 'final_review'],
  terminate: ['proposed', 'active', 'mid_review', 'final_review', 'extended', 'mentor_vacant'],
  requestClockChange: ['proposed', 'active', 'mid_review', 'final_review', 'extended', 'mentor_vacant'],
  decideClockChange: ['proposed', 'active', 'mid_review', 'final_review', 'extended', 'mentor_vacant'],
};

const COMMAND_LABELS: Record<MentorshipCommand, string> = {
  approve: '审核结对',
  changeMentor: '调整帮带导师',
  logCheckIn: '填写帮带记录',
  review: '评估考核',
  terminate: '终止帮带',
  requestClockChange: '申请延期或容错',
  decideClockChange: '审批延期或容错',
};

export function checkMentorshipCommand(command: MentorshipCommand, state: MentorshipState): string | null {
  if (ALLOWED_FROM[command].includes(state)) return null;
  const allowed = ALLOWED_FROM[command].map((s) => MENTORSHIP_STATE_LABELS[s]).join('、');
  return `当前状态“${MENTORSHIP_STATE_LABELS[state]}”不能${COMMAND_LABELS[command]}（仅限：${allowed}）. Command ${command} is not allowed in state ${state}.`;
}

/** Outcomes of a review: the mid review continues or ends it; the final one completes, extends or ends it. */
export const MENTORSHIP_REVIEW_OUTCOMES = ['continue', 'complete', 'extend', 'terminate'] as const;
export type MentorshipReviewOutcome = (typeof MENTORSHIP_REVIEW_OUTCOMES)[number];

export const OUTCOMES_BY_STATE: Partial<Record<MentorshipState, readonly MentorshipReviewOutcome[]>> = {
  mid_review: ['continue', 'terminate'],
  final_review: ['complete', 'extend', 'terminate'],
};

/** One extension (+6 months) per mentorship; a second final review completes or ends it. */
export const MAX_MENTORSHIP_EXTENSIONS = 1;

/** mentoringCoverage = new cadres with an active mentor / new cadres (null when there are none). */
export function mentoringCoverage(mentored: number, newCadres: number): number | null {
  return newCadres === 0 ? null : round(mentored / newCadres);
}
