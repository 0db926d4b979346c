import { describe, expect, test } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { addDuration, dueOnDate, reportPeriod, scheduleRungs } from '../../domain/clock.js';
import { WEEKENDS_ONLY } from '../../domain/calendar.js';
import { caseRag, describeDue, dueRungs, nextRungAt, obligationRag, type Obligation } from '../../domain/escalation.js';
import { checkCommand, evaluateAcceptance, validateAcceptanceInput, CASE_STATES } from '../../domain/cases.js';
import { DEFAULT_POLICY, DEMO_POLICY } from '../../domain/policy.js';
import { DeadlinePolicySchema } from '../../domain/policy-schema.js';
import { filingRefusal, officeName, ROLE_LABELS, ROLES } from '../../domain/roles.js';
import { createDeadlineActivities } from '../../activities/deadlines.js';

describe('clock', () => {
  test('a due moment reads as a Chinese date, with the local time only for an exact deadline', () => {
    expect(describeDue({ dueAt: '2025-10-09T15:59:59.999Z', dueDate: '2025-10-09' }, 'Asia/Shanghai')).toBe('2025年10月9日');
    expect(describeDue({ dueAt: '2027-01-05T15:59:59.999Z', dueDate: '2027-01-05', provisional: true }, 'Asia/Shanghai')).toBe('2027年1月5日（暂定）');
    // 23:30 UTC is 07:30 the next morning in Beijing.
    expect(describeDue({ dueAt: '2025-03-16T23:30:00.000Z', dueDate: null }, 'Asia/Shanghai')).toBe('2025年3月17日 07:30');
  });

  test('months are counted in Asia/Shanghai, not UTC', () => {
    // 2025-01-31 20:00 Beijing = 12:00 UTC; one month later is the last day of February in Beijing.
    expect(addDuration('2025-01-31T12:00:00Z', 'P1M', 'Asia/Shanghai')).toBe('2025-02-28T12:00:00.000Z');
    expect(addDuration('2025-03-01T00:00:00Z', 'P15D', 'Asia/Shanghai')).toBe('2025-03-16T00:00:00.000Z');
    expect(addDuration('2025-03-16T00:00:00Z', '-P3D', 'Asia/Shanghai')).toBe('2025-03-13T00:00:00.000Z');
    expect(addDuration('2025-03-16T00:00:00Z', 'PT30S', 'Asia/Shanghai')).toBe('2025-03-16T00:00:30.000Z');
    expect(() => addDuration('2025-03-16T00:00:00Z', '15 days', 'Asia/Shanghai')).toThrow(/invalid duration/);
  });

  test('the default ladder on weekends only: reminder 3 working days before, then +1, +5, +10', () => {
    const ctx = { calendar: WEEKENDS_ONLY, timeZone: 'Asia/Shanghai', officeHour: '09:00' };
    const due = dueOnDate('2025-03-14', ctx); // Fri
    const rungs = scheduleRungs(due, DEFAULT_POLICY.ladder, ctx);
    expect(rungs.map((r) => [r.rung, r.at.slice(0, 10), r.rag])).toEqual([
      ['reminder', '2025-03-11', 'yellow'],
      ['township_office', '2025-03-17', 'yellow'],
      ['org_dept', '2025-03-21', 'red'],
      ['standing_committee', '2025-03-28', 'red'],
    ]);
    // Nothing loaded (weekends only): the due date and every rung may move.
    expect(due.provisional).toBe(true);
    expect(rungs.every((r) => r.provisional)).toBe(true);
  });

  test('calendar report periods follow Beijing months and are due 5 days after the month ends', () => {
    // Rectification began 2025-01-31 23:30 Beijing (15:30 UTC): period 0 is January in Beijing.
    const p0 = reportPeriod(DEFAULT_POLICY, '2025-01-31T15:30:00Z', 0);
    expect(p0.period).toBe('2025-01');
    expect(p0.startsAt).toBe('2024-12-31T16:00:00.000Z');
    expect(p0.endsAt).toBe('2025-01-31T16:00:00.000Z');
    const p11 = reportPeriod(DEFAULT_POLICY, '2025-01-31T15:30:00Z', 11);
    expect(p11.period).toBe('2025-12');
  });

  test('compressed demo periods still carry YYYY-MM labels counted from the first', () => {
    const p = reportPeriod(DEMO_POLICY, '2025-06-10T00:00:00Z', 2);
    expect(p.period).toBe('2025-08');
    expect(p.startsAt).toBe('2025-06-10T00:06:00.000Z');
    expect(p.endsAt).toBe('2025-06-10T00:09:00.000Z');
  });
});

