import type { SendWindow } from './delivery.js';
import type { EscalationRung, ObligationKind, Rag } from './escalation.js';

/**
 * A deadline policy. Durations are working days ("15WD", "-3WD"), calendar ISO-8601 ("P15D", "P3M")
 * or exact ISO-8601 with a time part ("PT30S": tests and demos compress a year into minutes); see
 * domain/clock.ts. A policy is snapshotted into each case when it starts, so editing a policy never
 * changes a running case; the org dept may move a case to another version explicitly.
 */
export interface LadderStep {
  rung: EscalationRung;
  /** Offset from the due date (or instant); a leading "-" means before it (the reminder). */
  offset: string;
  /** The colour a case shows once this rung has fired (configurable RAG thresholds). */
  rag: Rag;
}

export interface DeadlinePolicy {
  /** Time zone in which calendar months and days are counted. */
  timeZone: string;
  /** Local "HH:mm" at which day-level rungs fire (absent in policies snapshotted before it existed). */
  officeHour?: string;
  /** 整顿方案: due this long after designation. */
  planDue: string;
  /**
   * Length of a reporting "month". "calendar" follows real months; an ISO duration makes
   * compressed demo months that still carry YYYY-MM labels counted from the first period.
   */
  reportPeriod: 'calendar' | string;
  /** 月度报告: due this long after the end of its period. */
  reportDue: string;
  /** Whole rectification (申请验收) due this long after designation. */
  rectificationDue: string;
  /** A failed acceptance review sets a new rectification deadline this far ahead. */
  retryRectificationDue: string;
  /** The org dept reviews within this long of the request. */
  acceptanceReviewDue: string;
  /** 回头看 after delisting. */
  followUpLength: string;
  /** A new sponsor within this long of the post falling vacant. */
  sponsorReassignmentDue: string;
  /**
   * When SMS, e-mail and robot messages may go out (domain/delivery.ts): `always`, or HH:mm–HH:mm
   * on the recipient's working days. Absent: 08:30–18:00. Workflows never read it.
   */
  sendWindow?: SendWindow;
  ladder: LadderStep[];
  /** Process B (1+1 mentoring): durations; absent ones take DEFAULT_MENTORSHIP_TIMINGS. */
  mentorship?: Partial<MentorshipTimings>;
  /** Process C (reserve candidates): durations; absent ones take DEFAULT_RESERVE_TIMINGS. */
  reserve?: Partial<ReserveTimings>;
  /** Process D (the screening campaign): durations; absent ones take DEFAULT_SCREENING_TIMINGS. */
  screening?: Partial<ScreeningTimings>;
  /** The support package (包保责任体系) and 回头看 visits; absent fields take DEFAULT_SUPPORT_PACKAGE_TIMINGS. */
  supportPackage?: Partial<SupportPackageTimings>;
}

/** Who answers for what in a case's team (包保责任体系), and the 回头看 visits. */
export interface SupportPackageTimings {
  /** Who files the monthly progress report: the sponsor (default) or the first secretary (驻村第一书记). */
  monthlyReportBy: 'sponsor' | 'first_secretary';
  /** The paired department (结对帮扶单位) reports its support measures this often (from designation). */
  pairedDepartmentReportEvery: string;
  /** … each due this long after its period ends. */
  pairedDepartmentReportDue: string;
  /** A vacant post (包村干部, 第一书记, 结对帮扶单位) is filled within this long. */
  reassignmentDue: string;
  /** 回头看: the township office visits this often during follow-up (from delisting); each visit is due by its period's end. */
  followUpVisitEvery: string;
}

/** Defaults (domain.md, the support package): 10 working days to fill a post, quarterly reports and visits. */
export const DEFAULT_SUPPORT_PACKAGE_TIMINGS: SupportPackageTimings = {
  monthlyReportBy: 'sponsor',
  pairedDepartmentReportEvery: 'P3M',
  pairedDepartmentReportDue: '10WD',
  reassignmentDue: '10WD',
  followUpVisitEvery: 'P3M',
};

export function supportPackagePolicyOf(policy: DeadlinePolicy): SupportPackageTimings {
  return { ...DEFAULT_SUPPORT_PACKAGE_TIMINGS, ...policy.supportPackage };
}

/** 排查研判: each township's sheet, then the org dept's 研判. */
export interface ScreeningTimings {
  /** Each township office submits its sheet within this long of the campaign opening. */
  sheetDue: string;
  /** 研判 within this long of screening closing (every sheet in). */
  judgmentDue: string;
}

