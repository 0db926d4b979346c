import { reactive, ref } from 'vue';
import { api, fieldErrors, type ApiError, type Schemas } from '../../api/client';

export type ContactPoint = Schemas['ContactPoint'];
export type Preference = Schemas['NotificationPreference'];
type ContactAnswer = Schemas['ContactPointAnswer'];

/** An API refusal as the field it names (the form's own field name) and its message. */
function refusal(error: unknown): { field: string | null; message: string } {
  const failure = error as ApiError | undefined;
  const [first] = Object.entries(fieldErrors(failure));
  return first ? { field: first[0], message: first[1] } : { field: null, message: failure?.message ?? '' };
}

/**
 * 通知方式: my contact points (adding one sends a code; entering it verifies; a new code on request;
 * removing), and my notification preferences (category × channel). Each refusal is kept by the
 * field it names, so the page shows it there: the new address's, or one pending point's code.
 */
export function useNotify() {
  const points = ref<ContactPoint[]>([]);
  const preferences = ref<Preference[]>([]);
  /** The latest code sent to each pending point: until when, or why it did not go. */
  const codes = reactive<Record<string, { expiresAt: string | null; sent: boolean; error: string | null }>>({});
  /** The code each pending point's field holds, and its error. */
  const entered = reactive<Record<string, string>>({});
  const codeErrors = reactive<Record<string, string>>({});
  const add = reactive({ kind: 'sms' as ContactPoint['kind'], address: '', busy: false, errors: {} as Record<string, string>, message: null as string | null });
  const busy = ref<string | null>(null);
  const prefError = ref<string | null>(null);

  async function loadPoints() {
    const { data } = await api.GET('/api/v1/me/contact-points');
    if (data) points.value = data.items;
  }
  async function loadPreferences() {
    const { data } = await api.GET('/api/v1/me/notification-preferences');
    if (data) preferences.value = data.items;
  }

  function remember(answer: ContactAnswer) {
    codes[answer.contactPoint.id] = { expiresAt: answer.codeExpiresAt, sent: answer.codeSent, error: answer.codeError };
    delete codeErrors[answer.contactPoint.id];
  }

  async function addPoint(): Promise<boolean> {
    add.busy = true;
    add.errors = {};
    add.message = null;
    try {
      const { data, error } = await api.POST('/api/v1/me/contact-points', { body: { kind: add.kind, address: add.address.trim() } });
      if (!data) {
        const { field, message } = refusal(error);
        if (field === 'address' || field === 'kind') add.errors = { [field]: message };
        else add.message = message;
        return false;
      }
      remember(data);
      add.address = '';
      await loadPoints();
      return true;
    } finally {
      add.busy = false;
    }
  }

  async function verify(point: ContactPoint): Promise<boolean> {
    busy.value = `verify:${point.id}`;
    delete codeErrors[point.id];
    try {
      const { data, error } = await api.POST('/api/v1/me/contact-points/{id}/verify', {
        params: { path: { id: point.id } },
        body: { code: (entered[point.id] ?? '').trim() },
      });
      if (!data) {
        codeErrors[point.id] = refusal(error).message;
        return false;
      }
      delete codes[point.id];
      delete entered[point.id];
      await Promise.all([loadPoints(), loadPreferences()]);
      return true;
    } finally {
      busy.value = null;
    }
  }

  async function resend(point: ContactPoint) {
    busy.value = `resend:${point.id}`;
    try {
      const { data, error } = await api.POST('/api/v1/me/contact-points/{id}/resend-code', { params: { path: { id: point.id } } });
      if (data) remember(data);
      else codeErrors[point.id] = refusal(error).message;
    } finally {
      busy.value = null;
    }
  }

  async function remove(point: ContactPoint): Promise<string | null> {
    const { response, error } = await api.DELETE('/api/v1/me/contact-points/{id}', { params: { path: { id: point.id } } });
    if (!response.ok) return refusal(error).message;
    delete codes[point.id];
    await Promise.all([loadPoints(), loadPreferences()]);
    return null;
  }

  async function setPreference(category: Preference['category'], channel: Preference['channel'], enabled: boolean): Promise<boolean> {
    if (channel !== 'sms' && channel !== 'email') return false;
    busy.value = `${category}:${channel}`;
    prefError.value = null;
    try {
      const { data, error } = await api.PUT('/api/v1/me/notification-preferences', { body: { category, channel, enabled } });
      if (!data) {
        prefError.value = refusal(error).message;
        return false;
      }
      preferences.value = data.items;
      return true;
    } finally {
      busy.value = null;
    }
  }

  void loadPoints();
  void loadPreferences();
  return { points, preferences, codes, entered, codeErrors, add, busy, prefError, addPoint, verify, resend, remove, setPreference };
}
