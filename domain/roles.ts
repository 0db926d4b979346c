/** The three kinds of user. Everything that names a role (pgEnum, z.enum, checks) derives from this list. */
export const ROLES = ['sponsor', 'township_office', 'org_dept'] as const;
export type Role = (typeof ROLES)[number];

/**
 * A post a user holds beside their role. The township's party secretary (乡镇党委书记) is who an
 * obligation the township office itself owes escalates to (domain.md, scenario 6).
 */
export const USER_POSTS = ['township_party_secretary'] as const;
export type UserPost = (typeof USER_POSTS)[number];
export const USER_POST_LABELS: Record<UserPost, string> = { township_party_secretary: '乡镇党委书记' };

export const ROLE_LABELS: Record<Role, string> = {
  sponsor: '包保县级领导',
  township_office: '乡镇党委（党建办）',
  org_dept: '县委组织部基层组织科',
};

/**
 * The office a user speaks for, named after their jurisdiction as the office signs its papers:
 * 某某镇党委 (a 街道 has a 党工委), 某某县委组织部, 某某县包保县级领导. Without the division's
 * name (not imported), the role's label.
 */
export function officeName(role: Role, jurisdictionName: string | null): string {
  if (!jurisdictionName) return ROLE_LABELS[role];
  switch (role) {
    case 'township_office':
      return `${jurisdictionName}${jurisdictionName.endsWith('街道') ? '党工委' : '党委'}`;
    case 'org_dept':
      return `${jurisdictionName}委组织部`;
    case 'sponsor':
      return `${jurisdictionName}${ROLE_LABELS.sponsor}`;
  }
}

/** The authenticated caller, as services see it. */
export interface AuthUser {
  id: string;
  name: string;
  role: Role;
  jurisdictionCode: string;
}

