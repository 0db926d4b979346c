/**
 * 1+1 mentorships (帮带): what the API (and the placement activity) can do. Reads come from the
 * Postgres projection; commands go to the mentorship's workflow as Updates and answer the projected
 * result. Sponsors have no part in mentoring: they see none (404) and may do nothing (403).
 */
import type { Db } from '../db/client.js';
import { getVillage } from '../db/queries/divisions.js';
import {
  countMentoringCoverage,
  findMentorshipForPlacement,
  findUnstartedMentorships,
  findVisibleMentorship,
  getMentorshipParts,
  getMentorshipRow,
  insertProposedMentorship,
  listMentorships,
  type MentorshipFilters,
  type MentorshipRow,
  type MentorshipView,
} from '../db/queries/mentorships.js';
import { findUserOfPerson, getPeople, getPerson, insertPerson, type PersonInput } from '../db/queries/people.js';
import { getReserveRow } from '../db/queries/reserves.js';
import { divisionExists } from '../db/queries/divisions.js';
import { countyOf, isWithin, jurisdictionPrefix, levelOfCode, toFullCode, townshipOf } from '../domain/divisions.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { mentoringCoverage } from '../domain/mentorships.js';
import { mentorshipPolicyOf } from '../domain/policy.js';
import { MENTORSHIP_ROLES, type AuthUser, type MentorshipAction } from '../domain/roles.js';
import { executeMentorshipCommand, startMentorship, type TemporalHandle } from '../temporal/client.js';
import {
  approveMentorshipUpdate,
  changeMentorUpdate,
  logCheckInUpdate,
  reviewMentorshipUpdate,
  terminateMentorshipUpdate,
  requestMentorshipClockChangeUpdate,
  decideMentorshipClockChangeUpdate,
} from '../workflows/mentorship-messages.js';
import type {
  ApproveArgs,
  CheckInArgs,
  ClockDecisionArgs,
  ClockRequestArgs,
  MentorRef,
  MentorshipReviewArgs,
  MentorshipSnapshot,
  TerminateArgs,
} from '../domain/contracts/mentorship.js';
import type { PlacementMentorship } from '../domain/contracts/reserve.js';
import { resolveVillagePolicy } from './policies.js';
import { createWorkingDaysFiller } from './next-due.js';
import { checkClockDecider, checkClockRequester } from './clock-requests.js';
import { getProcessObligation } from '../db/queries/deadline-projection.js';
import { createCommandRunner } from './command-runner.js';

export interface ProposeInput {
  villageCode: string;
  mentee: PersonInput;
  mentor?: PersonInput;
  note?: string;
  policyId?: string;
}

type WithoutActor<T> = Omit<T, 'actor'>;

export type MentorshipDetail = Awaited<ReturnType<ReturnType<typeof createMentorshipService>['get']>>;

