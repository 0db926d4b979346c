import { ref } from 'vue';
import { api, fieldErrors, type ApiError } from '../../api/client';
import type { CaseDetail } from './use-case-detail';
import { idempotencyKey } from '../../api/idempotency';

type Command = '/api/v1/cases/{id}/plan' | '/api/v1/cases/{id}/reports' | '/api/v1/cases/{id}/acceptance-requests' | '/api/v1/cases/{id}/acceptance-reviews';

/**
 * One command on a case: it answers the case's new state. Each submission carries its own
 * Idempotency-Key, so a retried click after a lost answer makes one change. Field errors come
 * back by the form's field names (`measures.0.owner`).
 */
export function useCaseCommand(onDone: (detail: CaseDetail) => void) {
  const busy = ref(false);
  const errors = ref<Record<string, string>>({});
  const message = ref<string | null>(null);

  async function run(path: Command, id: string, body: unknown): Promise<boolean> {
    busy.value = true;
    errors.value = {};
    message.value = null;
    try {
      const { data, error } = await api.POST(path, {
        params: { path: { id } },
        headers: { 'idempotency-key': idempotencyKey() },
        // Each form builds its own command's body; the server validates it (and names bad fields).
        body: body as never,
      });
      if (data) {
        onDone(data as CaseDetail);
        return true;
      }
      const failure = error as ApiError | undefined;
      errors.value = fieldErrors(failure);
      if (Object.keys(errors.value).length === 0) message.value = failure?.message ?? null;
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { busy, errors, message, run };
}
