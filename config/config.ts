import { z } from 'zod';

/**
 * The one place that reads process.env. Parsed once at boot; everything else receives `Config`.
 * Unset DATABASE_URL / TEMPORAL_ADDRESS mean "embedded": `npm start` launches local servers.
 */
const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('rectify'),
  TEMPORAL_CLI_PATH: z.string().optional(),
  TEMPORAL_TEST_SERVER_PATH: z.string().optional(),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Body size limit in bytes; larger bodies get 413. */
  API_BODY_LIMIT: z.coerce.number().int().positive().default(256 * 1024),
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
  AUTH_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  AUTH_SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(7 * 24).default(8),
  /** Failed logins in a row that lock an account, and for how long. */
  AUTH_LOCKOUT_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  AUTH_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(10),
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
  /** Division code prefix imported as demo data by `npm start`. */
  DEMO_DIVISION: z.string().regex(/^\d{2,12}$/).default('5227'),
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