export function createMentorshipService(deps: {
  db: Db;
  temporal: TemporalHandle;
  workflowHistoryLimit?: number;
  /** Today, for "N working days left" in lists (tests inject it). */
  now?: () => Date;
}) {
  const { db, temporal } = deps;
  const withWorkingDays = createWorkingDaysFiller(db, deps.now);

  function requireRole(user: AuthUser, action: MentorshipAction): void {
    if (!MENTORSHIP_ROLES[action].includes(user.role)) {
      throw new ForbiddenError(`角色“${user.role}”无权执行此操作 (role ${user.role} may not ${action} mentorships)`);
    }
  }

  /** An existing person must be one the caller may name: recorded within their jurisdiction. */
  async function checkPerson(user: AuthUser, input: PersonInput, field: string): Promise<void> {
    if (!('personId' in input)) return;
    const person = await getPerson(db, input.personId);
    if (!person || (person.divisionCode && !isWithin(person.divisionCode, user.jurisdictionCode))) {
      throw new ValidationError('未找到此人，或不在您的管辖范围内 (no such person in your jurisdiction)', `${field}.personId`);
    }
  }

  async function mentorRef(personId: string): Promise<MentorRef> {
    const person = await getPerson(db, personId);
    const account = await findUserOfPerson(db, personId);
    return { personId, name: person?.name ?? '', userId: account?.id ?? null, userRole: account?.role ?? null };
  }

  async function startWorkflowFor(row: MentorshipRow): Promise<void> {
    const mentee = await getPerson(db, row.menteePersonId);
    await startMentorship(temporal, {
      version: 1,
      mentorshipId: row.id,
      villageCode: row.villageCode,
      townshipCode: row.townshipCode,
      countyCode: row.countyCode,
      menteePersonId: row.menteePersonId,
      menteeName: mentee?.name ?? '',
      mentor: row.mentorPersonId ? await mentorRef(row.mentorPersonId) : null,
      policy: row.policy,
      policyId: row.policyId,
      proposedAt: row.proposedAt.toISOString(),
      sourceCandidateId: row.sourceReserveCandidateId,
      historyLimit: deps.workflowHistoryLimit,
    });
  }

  async function open(input: Parameters<typeof insertProposedMentorship>[1]): Promise<MentorshipRow> {
    const { row } = await insertProposedMentorship(db, input);
    await startWorkflowFor(row);
    return row;
  }

  async function propose(user: AuthUser, input: ProposeInput, idempotencyKey?: string) {
    requireRole(user, 'propose');
    if (levelOfCode(input.villageCode) !== 'village') throw new ValidationError('须为12位村级区划代码 (must be a 12-digit village code)', 'villageCode');
    const village = await getVillage(db, input.villageCode);
    if (!village || !isWithin(input.villageCode, user.jurisdictionCode)) {
      throw new ValidationError('未找到该村，或不在您的管辖范围内 (no such village in your jurisdiction)', 'villageCode');
    }
    await checkPerson(user, input.mentee, 'mentee');
    if (input.mentor) await checkPerson(user, input.mentor, 'mentor');
    if (input.mentor && 'personId' in input.mentor && 'personId' in input.mentee && input.mentor.personId === input.mentee.personId) {
      throw new ValidationError('导师不能是被帮带人本人 (the mentee cannot mentor themself)', 'mentor');
    }
    const { policyId, policy } = await resolveVillagePolicy(db, input.villageCode, input.policyId);
    const row = await open({
      villageCode: input.villageCode,
      townshipCode: village.townshipCode,
      countyCode: village.countyCode,
      mentee: input.mentee,
      mentor: input.mentor ?? null,
      note: input.note ?? null,
      policyId,
      policy: mentorshipPolicyOf(policy),
      sourceReserveCandidateId: null,
      proposedAt: new Date(),
      createdBy: user.id,
      createdByLabel: user.name,
      proposalKey: idempotencyKey ?? crypto.randomUUID(),
    });
    return get(user, row.id);
  }

  /**
   * The mentorship of a reserve placed as a new village secretary: proposed once per candidate (a
   * retried activity finds it), the mentor to be named by the township office. A cadre who already
   * has an open mentorship keeps it.
   */
  async function proposeForPlacement(input: PlacementMentorship): Promise<{ mentorshipId: string }> {
    if (!input.actor.userId) throw new ValidationError('任职须由用户作出 (a placement needs a user)', 'actor');
    const existing = await findMentorshipForPlacement(db, input.candidateId, input.personId);
    if (existing) {
      if (existing.sourceReserveCandidateId === input.candidateId) await startWorkflowFor(existing);
      return { mentorshipId: existing.id };
    }
    const candidate = await getReserveRow(db, input.candidateId);
    // The county policy the candidate's pipeline ran under, so the demo's compressed clock carries on.
    const { policyId, policy } = await resolveVillagePolicy(db, input.villageCode, candidate?.policyId ?? undefined, { allowRetired: true });
    const row = await open({
      villageCode: input.villageCode,
      townshipCode: townshipOf(input.villageCode),
      countyCode: countyOf(input.villageCode),
      mentee: { personId: input.personId },
      mentor: null,
      note: '后备力量任村党组织书记（新任），自动提出1+1帮带',
      policyId,
      policy: mentorshipPolicyOf(policy),
      sourceReserveCandidateId: input.candidateId,
      proposedAt: new Date(),
      createdBy: input.actor.userId,
      createdByLabel: input.actor.label,
      proposalKey: `placement-of:${input.candidateId}`,
    });
    return { mentorshipId: row.id };
  }

  async function detail(row: MentorshipView) {
    const parts = await getMentorshipParts(db, row.id);
    const ids = [row.menteePersonId, ...(row.mentorPersonId ? [row.mentorPersonId] : []), ...row.mentorHistory.map((t) => t.personId)];
    const persons = await getPeople(db, [...new Set(ids)]);
    const byId = new Map(persons.map((p) => [p.id, p]));
    return { ...row, mentee: byId.get(row.menteePersonId)!, mentor: row.mentorPersonId ? (byId.get(row.mentorPersonId) ?? null) : null, ...parts };
  }

  async function get(user: AuthUser, id: string) {
    const row = await findVisibleMentorship(db, user, id);
    if (!row) throw new NotFoundError('未找到该帮带 (mentorship not found)');
    return detail(row);
  }

  async function list(user: AuthUser, filters: MentorshipFilters) {
    requireRole(user, 'view');
    const page = await listMentorships(db, user, filters);
    return { ...page, items: await withWorkingDays(page.items) };
  }

  const runCommand = createCommandRunner<MentorshipRow, MentorshipSnapshot, Awaited<ReturnType<typeof detail>>, MentorshipAction>({
    find: (user, id) => findVisibleMentorship(db, user, id),
    notFound: '未找到该帮带 (mentorship not found)',
    authorize: (user, row, action, allowed) => {
      if (!(allowed?.(row) ?? false)) requireRole(user, action);
    },
    execute: (id, update, args, updateId) => executeMentorshipCommand(temporal, id, update, args, updateId),
    reload: async (id) => detail((await getMentorshipRow(db, id))!),
  });

  /** A new mentor named in a request: an existing person (within the jurisdiction) or a new one at the township. */
  async function resolveMentor(user: AuthUser, row: MentorshipRow, input: PersonInput | null): Promise<MentorRef | null> {
    if (input === null) return null;
    await checkPerson(user, input, 'mentor');
    const personId = 'personId' in input ? input.personId : (await insertPerson(db, input, row.townshipCode)).id;
    return mentorRef(personId);
  }

  /** mentoringCoverage per township of a division inside the caller's jurisdiction. */
  async function coverage(user: AuthUser, division: string | undefined) {
    requireRole(user, 'view');
    const code = division ?? user.jurisdictionCode;
    if (!isWithin(code, user.jurisdictionCode) || !(await divisionExists(db, code))) throw new NotFoundError('未找到该区划 (division not found)');
    const rows = await countMentoringCoverage(db, jurisdictionPrefix(code));
    const newCadres = rows.reduce((n, r) => n + r.newCadres, 0);
    const mentored = rows.reduce((n, r) => n + r.mentored, 0);
    return {
      division: toFullCode(code),
      newCadres,
      mentored,
      coverage: mentoringCoverage(mentored, newCadres),
      townships: rows.map((r) => ({ ...r, coverage: mentoringCoverage(r.mentored, r.newCadres) })),
    };
  }

  /** Starts the workflows of proposals stored but never started (a crash between the two). */
  async function startUnstarted(olderThanMs = 60_000): Promise<number> {
    const rows = await findUnstartedMentorships(db, new Date(Date.now() - olderThanMs));
    for (const row of rows) await startWorkflowFor(row);
    return rows.length;
  }

  return {
    propose,
    proposeForPlacement,
    get,
    list,
    coverage,
    startUnstarted,
    approve: (user: AuthUser, id: string, args: WithoutActor<ApproveArgs>, key?: string) => runCommand(user, id, 'approve', approveMentorshipUpdate, args, key),
    changeMentor: async (user: AuthUser, id: string, args: { mentor: PersonInput | null; reason: string }, key?: string) => {
      const row = await findVisibleMentorship(db, user, id);
      if (!row) throw new NotFoundError('未找到该帮带 (mentorship not found)');
      requireRole(user, 'changeMentor');
      const mentor = await resolveMentor(user, row, args.mentor);
      return runCommand(user, id, 'changeMentor', changeMentorUpdate, { mentor, reason: args.reason }, key);
    },
    /** The township office logs the pair's check-in, or the mentor themself if they have an account. */
    logCheckIn: (user: AuthUser, id: string, args: WithoutActor<CheckInArgs>, key?: string) =>
      runCommand(user, id, 'logCheckIn', logCheckInUpdate, args, key, (row) => row.mentorUserId === user.id),
    review: (user: AuthUser, id: string, args: WithoutActor<MentorshipReviewArgs>, key?: string) =>
      runCommand(user, id, 'review', reviewMentorshipUpdate, args, key),
    terminate: (user: AuthUser, id: string, args: WithoutActor<TerminateArgs>, key?: string) =>
      runCommand(user, id, 'terminate', terminateMentorshipUpdate, args, key),

    /** 延期/容错 of a check-in, a review or naming a mentor: asked by the side that answers for it. */
    requestClockChange: async (user: AuthUser, id: string, args: WithoutActor<ClockRequestArgs>, key?: string) => {
      const row = await findVisibleMentorship(db, user, id);
      if (!row) throw new NotFoundError('未找到该帮带 (mentorship not found)');
      const obligation = await getProcessObligation(db, { mentorshipId: id }, args.obligationId);
      const isMentor = obligation?.responsible === 'mentor' && row.mentorUserId === user.id;
      checkClockRequester(user, obligation, isMentor);
      return runCommand(user, id, 'requestClockChange', requestMentorshipClockChangeUpdate, args, key, () => isMentor);
    },
    decideClockChange: async (user: AuthUser, id: string, args: WithoutActor<ClockDecisionArgs>, key?: string) => {
      const row = await findVisibleMentorship(db, user, id);
      if (!row) throw new NotFoundError('未找到该帮带 (mentorship not found)');
      const request = row.clockRequests.find((r) => r.id === args.requestId);
      checkClockDecider(user, request, request ? await getProcessObligation(db, { mentorshipId: id }, request.obligationId) : null);
      return runCommand(user, id, 'decideClockChange', decideMentorshipClockChangeUpdate, args, key);
    },
  };
}

export type MentorshipService = ReturnType<typeof createMentorshipService>;
