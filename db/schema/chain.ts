import { text } from 'drizzle-orm/pg-core';

/**
 * The columns that make a log tamper-evident (db/queries/audit-chain.ts): the row's hash over its
 * canonical content and the previous row's hash, and the algorithm it was made with (so changing
 * AUDIT_HASH_ALGORITHM leaves older rows verifiable). Null only on rows written before the chain
 * existed, until the migrator chains them; a trigger refuses new rows without them.
 */
export const chainColumns = () => ({
  hash: text('hash'),
  prevHash: text('prev_hash'),
  hashAlg: text('hash_alg'),
});
