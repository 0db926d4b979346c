/**
 * Process D: the annual screening campaign (排查研判). The org dept opens it for its jurisdiction;
 * every township office screens each of its villages (a finding per criterion, a proposal) and
 * submits its township's sheet; the org dept judges (研判: confirm, add, remove, each with a reason);
 * the standing committee's approval (date, meeting, 文号) freezes the list (later changes are audited
 * amendments); designation turns the approved list into cases.
 */
import { DESIGNATION_REASONS, type DesignationReason } from './cases.js';

export const SCREENING_STATES = [
  'open', // opened; hard triggers being pre-filled, sheets not yet owed
  'screening', // 排查: township offices fill and submit their sheets
  'judging', // 研判: the org dept confirms, adds, removes
  'approved', // 常委会审定: the list is frozen
  'designated', // the approved list has become cases
] as const;
export type ScreeningState = (typeof SCREENING_STATES)[number];

export const SCREENING_STATE_LABELS: Record<ScreeningState, string> = {
  open: '已启动',
  screening: '排查中',
  judging: '研判中',
  approved: '已审定',
  designated: '已确定整顿对象',
};

/** A township's proposal for one village. */
export const SCREENING_PROPOSALS = ['list', 'do_not_list', 'watch'] as const;
export type ScreeningProposal = (typeof SCREENING_PROPOSALS)[number];
export const SCREENING_PROPOSAL_LABELS: Record<ScreeningProposal, string> = { list: '建议列入', do_not_list: '不列入', watch: '列为关注' };

/** 研判: what the org dept does with a village. */
export const JUDGMENT_DECISIONS = ['confirm', 'add', 'remove'] as const;
export type JudgmentDecision = (typeof JUDGMENT_DECISIONS)[number];

/** The criteria a campaign screens by: the designation reasons, incl. the local hard triggers. */
export const SCREENING_CRITERIA: readonly DesignationReason[] = DESIGNATION_REASONS;

/** Hard triggers Rectify finds in its own data and pre-fills (a township must answer each). */
export const HARD_TRIGGERS = [
  'secretary_vacant_3_months',
  'no_successor_2_years',
  'relapse_in_follow_up',
  'last_in_assessment',
  'satisfaction_below_60',
] as const;
export type HardTrigger = (typeof HARD_TRIGGERS)[number];

/** The criterion each hard trigger answers (a relapse lists the village as leadership-related; it is its own trigger). */
export const HARD_TRIGGER_LABELS: Record<HardTrigger, string> = {
  secretary_vacant_3_months: '村党组织书记空缺超过3个月',
  no_successor_2_years: '连续2年以上无后备力量在库',
  relapse_in_follow_up: '上一轮回头看中出现反弹',
  last_in_assessment: '年度考核排名末位',
  satisfaction_below_60: '群众满意度低于60%',
};

/** How a township answered a pre-filled trigger. */
export const TRIGGER_ANSWERS = ['confirmed', 'dismissed'] as const;
export type TriggerAnswer = (typeof TRIGGER_ANSWERS)[number];

/** Designation-rate band counties usually list in (domain.md: 5–10% a year); outside it is flagged. */
export const DESIGNATION_RATE_BAND = { low: 0.05, high: 0.1 } as const;

export function designationRateFlag(rate: number | null): 'low' | 'high' | null {
  if (rate === null) return null;
  if (rate < DESIGNATION_RATE_BAND.low) return 'low';
  if (rate > DESIGNATION_RATE_BAND.high) return 'high';
  return null;
}

export const SCREENING_COMMANDS = ['submitSheet', 'judge', 'approve', 'amend', 'designate'] as const;
export type ScreeningCommand = (typeof SCREENING_COMMANDS)[number];

const ALLOWED_FROM: Record<ScreeningCommand, readonly ScreeningState[]> = {
  submitSheet: ['screening'],
  judge: ['judging'],
  approve: ['judging'],
  amend: ['approved'],
  designate: ['approved'],
};

const REFUSAL: Record<ScreeningCommand, string> = {
  submitSheet: '排查已结束，不能再报送排查表 (screening has closed)',
  judge: '当前不在研判阶段 (the campaign is not in 研判)',
  approve: '当前不在研判阶段，不能审定 (the campaign is not in 研判)',
  amend: '名单尚未审定或已确定整顿对象，不能调整 (only an approved, not yet designated list can be amended)',
  designate: '名单尚未审定，不能确定整顿对象 (the list is not approved)',
};

/** null when the command is allowed in this state, else why not. */
export function checkScreeningCommand(command: ScreeningCommand, state: ScreeningState): string | null {
  return ALLOWED_FROM[command].includes(state) ? null : REFUSAL[command];
}

export function isOpenCampaign(state: ScreeningState): boolean {
  return state !== 'designated';
}

/** The proposed list after 研判: the townships' "list" proposals not removed, plus the villages added. */
export function proposedList(listed: readonly string[], decisions: ReadonlyArray<{ villageCode: string; decision: JudgmentDecision }>): string[] {
  const removed = new Set(decisions.filter((d) => d.decision === 'remove').map((d) => d.villageCode));
  const added = decisions.filter((d) => d.decision === 'add').map((d) => d.villageCode);
  return [...new Set([...listed.filter((v) => !removed.has(v)), ...added])].sort();
}

/** A ratio rounded to 4 places, null when nothing to divide by. */
export function rate(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;
}
