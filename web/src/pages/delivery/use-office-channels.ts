import { computed, ref, watch } from 'vue';
import { api, fieldErrors, type ApiError, type Schemas } from '../../api/client';
import { useSession } from '../../stores/session';
import { t } from '../../locale/zh-CN';

export type OfficeChannel = Schemas['OfficeChannel'];
export type Preference = Schemas['NotificationPreference'];
export type OfficeChannelKind = OfficeChannel['kind'];
export const OFFICE_CHANNEL_KINDS: OfficeChannelKind[] = ['wecom_robot', 'dingtalk_robot', 'signed_webhook'];

/** An office the signed-in person manages robots for: its division code ('' for their own). */
export interface OfficeOption {
  code: string;
  label: string;
}

const o = t.officeDelivery;

/**
 * The offices one manages: a township office its own; the org dept its own and those of the
 * townships (or counties) right below it. The server decides the office's role from the division.
 */
export function useOffices() {
  const session = useSession();
  const offices = ref<OfficeOption[]>([]);
  async function load() {
    const user = session.current?.user;
    if (!user) return;
    if (user.role !== 'org_dept') {
      offices.value = [{ code: '', label: user.officeName }];
      return;
    }
    const { data } = await api.GET('/api/v1/divisions/{code}', { params: { path: { code: user.jurisdictionCode } } });
    offices.value = [
      { code: '', label: o.ownOffice(user.officeName) },
      ...(data?.children ?? [])
        .filter((c) => c.level === 'township' || c.level === 'county' || c.level === 'prefecture')
        .map((c) => ({ code: c.code, label: c.level === 'township' ? o.townshipOffice(c.name) : `${c.name}委组织部` })),
    ];
  }
  void load();
  return offices;
}

/** The office's query: nothing for one's own, else its division. */
const officeQuery = (code: string) => (code ? { officeDivisionCode: code } : {});

/** The chosen office's robots and preferences: adding, enabling and disabling, testing, switching a preference. */
export function useOfficeChannels() {
  const office = ref('');
  const channels = ref<OfficeChannel[]>([]);
  const preferences = ref<Preference[]>([]);
  const loading = ref(false);
  const busy = ref<string | null>(null);
  const error = ref<string | null>(null);
  /** The last test's answer per robot: ok, or the provider's code. */
  const tested = ref<Record<string, { ok: boolean; code: string }>>({});

  async function load() {
    loading.value = true;
    error.value = null;
    try {
      const query = officeQuery(office.value);
      const [list, prefs] = await Promise.all([
        api.GET('/api/v1/office-channels', { params: { query } }),
        api.GET('/api/v1/office-channels/preferences', { params: { query } }),
      ]);
      channels.value = list.data?.items ?? [];
      preferences.value = prefs.data?.items ?? [];
      if (!list.data) error.value = (list.error as ApiError | undefined)?.message ?? null;
    } finally {
      loading.value = false;
    }
  }

  async function create(body: { kind: OfficeChannelKind; url: string; secret: string; label: string }) {
    const { data, error: failure } = await api.POST('/api/v1/office-channels', {
      body: {
        kind: body.kind,
        url: body.url.trim(),
        label: body.label.trim(),
        ...(body.secret.trim() ? { secret: body.secret.trim() } : {}),
        ...officeQuery(office.value),
      },
    });
    if (data) await load();
    return { data, errors: fieldErrors(failure as ApiError | undefined), message: (failure as ApiError | undefined)?.message ?? null };
  }

  async function setEnabled(channel: OfficeChannel, enabled: boolean): Promise<string | null> {
    busy.value = `enable:${channel.id}`;
    try {
      const { data, error: failure } = await api.PATCH('/api/v1/office-channels/{id}', { params: { path: { id: channel.id } }, body: { enabled } });
      if (!data) return (failure as ApiError | undefined)?.message ?? t.failed;
      channels.value = channels.value.map((c) => (c.id === data.id ? data : c));
      const prefs = await api.GET('/api/v1/office-channels/preferences', { params: { query: officeQuery(office.value) } });
      if (prefs.data) preferences.value = prefs.data.items;
      return null;
    } finally {
      busy.value = null;
    }
  }

  async function test(channel: OfficeChannel): Promise<string | null> {
    busy.value = `test:${channel.id}`;
    try {
      const { data, error: failure } = await api.POST('/api/v1/office-channels/{id}/test', { params: { path: { id: channel.id } } });
      if (!data) return (failure as ApiError | undefined)?.message ?? t.failed;
      tested.value = { ...tested.value, [channel.id]: { ok: data.ok, code: data.code } };
      channels.value = channels.value.map((c) => (c.id === data.channel.id ? data.channel : c));
      return null;
    } finally {
      busy.value = null;
    }
  }

  async function setPreference(category: Preference['category'], channel: Preference['channel'], enabled: boolean): Promise<string | null> {
    if (channel === 'sms' || channel === 'email') return null;
    busy.value = `${category}:${channel}`;
    try {
      const { data, error: failure } = await api.PUT('/api/v1/office-channels/preferences', {
        params: { query: officeQuery(office.value) },
        body: { category, channel, enabled },
      });
      if (!data) return (failure as ApiError | undefined)?.message ?? t.failed;
      preferences.value = data.items;
      return null;
    } finally {
      busy.value = null;
    }
  }

  watch(office, () => void load(), { immediate: true });
  const hasChannels = computed(() => channels.value.length > 0);
  return { office, channels, preferences, loading, busy, error, tested, hasChannels, load, create, setEnabled, test, setPreference };
}
