/**
 * A fresh Idempotency-Key per submission (a retried click after a lost answer makes one change):
 * 32 random hex digits. Not crypto.randomUUID, which exists only in secure contexts, and a county's
 * intranet may serve the console over plain HTTP.
 */
export function idempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}
