import { ref } from 'vue';
import { fieldErrors, type ApiError } from '../api/client';

/**
 * The state of one command form: busy, the server's field errors by field name, or its message.
 * `post` sends the command (with a fresh Idempotency-Key) and answers the API's data or error;
 * `run` takes what `post` takes (usually the body alone).
 */
export function useCommand<D, A extends unknown[] = [body: Record<string, unknown>]>(
  post: (...args: A) => Promise<{ data?: D; error?: unknown }>,
  onDone: (data: D) => void,
) {
  const busy = ref(false);
  const errors = ref<Record<string, string>>({});
  const message = ref<string | null>(null);

  async function run(...args: A): Promise<boolean> {
    busy.value = true;
    errors.value = {};
    message.value = null;
    try {
      const { data, error } = await post(...args);
      if (data) {
        onDone(data);
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
