import { DateTime } from 'luxon';
import type { Db } from '../db/client.js';
import { createPolicyVersion, findApplicablePolicy, getPolicy, listPolicies, retirePolicy } from '../db/queries/policies.js';
import { dueAfter, dueOnDate, scheduleRungs, type ClockContext, type Due } from '../domain/clock.js';
import { isWithin, toFullCode } from '../domain/divisions.js';
import type { ScheduledRung } from '../domain/escalation.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import {
  DEFAULT_MENTORSHIP_TIMINGS,
  DEFAULT_OFFICE_HOUR,
  DEFAULT_POLICY,
  DEFAULT_RESERVE_TIMINGS,
  DUE_AFTER_KEY,
  type DeadlinePolicy,
  type PreviewKind,
} from '../domain/policy.js';
import { DeadlinePolicySchema, derivePolicy, type DeadlinePolicyChanges } from '../domain/policy-schema.js';
import { ALLOWED_ROLES, type AuthUser } from '../domain/roles.js';
import { divisionExists } from '../db/queries/divisions.js';
import { createCalendarSource } from './calendar-source.js';

/** The built-in defaults stated whole: every duration, including the mentorship and reserve timings. */
export const BUILT_IN_POLICY: DeadlinePolicy = { ...DEFAULT_POLICY, mentorship: { ...DEFAULT_MENTORSHIP_TIMINGS }, reserve: { ...DEFAULT_RESERVE_TIMINGS } };

export interface NewPolicyInput {
  jurisdictionCode?: string;
  name: string;
  /** The whole policy; or, with `basedOn`, nothing (the changes say what differs). */
  body?: DeadlinePolicy;
  basedOn?: string;
  changes?: DeadlinePolicyChanges;
}

export interface PreviewInput {
  body?: DeadlinePolicy;
  basedOn?: string;
  changes?: DeadlinePolicyChanges;
  /** Counted from this date (designation, a month's last day…) with the kind's policy duration… */
  kind?: PreviewKind;
  from?: string;
  /** …or a due date given outright (the ladder alone). */
  dueDate?: string;
  /** Whose calendar (with its local overrides); the user's jurisdiction by default. */
  division?: string;
}

export interface Preview {
  division: string;
  /** The duration the due was counted with; null for a due date given outright. */
  after: string | null;
  /** The civil date counted from (a monthly report: the last day of the month of `from`). */
  countedFrom: string | null;
  due: Due;
  rungs: Array<ScheduledRung & { offset: string }>;
}

