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
