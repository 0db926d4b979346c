// Adapters must never put an address, a robot key or a secret into what they return or throw.
import { expect } from 'vitest';

/** Every text an outcome or an error shows (message, stack, own fields, causes). */
function textsOf(value: unknown): string[] {
  const texts: string[] = [];
  for (let v: unknown = value, depth = 0; v !== undefined && v !== null && depth < 5; depth++) {
    if (v instanceof Error) {
      texts.push(v.message, String(v.stack), JSON.stringify(v), String(v));
      v = v.cause;
    } else {
      texts.push(JSON.stringify(v));
      v = undefined;
    }
  }
  return texts;
}

export function expectNoLeak(value: unknown, secrets: readonly string[]): void {
  for (const text of textsOf(value)) for (const secret of secrets) expect(text, 'an outcome or error shows a secret').not.toContain(secret);
}

/** The outcome, or what was thrown. */
export async function settle<T>(promise: Promise<T>): Promise<T | unknown> {
  try {
    return await promise;
  } catch (error) {
    return error;
  }
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
