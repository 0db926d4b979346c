/** Dates as people read them, in Beijing time: 2026年12月14日, 2026年12月14日 09:30. */
const DATE = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'long', day: 'numeric' });
const TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false });

export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value.length === 10 ? `${value}T12:00:00+08:00` : value) : value;
  return Number.isNaN(d.getTime()) ? '—' : DATE.format(d);
}

export function formatInstant(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? '—' : `${DATE.format(d)} ${TIME.format(d)}`;
}

const SHORT = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: 'long', day: 'numeric' });

/** An instant in a tight spot (a line in the inbox): 12月8日 08:30. */
export function formatShortInstant(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? '—' : `${SHORT.format(d)} ${TIME.format(d)}`;
}
