import type { TestProject } from 'vitest/node';
import path from 'node:path';
import { loadConfig } from '../../config/config.js';
import { PROJECT_ROOT, INSTALL_HINT, resolveTemporalCli, resolveTestServer } from '../../temporal/binaries.js';
import { startTestPostgres, type TestPostgresServer } from './servers.js';
import { ensureConsoleBuilt } from '../../scripts/console-build.js';

/**
 * Once per `vitest run`: make sure the Temporal binaries are present (a no-op after
 * `scripts/setup.sh`) and choose one Postgres server for every worker, so workers do not each
 * start an embedded cluster. Failures are handed to the tests that need the server, which then
 * fail with the reason; tests that need nothing still run.
 */
let postgresServer: TestPostgresServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  const config = loadConfig();
  const log = (line: string) => process.stderr.write(`[global-setup] ${line}\n`);

  const [cli, testServer] = [await resolveTemporalCli(config, { log }), await resolveTestServer(config, { log })];
  if (!cli) log(`Temporal CLI not found; tests that start a dev server will fail. ${INSTALL_HINT}`);
  if (!testServer) log("temporal-test-server not found; time-skipping tests will try the SDK's download.");

  // The console, once (browser tests and `npm start` both serve it; two builds at once would race on web/dist).
  const consoleBuild = ensureConsoleBuilt(log).catch((error: unknown) =>
    log(`the console did not build: ${error instanceof Error ? error.message : String(error)}`),
  );

  try {
    postgresServer = await startTestPostgres({ dataDir: path.join(PROJECT_ROOT, '.data', 'test-pg') });
    project.provide('rectifyTestPgAdminUrl', postgresServer.adminUrl);
    project.provide('rectifyTestPgError', null);
    log(`Postgres for tests: ${postgresServer.source}`);
  } catch (error) {
    project.provide('rectifyTestPgAdminUrl', null);
    project.provide('rectifyTestPgError', error instanceof Error ? error.message : String(error));
    log(`no Postgres for tests: ${error instanceof Error ? error.message : String(error)}`);
  }
  await consoleBuild;
}

export async function teardown(): Promise<void> {
  await postgresServer?.stop();
  postgresServer = undefined;
}
