import { z } from 'zod';

/**
 * The one place that reads process.env. Parsed once at boot; everything else receives `Config`.
 * Unset DATABASE_URL / TEMPORAL_ADDRESS mean "embedded": `npm start` launches local servers.
 */
const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * `pretty`: coloured lines (pino-pretty) for a person at a terminal; `json`: one JSON object a line
   * for a log collector. Unset: pretty when stdout is a terminal and NODE_ENV is not production.
   */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('rectify'),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_TEST_SERVER_PATH: z.string().optional(),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Body size limit in bytes; larger bodies get 413. */
  API_BODY_LIMIT: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  // --- Worker sizing (issue 14; BENCHMARKS.md, "Sizing a province deployment"). Unset: the SDK's defaults.
  /** Workflows kept in a worker's memory (~190 KB each measured); an evicted one replays its history on its next task. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(1).optional(),
  /** Workflow tasks a worker runs at once (SDK default 40). */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).optional(),
  /** Local activities (projections, date arithmetic) a worker runs at once (SDK default 100); each projection holds a pool connection. */
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: z.coerce.number().int().min(1).optional(),
  /** Connections in a worker's Postgres pool (default 10). */
  WORKER_DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  /** Where embedded Postgres and the dev server keep their files. */
  DATA_DIR: z.string().default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().default(54329),
  DEV_SERVER_PORT: z.coerce.number().int().default(7233),
  DEV_SERVER_UI_PORT: z.coerce.number().int().default(8233),
  // --- Sign-in (issue 10): the password policy, sessions, lockout and login limits.
  /** log2 of scrypt's N; 17 costs about 0.3 s and 128 MiB per hash. Hashes made at another cost are redone at the next login. */
  AUTH_SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(17),
  /** Password hashes computed at once, and how many more may wait (beyond that a login answers 429). */
  AUTH_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  AUTH_HASH_QUEUE: z.coerce.number().int().min(0).max(10_000).default(16),
  AUTH_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  AUTH_SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24)
    .default(8),
  /** Failed logins in a row that lock an account, and for how long. */
  AUTH_LOCKOUT_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  AUTH_LOCKOUT_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(10),
  /** Login attempts a minute per client IP and per username (429 beyond). */
  AUTH_LOGIN_LIMIT_PER_IP: z.coerce.number().int().min(1).default(30),
  AUTH_LOGIN_LIMIT_PER_USERNAME: z.coerce.number().int().min(1).default(10),
  /** The session cookie's Secure flag: `auto` sets it when the request came over HTTPS. */
  AUTH_COOKIE_SECURE: z.enum(['auto', 'always', 'never']).default('auto'),
  /** The console's origin (https://rectify.example.gov.cn) when a proxy serves it; default: the Host the request names. */
  AUTH_PUBLIC_ORIGIN: z.string().url().optional(),
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(64).default(8),
  PASSWORD_MIN_CLASSES: z.coerce.number().int().min(1).max(4).default(3),
  PASSWORD_HISTORY: z.coerce.number().int().min(1).max(24).default(5),
  /** Days until a password must be changed; 0: never. */
  PASSWORD_MAX_AGE_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  /** The login log is kept at least 180 days (等级保护 asks for six months). */
  LOGIN_LOG_RETENTION_DAYS: z.coerce.number().int().min(180).max(3650).default(180),
  // --- Limits (issue 15): rate limits, the API's statement timeout, proxies.
  /**
   * Requests a second one signed-in user may send, sustained (counted over 30-second windows), and
   * how many in any 2-second window (the burst a page load makes). 0 turns the per-user limit off.
   */
  API_RATE_LIMIT_PER_USER: z.coerce.number().min(0).max(10_000).default(20),
  API_RATE_LIMIT_USER_BURST: z.coerce.number().int().min(1).max(100_000).default(60),
  /** The same for requests without a (known) credential, per client IP (health checks, login, bad tokens). 0: off. */
  API_RATE_LIMIT_PER_IP: z.coerce.number().min(0).max(10_000).default(10),
  API_RATE_LIMIT_IP_BURST: z.coerce.number().int().min(1).max(100_000).default(30),
  /** How long a 429 is held before it is sent, so a script that ignores Retry-After slows down (0: at once). */
  API_RATE_LIMIT_REFUSAL_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(500),
  /** Longest a query of the API may run (Postgres statement_timeout on the API's pool); beyond it the call answers 503. 0: no limit. */
  API_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /**
   * Whether X-Forwarded-For names the client (Fastify's trustProxy): `false` (default: the peer
   * address is the client), `true` (trust every hop), a hop count (`1`), or proxy addresses/CIDRs
   * (`10.0.0.1,10.0.0.0/8`). Set it only behind a proxy that overwrites the header, else anyone
   * picks their own IP for the per-IP limits and the login log.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | number | string => (v === 'false' || v === '' ? false : v === 'true' ? true : /^\d+$/.test(v) ? Number(v) : v)),
  // --- Metrics (issue 15): GET /metrics in Prometheus text format, each process its own registry.
  /** Serve /metrics on a listener of its own (API_HOST's port stays free of it). Unset: no own listener. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  /** A bearer token for /metrics: on the API's port (else /metrics is not served there) and, when set, on METRICS_PORT too. */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** IP:port for the Temporal SDK's Prometheus exporter in a worker process (temporal_* figures). Unset: off. */
  TEMPORAL_METRICS_ADDRESS: z
    .string()
    .regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/, 'an IP address and port, e.g. 127.0.0.1:9464 (no host names)')
    .optional(),
  // --- Tracing (issue 15): OpenTelemetry spans from the HTTP request through the Update to its activities.
  /**
   * Base URL of an OTLP/HTTP collector (http://otel-collector:4318): spans are sent as protobuf to
   * `<url>/v1/traces`, the standard variable's meaning. Unset or empty: tracing is off, no SDK is started.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^https?:\/\/[^/\s]+/, 'an http:// or https:// URL, e.g. http://otel-collector:4318')
      .optional(),
  ),
  /** The hash of the tamper-evident logs' chains (SM3 for 商用密码应用安全性评估, or SHA-256); each row records its own, so a change leaves older rows verifiable. */
  AUDIT_HASH_ALGORITHM: z.enum(['sm3', 'sha256']).default('sm3'),
  // --- Delivery (issue 12): contact points and office channels at rest, the dispatcher's queue.
  /**
   * AES-256-GCM key for phone numbers, e-mail addresses, robot URLs and secrets (32 bytes, base64:
   * `openssl rand -base64 32`). Required in production; `npm start` keeps one in DATA_DIR.
   */
  DELIVERY_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, '32 bytes in base64 (openssl rand -base64 32)')
    .optional(),
  // --- Channels (issue 12): provider endpoints and credentials.
  /** Which SMS provider sends (`none`: the SMS channel is not configured and its deliveries fail with channel_not_configured). */
  SMS_PROVIDER: z.enum(['aliyun', 'tencent', 'none']).default('none'),
  /** Aliyun AccessKey of a RAM user allowed dysms:SendSms and dysms:QuerySendDetails only. */
  ALIYUN_SMS_ACCESS_KEY_ID: z.string().optional(),
  ALIYUN_SMS_ACCESS_KEY_SECRET: z.string().optional(),
  /** Aliyun SMS API host; `http://host:port` only for a local stub (the scheme picks the protocol, https when absent). */
  ALIYUN_SMS_ENDPOINT: z.string().default('dysmsapi.aliyuncs.com'),
  /** The approved 短信签名 (e.g. 某某县委组织部). */
  ALIYUN_SMS_SIGN_NAME: z.string().optional(),
  /** The approved notification template (SMS_…) with the variables ${title} and ${count}. */
  ALIYUN_SMS_TEMPLATE_CODE: z.string().optional(),
  /** Tencent Cloud API key of a CAM user allowed sms:SendSms and sms:PullSmsSendStatusByPhoneNumber only. */
  TENCENT_SMS_SECRET_ID: z.string().optional(),
  TENCENT_SMS_SECRET_KEY: z.string().optional(),
  /** Tencent SMS region (ap-guangzhou, ap-beijing or ap-nanjing). */
  TENCENT_SMS_REGION: z.string().default('ap-guangzhou'),
  /** Tencent SMS API host; `http://host:port` only for a local stub (https when no scheme). */
  TENCENT_SMS_ENDPOINT: z.string().default('sms.tencentcloudapi.com'),
  /** The SmsSdkAppId (1400…) of the SMS application. */
  TENCENT_SMS_APP_ID: z.string().optional(),
  /** The approved 短信签名 content. */
  TENCENT_SMS_SIGN_NAME: z.string().optional(),
  /** The approved notification template's id, with two variables: {1} the title, {2} the number of items. */
  TENCENT_SMS_TEMPLATE_ID: z.string().optional(),
  /** SMTP server as a URL (smtps://user:pass@smtp.example.gov.cn:465); unset: no e-mail channel. */
  SMTP_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
  /** The From of our e-mails ("整改督办" <noreply@example.gov.cn>). */
  SMTP_FROM: z.string().default('"整改督办" <noreply@rectify.invalid>'),
  /** Longest wait for a provider's answer (SMS APIs, SMTP, robots, webhooks); past it the outcome is unknown. */
  DELIVERY_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Division code prefix imported as demo data by `npm start`. */
  DEMO_DIVISION: z
    .string()
    .regex(/^\d{2,12}$/)
    .default('5227'),
});

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}
