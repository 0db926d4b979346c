import { api } from '../../api/client';
import { useCommand } from '../../components/use-command';
import type { CaseDetail } from './use-case-detail';
import { idempotencyKey } from '../../api/idempotency';

type Command =
  | '/api/v1/cases/{id}/plan'
  | '/api/v1/cases/{id}/reports'
  | '/api/v1/cases/{id}/acceptance-requests'
  | '/api/v1/cases/{id}/acceptance-reviews'
  | '/api/v1/cases/{id}/sponsor'
  | '/api/v1/cases/{id}/cancel'
  | '/api/v1/cases/{id}/relapse'
  | '/api/v1/cases/{id}/suspend'
  | '/api/v1/cases/{id}/resume'
  | '/api/v1/cases/{id}/interrupt'
  | '/api/v1/cases/{id}/policy'
  | '/api/v1/cases/{id}/support-members'
  | '/api/v1/cases/{id}/visits';

/**
 * One command on a case: it answers the case's new state. Each submission carries its own
 * Idempotency-Key, so a retried click after a lost answer makes one change. Field errors come
 * back by the form's field names (`measures.0.owner`).
 */
export function useCaseCommand(onDone: (detail: CaseDetail) => void) {
  return useCommand(
    (path: Command, id: string, body: unknown) =>
      api.POST(path, {
        params: { path: { id } },
        headers: { 'idempotency-key': idempotencyKey() },
        // Each form builds its own command's body; the server validates it (and names bad fields).
        body: body as never,
      }),
    (data) => onDone(data as CaseDetail),
  );
}
