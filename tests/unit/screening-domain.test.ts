/** Process D's pure rules: which command each state allows, the list after 研判, the 5–10% band, step lengths. */
import { describe, expect, test } from 'vitest';
import { checkScreeningCommand, designationRateFlag, proposedList, rate } from '../../domain/screening.js';
import { withinAYear } from '../../domain/screening-timing.js';

describe('screening campaign rules', () => {
  test('each command in its state only; the approval freezes the list', () => {
    expect(checkScreeningCommand('submitSheet', 'screening')).toBeNull();
    expect(checkScreeningCommand('submitSheet', 'judging')).toContain('screening has closed');
    expect(checkScreeningCommand('judge', 'approved')).toContain('not in 研判');
    expect(checkScreeningCommand('amend', 'approved')).toBeNull();
    expect(checkScreeningCommand('amend', 'designated')).not.toBeNull();
    expect(checkScreeningCommand('designate', 'judging')).toContain('not approved');
  });

  test('the list after 研判: proposals not removed, plus the villages added, once each', () => {
    const listed = ['522731109001', '522731109002', '522731109003'];
    const decisions = [
      { villageCode: '522731109003', decision: 'remove' as const },
      { villageCode: '522731109001', decision: 'confirm' as const },
      { villageCode: '522731003004', decision: 'add' as const },
    ];
    expect(proposedList(listed, decisions)).toEqual(['522731003004', '522731109001', '522731109002']);
  });

  test('designation rates outside 5–10% are flagged (scenario 4: 14 of 215 is 6.5%, inside)', () => {
    expect(rate(14, 215)).toBe(0.0651);
    expect(designationRateFlag(rate(14, 215))).toBeNull();
    expect(designationRateFlag(rate(2, 12))).toBe('high');
    expect(designationRateFlag(rate(1, 30))).toBe('low');
    expect(designationRateFlag(rate(0, 0))).toBeNull();
  });

  test('a step lasts at most a year', () => {
    for (const ok of ['20WD', '260WD', 'P1M', 'P1Y', 'PT5M']) expect(withinAYear(ok), ok).toBe(true);
    for (const bad of ['261WD', 'P9999Y', 'P13M', '-3WD', 'soon']) expect(withinAYear(bad), bad).toBe(false);
  });
});