describe('escalation', () => {
  const exact = { calendar: WEEKENDS_ONLY, timeZone: 'Asia/Shanghai', officeHour: '09:00' };
  const ladder = [
    { rung: 'reminder' as const, offset: '-PT72H', rag: 'yellow' as const },
    { rung: 'township_office' as const, offset: 'PT24H', rag: 'yellow' as const },
    { rung: 'org_dept' as const, offset: 'PT120H', rag: 'red' as const },
  ];
  const obligation = (over: Partial<Obligation> = {}): Obligation => ({
    id: 'c:plan:1',
    kind: 'plan',
    key: '1',
    responsible: 'sponsor',
    dueAt: '2025-03-16T00:00:00.000Z',
    status: 'open',
    rungs: scheduleRungs({ dueAt: '2025-03-16T00:00:00.000Z', dueDate: null, provisional: false }, ladder, exact),
    ...over,
  });

  test('RAG is the worst fired rung of open obligations', () => {
    const o = obligation();
    expect(obligationRag(o)).toBe('green');
    o.rungs[0]!.firedAt = '2025-03-13T00:00:00.000Z';
    expect(obligationRag(o)).toBe('yellow');
    o.rungs[2]!.firedAt = '2025-03-21T00:00:00.000Z';
    expect(caseRag([obligation(), o])).toBe('red');
    expect(caseRag([{ ...o, status: 'satisfied' }])).toBe('green');
    // An exempted (容错) obligation no longer colours the case.
    expect(caseRag([{ ...o, exemptedAt: '2025-03-22T00:00:00.000Z' }])).toBe('green');
  });

  test('due rungs and the next wake-up skip fired rungs and closed obligations', () => {
    const o = obligation();
    expect(dueRungs([o], Date.parse('2025-03-18T00:00:00Z')).map((d) => d.rung.rung)).toEqual(['reminder', 'township_office']);
    o.rungs[0]!.firedAt = 'x';
    expect(nextRungAt([o])).toBe(Date.parse('2025-03-17T00:00:00Z'));
    expect(nextRungAt([{ ...o, status: 'cancelled' }])).toBeNull();
  });
});

