/**
 * A lock for workflow code: update handlers and timer work that await activities run one at a
 * time, so each sees the state the previous one left and projections land in order.
 */
export function createExclusive(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
