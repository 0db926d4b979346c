/** The deadline ladder (催办/督办): rungs, who they go to, and the traffic light (红黄绿灯) they set. */
import { SUPPORT_POST_LABELS, type SupportPost } from './support-package.js';

export const ESCALATION_RUNGS = ['reminder', 'township_office', 'org_dept', 'standing_committee'] as const;
export type EscalationRung = (typeof ESCALATION_RUNGS)[number];

export const RUNG_LABELS: Record<EscalationRung, string> = {
  reminder: '到期提醒',
  township_office: '黄牌督办（乡镇党委）',
  org_dept: '红牌督办（县委组织部）',
  standing_committee: '通报（县委常委会）',
};

export const RAG_COLOURS = ['green', 'yellow', 'red'] as const;
export type Rag = (typeof RAG_COLOURS)[number];

/**
 * Who must meet an obligation. `mentor` (the 1+1 pair: the mentor's user account if they have one,
 * else the township office) and `candidate` (a reserve, who has no account: the township office
 * files for them) are routed by their process. `first_secretary` and `paired_department` (the
 * support package's posts) go to the holder's account at the time, else to the township office.
 */
export const RESPONSIBLE_PARTIES = ['sponsor', 'township_office', 'org_dept', 'mentor', 'candidate', 'first_secretary', 'paired_department'] as const;
export type ResponsibleParty = (typeof RESPONSIBLE_PARTIES)[number];

export const OBLIGATION_KINDS = [
  'plan', // 整顿方案
  'monthly_report', // 月度进展报告
  'rectification', // 整顿完成（申请验收）
  'acceptance_review', // 组织验收
  'sponsor_reassignment', // 重新明确包保领导
  // The support package (包保责任体系) and 回头看
  'support_reassignment', // 重新明确包村干部/第一书记/结对帮扶单位
  'support_measures_report', // 结对帮扶单位季度帮扶措施报告
  'follow_up_visit', // 回头看走访
  // Process B: 1+1 mentoring (帮带)
  'mentorship_approval', // 组织部审核结对
  'mentor_assignment', // 明确（新的）帮带导师
  'mentoring_check_in', // 月度帮带记录
  'mid_review', // 中期评估
  'final_review', // 期满考核
  // Process C: reserve candidates (后备力量)
  'qualification_review', // 资格审查
  'inspection', // 组织考察
  'publicity', // 组织公示
  'training_report', // 季度书面报告
  'training_talk', // 谈心谈话
  'periodic_review', // 半年动态调整
  'annual_review', // 年度考评
  // Process D: the screening campaign (排查研判)
  'screening_sheet', // 乡镇排查表
  'screening_judgment', // 组织部研判
] as const;
export type ObligationKind = (typeof OBLIGATION_KINDS)[number];

export const OBLIGATION_KIND_LABELS: Record<ObligationKind, string> = {
  plan: '整顿方案',
  monthly_report: '月度进展报告',
  rectification: '整顿完成并申请验收',
  acceptance_review: '组织验收',
  sponsor_reassignment: '明确新的包保领导',
  support_reassignment: '明确包保责任人',
  support_measures_report: '结对帮扶措施报告',
  follow_up_visit: '回头看走访',
  mentorship_approval: '审核帮带结对',
  mentor_assignment: '明确帮带导师',
  mentoring_check_in: '月度帮带记录',
  mid_review: '帮带中期评估',
  final_review: '帮带期满考核',
  qualification_review: '后备力量资格审查',
  inspection: '后备力量组织考察',
  publicity: '后备力量公示',
  training_report: '后备力量季度书面报告',
  training_talk: '后备力量谈心谈话',
  periodic_review: '后备力量半年动态调整',
  annual_review: '后备力量年度考评',
  screening_sheet: '乡镇排查表',
  screening_judgment: '排查结果研判',
};

/** Kinds that recur per period: their label names the period (key). */
const PERIODIC_KINDS: readonly ObligationKind[] = [
  'monthly_report',
  'support_measures_report',
  'follow_up_visit',
  'mentoring_check_in',
  'training_report',
  'training_talk',
  'periodic_review',
  'annual_review',
];

/** How reminders and escalations name an obligation: "月度进展报告（2026-03）". */
export function obligationLabel(obligation: Pick<Obligation, 'kind' | 'key'>): string {
  // Keyed "<post>:<n>": names the post ("明确驻村第一书记").
  if (obligation.kind === 'support_reassignment') {
    const post = obligation.key.split(':')[0] as SupportPost;
    return SUPPORT_POST_LABELS[post] ? `明确${SUPPORT_POST_LABELS[post]}` : OBLIGATION_KIND_LABELS.support_reassignment;
  }
  return OBLIGATION_KIND_LABELS[obligation.kind] + (PERIODIC_KINDS.includes(obligation.kind) ? `（${obligation.key}）` : '');
}

/** A deadline an obligation had before it was re-timed, and when it was replaced. */
export interface PreviousDue {
  dueAt: string;
  dueDate: string | null;
  rungs: ScheduledRung[];
  replacedAt: string;
}

export const OBLIGATION_STATUSES = ['open', 'satisfied', 'cancelled'] as const;
export type ObligationStatus = (typeof OBLIGATION_STATUSES)[number];

/** A rung as scheduled for one obligation (instants are ISO strings so workflow state stays plain JSON). */
export interface ScheduledRung {
  rung: EscalationRung;
  at: string;
  rag: Rag;
  /**
   * This rung's date may move: counted over a year whose notice is not loaded (or from a provisional
   * due). Absent on rungs scheduled before PER_DATE_PROVISIONAL_PATCH (workflows/deadline-engine.ts).
   */
  provisional?: boolean;
  firedAt?: string;
}

