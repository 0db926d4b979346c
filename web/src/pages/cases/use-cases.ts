import { reactive, ref, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { api, type Schemas } from '../../api/client';
import { fileNameOf, saveBlob } from '../../api/download';
import { filterQuery, pageQuery, useList } from '../../components/use-list';

export type CaseSummary = Schemas['CaseSummary'];
type Sort = 'designated' | 'next_due' | 'updated';

const RAGS = ['green', 'yellow', 'red'] as const;
const SORTS: readonly Sort[] = ['designated', 'next_due', 'updated'];
const one = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * The case list with its filters, sort and page (the server filters, sorts and pages). The filters
 * live in the URL too, so a link (工作台's "红灯 3") or the back button lands on the same list.
 */
export function useCases() {
  const route = useRoute();
  const router = useRouter();
  const q = route.query;
  const rag = one(q.rag);
  const sort = one(q.sort) as Sort;
  const filters = reactive({
    state: one(q.state).split(',').filter(Boolean),
    rag: ((RAGS as readonly string[]).includes(rag) ? rag : '') as '' | (typeof RAGS)[number],
    sort: SORTS.includes(sort) ? sort : ('designated' as Sort),
    division: /^\d{2,12}$/.test(one(q.division)) ? one(q.division) : '',
    sponsor: one(q.sponsor),
    page: Math.max(1, Number.parseInt(one(q.page), 10) || 1),
    pageSize: 20,
  });
  // The filters as the list and the export routes take them (and as the URL keeps them).
  const query = () => ({ ...filterQuery(filters), ...(filters.sponsor ? { sponsor: filters.sponsor } : {}) });
  const { state, loading, load } = useList<CaseSummary>(() => api.GET('/api/v1/cases', { params: { query: { ...query(), ...pageQuery(filters) } } }));

  watch(
    () => [filters.state.join(','), filters.rag, filters.division, filters.sponsor, filters.sort, filters.page],
    () => {
      void router.replace({
        query: { ...query(), ...(filters.sort !== 'designated' ? { sort: filters.sort } : {}), ...(filters.page > 1 ? { page: String(filters.page) } : {}) },
      });
      void load();
    },
    { immediate: true },
  );
  /** The same filters as an xlsx, through the export route. */
  const exporting = ref(false);
  async function exportXlsx() {
    exporting.value = true;
    try {
      const { data, response } = await api.GET('/api/v1/exports/cases', {
        params: {
          query: { format: 'xlsx', ...query() } as never,
        },
        parseAs: 'blob',
      });
      if (data) saveBlob(data as Blob, fileNameOf(response, '整顿台账.xlsx'));
      return !!data;
    } finally {
      exporting.value = false;
    }
  }

  return { filters, state, loading, load, exporting, exportXlsx };
}
