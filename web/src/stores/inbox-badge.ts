import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api } from '../api/client';

/** Unacknowledged 督办 for the menu badge: refreshed on every page change and after an acknowledgement. */
export const useInboxBadge = defineStore('inbox-badge', () => {
  const unacked = ref(0);
  async function refresh() {
    const { data } = await api.GET('/api/v1/inbox', { params: { query: { acked: 'false', limit: 1, offset: 0 } } });
    unacked.value = data?.total ?? 0;
  }
  return { unacked, refresh };
});
