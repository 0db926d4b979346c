import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, setCsrfToken, type Schemas } from '../api/client';

type SignedIn = Schemas['SignedIn'];

/** Who is signed in: read from GET /auth/session at start, set by login, cleared by logout or a 401. */
export const useSession = defineStore('session', () => {
  const current = ref<SignedIn | null>(null);
  const loaded = ref(false);

  function set(value: SignedIn | null) {
    current.value = value;
    setCsrfToken(value?.csrfToken ?? null);
  }

  async function load(): Promise<SignedIn | null> {
    const { data } = await api.GET('/api/v1/auth/session');
    set(data ?? null);
    loaded.value = true;
    return current.value;
  }

  async function logout(): Promise<void> {
    await api.POST('/api/v1/auth/logout');
    set(null);
  }

  return { current, loaded, set, load, logout };
});
