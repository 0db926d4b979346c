/**
 * The support package (包保责任体系, "四个一/五个一"): the team a lagging village gets, not a person.
 * The sponsor (county leader) stays the case's `sponsorUserId`; the other posts are held by person
 * records (the people table) or, for the paired department, by a county department with a contact.
 */

/** Posts of a case's team besides the sponsor. */
export const SUPPORT_POSTS = ['township_cadre', 'first_secretary', 'work_team', 'paired_department'] as const;
export type SupportPost = (typeof SUPPORT_POSTS)[number];

export const SUPPORT_POST_LABELS: Record<SupportPost | 'sponsor', string> = {
  sponsor: '包保县级领导',
  township_cadre: '包村乡镇干部',
  first_secretary: '驻村第一书记',
  work_team: '驻村工作队',
  paired_department: '结对帮扶单位',
};

/** A paired county department (结对帮扶单位) and the person to contact there. */
export interface PairedDepartmentAssignment {
  name: string;
  contactPersonId?: string | null;
}

/**
 * The team named when a case is designated (POST /cases, or a screening campaign's designation).
 * Every field is optional: a post left out is vacant and opens a reassignment obligation.
 */
export interface SupportPackageAssignment {
  townshipCadrePersonId?: string | null;
  firstSecretaryPersonId?: string | null;
  workTeamPersonIds?: string[];
  pairedDepartment?: PairedDepartmentAssignment | null;
}

/** Every post of the package as the API shows it (the sponsor first). */
export const PACKAGE_POSTS = ['sponsor', ...SUPPORT_POSTS] as const;
export type PackagePost = (typeof PACKAGE_POSTS)[number];

/** Posts with one holder at a time (the work team has several members). */
export const SINGLE_HOLDER_POSTS = ['township_cadre', 'first_secretary', 'paired_department'] as const satisfies readonly SupportPost[];

/**
 * One holder of a post as the case workflow keeps it: a person (and the user account linked to the
 * person, who hears of the post's obligations), or for the paired department the department and
 * its contact person. Resolved by the service when the post is filled, so workflow code stays pure.
 */
export interface SupportHolder {
  personId: string | null;
  name: string;
  /** 结对帮扶单位: the department's name (the person fields are its contact). */
  departmentName?: string | null;
  /** The active account linked to the person (users.person_id), if any. */
  userId: string | null;
  userRole: 'sponsor' | 'township_office' | 'org_dept' | null;
  since: string;
}

/** The team as the workflow holds it: holders per post (empty: vacant). */
export type SupportPackageState = Record<SupportPost, SupportHolder[]>;

export function emptySupportPackage(): SupportPackageState {
  return { township_cadre: [], first_secretary: [], work_team: [], paired_department: [] };
}

/** 回头看 visits: the township office's relapse-risk rating. */
export const VISIT_RISKS = ['low', 'medium', 'relapse_risk'] as const;
export type VisitRisk = (typeof VISIT_RISKS)[number];
export const VISIT_RISK_LABELS: Record<VisitRisk, string> = { low: '低', medium: '中', relapse_risk: '有反弹风险' };

/** A 回头看 visit recorded during follow-up. */
export interface FollowUpVisit {
  id: string;
  /** The visit period it satisfied (its key), or null when none was open. */
  period: string | null;
  visitedOn: string;
  visitors: string[];
  visitorPersonIds: string[];
  findings: string;
  risk: VisitRisk;
  recordedAt: string;
  recordedBy: string | null;
}
