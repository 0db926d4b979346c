import { ref } from 'vue';
import { api, fieldErrors, type ApiError } from '../../api/client';
import { useSession } from '../../stores/session';

/**
 * One change from a settings form: busy while it runs; the API's field errors by the form's
 * field names (`body.changes.planDue` → `planDue` with `strip: ['changes.']`), anything else as a
 * message. Answers the data, or undefined when refused.
 */
export function useSettingsCommand(options: { strip?: string[] } = {}) {
  const busy = ref(false);
  const errors = ref<Record<string, string>>({});
  const message = ref<string | null>(null);

  async function run<T>(call: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T | undefined> {
    busy.value = true;
    errors.value = {};
    message.value = null;
    try {
      const { data, error, response } = await call();
      if (response.ok) return (data ?? null) as T;
      const failure = error as ApiError | undefined;
      const named: Record<string, string> = {};
      for (const [field, text] of Object.entries(fieldErrors(failure))) {
        const prefix = options.strip?.find((p) => field.startsWith(p));
        named[prefix ? field.slice(prefix.length) : field] ??= text;
      }
      errors.value = named;
      if (Object.keys(named).length === 0) message.value = failure?.message ?? null;
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  return { busy, errors, message, run };
}

export interface DivisionOption {
  code: string;
  name: string;
}

/** The caller's own division and the ones right below it (a county and its townships): where settings apply. */
export function useDivisionOptions() {
  const session = useSession();
  const options = ref<DivisionOption[]>([]);
  async function load() {
    const code = session.current?.user.jurisdictionCode;
    if (!code) return;
    const { data } = await api.GET('/api/v1/divisions/{code}', { params: { path: { code } } });
    if (data) options.value = [{ code: data.code, name: data.name }, ...data.children.map((c) => ({ code: c.code, name: c.name }))];
  }
  void load();
  return options;
}

/** A division's name from the loaded options, else its code. */
export function divisionName(options: DivisionOption[], code: string): string {
  return options.find((o) => o.code === code)?.name ?? code;
}
