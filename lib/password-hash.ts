import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt from node:crypto (no native dependency, no install script).
 * A hash carries its parameters, `scrypt$ln=17,r=8,p=1$<salt>$<key>`, so a change of cost applies
 * at each user's next login (`needsRehash`). Hashing is bounded: at most `concurrency` at once and
 * `maxQueued` waiting, so a login storm queues or is refused instead of taking every core and
 * hundreds of MB (N=2^17, r=8 uses 128 MiB per hash).
 */
export interface PasswordHashSettings {
  /** log2 of scrypt's N: 17 in production (about 0.3 s here); tests use 10. */
  logN: number;
  r: number;
  p: number;
  concurrency: number;
  maxQueued: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when the password matches; false for a wrong password or a malformed hash. */
  verify(password: string, stored: string): Promise<boolean>;
  /** Spends the same time as a verify, for an unknown user (so timing does not tell who exists). */
  verifyNothing(password: string): Promise<void>;
  needsRehash(stored: string): boolean;
}

/** More logins than the hasher can queue: the caller answers 429. */
export class HasherBusyError extends Error {}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const FORMAT = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  // scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) refuses N=2^17.
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))));
}

export function createPasswordHasher(settings: PasswordHashSettings): PasswordHasher {
  let running = 0;
  const waiting: Array<() => void> = [];

  async function bounded<T>(work: () => Promise<T>): Promise<T> {
    if (running >= settings.concurrency) {
      if (waiting.length >= settings.maxQueued) throw new HasherBusyError('too many password checks in progress');
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running += 1;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  }

  const encode = (salt: Buffer, key: Buffer) =>
    `scrypt$ln=${settings.logN},r=${settings.r},p=${settings.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
  const dummySalt = randomBytes(SALT_LENGTH);

  return {
    async hash(password) {
      const salt = randomBytes(SALT_LENGTH);
      const key = await bounded(() => derive(password, salt, settings.logN, settings.r, settings.p));
      return encode(salt, key);
    },
    async verify(password, stored) {
      const match = FORMAT.exec(stored);
      if (!match) return false;
      const [, ln, r, p, salt, key] = match;
      const expected = Buffer.from(key!, 'base64url');
      const logN = Number(ln);
      if (logN < 1 || logN > 22 || expected.length !== KEY_LENGTH) return false;
      const actual = await bounded(() => derive(password, Buffer.from(salt!, 'base64url'), logN, Number(r), Number(p)));
      return timingSafeEqual(actual, expected);
    },
    async verifyNothing(password) {
      await bounded(() => derive(password, dummySalt, settings.logN, settings.r, settings.p));
    },
    needsRehash(stored) {
      const match = FORMAT.exec(stored);
      return !match || Number(match[1]) !== settings.logN || Number(match[2]) !== settings.r || Number(match[3]) !== settings.p;
    },
  };
}
