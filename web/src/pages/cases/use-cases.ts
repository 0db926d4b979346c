import { reactive, ref, watch } from 'vue';
import { api, type Schemas } from '../../api/client';

export type CaseSummary = Schemas['CaseSummary'];
type Sort = 'designated' | 'next_due' | 'updated';

/** The case list with its filters, sort and page (the server filters, sorts and pages). */
export function useCases() {
  const filters = reactive({ state: [] as string[], rag: '' as '' | 'green' | 'yellow' | 'red', sort: 'designated' as Sort, page: 1, pageSize: 20 });
  const state = reactive({ items: [] as CaseSummary[], total: 0 });
  const loading = ref(false);

  async function load() {
    loading.value = true;
    try {
      const { data } = await api.GET('/api/v1/cases', {
        params: {
          query: {
            ...(filters.state.length ? { state: filters.state.join(',') } : {}),
            ...(filters.rag ? { rag: filters.rag } : {}),
            sort: filters.sort,
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

  watch(() => [filters.state.join(','), filters.rag, filters.sort, filters.page], () => void load(), { immediate: true });
  return { filters, state, loading, load };
}
