import { reactive, ref, watch } from 'vue';
import { api, type Schemas } from '../../api/client';
import { filterQuery, pageQuery, useList } from '../../components/use-list';

export type ReserveSummary = Schemas['ReserveSummary'];
type Sort = 'nominated' | 'next_due' | 'updated';

/** How many villages short of reserves the page lists (the rest is counted). */
export const ALERT_LIMIT = 50;

/** The candidate list with filters, sort and page (the server does all three), the pipeline funnel and the coverage alerts. */
export function useReserves() {
  const filters = reactive({
    state: [] as string[],
    source: [] as string[],
    rag: '' as '' | 'green' | 'yellow' | 'red',
    division: '' as string,
    sort: 'nominated' as Sort,
    page: 1,
    pageSize: 20,
  });
  const { state, loading, load } = useList<ReserveSummary>(() =>
    api.GET('/api/v1/reserves', {
      params: { query: { ...filterQuery(filters), ...(filters.source.length ? { source: filters.source.join(',') } : {}), ...pageQuery(filters) } },
    }),
  );
  const pipeline = ref<Schemas['ReservePipeline'] | null>(null);
  const coverage = ref<Schemas['ReserveCoverage'] | null>(null);

  async function loadOverview() {
    const [p, c] = await Promise.all([
      api.GET('/api/v1/reserve-pipeline', { params: { query: {} } }),
      api.GET('/api/v1/reserve-coverage', { params: { query: { belowTarget: 'true', limit: ALERT_LIMIT } } }),
    ]);
    pipeline.value = p.data ?? null;
    coverage.value = c.data ?? null;
  }

  async function reload() {
    await Promise.all([load(), loadOverview()]);
  }

  watch(
    () => [filters.state.join(','), filters.source.join(','), filters.rag, filters.division, filters.sort, filters.page],
    () => void load(),
    { immediate: true },
  );
  void loadOverview();
  return { filters, state, pipeline, coverage, loading, load, reload };
}
