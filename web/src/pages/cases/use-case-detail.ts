import type { Ref } from 'vue';
import { useDetail } from '../../api/use-detail';
import { api, type Schemas } from '../../api/client';

export type CaseDetail = Schemas['CaseDetail'];

/** One case (404 and out-of-jurisdiction alike end as `notFound`). */
export function useCaseDetail(id: Ref<string>) {
  return useDetail<CaseDetail>(id, (value) => api.GET('/api/v1/cases/{id}', { params: { path: { id: value } } }));
}

/** Where a case stands on 研判 → 方案 → 整顿 → 验收 → 销号 → 回头看 (index of the active step). */
export function lifecycleStep(state: CaseDetail['state']): number {
  return { designated: 1, planning: 1, rectifying: 2, acceptance_pending: 3, delisted: 4, follow_up: 5, closed: 6, relapsed: 5, cancelled: 0 }[state];
}
