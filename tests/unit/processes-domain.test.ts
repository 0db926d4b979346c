/** Pure rules of Processes B and C: transitions, the age warning, coverage, policy sections. */
import { describe, expect, test } from 'vitest';
import { checkMentorshipCommand, mentoringCoverage } from '../../domain/mentorships.js';
import { ageOn, checkReserveCommand, isCovered, reserveCoverage, warningsForAge } from '../../domain/reserves.js';
import { DEFAULT_POLICY, DEFAULT_MENTORSHIP_TIMINGS, DEMO_POLICY, mentorshipPolicyOf, reservePolicyOf } from '../../domain/policy.js';
import { DeadlinePolicySchema } from '../../domain/policy-schema.js';
import { obligationLabel } from '../../domain/escalation.js';
import { RATE_DECIMALS, rate, round } from '../../domain/stats.js';

describe('mentorship transitions', () => {
  test('check-ins only while the pair works; reviews only when one is open; a vacant post can only be filled or ended', () => {
    expect(checkMentorshipCommand('logCheckIn', 'active')).toBeNull();
    expect(checkMentorshipCommand('logCheckIn', 'extended')).toBeNull();
    expect(checkMentorshipCommand('logCheckIn', 'mentor_vacant')).toMatch(/logCheckIn is not allowed in state mentor_vacant/);
    expect(checkMentorshipCommand('review', 'active')).not.toBeNull();
    expect(checkMentorshipCommand('approve', 'proposed')).toBeNull();
    expect(checkMentorshipCommand('approve', 'active')).not.toBeNull();
    expect(checkMentorshipCommand('changeMentor', 'mentor_vacant')).toBeNull();
    expect(checkMentorshipCommand('terminate', 'completed')).not.toBeNull();
  });
  test('coverage: mentored / new cadres', () => {
    expect(mentoringCoverage(3, 4)).toBe(0.75);
    expect(mentoringCoverage(0, 0)).toBeNull();
  });
});

describe('reserve transitions and rules', () => {
  test('the pipeline is ordered; placement and transfer only from the pool', () => {
    expect(checkReserveCommand('qualify', 'nominated')).toBeNull();
    expect(checkReserveCommand('inspect', 'nominated')).not.toBeNull();
    expect(checkReserveCommand('publicize', 'inspected')).toBeNull();
    expect(checkReserveCommand('place', 'publicized')).not.toBeNull();
    for (const state of ['in_pool', 'in_training', 'annual_review'] as const) expect(checkReserveCommand('place', state)).toBeNull();
    expect(checkReserveCommand('exit', 'placed')).not.toBeNull();
  });
  test('age over 35 is a warning (never a refusal); ages count whole years', () => {
    expect(ageOn('1990-06-15', '2026-06-14')).toBe(35);
    expect(ageOn('1990-06-15', '2026-06-15')).toBe(36);
    expect(warningsForAge(35)).toEqual([]);
    expect(warningsForAge(36).map((w) => w.code)).toEqual(['age_over_35']);
    expect(warningsForAge(null)).toEqual([]);
  });
  test('scenario 5 arithmetic: 9 of 12 villages with ≥2 in pool → 75 %', () => {
    expect([isCovered(1), isCovered(2)]).toEqual([false, true]);
    expect(reserveCoverage(9, 12)).toBe(0.75);
  });
});

describe('policy sections', () => {
  test('mentorship and reserve policies take the county ladder and default durations unless set', () => {
    const m = mentorshipPolicyOf(DEFAULT_POLICY);
    expect(m).toMatchObject({ ...DEFAULT_MENTORSHIP_TIMINGS, ladder: DEFAULT_POLICY.ladder, timeZone: 'Asia/Shanghai' });
    expect(m.mentorAssignmentDue).toBe('10WD');
    expect(mentorshipPolicyOf({ ...DEFAULT_POLICY, mentorship: { mentorAssignmentDue: '8WD' } }).mentorAssignmentDue).toBe('8WD');
    expect(reservePolicyOf(DEFAULT_POLICY).publicityLength).toBe('5WD');
    expect(reservePolicyOf(DEMO_POLICY).ladder).toBe(DEMO_POLICY.ladder);
  });
  test('the policy schema validates the sections and names bad fields', () => {
    expect(DeadlinePolicySchema.safeParse(DEMO_POLICY).success).toBe(true);
    const bad = DeadlinePolicySchema.safeParse({ ...DEFAULT_POLICY, mentorship: { midReviewAfter: '120WD', bogus: '1' } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['mentorship', 'mentorship.midReviewAfter']);
  });
  test('periodic obligations are named with their period', () => {
    expect(obligationLabel({ kind: 'mentoring_check_in', key: '2026-11' })).toBe('月度帮带记录（2026-11）');
    expect(obligationLabel({ kind: 'mentor_assignment', key: '3' })).toBe('明确帮带导师');
  });
});

describe('one rounding rule for every rate (issue 16.8)', () => {
  test('coverage rates round like the /stats rates: RATE_DECIMALS places', () => {
    // 2 of 3 villages: /stats said 0.6667, /reserve-coverage said 0.667.
    expect(reserveCoverage(2, 3)).toBe(round(rate(2, 3)));
    expect(reserveCoverage(2, 3)).toBe(0.6667);
    expect(mentoringCoverage(1, 3)).toBe(0.3333);
    expect(RATE_DECIMALS).toBe(4);
    expect(reserveCoverage(0, 0)).toBeNull();
  });
});
