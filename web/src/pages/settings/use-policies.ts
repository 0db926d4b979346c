import { computed, ref } from 'vue';
import { api, type Schemas } from '../../api/client';
import type { DeadlinePolicy } from './policy-fields';

export type Policy = Schemas['Policy'];

/** The policy versions the caller sees (in force and retired) and the built-in defaults. */
export function usePolicies() {
  const all = ref<Policy[]>([]);
  const defaults = ref<DeadlinePolicy | null>(null);
  const loading = ref(false);

  async function load() {
    loading.value = true;
    try {
      const [listed, builtIn] = await Promise.all([
        api.GET('/api/v1/policies', { params: { query: { includeRetired: 'true' } } }),
        defaults.value ? Promise.resolve(null) : api.GET('/api/v1/policies/defaults'),
      ]);
      if (listed.data) all.value = listed.data.items;
      if (builtIn?.data) defaults.value = builtIn.data.body;
    } finally {
      loading.value = false;
    }
  }

  const inForce = computed(() => all.value.filter((p) => !p.retiredAt));
  const retired = computed(() => all.value.filter((p) => p.retiredAt));
  void load();
  return { all, inForce, retired, defaults, loading, load };
}
