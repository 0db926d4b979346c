import { onMounted, reactive, ref } from 'vue';
import { api, type Schemas } from '../../api/client';

type InboxItem = Schemas['InboxItem'];
type ObligationRow = Schemas['ObligationRow'];
type Rag = 'green' | 'yellow' | 'red';

/** Where an obligation's page is, by its process. */
export function obligationLink(o: Pick<ObligationRow, 'process' | 'entityId'>): string {
  return o.process === 'case' ? `/cases/${o.entityId}` : o.process === 'mentorship' ? `/mentorships/${o.entityId}` : `/reserves/${o.entityId}`;
}

/** The to-do list's page size. */
export const TODO_PAGE_SIZE = 10;

/**
 * The workbench's data, in parallel: my open obligations across processes (soonest first, a page
 * at a time), the unacknowledged 督办 per rung and the latest of them, my cases per light, and the
 * monthly reports: each case's current period (owed, or filed) and, apart, earlier periods still owed.
 */
export function useWorkbench() {
  const loading = ref(true);
  const todo = reactive({ total: 0, page: 1, items: [] as ObligationRow[], loading: false });
  const inbox = reactive({ total: 0, byRung: {} as Record<string, number>, items: [] as InboxItem[] });
  const lights = reactive<Record<Rag, number>>({ red: 0, yellow: 0, green: 0 });
  const reports = reactive({ current: [] as ObligationRow[], earlier: [] as ObligationRow[] });

  const todoPage = (page: number) =>
    api.GET('/api/v1/obligations', { params: { query: { responsible: 'me', status: 'open', limit: TODO_PAGE_SIZE, offset: (page - 1) * TODO_PAGE_SIZE } } });

  async function showTodoPage(page: number) {
    todo.loading = true;
    try {
      const { data } = await todoPage(page);
      if (data) Object.assign(todo, { ...data, page });
    } finally {
      todo.loading = false;
    }
  }

  onMounted(async () => {
    try {
      const casesOf = (rag: Rag) => api.GET('/api/v1/cases', { params: { query: { rag: rag as never, limit: 1, offset: 0 } } });
      const reportsOf = (query: { current: 'true' | 'false'; status: 'open' | 'all' }) =>
        api.GET('/api/v1/obligations', { params: { query: { responsible: 'me', kind: 'monthly_report' as never, ...query, limit: 20, offset: 0 } } });
      const [mine, summary, unacked, current, owed, red, yellow, green] = await Promise.all([
        todoPage(1),
        api.GET('/api/v1/inbox/summary'),
        api.GET('/api/v1/inbox', { params: { query: { acked: 'false', limit: 5, offset: 0 } } }),
        reportsOf({ current: 'true', status: 'all' }),
        reportsOf({ current: 'false', status: 'open' }),
        casesOf('red'),
        casesOf('yellow'),
        casesOf('green'),
      ]);
      if (mine.data) Object.assign(todo, mine.data);
      if (summary.data) Object.assign(inbox, { total: summary.data.unacked, byRung: summary.data.byRung });
      if (unacked.data) inbox.items = unacked.data.items;
      reports.current = current.data?.items ?? [];
      const currentIds = new Set(reports.current.map((r) => r.id));
      reports.earlier = (owed.data?.items ?? []).filter((r) => !currentIds.has(r.id));
      Object.assign(lights, { red: red.data?.total ?? 0, yellow: yellow.data?.total ?? 0, green: green.data?.total ?? 0 });
    } finally {
      loading.value = false;
    }
  });

  return { todo, showTodoPage, inbox, lights, reports, loading };
}
