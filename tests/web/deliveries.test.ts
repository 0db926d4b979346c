// @vitest-environment happy-dom
/**
 * How the console shows deliveries (happy-dom, no server): an inbox item's sends on one line each
 * ("短信 已发送", "钉钉群 待发送 12月8日 08:30"), which sends may be retried and which need the
 * in-doubt confirmation, the 送达记录 table, and the preference grid with the mandatory switches
 * locked and saying why.
 */
import { describe, expect, test } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { deliveryLine, deliveryTarget, retryOf, waitingForWindow, type Delivery } from '../../web/src/components/deliveries';
import { formatShortInstant } from '../../web/src/components/dates';
import DeliveryLines from '../../web/src/components/DeliveryLines.vue';
import DeliveriesTable from '../../web/src/components/DeliveriesTable.vue';
import PreferenceGrid from '../../web/src/components/PreferenceGrid.vue';

const delivery = (over: Partial<Delivery>): Delivery => ({
  id: crypto.randomUUID(),
  attempts: 0,
  category: 'yellow_card',
  channel: 'sms',
  createdAt: '2026-12-07T01:00:00Z',
  deliveredAt: null,
  digestOf: null,
  divisionCode: '522731001000',
  finishedAt: null,
  lastErrorCode: null,
  notBefore: null,
  notificationId: crypto.randomUUID(),
  notificationKind: 'escalation.township_office',
  notificationTitle: '黄牌督办：某村整顿方案逾期',
  providerMessageId: null,
  resends: 0,
  sentAt: null,
  status: 'pending',
  targetHint: '138****0000',
  targetLabel: null,
  updatedAt: '2026-12-07T01:00:00Z',
  ...over,
});

describe('one line per delivery', () => {
  test('channel and status, and the window’s start in Beijing time while it waits', () => {
    expect(deliveryLine(delivery({ status: 'sent', sentAt: '2026-12-07T01:00:05Z' }))).toBe('短信 已发送');
    // 00:30 UTC on 8 December is 08:30 in Beijing.
    expect(deliveryLine(delivery({ channel: 'dingtalk_robot', status: 'scheduled', notBefore: '2026-12-08T00:30:00Z' }))).toBe('钉钉群 待发送 12月8日 08:30');
    expect(formatShortInstant('2026-12-31T16:05:00Z')).toBe('1月1日 00:05');
    expect(deliveryLine(delivery({ channel: 'wecom_robot', status: 'failed' }))).toBe('企业微信群 发送失败');
  });

  test('a robot by its name and masked host; waiting for the window only while the window is ahead', () => {
    expect(deliveryTarget(delivery({ targetLabel: '党建办工作群', targetHint: 'https://qyapi.weixin.qq.com/…' }))).toBe(
      '党建办工作群（https://qyapi.weixin.qq.com/…）',
    );
    expect(waitingForWindow(delivery({ status: 'scheduled', notBefore: new Date(Date.now() + 3_600_000).toISOString() }))).toBe(true);
    expect(waitingForWindow(delivery({ status: 'scheduled', notBefore: new Date(Date.now() - 3_600_000).toISOString() }))).toBe(false);
    expect(waitingForWindow(delivery({ status: 'sent', notBefore: new Date(Date.now() + 3_600_000).toISOString() }))).toBe(false);
  });

  test('the inbox shows them as chips', () => {
    const wrapper = mount(DeliveryLines, {
      props: { deliveries: [delivery({ status: 'sent' }), delivery({ channel: 'email', status: 'unknown', targetHint: 'z***@example.gov.cn' })] },
    });
    expect(wrapper.findAll('[data-test=delivery-line]').map((w) => w.text())).toEqual(['短信 已发送', '邮件 结果不明']);
    expect(
      mount(DeliveryLines, { props: { deliveries: [] } })
        .find('[data-test=delivery-lines]')
        .exists(),
    ).toBe(false);
  });
});

describe('retrying', () => {
  test('failed and unknown only; an unknown SMS or DingTalk message needs the in-doubt confirmation, the deduplicating channels do not', () => {
    expect(retryOf(delivery({ status: 'sent' }))).toEqual({ allowed: false, inDoubt: false });
    expect(retryOf(delivery({ status: 'failed' }))).toEqual({ allowed: true, inDoubt: false });
    expect(retryOf(delivery({ status: 'unknown', channel: 'sms' }))).toEqual({ allowed: true, inDoubt: true });
    expect(retryOf(delivery({ status: 'unknown', channel: 'dingtalk_robot' }))).toEqual({ allowed: true, inDoubt: true });
    expect(retryOf(delivery({ status: 'unknown', channel: 'wecom_robot' }))).toEqual({ allowed: true, inDoubt: false });
    expect(retryOf(delivery({ status: 'unknown', channel: 'email' }))).toEqual({ allowed: true, inDoubt: false });
  });
});

describe('送达记录 and preferences', () => {
  test('the table has a row per send with its status and error code', async () => {
    const wrapper = mount(DeliveriesTable, {
      props: {
        deliveries: [
          delivery({ status: 'failed', lastErrorCode: 'isv.BUSINESS_LIMIT_CONTROL' }),
          delivery({ status: 'delivered', deliveredAt: '2026-12-07T01:00:09Z' }),
        ],
      },
      global: { plugins: [ElementPlus] },
    });
    // The table fills its body after mounting.
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const text = wrapper.text();
    expect(text).toContain('发送失败');
    expect(text).toContain('isv.BUSINESS_LIMIT_CONTROL');
    expect(text).toContain('2026年12月7日 09:00 送达');
  });

  test('a switch that may change asks for the change; a mandatory one is disabled', async () => {
    const items = [
      { category: 'reminder', channel: 'sms', enabled: true, default: true, mayChange: true },
      { category: 'red_card', channel: 'sms', enabled: true, default: true, mayChange: false },
    ] as const;
    const wrapper = mount(PreferenceGrid, {
      props: { items: items.map((i) => ({ ...i })), mandatoryHint: '红牌督办和通报须送达，不能关闭', test: 'grid' },
      global: { plugins: [ElementPlus] },
    });
    expect(wrapper.find('[data-test=pref-red_card-sms] .el-switch').classes()).toContain('is-disabled');
    expect(wrapper.find('[data-test=pref-reminder-sms] .el-switch').classes()).not.toContain('is-disabled');
    await wrapper.find('[data-test=pref-reminder-sms] .el-switch').trigger('click');
    expect(wrapper.emitted('change')).toEqual([['reminder', 'sms', false]]);
    await wrapper.find('[data-test=pref-red_card-sms] .el-switch').trigger('click');
    expect(wrapper.emitted('change')).toHaveLength(1);
  });
});
