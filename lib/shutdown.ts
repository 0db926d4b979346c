import type { Logger } from 'pino';

/** One step of a shutdown: what it stops (for the log) and how; `undefined` if it never started. */
export type ShutdownStep = [what: string, stop: () => Promise<unknown> | undefined];

/**
 * The ordered shutdown of a production process (`npm run api`, `npm run worker`): the steps run
 * once, in order, each even if an earlier one failed (the failure is logged). SIGINT and SIGTERM
 * start it and exit 0 when it is done; a second signal only says it is under way. Returns the
 * shutdown, for the process's own failure paths, and whether it has begun.
 */
export function stopOnSignals(logger: Logger, processName: string, steps: ShutdownStep[]): { close(): Promise<void>; readonly begun: boolean } {
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      for (const [what, stop] of steps) {
        try {
          await stop();
        } catch (error) {
          logger.warn({ err: error }, `stopping ${what} failed`);
        }
      }
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) {
        logger.warn({ signal }, 'already stopping');
        return;
      }
      logger.info({ signal }, `stopping the ${processName}`);
      void close().then(() => process.exit(0));
    });
  }
  return {
    close,
    get begun() {
      return closing !== undefined;
    },
  };
}
