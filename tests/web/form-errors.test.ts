// @vitest-environment happy-dom
/**
 * Component-level tests of the console (happy-dom, no server): the server's field errors land on
 * the form's own fields, and the light renders the same everywhere.
 */
import { describe, expect, test } from 'vitest';
import { mount } from '@vue/test-utils';
import { fieldErrors } from '../../web/src/api/client';
import Light from '../../web/src/components/Light.vue';
import WorkingDaysLabel from '../../web/src/components/WorkingDaysLabel.vue';
import { formatDate, formatInstant } from '../../web/src/components/dates';

describe('form error mapping', () => {
  test('body./query./params. prefixes drop; the first message per field wins; no issues, no errors', () => {
    const errors = fieldErrors({
      statusCode: 400,
      message: 'x',
      details: {
        issues: [
          { field: 'body.newPassword', message: '至少 8 个字符' },
          { field: 'body.newPassword', message: 'second' },
          { field: 'query.from', message: '须为有效日期' },
          { field: 'body.measures.0.owner', message: '必填' },
        ],
      },
    });
    expect(errors).toEqual({ newPassword: '至少 8 个字符', from: '须为有效日期', 'measures.0.owner': '必填' });
    expect(fieldErrors(undefined)).toEqual({});
    expect(fieldErrors({ statusCode: 401, message: 'no' })).toEqual({});
  });
});

describe('dates as people read them (Beijing time)', () => {
  test('a civil date and an instant', () => {
    expect(formatDate('2026-12-14')).toBe('2026年12月14日');
    // 16:30 UTC is 00:30 the next day in Beijing.
    expect(formatInstant('2026-12-14T16:30:00Z')).toBe('2026年12月15日 00:30');
    expect(formatDate(null)).toBe('—');
    expect(formatInstant('not a date')).toBe('—');
  });
});

describe('the light', () => {
  test('names its colour for screen readers', () => {
    const wrapper = mount(Light, { props: { rag: 'red' } });
    expect(wrapper.classes()).toContain('red');
    expect(wrapper.attributes('aria-label')).toBe('红灯');
  });
});

describe('the working-days label', () => {
  const render = (days: number | null) => mount(WorkingDaysLabel, { props: { days } });
  test('ahead, due today, overdue, and nothing for an exact deadline', () => {
    expect(render(5).text()).toBe('剩 5 个工作日');
    expect(render(5).find('span').attributes('data-type')).toBe('success');
    expect(render(2).find('span').attributes('data-type')).toBe('warning');
    expect(render(0).text()).toBe('今天到期');
    expect(render(-3).text()).toBe('已超期 3 个工作日');
    expect(render(-3).find('span').attributes('data-type')).toBe('danger');
    expect(render(null).html()).not.toContain('span');
  });
});
