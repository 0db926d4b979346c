import type { Db } from '../db/client.js';
import { ackNotification, listInbox, type InboxFilter } from '../db/queries/inbox.js';
import { NotFoundError } from '../domain/errors.js';
import type { AuthUser } from '../domain/roles.js';

export function createInboxService(deps: { db: Db }) {
  return {
    list: (user: AuthUser, options: InboxFilter & { limit: number; offset: number }) => listInbox(deps.db, user, options),
    async ack(user: AuthUser, id: string) {
      const item = await ackNotification(deps.db, user, id, new Date());
      // Someone else's item is as unknown as a missing one.
      if (!item) throw new NotFoundError('未找到该消息 (inbox item not found)');
      return item;
    },
  };
}
export type InboxService = ReturnType<typeof createInboxService>;
