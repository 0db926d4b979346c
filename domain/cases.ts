/** Process A: a weak/lax village party organization under rectification (软弱涣散党组织整顿). */

export const CASE_STATES = [
  'designated', // 研判确定: listed, plan not yet filed
  'planning', // 整顿方案 being prepared (kept for parity with the process; plan submission moves on)
  'rectifying', // 整顿中
  'acceptance_pending', // 验收申请已提交
  'delisted', // 销号 (an instant: follow-up starts at once)
  'follow_up', // 回头看, 12 months
  'closed',
  'relapsed', // 反弹: a new case carries on
  'cancelled', // 撤并 or designated in error
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const CASE_STATE_LABELS: Record<CaseState, string> = {
  designated: '已确定',
  planning: '制定方案',
  rectifying: '整顿中',
  acceptance_pending: '待验收',
  delisted: '已销号',
  follow_up: '回头看',
  closed: '已结案',
  relapsed: '已反弹',
  cancelled: '已撤销',
};

export const TERMINAL_CASE_STATES: readonly CaseState[] = ['closed', 'relapsed', 'cancelled'];

/** States in which a case can still be cancelled (any open state). */
export function isOpenState(state: CaseState): boolean {
  return !TERMINAL_CASE_STATES.includes(state);
}

/** 常用软弱涣散情形 (designation reasons); a case has one or more. */
export const DESIGNATION_REASONS = [
  'leadership_incomplete', // 班子不健全、长期瘫痪，书记长期空缺
  'secretary_unfit', // 书记不胜任现职
  'team_infighting', // 班子不团结、内耗严重
  'rules_not_kept', // 组织生活不正常、制度不落实
  'affairs_disorder', // 村务财务管理混乱
  'external_interference', // 宗族宗教黑恶势力干扰
  'disorder_hotspot', // 矛盾纠纷集中、信访突出
  'poor_service', // 服务意识差、群众意见大
  'secretary_vacant_3_months', // 书记空缺超过3个月
  'no_successor_2_years', // 连续2年以上未发展党员
  'last_in_assessment', // 年度考核排名末位
  'satisfaction_below_60', // 群众满意度低于60%
] as const;
export type DesignationReason = (typeof DESIGNATION_REASONS)[number];

export const DESIGNATION_REASON_LABELS: Record<DesignationReason, string> = {
  leadership_incomplete: '班子不健全、长期瘫痪或书记长期空缺',
  secretary_unfit: '书记不胜任现职',
  team_infighting: '班子不团结、内耗严重',
  rules_not_kept: '组织生活不正常、制度不落实',
  affairs_disorder: '村务财务管理混乱',
  external_interference: '宗族宗教或黑恶势力干扰',
  disorder_hotspot: '矛盾纠纷集中、信访突出',
  poor_service: '服务意识差、群众意见大',
  secretary_vacant_3_months: '书记空缺超过3个月',
  no_successor_2_years: '连续2年以上无党员发展',
  last_in_assessment: '年度考核排名末位',
  satisfaction_below_60: '群众满意度低于60%',
};

/** The commands a case accepts, each an Update on its workflow. */
export const CASE_COMMANDS = [
  'submitPlan',
  'submitReport',
  'requestAcceptance',
  'reviewAcceptance',
  'changeSponsor',
  'cancel',
  'relapse',
  'requestClockChange',
  'decideClockChange',
  'suspendClock',
  'resumeClock',
  'interruptClock',
  'changePolicy',
  'changeSupportMember',
  'submitSupportReport',
  'recordVisit',
] as const;
export type CaseCommand = (typeof CASE_COMMANDS)[number];

/** Where each command may be issued from. */
const ALLOWED_FROM: Record<CaseCommand, readonly CaseState[]> = {
  submitPlan: ['designated', 'planning'],
  submitReport: ['rectifying', 'acceptance_pending'],
  requestAcceptance: ['rectifying'],
  reviewAcceptance: ['acceptance_pending'],
  changeSponsor: ['designated', 'planning', 'rectifying', 'acceptance_pending', 'follow_up'],
  cancel: ['designated', 'planning', 'rectifying', 'acceptance_pending', 'delisted', 'follow_up'],
  relapse: ['follow_up'],
  requestClockChange: ['planning', 'rectifying', 'acceptance_pending'],
  decideClockChange: ['planning', 'rectifying', 'acceptance_pending'],
  suspendClock: ['planning', 'rectifying', 'acceptance_pending'],
  resumeClock: ['planning', 'rectifying', 'acceptance_pending'],
  interruptClock: ['planning', 'rectifying', 'acceptance_pending'],
  changePolicy: ['designated', 'planning', 'rectifying', 'acceptance_pending', 'follow_up'],
  changeSupportMember: ['designated', 'planning', 'rectifying', 'acceptance_pending', 'follow_up'],
  submitSupportReport: ['planning', 'rectifying', 'acceptance_pending'],
  recordVisit: ['follow_up'],
};

const COMMAND_LABELS: Record<CaseCommand, string> = {
  submitPlan: '提交整顿方案',
  submitReport: '提交月度进展报告',
  requestAcceptance: '申请验收',
  reviewAcceptance: '验收评定',
  changeSponsor: '调整包保领导',
  cancel: '撤销',
  relapse: '认定反弹',
  requestClockChange: '申请延期或容错',
  decideClockChange: '审批延期或容错',
  suspendClock: '暂停计时',
  resumeClock: '恢复计时',
  interruptClock: '重新计时',
  changePolicy: '调整期限策略',
  changeSupportMember: '调整包保责任人',
  submitSupportReport: '提交结对帮扶措施报告',
  recordVisit: '记录回头看走访',
};

/** Returns null when allowed, or a message (Chinese, with the English gist) saying why not. */
export function checkCommand(command: CaseCommand, state: CaseState): string | null {
  if (ALLOWED_FROM[command].includes(state)) return null;
  const allowed = ALLOWED_FROM[command].map((s) => CASE_STATE_LABELS[s]).join('、');
  return `当前状态“${CASE_STATE_LABELS[state]}”不能${COMMAND_LABELS[command]}（仅限：${allowed}）. Command ${command} is not allowed in state ${state}.`;
}

/** 验收: ≥70/100 passes; at least 15 representatives vote; more than half dissatisfied fails outright. */
export const ACCEPTANCE_PASS_SCORE = 70;
export const ACCEPTANCE_MIN_REPRESENTATIVES = 15;

export interface AcceptanceInput {
  score: number;
  representativesTotal: number;
  representativesDissatisfied: number;
}
export type AcceptanceOutcome = { passed: true } | { passed: false; reason: 'score_below_pass' | 'majority_dissatisfied' };

export function evaluateAcceptance(input: AcceptanceInput): AcceptanceOutcome {
  if (input.representativesDissatisfied * 2 > input.representativesTotal) {
    return { passed: false, reason: 'majority_dissatisfied' };
  }
  if (input.score < ACCEPTANCE_PASS_SCORE) return { passed: false, reason: 'score_below_pass' };
  return { passed: true };
}

/** Returns a field-level problem with an acceptance review's numbers, or null. */
export function validateAcceptanceInput(input: AcceptanceInput): { field: keyof AcceptanceInput; message: string } | null {
  if (input.score < 0 || input.score > 100) return { field: 'score', message: '评分须在0–100之间 (score must be 0–100)' };
  if (input.representativesTotal < ACCEPTANCE_MIN_REPRESENTATIVES) {
    return {
      field: 'representativesTotal',
      message: `参与测评的代表不少于${ACCEPTANCE_MIN_REPRESENTATIVES}人 (at least ${ACCEPTANCE_MIN_REPRESENTATIVES} representatives)`,
    };
  }
  if (input.representativesDissatisfied > input.representativesTotal) {
    return {
      field: 'representativesDissatisfied',
      message: '不满意人数不能超过参与人数 (dissatisfied cannot exceed total)',
    };
  }
  return null;
}
