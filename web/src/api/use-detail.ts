import { ref, watch, type Ref } from 'vue';
import { api } from './client';
import { idempotencyKey } from './idempotency';

/**
 * One record of a process page (a case, a mentorship, a candidate), reloaded when the id changes.
 * A 404 (or a malformed id's 400) ends as `notFound`: out of jurisdiction and missing look alike.
 */
export function useDetail<T>(id: Ref<string>, fetch: (id: string) => Promise<{ data?: T; response: Response }>) {
  const detail = ref<T | null>(null);
  const notFound = ref(false);
  const loading = ref(false);

  async function load() {
    loading.value = true;
    notFound.value = false;
    try {
      const { data, response } = await fetch(id.value);
      detail.value = (data ?? null) as T | null;
      notFound.value = !data && (response.status === 404 || response.status === 400);
    } finally {
      loading.value = false;
    }
  }

  watch(id, () => void load(), { immediate: true });
  return { detail, notFound, loading, load };
}

/**
 * The POST of one command on a record (`/api/v1/<process>/{id}/<command>`): a fresh
 * Idempotency-Key each submission, so a retried click after a lost answer makes one change. The
 * form builds the body; the server checks it and names the bad fields.
 */
export function postCommand<P extends string>(path: P, id: string, body: Record<string, unknown>) {
  return api.POST(path as never, { params: { path: { id } }, headers: { 'idempotency-key': idempotencyKey() }, body: body as never } as never) as Promise<{
    data?: unknown;
    error?: unknown;
    response: Response;
  }>;
}

/** The decision on a 延期/容错 request of a record (`/api/v1/<process>/{id}/clock-requests/{requestId}/decision`). */
export function decideClockRequest(process: 'cases' | 'mentorships' | 'reserves', id: string, requestId: string, approved: boolean) {
  return api.POST(`/api/v1/${process}/{id}/clock-requests/{requestId}/decision` as '/api/v1/cases/{id}/clock-requests/{requestId}/decision', {
    params: { path: { id, requestId } },
    headers: { 'idempotency-key': idempotencyKey() },
    body: { approved },
  });
}
