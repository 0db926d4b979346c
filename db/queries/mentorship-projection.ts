import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import { mentorshipCheckIns, mentorships } from '../schema/index.js';
import type { MentorshipChange } from '../../workflows/mentorship-types.js';
import { insertAuditEvent, insertEscalation, insertNotifications, resolveEscalationsOfClosed, upsertObligations } from './deadline-projection.js';

const date = (iso: string | null): Date | null => (iso ? new Date(iso) : null);

/**
 * Writes one change of a mentorship in a single transaction, like a case's: idempotent by unique
 * keys, and the mentorship row only moves forward in `projection_seq`.
 */
export async function recordMentorshipChange(db: Db, change: MentorshipChange): Promise<{ applied: boolean }> {
  const { snapshot: s, event } = change;
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(mentorships)
      .set({
        state: s.state,
        rag: s.rag,
        vacantFrom: s.vacantFrom,
        mentorPersonId: s.mentor?.personId ?? null,
        mentorUserId: s.mentor?.userId ?? null,
        startedAt: date(s.startedAt),
        midReviewAt: date(s.midReviewAt),
        finalReviewAt: date(s.finalReviewAt),
        closedAt: date(s.closedAt),
        outcome: s.outcome,
        extensions: s.extensions,
        mentorHistory: s.mentorHistory,
        clockRequests: s.clockRequests ?? [],
        projectionSeq: s.seq,
        updatedAt: new Date(event.at),
      })
      .where(and(eq(mentorships.id, s.mentorshipId), lt(mentorships.projectionSeq, s.seq)))
      .returning({ id: mentorships.id });
    if (updated.length === 0) return { applied: false };

    const owner = { mentorshipId: s.mentorshipId };
    const at = new Date(event.at);
    await upsertObligations(tx, owner, s.obligations);
    const escalationId = change.escalation ? await insertEscalation(tx, owner, change.escalation) : null;
    await resolveEscalationsOfClosed(tx, s.obligations, at);
    if (change.checkIn) {
      const c = change.checkIn;
      await tx
        .insert(mentorshipCheckIns)
        .values({
          mentorshipId: s.mentorshipId,
          period: c.period,
          metOn: c.metOn,
          handled: c.handled,
          problems: c.problems,
          nextSteps: c.nextSteps,
          mentorPersonId: c.mentorPersonId,
          late: c.late,
          loggedBy: event.actor.userId,
          loggedAt: at,
        })
        .onConflictDoNothing();
    }
    await insertAuditEvent(tx, { type: 'mentorship', id: s.mentorshipId, keyPrefix: 'mentorship' }, event);
    await insertNotifications(tx, owner, escalationId, change.notifications, at);
    return { applied: true };
  });
}