/** Defaults (domain.md, Process D): screening 20 working days, 研判 10 working days. */
export const DEFAULT_SCREENING_TIMINGS: ScreeningTimings = { sheetDue: '20WD', judgmentDue: '10WD' };

/**
 * 1+1 mentoring (帮带). The ladder, time zone and office hour are the county policy's own, so a
 * missing check-in climbs exactly the rungs a missing monthly report does.
 */
export interface MentorshipTimings {
  /** The org dept approves a proposed pair within this long. */
  approvalDue: string;
  /** A mentor (or a new one, after the post fell vacant) is named within this long. */
  mentorAssignmentDue: string;
  /** Mid review this long after the mentorship became active. */
  midReviewAfter: string;
  /** Final review this long after it became active. */
  finalReviewAfter: string;
  /** An extension (延长帮带) moves the final review this much later. */
  extensionLength: string;
  /** Each review is due this long after it opens. */
  reviewDue: string;
  /** The check-in period: "calendar" months, or an exact/ISO length for compressed policies. */
  checkInPeriod: 'calendar' | string;
  /** A period's joint check-in is due this long after the period ends. */
  checkInDue: string;
}

/** 后备力量: the pipeline from nomination to placement. */
export interface ReserveTimings {
  /** 资格审查 by the org dept, from nomination. */
  qualificationReviewDue: string;
  /** 组织考察, from the qualification. */
  inspectionDue: string;
  /** The org dept publicizes within this long of the inspection. */
  publicityDue: string;
  /** 公示期 (5 working days). */
  publicityLength: string;
  /** A training period (a quarter): one written report and one talk each. */
  trainingPeriod: string;
  /** The quarter's report and talk are due this long after it ends. */
  trainingRecordDue: string;
  /** 动态调整: the township office reviews each reserve this often (half-yearly), from entering the pool. */
  periodicReviewEvery: string;
  periodicReviewDue: string;
  /** A training year ends in the annual review (年度考评/民主测评). */
  annualReviewAfter: string;
  annualReviewDue: string;
}

/** Defaults (domain.md, Process B): mid review at 6 months, final at 12, +6 on extension, 10 working days for a new mentor. */
export const DEFAULT_MENTORSHIP_TIMINGS: MentorshipTimings = {
  approvalDue: '10WD',
  mentorAssignmentDue: '10WD',
  midReviewAfter: 'P6M',
  finalReviewAfter: 'P12M',
  extensionLength: 'P6M',
  reviewDue: '10WD',
  checkInPeriod: 'calendar',
  checkInDue: '5WD',
};

/** Defaults (domain.md, Process C): publicity 5 working days, quarterly training records, half-yearly review. */
export const DEFAULT_RESERVE_TIMINGS: ReserveTimings = {
  qualificationReviewDue: '15WD',
  inspectionDue: '20WD',
  publicityDue: '10WD',
  publicityLength: '5WD',
  trainingPeriod: 'P3M',
  trainingRecordDue: '10WD',
  periodicReviewEvery: 'P6M',
  periodicReviewDue: '10WD',
  annualReviewAfter: 'P12M',
  annualReviewDue: '20WD',
};

/** What every process takes from the county's policy unchanged: the ladder and how days are counted. */
export type ProcessClock = Pick<DeadlinePolicy, 'timeZone' | 'officeHour' | 'ladder'>;
export type MentorshipPolicy = ProcessClock & MentorshipTimings;
export type ReservePolicy = ProcessClock & ReserveTimings;
export type ScreeningPolicy = ProcessClock & ScreeningTimings;

/** The mentorship policy a county policy implies (snapshotted into each mentorship when it starts). */
export function mentorshipPolicyOf(policy: DeadlinePolicy): MentorshipPolicy {
  return { timeZone: policy.timeZone, officeHour: policy.officeHour, ladder: policy.ladder, ...DEFAULT_MENTORSHIP_TIMINGS, ...policy.mentorship };
}

export function reservePolicyOf(policy: DeadlinePolicy): ReservePolicy {
  return { timeZone: policy.timeZone, officeHour: policy.officeHour, ladder: policy.ladder, ...DEFAULT_RESERVE_TIMINGS, ...policy.reserve };
}

export function screeningPolicyOf(policy: DeadlinePolicy): ScreeningPolicy {
  return { timeZone: policy.timeZone, officeHour: policy.officeHour, ladder: policy.ladder, ...DEFAULT_SCREENING_TIMINGS, ...policy.screening };
}

