import type { Ref } from 'vue';
import { api, type Schemas } from '../../api/client';
import { decideClockRequest, postCommand, useDetail } from '../../api/use-detail';

export type ReserveDetail = Schemas['ReserveDetail'];

type Command =
  | '/api/v1/reserves/{id}/qualification'
  | '/api/v1/reserves/{id}/inspection'
  | '/api/v1/reserves/{id}/publicity'
  | '/api/v1/reserves/{id}/training'
  | '/api/v1/reserves/{id}/training-records'
  | '/api/v1/reserves/{id}/periodic-reviews'
  | '/api/v1/reserves/{id}/annual-reviews'
  | '/api/v1/reserves/{id}/placement'
  | '/api/v1/reserves/{id}/exit'
  | '/api/v1/reserves/{id}/transfer'
  | '/api/v1/reserves/{id}/clock-requests';

/** One candidate (404 and out-of-jurisdiction alike end as `notFound`), and its pipeline commands. */
export function useReserveDetail(id: Ref<string>) {
  const { detail, notFound, loading, load } = useDetail<ReserveDetail>(id, (value) => api.GET('/api/v1/reserves/{id}', { params: { path: { id: value } } }));
  const post = (command: Command) => (body: Record<string, unknown>) => postCommand(command, id.value, body);
  const decide = (requestId: string, approved: boolean) => decideClockRequest('reserves', id.value, requestId, approved);
  return { detail, notFound, loading, load, post, decide };
}

/** Where a candidate stands on 提名 → 资格审查 → 考察 → 公示 → 入库 → 跟岗实训 → 使用 (the active step); null once out of the pipeline. */
export function pipelineStep(state: ReserveDetail['state']): number | null {
  const steps: Partial<Record<ReserveDetail['state'], number>> = {
    nominated: 1,
    qualification_review: 2,
    inspected: 3,
    publicized: 3,
    in_pool: 5,
    in_training: 5,
    annual_review: 5,
    placed: 7,
  };
  return steps[state] ?? null;
}

const TRAINING_KINDS = ['written_report', 'talk'];

/** The candidate's records split as the page shows them: training (reports, talks) and the reviews of each step. */
export function recordsOf(detail: ReserveDetail) {
  return {
    training: detail.records.filter((r) => TRAINING_KINDS.includes(r.kind)),
    reviews: detail.records.filter((r) => !TRAINING_KINDS.includes(r.kind)),
  };
}
