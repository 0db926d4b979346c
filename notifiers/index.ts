/**
 * The notifiers a process has, from its config: SMS by SMS_PROVIDER, e-mail when SMTP_URL is set,
 * the robots and our webhook always (their URL and secret come with each target).
 */
import type { Config } from '../config/config.js';
import { createSecretBox, type SecretBox } from '../lib/secret-box.js';
import { createAliyunSms } from './aliyun-sms.js';
import { createDingtalkRobot } from './dingtalk-robot.js';
import { createEmail } from './email.js';
import { splitEndpoint } from './http.js';
import { createSignedWebhook } from './signed-webhook.js';
import { createTencentSms } from './tencent-sms.js';
import type { Notifier, Notifiers } from './types.js';
import { createWecomRobot } from './wecom-robot.js';

/** The settings a provider needs; a missing one is a configuration error at boot, not a failed send at 3 a.m. */
function required(config: Config, keys: readonly (keyof Config)[]): void {
  const missing = keys.filter((key) => !config[key]);
  if (missing.length > 0) throw new Error(`SMS_PROVIDER=${config.SMS_PROVIDER} needs ${missing.join(', ')}`);
}

function createSms(config: Config): Notifier | undefined {
  const timeoutMs = config.DELIVERY_HTTP_TIMEOUT_MS;
  switch (config.SMS_PROVIDER) {
    case 'none':
      return undefined;
    case 'aliyun': {
      required(config, ['ALIYUN_SMS_ACCESS_KEY_ID', 'ALIYUN_SMS_ACCESS_KEY_SECRET', 'ALIYUN_SMS_SIGN_NAME', 'ALIYUN_SMS_TEMPLATE_CODE']);
      const { host, protocol } = splitEndpoint(config.ALIYUN_SMS_ENDPOINT);
      return createAliyunSms({
        accessKeyId: config.ALIYUN_SMS_ACCESS_KEY_ID!,
        accessKeySecret: config.ALIYUN_SMS_ACCESS_KEY_SECRET!,
        endpoint: host,
        protocol,
        signName: config.ALIYUN_SMS_SIGN_NAME!,
        templateCode: config.ALIYUN_SMS_TEMPLATE_CODE!,
        timeoutMs,
      });
    }
    case 'tencent': {
      required(config, ['TENCENT_SMS_SECRET_ID', 'TENCENT_SMS_SECRET_KEY', 'TENCENT_SMS_APP_ID', 'TENCENT_SMS_SIGN_NAME', 'TENCENT_SMS_TEMPLATE_ID']);
      const { host, protocol } = splitEndpoint(config.TENCENT_SMS_ENDPOINT);
      return createTencentSms({
        secretId: config.TENCENT_SMS_SECRET_ID!,
        secretKey: config.TENCENT_SMS_SECRET_KEY!,
        region: config.TENCENT_SMS_REGION,
        endpoint: host,
        protocol,
        appId: config.TENCENT_SMS_APP_ID!,
        signName: config.TENCENT_SMS_SIGN_NAME!,
        templateId: config.TENCENT_SMS_TEMPLATE_ID!,
        timeoutMs,
      });
    }
  }
}

export function createNotifiers(config: Config): Notifiers {
  const timeoutMs = config.DELIVERY_HTTP_TIMEOUT_MS;
  const notifiers: Notifiers = {
    wecom_robot: createWecomRobot({ timeoutMs }),
    dingtalk_robot: createDingtalkRobot({ timeoutMs }),
    signed_webhook: createSignedWebhook({ timeoutMs }),
  };
  const sms = createSms(config);
  if (sms) notifiers.sms = sms;
  if (config.SMTP_URL) notifiers.email = createEmail({ url: config.SMTP_URL, from: config.SMTP_FROM, timeoutMs });
  return notifiers;
}

/** What a process needs to deliver: the key that opens addresses and the notifiers. */
export interface DeliverySetup {
  secretBox: SecretBox;
  notifiers: Notifiers;
}

/**
 * The delivery setup of a process, or null without a key (then nothing can be sealed or opened:
 * contact points and office channels cannot be saved and notifications stay in the inbox).
 * `fallbackKey`: `npm start` keeps one in DATA_DIR when the config names none.
 */
export function deliveryFromConfig(config: Config, fallbackKey?: string): DeliverySetup | null {
  const key = config.DELIVERY_ENCRYPTION_KEY ?? fallbackKey;
  if (!key) return null;
  return { secretBox: createSecretBox(key), notifiers: createNotifiers(config) };
}
