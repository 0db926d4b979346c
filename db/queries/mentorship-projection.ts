import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '../client.js';
import { mentorshipCheckIns, mentorships } from '../schema/index.js';
import type { MentorshipChange } from '../../domain/contracts/mentorship.js';
import { recordProcessChange } from './deadline-projection.js';
import type { ProjectionCommit } from '../../lib/metrics.js';

const date = (iso: string | null): Date | null => (iso ? new Date(iso) : null);

/** Writes one change of a mentorship (`recordProcessChange`), with the check-in it carries. */
export async function recordMentorshipChange(db: Db, change: MentorshipChange): Promise<{ applied: boolean; commit?: ProjectionCommit }> {
  const { snapshot: s, event } = change;
  return recordProcessChange(
    db,
    {
      owner: { mentorshipId: s.mentorshipId },
      auditEntity: { type: 'mentorship', id: s.mentorshipId, keyPrefix: 'mentorship' },
      advance: (tx) =>
        tx
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
          .returning({ id: mentorships.id }),
      extra: async (tx, at) => {
        const c = change.checkIn;
        if (!c) return;
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
      },
    },
    change,
  );
}
