import { reactive, ref, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { api, type ApiError, type Schemas } from '../../api/client';
import { useInboxBadge } from '../../stores/inbox-badge';

export type InboxItem = Schemas['InboxItem'];
export type InboxTab = 'open' | 'acked' | 'all';
const RUNGS = ['reminder', 'township_office', 'org_dept', 'standing_committee'] as const;
export type Rung = (typeof RUNGS)[number];
export const PROCESSES = ['case', 'mentorship', 'reserve', 'screening'] as const;
export type Process = (typeof PROCESSES)[number];

/** The rung of an escalation notice (`escalation.org_dept`), or null for other notices. */
export function rungOf(kind: string): Rung | null {
  const rung = kind.startsWith('escalation.') ? kind.slice('escalation.'.length) : '';
  return (RUNGS as readonly string[]).includes(rung) ? (rung as Rung) : null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The instants the API filters on for a range of days picked in Beijing time: from the first
 * day's start to the start of the day after the last (China keeps no daylight saving).
 */
export function dayRange(from: string, to: string): { from: string; to: string } {
  const start = (day: string) => Date.parse(`${day}T00:00:00+08:00`);
  return { from: new Date(start(from)).toISOString(), to: new Date(start(to) + 86_400_000).toISOString() };
}

/** The inbox with its filters (tab, rung, process, days, page) and acknowledging one item. */
export function useInbox() {
  // The filters live in the URL, so 工作台's "黄牌 2" and the back button land on the same list.
  const route = useRoute();
  const router = useRouter();
  const query = (name: string) => String(route.query[name] ?? '');
  const from = query('from');
  const to = query('to');
  const filters = reactive({
    tab: (['open', 'acked', 'all'].includes(query('tab')) ? query('tab') : 'open') as InboxTab,
    rung: ((RUNGS as readonly string[]).includes(query('rung')) ? query('rung') : '') as Rung | '',
    process: ((PROCESSES as readonly string[]).includes(query('process')) ? query('process') : '') as Process | '',
    /** Received between these days (YYYY-MM-DD, both included), or any time. */
    days: (DAY.test(from) && DAY.test(to) && from <= to ? [from, to] : null) as [string, string] | null,
    page: 1,
    pageSize: 20,
  });
  const state = reactive({ items: [] as InboxItem[], total: 0, unacked: 0, acked: 0 });
  const loading = ref(false);
  const error = ref<string | null>(null);
  const badge = useInboxBadge();

  async function load() {
    loading.value = true;
    error.value = null;
    try {
      const { data, error: failure } = await api.GET('/api/v1/inbox', {
        params: {
          query: {
            ...(filters.tab === 'all' ? {} : { acked: filters.tab === 'acked' ? 'true' : 'false' }),
            ...(filters.rung ? { rung: filters.rung } : {}),
            ...(filters.process ? { process: filters.process } : {}),
            ...(filters.days ? dayRange(filters.days[0], filters.days[1]) : {}),
            limit: filters.pageSize,
            offset: (filters.page - 1) * filters.pageSize,
          },
        },
      });
      if (!data) {
        error.value = (failure as ApiError | undefined)?.message ?? null;
        return;
      }
      Object.assign(state, { items: data.items, total: data.total, unacked: data.counts.unacked, acked: data.counts.acked });
    } finally {
      loading.value = false;
    }
  }

  async function ack(item: InboxItem): Promise<string | null> {
    const { data, error: failure } = await api.POST('/api/v1/inbox/{id}/ack', { params: { path: { id: item.id } } });
    if (!data) return (failure as ApiError | undefined)?.message ?? 'error';
    await Promise.all([load(), badge.refresh()]);
    return null;
  }

  watch(
    () => [filters.tab, filters.rung, filters.process, filters.days?.join('/'), filters.page],
    () => {
      void router.replace({
        query: {
          ...(filters.tab !== 'open' ? { tab: filters.tab } : {}),
          ...(filters.rung ? { rung: filters.rung } : {}),
          ...(filters.process ? { process: filters.process } : {}),
          ...(filters.days ? { from: filters.days[0], to: filters.days[1] } : {}),
        },
      });
      void load();
    },
    { immediate: true },
  );
  return { filters, state, loading, error, ack, load };
}
