import { computed, reactive, ref, watch } from 'vue';
import { api, type ApiError, type Schemas } from '../../api/client';
import { useList } from '../../components/use-list';
import { DELIVERY_CHANNELS, DELIVERY_STATUSES } from '../../../../domain/delivery';

export type Delivery = Schemas['Delivery'];
export type DeliveryStatus = Delivery['status'];
export type DeliveryChannel = Delivery['channel'];
export { DELIVERY_CHANNELS, DELIVERY_STATUSES };

/**
 * 发送记录: the office's deliveries (the org dept's county, a township office's township), by status
 * (the counts as tabs), channel and division, paged by the server; retrying one that failed or
 * whose outcome is unknown.
 */
export function useDeliveries() {
  const filters = reactive({ status: '' as DeliveryStatus | '', channel: '' as DeliveryChannel | '', division: '', page: 1, pageSize: 20 });
  const byStatus = ref<Record<string, number>>({});
  const error = ref<string | null>(null);
  const { state, loading, load } = useList<Delivery>(async () => {
    error.value = null;
    const answer = await api.GET('/api/v1/deliveries', {
      params: {
        query: {
          ...(filters.status ? { status: filters.status } : {}),
          ...(filters.channel ? { channel: filters.channel } : {}),
          ...(filters.division ? { division: filters.division } : {}),
          limit: filters.pageSize,
          offset: (filters.page - 1) * filters.pageSize,
        },
      },
    });
    if (answer.data) byStatus.value = answer.data.byStatus;
    else error.value = (answer.error as ApiError | undefined)?.message ?? null;
    return answer;
  });
  const all = computed(() => Object.values(byStatus.value).reduce((sum, n) => sum + n, 0));

  async function retry(d: Delivery, confirmInDoubt: boolean): Promise<string | null> {
    const { data, error: failure } = await api.POST('/api/v1/deliveries/{id}/retry', { params: { path: { id: d.id } }, body: { confirmInDoubt } });
    if (!data) return (failure as ApiError | undefined)?.message ?? 'error';
    await load();
    return null;
  }

  // A new filter starts at the first page (which itself reloads); a new page just reloads.
  watch(
    () => [filters.status, filters.channel, filters.division],
    () => {
      if (filters.page !== 1) filters.page = 1;
      else void load();
    },
  );
  watch(
    () => filters.page,
    () => void load(),
  );
  void load();
  return { filters, state, loading, error, byStatus, all, load, retry };
}
