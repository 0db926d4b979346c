import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { supportPostEnum } from './enums.js';
import { rectificationCases } from './cases.js';
import { people } from './people.js';
import { users } from './users.js';

/**
 * Who holds each post of a case's team (包保责任体系), with its history: a row per holder and term.
 * The current holders are the rows without `ended_at`: one per post, several for the work team.
 * Written with the designation (the team named then) and by the case's projection (each change of a
 * post, in the same transaction as its audit event); the id is derived from the case's change, so a
 * retried projection writes nothing twice.
 */
export const caseSupportAssignments = pgTable(
  'case_support_assignments',
  {
    id: text('id').primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => rectificationCases.id),
    post: supportPostEnum('post').notNull(),
    /** The holder (a person), or for 结对帮扶单位 the department's contact person. */
    personId: uuid('person_id').references(() => people.id),
    /** 结对帮扶单位: the county department's name. */
    departmentName: text('department_name'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    reason: text('reason'),
    assignedBy: uuid('assigned_by').references(() => users.id),
    assignedByLabel: text('assigned_by_label').notNull(),
  },
  (t) => [
    index('case_support_case_id_idx').on(t.caseId, t.post),
    index('case_support_person_id_idx').on(t.personId),
    index('case_support_assigned_by_idx').on(t.assignedBy),
    // One current holder per post, except the work team (several members, each once).
    uniqueIndex('case_support_one_current_uq')
      .on(t.caseId, t.post)
      .where(sql`${t.endedAt} is null and ${t.post} <> 'work_team'`),
    uniqueIndex('case_support_team_member_uq')
      .on(t.caseId, t.personId)
      .where(sql`${t.endedAt} is null and ${t.post} = 'work_team'`),
  ],
);