export function createPolicyService(deps: { db: Db }) {
  const calendars = createCalendarSource(deps.db);

  function requireManager(user: AuthUser): void {
    if (!ALLOWED_ROLES.managePolicies.includes(user.role)) throw new ForbiddenError('仅组织部可以制定期限策略 (only the org dept manages policies)');
  }

  /** The policy a new version states: the body as given, or its base with the changes applied. */
  async function resolveBody(
    user: AuthUser,
    input: Pick<NewPolicyInput, 'body' | 'basedOn' | 'changes'>,
  ): Promise<{ body: DeadlinePolicy; basedOn: string | null }> {
    if (input.basedOn === undefined) {
      if (input.changes !== undefined) throw new ValidationError('changes 须与 basedOn 同用 (changes needs basedOn)', 'changes');
      if (input.body === undefined) throw new ValidationError('须给出完整的 body，或以 basedOn 指定所基于的策略 (body, or basedOn with changes)', 'body');
      return { body: input.body, basedOn: null };
    }
    if (input.body !== undefined)
      throw new ValidationError('basedOn 与 body 只能二选一：基于已有策略时只给出 changes (basedOn takes changes, not a body)', 'body');
    let base: DeadlinePolicy = BUILT_IN_POLICY;
    if (input.basedOn !== 'defaults') {
      const row = await getPolicy(deps.db, input.basedOn);
      // One the user cannot see (listPolicies: their jurisdiction, below it, or an ancestor) is as unknown as a missing one.
      const visible = row && (isWithin(row.jurisdictionCode, user.jurisdictionCode) || isWithin(user.jurisdictionCode, row.jurisdictionCode));
      if (!row || !visible) {
        throw new ValidationError('未找到所基于的期限策略 (no such policy to base on)', 'basedOn');
      }
      base = row.body;
    }
    const derived = DeadlinePolicySchema.safeParse(derivePolicy(base, input.changes ?? {}));
    if (!derived.success) {
      const issue = derived.error.issues[0]!;
      throw new ValidationError(`${issue.message}`, ['changes', ...issue.path.map(String)].join('.'));
    }
    return { body: derived.data, basedOn: input.basedOn };
  }

  /** A division the user may preview with: their own jurisdiction (default) or one inside it. */
  async function divisionFor(user: AuthUser, division: string | undefined): Promise<string> {
    if (!division) return user.jurisdictionCode;
    const code = toFullCode(division);
    if (!isWithin(code, user.jurisdictionCode) || !(await divisionExists(deps.db, code))) {
      throw new ValidationError('区划不存在或不在您的管辖范围内 (division not found in your jurisdiction)', 'division');
    }
    return code;
  }

  return {
    list: (user: AuthUser, options: { includeRetired?: boolean } = {}) => listPolicies(deps.db, user, options),
    defaults: () => BUILT_IN_POLICY,
    async create(user: AuthUser, input: NewPolicyInput) {
      requireManager(user);
      const jurisdictionCode = input.jurisdictionCode ?? user.jurisdictionCode;
      if (!isWithin(jurisdictionCode, user.jurisdictionCode) || !(await divisionExists(deps.db, jurisdictionCode))) {
        throw new ValidationError('区划不在您的管辖范围内 (division outside your jurisdiction)', 'jurisdictionCode');
      }
      const { body, basedOn } = await resolveBody(user, input);
      return createPolicyVersion(deps.db, user, { jurisdictionCode, name: input.name, body, basedOn });
    },
    /**
     * When a policy (a draft, or a version as it stands: basedOn without changes) would time an
     * obligation: its due and each rung, counted on the division's working calendar with the same
     * domain/clock.ts functions the deadline activities use. Nothing is stored.
     */
    async preview(user: AuthUser, input: PreviewInput): Promise<Preview> {
      if ((input.from === undefined) === (input.dueDate === undefined))
        throw new ValidationError('须给出 from（起算日）或 dueDate（到期日）之一 (from or dueDate, one of them)', 'from');
      if (input.from !== undefined && input.kind === undefined) throw new ValidationError('按起算日预览须给出事项类型 (kind is needed with from)', 'kind');
      const { body: policy } = await resolveBody(user, input);
      const division = await divisionFor(user, input.division);
      const ctx: ClockContext = {
        calendar: await calendars.calendarFor(division),
        timeZone: policy.timeZone,
        officeHour: policy.officeHour ?? DEFAULT_OFFICE_HOUR,
      };
      let due: Due;
      let after: string | null = null;
      let countedFrom: string | null = null;
      if (input.dueDate !== undefined) {
        due = dueOnDate(input.dueDate, ctx);
      } else {
        after = policy[DUE_AFTER_KEY[input.kind!]!];
        countedFrom = input.from!;
        // A monthly report counts from its month's last day ("5th working day of next month"), as scheduleReportPeriod does.
        if (input.kind === 'monthly_report' && policy.reportPeriod === 'calendar') countedFrom = DateTime.fromISO(input.from!).endOf('month').toISODate()!;
        const [hour, minute] = ctx.officeHour.split(':').map(Number) as [number, number];
        const fromInstant = DateTime.fromISO(input.from!, { zone: ctx.timeZone }).set({ hour, minute }).toUTC().toISO()!;
        due = dueAfter(fromInstant, after, ctx, countedFrom);
      }
      const offsets = new Map(policy.ladder.map((step) => [step.rung, step.offset]));
      return { division, after, countedFrom, due, rungs: scheduleRungs(due, policy.ladder, ctx).map((r) => ({ ...r, offset: offsets.get(r.rung)! })) };
    },

    /** Only a policy of the user's own jurisdiction or below; others are unknown (404). */
    async retire(user: AuthUser, id: string, reason: string) {
      requireManager(user);
      const row = await getPolicy(deps.db, id);
      if (!row || !isWithin(row.jurisdictionCode, user.jurisdictionCode)) throw new NotFoundError();
      if (row.retiredAt) throw new ConflictError('该期限策略已停用 (already retired)');
      const retired = await retirePolicy(deps.db, user, id, reason);
      if (!retired) throw new ConflictError('该期限策略已停用 (already retired)');
      return retired;
    },
  };
}
export type PolicyService = ReturnType<typeof createPolicyService>;

/** The name of the policy each jurisdiction applies unless a process names another. */
export const DEFAULT_POLICY_NAME = 'default';

/**
 * The policy a new process in `villageCode` starts with: the one named (it must apply to the
 * village: its own county's or an ancestor's), else the nearest `default`, else the built-in
 * defaults (retired versions are skipped). Cases, mentorships and reserves all snapshot what this answers.
 */
export async function resolveVillagePolicy(
  db: Db,
  villageCode: string,
  policyId: string | undefined,
  options: { allowRetired?: boolean } = {},
): Promise<{ policyId: string | null; policy: DeadlinePolicy }> {
  if (policyId) {
    const row = await getPolicy(db, policyId);
    // A policy of another county is as unknown as a missing one.
    if (!row || !isWithin(villageCode, row.jurisdictionCode))
      throw new ValidationError('未找到适用于该村的期限策略 (no such policy for this village)', 'policyId');
    // A retired version still runs what started on it (allowRetired: a process continuing one), but starts nothing new.
    if (row.retiredAt && !options.allowRetired) throw new ConflictError('该期限策略已停用，请选用现行策略 (the policy is retired)', { field: 'policyId' });
    return { policyId: row.id, policy: row.body };
  }
  const applicable = await findApplicablePolicy(db, villageCode, DEFAULT_POLICY_NAME);
  return applicable ? { policyId: applicable.id, policy: applicable.body } : { policyId: null, policy: DEFAULT_POLICY };
}
