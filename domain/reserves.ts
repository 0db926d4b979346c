/** Process C: a reserve candidate for village party secretary (后备力量), from nomination to placement. */
import { RESERVE_POOL_TARGET, YOUTH_AGE_LIMIT, round } from './stats.js';

export const RESERVE_STATES = [
  'nominated', // 已提名，待资格审查
  'qualification_review', // 资格审查通过，待组织考察
  'inspected', // 已考察，待公示
  'publicized', // 公示中（5个工作日）
  'in_pool', // 已入库
  'in_training', // 跟岗实训
  'annual_review', // 年度考评
  'placed', // 已使用（任村党组织书记或“两委”成员）
  'exited', // 已调出（资格审查、考察未通过，或动态调整出库）
  'transferred', // 已调往他村
] as const;
export type ReserveState = (typeof RESERVE_STATES)[number];

export const RESERVE_STATE_LABELS: Record<ReserveState, string> = {
  nominated: '已提名（待资格审查）',
  qualification_review: '资格审查通过（待考察）',
  inspected: '已考察（待公示）',
  publicized: '公示中',
  in_pool: '已入库',
  in_training: '跟岗实训',
  annual_review: '年度考评',
  placed: '已使用',
  exited: '已出库',
  transferred: '已调往他村',
};

export const TERMINAL_RESERVE_STATES: readonly ReserveState[] = ['placed', 'exited', 'transferred'];

export function isOpenReserve(state: ReserveState): boolean {
  return !TERMINAL_RESERVE_STATES.includes(state);
}

/** A reserve "in the pool" for coverage: entered it and not yet placed, exited or transferred. */
export const POOL_STATES: readonly ReserveState[] = ['in_pool', 'in_training', 'annual_review'];

export const RESERVE_COMMANDS = [
  'qualify',
  'inspect',
  'publicize',
  'startTraining',
  'fileTrainingRecord',
  'periodicReview',
  'annualReview',
  'place',
  'exit',
  'transfer',
  'requestClockChange',
  'decideClockChange',
] as const;
export type ReserveCommand = (typeof RESERVE_COMMANDS)[number];

const ALLOWED_FROM: Record<ReserveCommand, readonly ReserveState[]> = {
  qualify: ['nominated'],
  inspect: ['qualification_review'],
  publicize: ['inspected'],
  startTraining: ['in_pool'],
  fileTrainingRecord: ['in_training', 'annual_review'],
  periodicReview: ['in_pool', 'in_training', 'annual_review'],
  annualReview: ['annual_review'],
  place: POOL_STATES,
  exit: ['nominated', 'qualification_review', 'inspected', 'publicized', 'in_pool', 'in_training', 'annual_review'],
  transfer: POOL_STATES,
  requestClockChange: ['nominated', 'qualification_review', 'inspected', 'publicized', 'in_pool', 'in_training', 'annual_review'],
  decideClockChange: ['nominated', 'qualification_review', 'inspected', 'publicized', 'in_pool', 'in_training', 'annual_review'],
};

const COMMAND_LABELS: Record<ReserveCommand, string> = {
  qualify: '资格审查',
  inspect: '组织考察',
  publicize: '公示',
  startTraining: '安排跟岗实训',
  fileTrainingRecord: '登记书面报告或谈心谈话',
  periodicReview: '动态调整',
  annualReview: '年度考评',
  place: '使用（任职）',
  exit: '调出后备库',
  transfer: '调往他村',
  requestClockChange: '申请延期或容错',
  decideClockChange: '审批延期或容错',
};

export function checkReserveCommand(command: ReserveCommand, state: ReserveState): string | null {
  if (ALLOWED_FROM[command].includes(state)) return null;
  const allowed = ALLOWED_FROM[command].map((s) => RESERVE_STATE_LABELS[s]).join('、');
  return `当前状态“${RESERVE_STATE_LABELS[state]}”不能${COMMAND_LABELS[command]}（仅限：${allowed}）. Command ${command} is not allowed in state ${state}.`;
}

/** Posts a reserve is placed in. A new secretary gets a 1+1 mentorship proposed automatically. */
export const PLACEMENT_POSTS = ['secretary', 'committee_member'] as const;
export type PlacementPost = (typeof PLACEMENT_POSTS)[number];
export const PLACEMENT_POST_LABELS: Record<PlacementPost, string> = {
  secretary: '村党组织书记',
  committee_member: '村“两委”成员',
};

export const TRAINING_RECORD_KINDS = ['written_report', 'talk'] as const;
export type TrainingRecordKind = (typeof TRAINING_RECORD_KINDS)[number];

export const PERIODIC_REVIEW_OUTCOMES = ['keep', 'remove'] as const;
export type PeriodicReviewOutcome = (typeof PERIODIC_REVIEW_OUTCOMES)[number];
export const ANNUAL_REVIEW_OUTCOMES = ['continue', 'exit'] as const;
export type AnnualReviewOutcome = (typeof ANNUAL_REVIEW_OUTCOMES)[number];

/** Age in whole years on a civil date (YYYY-MM-DD). */
export function ageOn(birthDate: string, onDate: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = onDate.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

export interface ReserveWarning {
  code: 'age_over_35';
  message: string;
}

/** ≤35 preferred: an older nominee is accepted with a warning (never refused). */
export function warningsForAge(ageAtNomination: number | null): ReserveWarning[] {
  return ageAtNomination !== null && ageAtNomination > YOUTH_AGE_LIMIT
    ? [{ code: 'age_over_35', message: `提名时年龄${ageAtNomination}岁，超过${YOUTH_AGE_LIMIT}岁（原则上不超过${YOUTH_AGE_LIMIT}岁；仅提示，不影响提名）` }]
    : [];
}

/** A village is covered with at least RESERVE_POOL_TARGET (2) reserves in its pool. */
export function isCovered(inPool: number): boolean {
  return inPool >= RESERVE_POOL_TARGET;
}

/** reserveCoverage = villages with ≥2 in pool / villages (null for no villages). */
export function reserveCoverage(covered: number, villages: number): number | null {
  return villages === 0 ? null : round(covered / villages);
}
