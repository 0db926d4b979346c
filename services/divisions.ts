import type { Db } from '../db/client.js';
import { getDivisionWithChildren } from '../db/queries/divisions.js';

export function createDivisionService(deps: { db: Db }) {
  return { get: (code: string) => getDivisionWithChildren(deps.db, code) };
}
export type DivisionService = ReturnType<typeof createDivisionService>;