export const CASE_ACTIONS = [
  'designate',
  'submitPlan',
  'submitReport',
  'requestAcceptance',
  'reviewAcceptance',
  'changeSponsor',
  'cancel',
  'relapse',
  'managePolicies',
  'requestClockChange',
  'decideClockChange',
  'pauseClock',
  'changeCasePolicy',
  'manageCalendar',
  'changeSupportMember',
  'submitSupportReport',
  'recordVisit',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

/**
 * Who may do what (always within what they can see: a sponsor their own cases, an office its
 * jurisdiction). The filing commands are narrowed further by the sponsor post: `filingRefusal`.
 */
export const ALLOWED_ROLES: Record<CaseAction, readonly Role[]> = {
  designate: ['org_dept'],
  submitPlan: ['sponsor', 'township_office', 'org_dept'],
  submitReport: ['sponsor', 'township_office', 'org_dept'],
  requestAcceptance: ['sponsor', 'township_office', 'org_dept'],
  reviewAcceptance: ['org_dept'],
  changeSponsor: ['org_dept'],
  cancel: ['org_dept'],
  relapse: ['org_dept', 'township_office'],
  managePolicies: ['org_dept'],
  // Asked by whoever answers for the obligation (checked against it), decided by the level above.
  requestClockChange: ['sponsor', 'township_office', 'org_dept'],
  decideClockChange: ['org_dept'],
  pauseClock: ['org_dept'],
  changeCasePolicy: ['org_dept'],
  manageCalendar: ['org_dept'],
  // The org dept names a case's team; the township office files for the paired department (or its
  // contact files with their own account) and records the 回头看 visits.
  changeSupportMember: ['org_dept'],
  submitSupportReport: ['township_office', 'org_dept'],
  recordVisit: ['township_office', 'org_dept'],
};

/** What the sponsor answers for and files: the plan, the monthly reports, the acceptance request. */
export const FILING_ACTIONS = ['submitPlan', 'submitReport', 'requestAcceptance'] as const satisfies readonly CaseAction[];
export type FilingAction = (typeof FILING_ACTIONS)[number];

export function isFilingAction(action: CaseAction): action is FilingAction {
  return (FILING_ACTIONS as readonly CaseAction[]).includes(action);
}

/**
 * The one rule for who files a case (service and workflow alike): the sponsor in post files; while
 * the post is vacant (`sponsorUserId` null) the township office or the org dept files in its
 * place, and nobody files for a sponsor in post. null when `filer` may file, else why not (403).
 */
export function filingRefusal(filer: { userId: string | null; role: Role | 'system' }, sponsorUserId: string | null): string | null {
  if (sponsorUserId !== null) {
    if (filer.role === 'sponsor' && filer.userId === sponsorUserId) return null;
    if (filer.role === 'sponsor') return '只有本案例的包保领导可以提交 (only the case’s own sponsor files)';
    return '包保领导在岗，整顿方案、月度报告和验收申请由包保领导提交；乡镇党委和县委组织部仅在包保领导空缺期间代为提交 (the sponsor is in post and files; offices file only while the post is vacant)';
  }
  if (filer.role === 'township_office' || filer.role === 'org_dept') return null;
  return '包保领导空缺，期间由乡镇党委或县委组织部提交 (the sponsor post is vacant: the township office or the org dept files)';
}

/**
 * Who files the monthly report when the policy gives it to the first secretary (驻村第一书记): the
 * first secretary's own account; while that post is vacant (or the holder has no account), the
 * township office or the org dept. null when `filer` may file, else why not (403).
 */
export function firstSecretaryFilingRefusal(filer: { userId: string | null; role: Role | 'system' }, firstSecretaryUserId: string | null): string | null {
  if (firstSecretaryUserId !== null) {
    if (filer.userId === firstSecretaryUserId) return null;
    return '月度报告由驻村第一书记提交 (the first secretary files the monthly report)';
  }
  if (filer.role === 'township_office' || filer.role === 'org_dept') return null;
  return '驻村第一书记空缺或无账号，期间由乡镇党委或县委组织部提交 (no first secretary account: the township office or the org dept files)';
}

/**
 * Process B (1+1 mentoring) and C (reserves). Sponsors have no part in either: they see neither
 * resource. The township office runs the pairs and the pool; the org dept approves, qualifies,
 * inspects, places and watches coverage. A mentor with a user account may also log check-ins.
 */
export const MENTORSHIP_ACTIONS = [
  'view',
  'propose',
  'approve',
  'changeMentor',
  'logCheckIn',
  'review',
  'terminate',
  'requestClockChange',
  'decideClockChange',
] as const;
export type MentorshipAction = (typeof MENTORSHIP_ACTIONS)[number];
export const MENTORSHIP_ROLES: Record<MentorshipAction, readonly Role[]> = {
  view: ['township_office', 'org_dept'],
  propose: ['township_office'],
  approve: ['org_dept'],
  changeMentor: ['township_office', 'org_dept'],
  logCheckIn: ['township_office'],
  review: ['township_office', 'org_dept'],
  terminate: ['township_office', 'org_dept'],
  // 延期/容错: asked by the side that answers for the obligation (checked against it), decided by the org dept.
  requestClockChange: ['township_office', 'org_dept'],
  decideClockChange: ['org_dept'],
};

export const RESERVE_ACTIONS = [
  'view',
  'nominate',
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
export type ReserveAction = (typeof RESERVE_ACTIONS)[number];
export const RESERVE_ROLES: Record<ReserveAction, readonly Role[]> = {
  view: ['township_office', 'org_dept'],
  nominate: ['township_office'],
  qualify: ['org_dept'],
  inspect: ['org_dept'],
  publicize: ['org_dept'],
  startTraining: ['township_office', 'org_dept'],
  fileTrainingRecord: ['township_office'],
  periodicReview: ['township_office'],
  annualReview: ['org_dept'],
  place: ['org_dept'],
  exit: ['org_dept'],
  transfer: ['org_dept'],
  requestClockChange: ['township_office', 'org_dept'],
  decideClockChange: ['org_dept'],
};
