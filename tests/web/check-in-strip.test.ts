// @vitest-environment happy-dom
/**
 * The 1+1 check-in strip (happy-dom, no server): each month of the term is logged, late, missing,
 * due, future or not counted, worked out from the projected check-ins and obligations and the
 * time given (never the test's own today).
 */
import { describe, expect, test } from 'vitest';
import { mount } from '@vue/test-utils';
import { addMonths, checkInStrip, monthOf, type StripInput } from '../../web/src/pages/mentorships/check-in-strip';
import CheckInStrip from '../../web/src/pages/mentorships/CheckInStrip.vue';

const owed = (key: string, status: string, dueAt: string) => ({ kind: 'mentoring_check_in', key, status, dueAt, dueDate: dueAt.slice(0, 10) });
const now = Date.parse('2026-06-20T02:00:00Z');
const base: StripInput = {
  state: 'active',
  startedAt: '2026-01-10T02:00:00Z',
  proposedAt: '2026-01-05T02:00:00Z',
  extensions: 0,
  obligations: [
    owed('2026-01', 'satisfied', '2026-02-06T15:59:59Z'),
    owed('2026-02', 'satisfied', '2026-03-06T15:59:59Z'),
    owed('2026-03', 'cancelled', '2026-04-08T15:59:59Z'),
    owed('2026-04', 'open', '2026-05-08T15:59:59Z'),
    owed('2026-05', 'open', '2026-06-05T15:59:59Z'),
    owed('2026-06', 'open', '2026-07-07T15:59:59Z'),
    { kind: 'mid_review', key: '1', status: 'open', dueAt: '2026-07-20T15:59:59Z', dueDate: '2026-07-20' },
  ],
  checkIns: [
    { period: '2026-01', late: false },
    { period: '2026-02', late: true },
  ],
};

describe('months', () => {
  test('month arithmetic across years, and an instant’s month in Beijing', () => {
    expect(addMonths('2026-11', 3)).toBe('2027-02');
    expect(addMonths('2026-01', 0)).toBe('2026-01');
    expect(addMonths('2026-12', 1)).toBe('2027-01');
    // 17:00 UTC on 31 January is 1 February in Beijing.
    expect(monthOf('2026-01-31T17:00:00Z')).toBe('2026-02');
  });
});

describe('the strip', () => {
  test('twelve months from the first check-in month, each as the projection has it', () => {
    const cells = checkInStrip(base, now);
    expect(cells).toHaveLength(12);
    expect(cells.map((c) => c.period)).toEqual(Array.from({ length: 12 }, (_, i) => addMonths('2026-01', i)));
    expect(cells.slice(0, 7).map((c) => c.status)).toEqual(['logged', 'late', 'skipped', 'missing', 'missing', 'due', 'future']);
    expect(cells.at(-1)!.status).toBe('future');
    expect(cells[5]!.dueDate).toBe('2026-07-07');
  });

  test('the same mentorship a month later: June is now missing too', () => {
    expect(checkInStrip(base, Date.parse('2026-07-10T02:00:00Z'))[5]!.status).toBe('missing');
  });

  test('an extension adds six months; a proposed pair is all future; an ended one counts nothing after its last month', () => {
    expect(checkInStrip({ ...base, extensions: 1 }, now)).toHaveLength(18);
    const proposed = checkInStrip({ ...base, state: 'proposed', startedAt: null, obligations: [], checkIns: [] }, now);
    expect(proposed[0]!.period).toBe('2026-01');
    expect(new Set(proposed.map((c) => c.status))).toEqual(new Set(['future']));
    const ended = checkInStrip(
      { ...base, state: 'terminated', obligations: base.obligations.map((o) => (o.status === 'open' ? { ...o, status: 'cancelled' } : o)) },
      now,
    );
    expect(ended.slice(3).every((c) => c.status === 'skipped')).toBe(true);
  });

  test('renders a cell per month with its status for people and for tests', () => {
    const wrapper = mount(CheckInStrip, { props: { mentorship: base, now } });
    const cells = wrapper.findAll('[data-test=check-in-strip] li');
    expect(cells).toHaveLength(12);
    expect(cells[0]!.attributes('data-status')).toBe('logged');
    expect(cells[0]!.text()).toContain('1月');
    expect(cells[1]!.text()).toContain('逾期补记');
    expect(cells[3]!.classes()).toContain('missing');
    expect(cells[3]!.attributes('title')).toContain('2026年5月8日');
  });
});