describe('cases', () => {
  test('acceptance: ≥70 passes unless more than half are dissatisfied (scenarios 1 and 2)', () => {
    expect(evaluateAcceptance({ score: 68, representativesTotal: 20, representativesDissatisfied: 2 })).toEqual({ passed: false, reason: 'score_below_pass' });
    expect(evaluateAcceptance({ score: 82, representativesTotal: 20, representativesDissatisfied: 11 })).toEqual({
      passed: false,
      reason: 'majority_dissatisfied',
    });
    expect(evaluateAcceptance({ score: 70, representativesTotal: 20, representativesDissatisfied: 10 })).toEqual({ passed: true });
    expect(validateAcceptanceInput({ score: 80, representativesTotal: 14, representativesDissatisfied: 0 })?.field).toBe('representativesTotal');
    expect(validateAcceptanceInput({ score: 80, representativesTotal: 15, representativesDissatisfied: 16 })?.field).toBe('representativesDissatisfied');
    expect(validateAcceptanceInput({ score: 101, representativesTotal: 15, representativesDissatisfied: 0 })?.field).toBe('score');
  });

  test('cancellation is open from every non-terminal state and from none of the terminal ones', () => {
    const allowed = CASE_STATES.filter((s) => checkCommand('cancel', s) === null);
    expect(allowed).toEqual(['designated', 'planning', 'rectifying', 'acceptance_pending', 'delisted', 'follow_up']);
    expect(checkCommand('relapse', 'rectifying')).toMatch(/relapse is not allowed in state rectifying/);
  });

  test('who files (issue 16.1): the sponsor in post; the township office or the org dept while the post is vacant', () => {
    const sponsorId = 'sponsor-1';
    const matrix = ROLES.flatMap((role) =>
      (['in post', 'vacant'] as const).map((post) => {
        const filer = { role, userId: role === 'sponsor' ? sponsorId : `${role}-1` };
        return [role, post, filingRefusal(filer, post === 'vacant' ? null : sponsorId) === null];
      }),
    );
    expect(matrix).toEqual([
      ['sponsor', 'in post', true],
      ['sponsor', 'vacant', false],
      ['township_office', 'in post', false],
      ['township_office', 'vacant', true],
      ['org_dept', 'in post', false],
      ['org_dept', 'vacant', true],
    ]);
    // Another sponsor does not file for this one; the system files nothing; every refusal says why.
    expect(filingRefusal({ role: 'sponsor', userId: 'sponsor-2' }, sponsorId)).toMatch(/本案例的包保领导/);
    expect(filingRefusal({ role: 'system', userId: null }, null)).toMatch(/空缺/);
    expect(filingRefusal({ role: 'township_office', userId: 't' }, sponsorId)).toMatch(/包保领导在岗/);
  });

  test('policies validate durations and rungs, naming the field', () => {
    expect(DeadlinePolicySchema.safeParse(DEFAULT_POLICY).success).toBe(true);
    expect(DeadlinePolicySchema.safeParse(DEMO_POLICY).success).toBe(true);
    const bad = DeadlinePolicySchema.safeParse({ ...DEFAULT_POLICY, planDue: '-3WD' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['planDue']);
    const twice = DeadlinePolicySchema.safeParse({ ...DEFAULT_POLICY, ladder: [DEFAULT_POLICY.ladder[0], DEFAULT_POLICY.ladder[0]] });
    expect(twice.success).toBe(false);
  });
});

describe('deadline activities', () => {
  test('scheduleDeadline computes the due instant and its rungs', async () => {
    const env = new MockActivityEnvironment();
    const { scheduleDeadline } = createDeadlineActivities({ calendarFor: async () => WEEKENDS_ONLY });
    const result: Awaited<ReturnType<typeof scheduleDeadline>> = await env.run(scheduleDeadline, {
      from: '2025-03-03T02:00:00Z',
      after: '15WD',
      ladder: DEFAULT_POLICY.ladder,
      timeZone: 'Asia/Shanghai',
      divisionCode: '522731001001',
    });
    expect(result.dueDate).toBe('2025-03-24'); // Mon 3/3 + 15 working days (weekends only)
    expect(result.dueAt).toBe('2025-03-24T16:00:00.000Z');
    expect(result.rungs).toHaveLength(4);
  });
});

describe('roles', () => {
  test('an office is named after its jurisdiction as it signs its papers; without a name, the role', () => {
    expect(officeName('township_office', '好花红镇')).toBe('好花红镇党委');
    expect(officeName('township_office', '涟江街道')).toBe('涟江街道党工委');
    expect(officeName('org_dept', '惠水县')).toBe('惠水县委组织部');
    expect(officeName('org_dept', '都匀市')).toBe('都匀市委组织部');
    expect(officeName('sponsor', '惠水县')).toBe('惠水县包保县级领导');
    for (const role of ROLES) expect(officeName(role, null)).toBe(ROLE_LABELS[role]);
  });
});
