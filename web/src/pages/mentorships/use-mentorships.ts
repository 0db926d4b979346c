import { reactive, ref, watch } from 'vue';
import { api, type Schemas } from '../../api/client';
import { filterQuery, pageQuery, useList } from '../../components/use-list';

export type MentorshipSummary = Schemas['MentorshipSummary'];
type Sort = 'proposed' | 'next_due' | 'updated';

/** The mentorship list with its filters, sort and page (the server filters, sorts and pages), and coverage per township. */
export function useMentorships() {
  const filters = reactive({
    state: [] as string[],
    rag: '' as '' | 'green' | 'yellow' | 'red',
    division: '' as string,
    sort: 'proposed' as Sort,
    page: 1,
    pageSize: 20,
  });
  const { state, loading, load } = useList<MentorshipSummary>(() =>
    api.GET('/api/v1/mentorships', { params: { query: { ...filterQuery(filters), ...pageQuery(filters) } } }),
  );
  const coverage = ref<Schemas['MentoringCoverage'] | null>(null);

  async function loadCoverage() {
    const { data } = await api.GET('/api/v1/mentoring-coverage', { params: { query: {} } });
    coverage.value = data ?? null;
  }

  async function reload() {
    await Promise.all([load(), loadCoverage()]);
  }

  watch(
    () => [filters.state.join(','), filters.rag, filters.division, filters.sort, filters.page],
    () => void load(),
    { immediate: true },
  );
  void loadCoverage();
  return { filters, state, coverage, loading, load, reload };
}

/** A rate as people read it: 0.75 → 75%; none → —. */
export function percent(rate: number | null | undefined): string {
  return rate == null ? '—' : `${Math.round(rate * 1000) / 10}%`;
}
