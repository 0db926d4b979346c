/**
 * 延期 and 容错 for every process, on its deadline engine: the responsible side asks (an extension
 * before the due date, for a later date; an exemption once overdue, naming the 容错 scenario), the
 * level above approves or refuses. An approved extension moves the due date (rungs already fired
 * stay in history, later ones re-arm); an approved exemption marks the obligation exempted, which
 * stops its ladder and keeps it apart from overdue in the statistics. Workflow code: no I/O.
 */
import { isLive, type Obligation, type ResponsibleParty } from '../domain/escalation.js';
import type { DeadlineEngine } from './deadline-engine.js';
import type { Actor, ClockDecisionArgs, ClockRequest, ClockRequestArgs, Notice, Recipient } from '../domain/contracts/deadlines.js';
import { invalid, notify } from './process-kit.js';

const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

type Command<A, S> = { handler: (args: A) => Promise<S>; validator: (args: A) => void };

/** `S`: the snapshot the process answers its commands with. */
export interface ClockRequestHost<S> {
  readonly state: { seq: number; countyCode: string; obligations: Obligation[]; clockRequests?: ClockRequest[] };
  engine: Pick<DeadlineEngine, 'moveToDate'>;
  /** The process kit's `command`, for the two command names. */
  command<A extends { actor: Actor }>(
    name: 'requestClockChange' | 'decideClockChange',
    body: (args: A) => Promise<void>,
    validate?: (args: A) => void,
  ): Command<A, S>;
  commit(action: string, actor: Actor, before: Record<string, unknown>, extra: { details: Record<string, unknown>; notifications: Notice[] }): Promise<void>;
  summary(): Record<string, unknown>;
  recipientsFor(party: ResponsibleParty): Recipient[];
}

export function createClockRequests<S>(host: ClockRequestHost<S>) {
  const s = host.state;
  const now = (): string => new Date(Date.now()).toISOString();

  /** An obligation of this process still open (live), or a 400 naming `obligationId`. */
  function liveObligation(id: string): Obligation {
    const o = s.obligations.find((x) => x.id === id);
    if (!o || !isLive(o)) invalid('obligationId', `没有该项未完成的期限 (no open obligation ${id})`);
    return o;
  }

  function validateRequest(args: ClockRequestArgs): void {
    const o = liveObligation(args.obligationId);
    const pending = (s.clockRequests ?? []).find((r) => r.obligationId === o.id && r.kind === args.kind && r.status === 'pending');
    if (pending) invalid('obligationId', `该期限已有待审批的申请 (a request is already pending: ${pending.id})`);
    if (args.kind === 'extension') {
      // 延期 is asked before the due date, for a later one.
      if (Date.now() >= Date.parse(o.dueAt)) invalid('obligationId', '延期须在到期前申请 (an extension must be asked before the due date)');
      if (!args.newDueDate || !DATE_PATTERN.test(args.newDueDate)) invalid('newDueDate', '须为 YYYY-MM-DD (newDueDate must be YYYY-MM-DD)');
      const current = o.dueDate ?? o.dueAt.slice(0, 10);
      if (args.newDueDate <= current) invalid('newDueDate', `须晚于当前期限 ${current} (must be later than the current due date)`);
    } else {
      // 容错 excuses an obligation already overdue.
      if (Date.now() < Date.parse(o.dueAt)) invalid('obligationId', '容错仅适用于已逾期的期限 (an exemption applies to an overdue obligation)');
      if (!args.category) invalid('category', '须说明容错情形 (category is required)');
    }
  }

  const request = host.command<ClockRequestArgs>(
    'requestClockChange',
    async (args) => {
      const before = host.summary();
      const asked: ClockRequest = {
        id: `${args.kind}-${s.seq + 1}`,
        kind: args.kind,
        obligationId: args.obligationId,
        reason: args.reason,
        ...(args.newDueDate ? { newDueDate: args.newDueDate } : {}),
        ...(args.category ? { category: args.category } : {}),
        requestedBy: args.actor,
        requestedAt: now(),
        status: 'pending',
      };
      s.clockRequests = [...(s.clockRequests ?? []), asked];
      const label = args.kind === 'extension' ? '延期申请' : '容错申请';
      await host.commit(`${args.kind}_requested`, args.actor, before, {
        details: { ...asked },
        notifications: notify(host.recipientsFor('org_dept'), `${args.kind}.requested`, label, `${label}（${args.reason}），请审批。`),
      });
    },
    validateRequest,
  );

  function pendingRequest(id: string): ClockRequest {
    const r = (s.clockRequests ?? []).find((x) => x.id === id);
    if (!r || r.status !== 'pending') invalid('requestId', `没有待审批的该申请 (no pending request ${id})`);
    return r;
  }

  const decide = host.command<ClockDecisionArgs>(
    'decideClockChange',
    async ({ actor, requestId, approved, comment }) => {
      const before = host.summary();
      const asked = pendingRequest(requestId);
      const o = liveObligation(asked.obligationId);
      Object.assign(asked, { status: approved ? 'approved' : 'refused', decidedBy: actor, decidedAt: now(), ...(comment ? { comment } : {}) });
      const label = asked.kind === 'extension' ? '延期' : '容错';
      const requester =
        asked.requestedBy.userId && asked.requestedBy.role !== 'system'
          ? [{ userId: asked.requestedBy.userId, role: asked.requestedBy.role, divisionCode: s.countyCode }]
          : host.recipientsFor(o.responsible);
      const notifications = notify(
        requester,
        `${asked.kind}.${approved ? 'approved' : 'refused'}`,
        `${label}申请${approved ? '已批准' : '未批准'}`,
        comment ?? asked.reason,
      );
      if (approved && asked.kind === 'extension') {
        const change = await host.engine.moveToDate(o, asked.newDueDate!);
        await host.commit('extension_approved', actor, before, { details: { requestId, ...change }, notifications });
        return;
      }
      if (approved) o.exemptedAt = now();
      await host.commit(approved ? 'exemption_approved' : `${asked.kind}_refused`, actor, before, {
        details: { requestId, obligationId: o.id, category: asked.category ?? null, comment: comment ?? null },
        notifications,
      });
    },
    ({ requestId }) => {
      const r = pendingRequest(requestId);
      liveObligation(r.obligationId);
    },
  );

  return { request, decide, liveObligation };
}
