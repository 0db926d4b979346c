import { fileURLToPath } from 'node:url';
import path from 'node:path';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import * as schema from './schema/index.js';
import { seedPackageCalendar } from './seed/calendar.js';
import { chainExistingRows } from './queries/audit-chain.js';

export const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Applies committed migrations on a single dedicated connection, then the reference data every
 * database needs (the national holiday calendar shipped by `chinese-days`, loaded once).
 */
export async function runMigrations(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const db = drizzle(sql, { schema });
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    // Serialise with any other process seeding the same database (one connection: a session lock).
    await sql`select pg_advisory_lock(hashtext('rectify:reference-data'))`;
    try {
      await seedPackageCalendar(db);
      // An upgraded database: chain the log rows written before the chain existed (migration 0012).
      await chainExistingRows(db);
    } finally {
      await sql`select pg_advisory_unlock(hashtext('rectify:reference-data'))`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

// `npm run migrate` (production): DATABASE_URL must point at the target database.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { loadConfig } = await import('../config/config.js');

  const config = loadConfig();
  const { setAuditHashAlgorithm } = await import('./queries/audit-chain.js');
  setAuditHashAlgorithm(config.AUDIT_HASH_ALGORITHM);
  if (!config.DATABASE_URL) {
    console.error('DATABASE_URL is not set: `npm run migrate` needs the database to migrate.');
    process.exit(1);
  }
  await runMigrations(config.DATABASE_URL);
  console.log('migrations applied');
}
