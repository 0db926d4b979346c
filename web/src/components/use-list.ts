import { reactive, ref } from 'vue';

/** The filters every register list (cases, mentorships, reserves) narrows by. */
export interface ListFilters {
  state: string[];
  rag: '' | 'green' | 'yellow' | 'red';
  division: string;
}

/** The list routes' query for the shared filters: only those set (states comma-joined). */
export function filterQuery(filters: ListFilters) {
  return {
    ...(filters.state.length ? { state: filters.state.join(',') } : {}),
    ...(filters.rag ? { rag: filters.rag } : {}),
    ...(filters.division ? { division: filters.division } : {}),
  };
}

/** The list routes' sort and page, as `sort`, `limit` and `offset`. */
export function pageQuery<S extends string>(filters: { sort: S; page: number; pageSize: number }) {
  return { sort: filters.sort, limit: filters.pageSize, offset: (filters.page - 1) * filters.pageSize };
}

/**
 * One page of a list the server filters, sorts and pages: its rows, the total, and whether it is
 * loading. `fetch` asks the list route with the page's current filters.
 */
export function useList<T>(fetch: () => Promise<{ data?: { items: T[]; total: number } }>) {
  const state = reactive({ items: [] as T[], total: 0 }) as { items: T[]; total: number };
  const loading = ref(false);

  async function load() {
    loading.value = true;
    try {
      const { data } = await fetch();
      if (data) Object.assign(state, { items: data.items, total: data.total });
    } finally {
      loading.value = false;
    }
  }

  return { state, loading, load };
}
