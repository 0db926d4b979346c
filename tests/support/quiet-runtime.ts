// Runs before each test file (vitest setupFiles): worker chatter at INFO drowns test output;
// warnings and errors still show. The Runtime must be installed before any connection exists.
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
