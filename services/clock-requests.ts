/**
 * Who may ask for 延期/容错 on an obligation and who decides, the same for cases, mentorships and
 * reserves: asked by the side that answers for the obligation, or by the office that files for it
 * (a sponsor's by the township office too; a mentor's and a candidate's by the township office),
 * decided by the org dept; the org dept's own deadlines by the level above it.
 */
import { PREFIX_LENGTH, jurisdictionPrefix } from '../domain/divisions.js';
import { ForbiddenError, ValidationError } from '../domain/errors.js';
import type { ResponsibleParty } from '../domain/escalation.js';
import type { AuthUser, Role } from '../domain/roles.js';
import type { ClockRequest } from '../domain/contracts/deadlines.js';

const ASKED_BY: Record<ResponsibleParty, readonly Role[]> = {
  sponsor: ['sponsor', 'township_office'],
  township_office: ['township_office'],
  org_dept: ['org_dept'],
  mentor: ['township_office'],
  candidate: ['township_office'],
  first_secretary: ['township_office'],
  paired_department: ['township_office'],
};

/** `isResponsiblePerson`: the caller is the very person who answers for it (a mentor with an account). */
export function checkClockRequester(user: AuthUser, obligation: { responsible: ResponsibleParty } | null, isResponsiblePerson = false): void {
  if (!obligation) throw new ValidationError('没有此期限 (no such obligation here)', 'obligationId');
  if (!isResponsiblePerson && !ASKED_BY[obligation.responsible].includes(user.role))
    throw new ForbiddenError('只有期限的责任方可以申请 (only the responsible party may ask)');
}

/** `request` as projected (the workflow re-checks that it is still pending). */
export function checkClockDecider(user: AuthUser, request: ClockRequest | undefined, obligation: { responsible: ResponsibleParty } | null): void {
  if (user.role !== 'org_dept') throw new ForbiddenError(`角色“${user.role}”无权审批 (only the org dept decides)`);
  if (!request) throw new ValidationError('没有该申请 (no such request)', 'requestId');
  if (obligation?.responsible === 'org_dept' && jurisdictionPrefix(user.jurisdictionCode).length >= PREFIX_LENGTH.county) {
    throw new ForbiddenError('县委组织部自身的期限须由上级组织部审批 (the org dept’s own deadlines are decided by the level above)');
  }
}