/** What a due was computed from, so it can be recomputed (new calendar, new policy, interruption). */
export type DueBasis = { from: string; after: string; fromDate?: string } | { fixedDate: string };

export interface Obligation {
  id: string;
  kind: ObligationKind;
  /** Distinguishes obligations of the same kind: a report period "2026-11", an attempt number. */
  key: string;
  responsible: ResponsibleParty;
  dueAt: string;
  /** Civil due date of a day-level deadline. */
  dueDate?: string | null;
  /**
   * The due date may move: it was counted over a year whose holiday notice is not loaded yet. The
   * due date's flag only; each rung carries its own.
   */
  provisional?: boolean;
  basis?: DueBasis;
  rungs: ScheduledRung[];
  status: ObligationStatus;
  closedAt?: string;
  /** 容错: an approved exemption; no further rungs fire and it counts apart from overdue. */
  exemptedAt?: string;
}

/** Open, and its clock still running (not exempted). */
export function isLive(obligation: Obligation): boolean {
  return obligation.status === 'open' && !obligation.exemptedAt;
}

const RAG_ORDER: Record<Rag, number> = { green: 0, yellow: 1, red: 2 };

/** The colour of one obligation: the worst colour among the rungs that have fired while it is live. */
export function obligationRag(obligation: Obligation): Rag {
  if (!isLive(obligation)) return 'green';
  let colour: Rag = 'green';
  for (const rung of obligation.rungs) {
    if (rung.firedAt && RAG_ORDER[rung.rag] > RAG_ORDER[colour]) colour = rung.rag;
  }
  return colour;
}

/** The colour of a case: its worst open obligation. */
export function caseRag(obligations: readonly Obligation[]): Rag {
  let colour: Rag = 'green';
  for (const obligation of obligations) {
    const c = obligationRag(obligation);
    if (RAG_ORDER[c] > RAG_ORDER[colour]) colour = c;
  }
  return colour;
}

/** Rungs due at or before `now` that have not fired, on open obligations. */
export function dueRungs(obligations: readonly Obligation[], nowMs: number): Array<{ obligation: Obligation; rung: ScheduledRung }> {
  const due: Array<{ obligation: Obligation; rung: ScheduledRung }> = [];
  for (const obligation of obligations) {
    if (!isLive(obligation)) continue;
    for (const rung of obligation.rungs) {
      if (!rung.firedAt && Date.parse(rung.at) <= nowMs) due.push({ obligation, rung });
    }
  }
  return due;
}

/** The earliest instant at which an unfired rung of an open obligation is due, or null. */
export function nextRungAt(obligations: readonly Obligation[]): number | null {
  let next: number | null = null;
  for (const obligation of obligations) {
    if (!isLive(obligation)) continue;
    for (const rung of obligation.rungs) {
      if (rung.firedAt) continue;
      const at = Date.parse(rung.at);
      if (next === null || at < next) next = at;
    }
  }
  return next;
}

/**
 * Re-times an obligation's rungs: rungs already fired stay as they were (they are history), rungs
 * not yet fired take their new instants, rungs the new ladder no longer has are dropped unless fired.
 */
export function rearmRungs(current: readonly ScheduledRung[], next: readonly ScheduledRung[]): ScheduledRung[] {
  const fired = current.filter((r) => r.firedAt);
  const firedNames = new Set(fired.map((r) => r.rung));
  return [...fired, ...next.filter((r) => !firedNames.has(r.rung))].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** 容错 scenarios (S4: "8 类免责容错场景"); the labels are this project's, configurable later. */
export const EXEMPTION_CATEGORIES = [
  'emergency_duty', // 抢险救灾、防汛等应急任务
  'superior_assignment', // 上级临时交办的紧急任务
  'policy_change', // 政策调整导致无法按期完成
  'force_majeure', // 不可抗力
  'public_health', // 突发公共卫生事件
  'other_department_delay', // 其他部门原因造成的延误
  'exploratory_reform', // 探索性改革中的失误
  'other', // 其他经批准的情形
] as const;
export type ExemptionCategory = (typeof EXEMPTION_CATEGORIES)[number];
export const EXEMPTION_CATEGORY_LABELS: Record<ExemptionCategory, string> = {
  emergency_duty: '抢险救灾、防汛等应急任务',
  superior_assignment: '上级临时交办的紧急任务',
  policy_change: '政策调整导致无法按期完成',
  force_majeure: '不可抗力',
  public_health: '突发公共卫生事件',
  other_department_delay: '其他部门原因造成的延误',
  exploratory_reform: '探索性改革中的失误',
  other: '其他经批准的情形',
};

/**
 * A due moment as people read it in a notice: `2026年12月14日` for a day-level deadline (due at the
 * end of that date), with the local time for an exact one (`2026年12月14日 15:30`), and `（暂定）`
 * while the year's holiday notice is not loaded. Pure (Intl only), so workflows may call it.
 */
export function describeDue(due: { dueAt: string; dueDate?: string | null; provisional?: boolean }, timeZone: string): string {
  const suffix = due.provisional ? '（暂定）' : '';
  if (due.dueDate) {
    const [y, m, d] = due.dueDate.split('-').map(Number);
    return `${y}年${m}月${d}日${suffix}`;
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(due.dueAt))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}年${parts.month}月${parts.day}日 ${parts.hour}:${parts.minute}${suffix}`;
}