export const DEFAULT_OFFICE_HOUR = '09:00';

/** Project defaults (domain.md): working days on the national calendar. */
export const DEFAULT_POLICY: DeadlinePolicy = {
  timeZone: 'Asia/Shanghai',
  officeHour: DEFAULT_OFFICE_HOUR,
  planDue: '15WD',
  reportPeriod: 'calendar',
  // From the last day of the month: the 5th working day of the next month.
  reportDue: '5WD',
  rectificationDue: 'P12M',
  retryRectificationDue: 'P3M',
  acceptanceReviewDue: '20WD',
  followUpLength: 'P12M',
  sponsorReassignmentDue: '10WD',
  ladder: [
    { rung: 'reminder', offset: '-3WD', rag: 'yellow' },
    { rung: 'township_office', offset: '1WD', rag: 'yellow' },
    { rung: 'org_dept', offset: '5WD', rag: 'red' },
    { rung: 'standing_committee', offset: '10WD', rag: 'red' },
  ],
};

/** Which policy duration each kind of case obligation is due after (so a new policy version can re-time it). */
export const DUE_AFTER_KEY: Partial<Record<ObligationKind, 'planDue' | 'reportDue' | 'rectificationDue' | 'acceptanceReviewDue' | 'sponsorReassignmentDue'>> = {
  plan: 'planDue',
  monthly_report: 'reportDue',
  rectification: 'rectificationDue',
  acceptance_review: 'acceptanceReviewDue',
  sponsor_reassignment: 'sponsorReassignmentDue',
};

/** The case obligations a policy preview can time: the ones a policy duration is due after. */
export const PREVIEW_KINDS = ['plan', 'monthly_report', 'rectification', 'acceptance_review', 'sponsor_reassignment'] as const satisfies ReadonlyArray<
  keyof typeof DUE_AFTER_KEY
>;
export type PreviewKind = (typeof PREVIEW_KINDS)[number];

/** A policy that plays a year in minutes: for the demo and for tests on the real dev server. */
export const DEMO_POLICY: DeadlinePolicy = {
  timeZone: 'Asia/Shanghai',
  officeHour: DEFAULT_OFFICE_HOUR,
  planDue: 'PT2M',
  reportPeriod: 'PT3M',
  reportDue: 'PT1M',
  rectificationDue: 'PT30M',
  retryRectificationDue: 'PT10M',
  acceptanceReviewDue: 'PT5M',
  followUpLength: 'PT30M',
  sponsorReassignmentDue: 'PT2M',
  ladder: [
    { rung: 'reminder', offset: '-PT30S', rag: 'yellow' },
    { rung: 'township_office', offset: 'PT30S', rag: 'yellow' },
    { rung: 'org_dept', offset: 'PT1M', rag: 'red' },
    { rung: 'standing_committee', offset: 'PT2M', rag: 'red' },
  ],
  // A mentoring year and a reserve's pipeline in about half an hour, like the cases.
  mentorship: {
    approvalDue: 'PT3M',
    mentorAssignmentDue: 'PT2M',
    midReviewAfter: 'PT15M',
    finalReviewAfter: 'PT30M',
    extensionLength: 'PT15M',
    reviewDue: 'PT3M',
    checkInPeriod: 'PT3M',
    checkInDue: 'PT1M',
  },
  reserve: {
    qualificationReviewDue: 'PT3M',
    inspectionDue: 'PT3M',
    publicityDue: 'PT3M',
    // Seconds, so `npm start` can show a reserve placed (and its mentorship) right away.
    publicityLength: 'PT5S',
    trainingPeriod: 'PT6M',
    trainingRecordDue: 'PT2M',
    periodicReviewEvery: 'PT12M',
    periodicReviewDue: 'PT3M',
    annualReviewAfter: 'PT24M',
    annualReviewDue: 'PT3M',
  },
  screening: { sheetDue: 'PT5M', judgmentDue: 'PT5M' },
  // A quarter is three 3-minute "months"; four 回头看 visits fit the 30-minute follow-up.
  supportPackage: {
    reassignmentDue: 'PT2M',
    pairedDepartmentReportEvery: 'PT9M',
    pairedDepartmentReportDue: 'PT2M',
    followUpVisitEvery: 'PT7M',
  },
  // A year in half an hour: messages go out at any hour, so a newcomer's robot hears the demo's escalations.
  sendWindow: 'always',
};
