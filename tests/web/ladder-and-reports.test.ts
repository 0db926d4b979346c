// @vitest-environment happy-dom
/**
 * The ladder track and the 12-month report grid (happy-dom, no server): which dates a 延期 strikes
 * through, which rung links its 督办单, and what each month of reports shows.
 */
import { describe, expect, test } from 'vitest';
import { mount, RouterLinkStub } from '@vue/test-utils';
import { ladderSteps } from '../../web/src/components/ladder';
import LadderTrack from '../../web/src/components/LadderTrack.vue';
import { addMonths, reportGrid } from '../../web/src/components/report-grid';
import ReportGrid from '../../web/src/components/ReportGrid.vue';

const rung = (name: string, at: string, firedAt?: string) => ({ rung: name, at, provisional: false, ...(firedAt ? { firedAt } : {}) });

describe('ladder steps', () => {
  const current = [
    rung('reminder', '2027-01-04T01:00:00Z', '2027-01-04T01:00:05Z'),
    rung('township_office', '2027-02-08T01:00:00Z'),
    rung('org_dept', '2027-02-15T01:00:00Z'),
  ];
  const before = {
    rungs: [rung('reminder', '2027-01-04T01:00:00Z'), rung('township_office', '2027-01-08T01:00:00Z'), rung('org_dept', '2027-01-15T01:00:00Z')],
  };
  const twiceBefore = { rungs: [rung('township_office', '2027-01-08T01:00:00Z'), rung('org_dept', '2027-01-11T01:00:00Z')] };

  test('an unfired rung strikes through each different earlier time once, oldest first; a fired rung none', () => {
    const steps = ladderSteps(current, [twiceBefore, before]);
    expect(steps.map((s) => [s.rung, s.struck])).toEqual([
      ['reminder', []],
      ['township_office', ['2027-01-08T01:00:00Z']],
      ['org_dept', ['2027-01-11T01:00:00Z', '2027-01-15T01:00:00Z']],
    ]);
    expect(ladderSteps(current).every((s) => s.struck.length === 0)).toBe(true);
  });

  test('a rung that raised an escalation links its 督办单', () => {
    const steps = ladderSteps(current, [], [{ id: 'e1', rung: 'reminder', raisedAt: '2027-01-04T01:00:05Z' }]);
    expect(steps.map((s) => s.escalationId)).toEqual(['e1', null, null]);
  });

  test('the track renders the target office, the struck dates and the link', () => {
    const wrapper = mount(LadderTrack, {
      props: { rungs: current, responsible: 'sponsor', previous: [before], escalations: [{ id: 'e1', rung: 'reminder', raisedAt: '2027-01-04T01:00:05Z' }] },
      global: { stubs: { RouterLink: RouterLinkStub } },
    });
    expect(wrapper.find('[data-test=rung-reminder]').text()).toContain('包保领导');
    expect(wrapper.find('[data-test=rung-township_office]').text()).toContain('乡镇党委');
    expect(wrapper.find('[data-test=rung-org_dept]').text()).toContain('县委组织部');
    expect(wrapper.findAll('del')).toHaveLength(2);
    expect(wrapper.findComponent(RouterLinkStub).props('to')).toBe('/print/escalations/e1');
  });
});

describe('report grid', () => {
  const now = new Date('2027-03-10T00:00:00Z');
  const report = (key: string, status: string, dueAt: string, exemptedAt: string | null = null) => ({ kind: 'monthly_report', key, status, dueAt, exemptedAt });
  const filed = (key: string, late: boolean) => ({ kind: 'report', key, late, submittedAt: `${key}-28T02:00:00Z` });

  test('months roll over the year', () => {
    expect(addMonths('2026-11', 1)).toBe('2026-12');
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    expect(addMonths('2026-12', 13)).toBe('2028-01');
  });

  test('twelve months from the first period: on time, late, overdue, owed, excused and not yet open', () => {
    const obligations = [
      report('2026-12', 'satisfied', '2027-01-05T01:00:00Z'),
      report('2027-01', 'satisfied', '2027-02-05T01:00:00Z'),
      report('2027-02', 'open', '2027-03-05T01:00:00Z'),
      report('2027-03', 'open', '2027-04-06T01:00:00Z'),
      report('2027-04', 'open', '2027-05-06T01:00:00Z', '2027-03-01T00:00:00Z'),
      { kind: 'plan', key: '1', status: 'satisfied', dueAt: '2026-12-20T01:00:00Z' },
    ];
    const cells = reportGrid(
      obligations,
      [filed('2026-12', false), filed('2027-01', true), { kind: 'plan', key: '1', late: false, submittedAt: '2026-12-01T00:00:00Z' }],
      now,
    );
    expect(cells).toHaveLength(12);
    expect(cells.slice(0, 6).map((c) => [c.period, c.status])).toEqual([
      ['2026-12', 'on_time'],
      ['2027-01', 'late'],
      ['2027-02', 'overdue'],
      ['2027-03', 'due'],
      ['2027-04', 'waived'],
      ['2027-05', 'future'],
    ]);
    expect(cells.at(-1)!.period).toBe('2027-11');
  });

  test('a case that reported longer than twelve months shows every month; none before the first period', () => {
    const obligations = Array.from({ length: 14 }, (_, i) => report(addMonths('2026-01', i), 'satisfied', '2026-01-01T00:00:00Z'));
    expect(reportGrid(obligations, [], now)).toHaveLength(14);
    expect(reportGrid([], [], now)).toEqual([]);
  });

  test('the grid marks late months', () => {
    const wrapper = mount(ReportGrid, {
      props: { obligations: [report('2027-01', 'satisfied', '2027-02-05T01:00:00Z')], submissions: [filed('2027-01', true)], now },
    });
    expect(wrapper.find('[data-test="report-2027-01"]').attributes('data-status')).toBe('late');
    expect(wrapper.find('[data-test="report-2027-01"]').text()).toContain('迟报');
  });
});
