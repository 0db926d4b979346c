import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/client';

/** Unacknowledged 督办 for the menu badge: refreshed on every page change and after an acknowledgement. */
export const useInboxBadge = defineStore('inbox-badge', () => {
  const unacked = ref(0);
  const byRung = ref<Record<string, number>>({});
  async function refresh() {
    const { data } = await api.GET('/api/v1/inbox/summary');
    unacked.value = data?.unacked ?? 0;
    byRung.value = data?.byRung ?? {};
  }
  return { unacked, byRung, refresh };
});
