import { computed, ref, watch, type Ref } from 'vue';
import { api, type Schemas } from '../../api/client';

export type CalendarDay = Schemas['CalendarDay'];
export type CalendarOverride = Schemas['CalendarOverride'];

/** What a day is, for the grid: 休 a statutory holiday, 班 a make-up workday, a local override, or plain. */
export type DayKind = 'holiday' | 'makeup' | 'closure' | 'localWork' | 'weekend' | 'workday';

export function dayKind(day: CalendarDay): DayKind {
  if (day.source?.startsWith('override:')) return day.workday ? 'localWork' : 'closure';
  if (!day.workday && day.name) return 'holiday';
  if (day.workday && day.weekend) return 'makeup';
  return day.weekend ? 'weekend' : 'workday';
}

/** "2025-10" → the month's first and last dates (civil arithmetic: no time zone can move them). */
export function monthRange(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

export function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month in Beijing now: where the grid opens when the URL names none. */
export function thisMonth(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
}

/**
 * The weeks of a month, Monday first, as the server describes each day for the division
 * (its own and its ancestors' overrides included); null pads the first and last week.
 */
export function useCalendarMonth(month: Ref<string>, division: Ref<string>) {
  const days = ref<CalendarDay[]>([]);
  const loading = ref(false);
  async function load() {
    loading.value = true;
    try {
      const { from, to } = monthRange(month.value);
      const { data } = await api.GET('/api/v1/calendar', { params: { query: { from, to, ...(division.value ? { division: division.value } : {}) } } });
      days.value = data?.days ?? [];
    } finally {
      loading.value = false;
    }
  }
  const weeks = computed(() => {
    if (days.value.length === 0) return [];
    // getUTCDay: 0 Sunday … 6 Saturday; Monday-first columns.
    const lead = (new Date(`${days.value[0]!.date}T00:00:00Z`).getUTCDay() + 6) % 7;
    const cells: Array<CalendarDay | null> = [...Array<null>(lead).fill(null), ...days.value];
    while (cells.length % 7) cells.push(null);
    return Array.from({ length: cells.length / 7 }, (_, i) => cells.slice(i * 7, i * 7 + 7));
  });
  const provisional = computed(() => days.value.some((d) => d.provisional));
  watch([month, division], () => void load(), { immediate: true });
  return { days, weeks, provisional, loading, load };
}
