import type { UpdateDefinition } from '@temporalio/common';
import type { Actor } from '../domain/contracts/deadlines.js';
import { NotFoundError } from '../domain/errors.js';
import type { AuthUser } from '../domain/roles.js';

/** Who did it, as workflows record it. */
export const actorOf = (user: AuthUser): Actor => ({ userId: user.id, label: user.name, role: user.role });

/**
 * What every process service (cases, mentorships, reserves) does with a command: find the record
 * the caller may see (else 404, as if it did not exist), check they may issue this command, send
 * the Update — the Idempotency-Key doubles as its Update ID, which Temporal applies once — and
 * answer the record as it now stands.
 */
export function createCommandRunner<Row, Snapshot, Detail, Action>(spec: {
  find: (user: AuthUser, id: string) => Promise<Row | null>;
  notFound: string;
  /** Throws when the caller may not: `allowed` is a per-command exception (a mentor logging their own check-in). */
  authorize: (user: AuthUser, row: Row, action: Action, allowed?: (row: Row) => boolean) => void;
  execute: <Args extends [unknown, ...unknown[]]>(id: string, update: UpdateDefinition<Snapshot, Args>, args: Args, updateId?: string) => Promise<Snapshot>;
  reload: (id: string) => Promise<Detail>;
}) {
  return async function runCommand<Args>(
    user: AuthUser,
    id: string,
    action: Action,
    update: UpdateDefinition<Snapshot, [Args & { actor: Actor }]>,
    args: Args,
    idempotencyKey?: string,
    allowed?: (row: Row) => boolean,
  ): Promise<Detail> {
    const row = await spec.find(user, id);
    if (!row) throw new NotFoundError(spec.notFound);
    spec.authorize(user, row, action, allowed);
    const updateId = idempotencyKey ? `${user.id}:${idempotencyKey}` : undefined;
    await spec.execute(id, update, [{ ...args, actor: actorOf(user) }] as [Args & { actor: Actor }], updateId);
    return spec.reload(id);
  };
}
