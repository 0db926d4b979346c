import { onMounted, reactive, ref } from 'vue';
import { api, type Schemas } from '../../api/client';

type InboxItem = Schemas['InboxItem'];
type CaseSummary = Schemas['CaseSummary'];

/** The workbench's data: unacknowledged inbox items and the caller's cases. */
export function useWorkbench() {
  const loading = ref(true);
  const inbox = reactive({ total: 0, items: [] as InboxItem[] });
  const cases = reactive({ total: 0, items: [] as CaseSummary[] });

  onMounted(async () => {
    try {
      const [unacked, mine] = await Promise.all([
        api.GET('/api/v1/inbox', { params: { query: { acked: 'false', limit: 10, offset: 0 } } }),
        api.GET('/api/v1/cases', { params: { query: { sort: 'next_due', limit: 10, offset: 0 } } }),
      ]);
      if (unacked.data) Object.assign(inbox, { total: unacked.data.total, items: unacked.data.items });
      if (mine.data) Object.assign(cases, { total: mine.data.total, items: mine.data.items });
    } finally {
      loading.value = false;
    }
  });

  return { inbox, cases, loading };
}
