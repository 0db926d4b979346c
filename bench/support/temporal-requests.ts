/**
 * What the Temporal server did for a phase of a bench: its own request counters (the dev server's
 * Prometheus endpoint, `--metrics-port`) sampled around the phase, per unit of work. Says whether a
 * designation asks the server for more than a bare start does (visibility writes, history reads…).
 */

/** Counter name + operation → value, summed over the other labels. */
export type RequestSample = Map<string, number>;

/** The counters that name the server's work: API calls, persistence and visibility writes, tasks. */
const COUNTERS = ['service_requests', 'persistence_requests', 'visibility_persistence_requests', 'task_requests'];

export async function sampleRequests(metricsUrl: string): Promise<RequestSample> {
  const text = await (await fetch(metricsUrl)).text();
  const sample: RequestSample = new Map();
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || !COUNTERS.includes(m[1]!)) continue;
    const operation = /operation="([^"]+)"/.exec(m[2]!)?.[1] ?? '?';
    const key = `${m[1]} ${operation}`;
    sample.set(key, (sample.get(key) ?? 0) + Number(m[3]));
  }
  return sample;
}

/**
 * "StartWorkflowExecution 1.00 · …" per unit of work, for the operations of `kinds` (the counter
 * names above) that happened at least once per 20 units. The frontend and the history service each
 * count an API call they both serve, so `service_requests` shows those twice.
 */
export function requestsPerUnit(from: RequestSample, to: RequestSample, units: number, kinds: readonly string[]): string {
  const parts: string[] = [];
  for (const [key, value] of [...to].sort(([a], [b]) => a.localeCompare(b))) {
    const [kind, operation] = key.split(' ');
    const per = (value - (from.get(key) ?? 0)) / units;
    if (kinds.includes(kind!) && per >= 0.05) parts.push(`${operation} ${per.toFixed(2)}`);
  }
  return parts.join(' · ') || '—';
}
