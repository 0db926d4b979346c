// Runs before each test file (vitest setupFiles): worker chatter at INFO drowns test output;
// warnings and errors still show. The Runtime must be installed before any connection exists.
// What is shown is also kept (the last 2,000 entries), so a test can search the worker's log lines
// (tests/workflows/delivery-exactly-once.test.ts: no phone number or robot key in any of them).
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';

const kept: LogEntry[] = [];
const printer = new DefaultLogger('WARN');

/** The worker's WARN and ERROR entries so far in this test file (message and metadata). */
export function workerLogEntries(): readonly LogEntry[] {
  return kept;
}

Runtime.install({
  logger: new DefaultLogger('WARN', (entry) => {
    kept.push(entry);
    if (kept.length > 2_000) kept.shift();
    printer.log(entry.level, entry.message, entry.meta);
  }),
});
