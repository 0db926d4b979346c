/** Waiting on a child process the e2e tests start (`npm start`). */
import type { ChildProcess } from 'node:child_process';

/** Resolves once `done()` holds; rejects if the child exits first or `timeoutMs` passes. */
export function waitForOutput(child: ChildProcess, done: () => boolean, timeoutMs: number, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const timer = setInterval(() => {
      if (done()) finish();
      else if (Date.now() > deadline) finish(new Error(`npm start printed no banner within ${timeoutMs / 1000}s. Output:\n${output().slice(-4000)}`));
    }, 100);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(done() ? undefined : new Error(`npm start exited (${code ?? signal}) before it was ready. Output:\n${output().slice(-4000)}`));
    child.once('exit', onExit);
    function finish(error?: Error): void {
      clearInterval(timer);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    }
  });
}

/** The child's exit, or a rejection after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not exit within ${timeoutMs / 1000}s`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}
