import { reactive, ref, watch } from 'vue';
import { api, type Schemas } from '../../api/client';

export type Account = Schemas['Account'];
type Role = Account['role'];

/** The accounts of the jurisdiction with their filters and page (the server filters and pages). */
export function useAccounts() {
  const filters = reactive({ q: '', role: '' as '' | Role, active: '' as '' | 'true' | 'false', page: 1, pageSize: 20 });
  const state = reactive({ items: [] as Account[], total: 0 });
  const loading = ref(false);

  async function load() {
    loading.value = true;
    try {
      const { data } = await api.GET('/api/v1/accounts', {
        params: {
          query: {
            ...(filters.q.trim() ? { q: filters.q.trim() } : {}),
            ...(filters.role ? { role: filters.role } : {}),
            ...(filters.active ? { active: filters.active } : {}),
            limit: filters.pageSize,
            offset: (filters.page - 1) * filters.pageSize,
          },
        },
      });
      if (data) Object.assign(state, { items: data.items, total: data.total });
    } finally {
      loading.value = false;
    }
  }

  watch(
    () => [filters.role, filters.active, filters.page],
    () => void load(),
    { immediate: true },
  );
  return { filters, state, loading, load };
}
