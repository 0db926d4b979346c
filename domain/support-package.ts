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
