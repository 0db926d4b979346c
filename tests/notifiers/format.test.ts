// The channels' text, and which notifiers a config yields.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { DIGEST_MAX_LINES } from '../../domain/delivery.js';
import { plainText, robotMarkdown, smsTemplateParams, truncateUtf8 } from '../../notifiers/format.js';
import { createNotifiers } from '../../notifiers/index.js';
import type { OutgoingMessage } from '../../notifiers/types.js';

const base: OutgoingMessage = { deliveryId: 'd1', kind: 'escalation.reminder', title: '到期提醒', lines: ['甲村', '乙村'], more: 0 };

describe('format', () => {
  it('robot markdown: ### title, one "- " line an item, at most DIGEST_MAX_LINES, then 另有 N 项', () => {
    expect(robotMarkdown(base)).toBe('### 到期提醒\n- 甲村\n- 乙村');
    const many = { ...base, lines: Array.from({ length: DIGEST_MAX_LINES + 4 }, (_, i) => `村${i}`), more: 2 };
    const out = robotMarkdown(many).split('\n');
    expect(out).toHaveLength(1 + DIGEST_MAX_LINES + 1);
    expect(out.at(-1)).toBe('另有 6 项');
    // A line cannot open a heading or break the list.
    expect(robotMarkdown({ ...base, lines: ['# 标题\n第二行'] })).toBe('### 到期提醒\n- 标题 第二行');
  });

  it('plain text for e-mail', () => {
    expect(plainText({ ...base, more: 4 })).toBe('甲村\n乙村\n另有 4 项');
  });

  it('SMS variables: no URL, cut to the cap, a count', () => {
    const params = smsTemplateParams({ ...base, title: '请查看 https://x.example/a?b=1 www.y.example 第一二三四五六七八九十项整改', more: 1 }, 12);
    expect(params.title).not.toMatch(/http|www|example/);
    expect(Array.from(params.title)).toHaveLength(12);
    expect(params.title.endsWith('…')).toBe(true);
    expect(params.count).toBe('3');
  });

  it('truncateUtf8 keeps whole characters within the byte cap', () => {
    const cut = truncateUtf8('整改'.repeat(1000), 100);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(100);
    expect(cut.endsWith('…')).toBe(true);
  });
});

describe('createNotifiers', () => {
  it('robots and the webhook always; SMS and e-mail only when configured', () => {
    expect(Object.keys(createNotifiers(loadConfig({}))).sort()).toEqual(['dingtalk_robot', 'signed_webhook', 'wecom_robot']);
    const full = createNotifiers(
      loadConfig({
        SMS_PROVIDER: 'tencent',
        TENCENT_SMS_SECRET_ID: 'id',
        TENCENT_SMS_SECRET_KEY: 'key',
        TENCENT_SMS_APP_ID: '1400000001',
        TENCENT_SMS_SIGN_NAME: '签名',
        TENCENT_SMS_TEMPLATE_ID: '1',
        SMTP_URL: 'smtp://127.0.0.1:2525',
      }),
    );
    expect(Object.keys(full).sort()).toEqual(['dingtalk_robot', 'email', 'signed_webhook', 'sms', 'wecom_robot']);
  });

  it('a provider with missing settings fails at boot, naming the keys (not their values)', () => {
    expect(() => createNotifiers(loadConfig({ SMS_PROVIDER: 'aliyun', ALIYUN_SMS_ACCESS_KEY_ID: 'id' }))).toThrow(
      /ALIYUN_SMS_ACCESS_KEY_SECRET, ALIYUN_SMS_SIGN_NAME, ALIYUN_SMS_TEMPLATE_CODE/,
    );
  });
});
