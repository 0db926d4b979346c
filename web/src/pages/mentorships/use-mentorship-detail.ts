import type { Ref } from 'vue';
import { api, type Schemas } from '../../api/client';
import { decideClockRequest, postCommand, useDetail } from '../../api/use-detail';

export type MentorshipDetail = Schemas['MentorshipDetail'];

type Command =
  | '/api/v1/mentorships/{id}/approve'
  | '/api/v1/mentorships/{id}/check-ins'
  | '/api/v1/mentorships/{id}/mentor'
  | '/api/v1/mentorships/{id}/reviews'
  | '/api/v1/mentorships/{id}/terminate'
  | '/api/v1/mentorships/{id}/clock-requests';

/** One mentorship (404 and out-of-jurisdiction alike end as `notFound`), and its commands. */
export function useMentorshipDetail(id: Ref<string>) {
  const { detail, notFound, loading, load } = useDetail<MentorshipDetail>(id, (value) =>
    api.GET('/api/v1/mentorships/{id}', { params: { path: { id: value } } }),
  );
  const post = (command: Command) => (body: Record<string, unknown>) => postCommand(command, id.value, body);
  const decide = (requestId: string, approved: boolean) => decideClockRequest('mentorships', id.value, requestId, approved);
  return { detail, notFound, loading, load, post, decide };
}

/** Reviews as the timeline records them: the mid review that continued, the extension, and the end it came to. */
export function reviewsOf(detail: MentorshipDetail) {
  return detail.timeline
    .filter((e) => typeof e.details?.review === 'string')
    .map((e) => ({
      id: e.id,
      at: e.at,
      actor: e.actorLabel,
      review: String(e.details!.review),
      outcome: String(e.details!.outcome ?? ''),
      comment: (e.details!.comment as string | null) ?? null,
    }));
}
