import { reactive, ref, watch } from 'vue';
import { api, type ApiError, type Schemas } from '../../api/client';
import { useInboxBadge } from '../../stores/inbox-badge';

export type InboxItem = Schemas['InboxItem'];
export type InboxTab = 'open' | 'acked' | 'all';
const RUNGS = ['reminder', 'township_office', 'org_dept', 'standing_committee'] as const;
export type Rung = (typeof RUNGS)[number];

/** The rung of an escalation notice (`escalation.org_dept`), or null for other notices. */
export function rungOf(kind: string): Rung | null {
  const rung = kind.startsWith('escalation.') ? kind.slice('escalation.'.length) : '';
  return (RUNGS as readonly string[]).includes(rung) ? (rung as Rung) : null;
}

/** The inbox with its filters (tab, rung, page) and acknowledging one item. */
export function useInbox() {
  const filters = reactive({ tab: 'open' as InboxTab, rung: '' as Rung | '', page: 1, pageSize: 20 });
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

  watch(() => [filters.tab, filters.rung, filters.page], () => void load(), { immediate: true });
  return { filters, state, loading, error, ack, load };
}
