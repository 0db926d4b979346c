/**
 * The process's Prometheus figures (prom-client). One `Metrics` per process, on a registry of its
 * own (never prom-client's global one), so tests can build many apps in one process and `npm start`
 * (API and worker in one process) serves one registry holding both sides' figures.
 *
 * What is counted where:
 * - HTTP (api/app.ts, an onResponse hook): request durations by route pattern and status.
 * - Projections (activities/index.ts, after the transaction committed): escalations fired and
 *   committed per process and rung, their lateness (committed_at − scheduled_at, the figure
 *   BENCHMARKS.md uses), notifications written per channel and kind.
 * - At scrape time (services/metrics.ts, one grouped query each): open obligations by process and
 *   light, notifications by kind and status, the Postgres pool's connections.
 * The worker's Temporal figures come from the SDK's own Prometheus exporter (TEMPORAL_METRICS_ADDRESS).
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EscalationRung } from '../domain/escalation.js';

export type ProcessKind = 'case' | 'mentorship' | 'reserve' | 'screening';

/** What one projection transaction wrote that the figures count (rows new in this commit only). */
export interface ProjectionCommit {
  /** The fired rung's row, if this commit created it; its lateness in ms. */
  escalation: { rung: EscalationRung; latenessMs: number } | null;
  /** The kinds of the notifications this commit created (one entry per row). */
  notifications: string[];
  /** Outbox rows (SMS, e-mail, robots) written with them: the dispatcher is woken when there are any. */
  deliveries: number;
}

export interface Metrics {
  registry: Registry;
  httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  escalationsFired: Counter<'process' | 'rung'>;
  escalationsCommitted: Counter<'process' | 'rung'>;
  escalationLateness: Histogram<'process' | 'rung'>;
  notificationsCreated: Counter<'channel' | 'kind'>;
  /** Counts a projection: `fired` when the change carried a fired rung (every attempt), the rest from what it committed. */
  recordProjection(process: ProcessKind, fired: EscalationRung | null, commit: ProjectionCommit | undefined): void;
}

/** Notifications exist only as the in-app inbox so far; SMS/e-mail deliveries will add channels. */
export const INBOX_CHANNEL = 'inbox';

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Node's own figures (CPU, memory, event-loop lag, GC): cheap, and the first thing to look at.
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const httpRequestDuration = new Histogram({
    name: 'rectify_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern (not the raw URL) and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const escalationsFired = new Counter({
    name: 'rectify_escalations_fired_total',
    help: 'Projections carrying a fired rung, per process and rung (each attempt: a retry or a duplicate counts again)',
    labelNames: ['process', 'rung'] as const,
    registers: [registry],
  });
  const escalationsCommitted = new Counter({
    name: 'rectify_escalations_committed_total',
    help: 'Escalation rows committed to Postgres, per process and rung (at most once per obligation and rung)',
    labelNames: ['process', 'rung'] as const,
    registers: [registry],
  });
  const escalationLateness = new Histogram({
    name: 'rectify_escalation_lateness_seconds',
    help: 'escalations.committed_at - escalations.scheduled_at of each committed escalation, per process and rung',
    labelNames: ['process', 'rung'] as const,
    // From "on time" (tens of ms, BENCHMARKS.md #2) to a month-end burst's backlog (tens of seconds) and an outage.
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const notificationsCreated = new Counter({
    name: 'rectify_notifications_created_total',
    help: 'Notifications written, per channel and kind',
    labelNames: ['channel', 'kind'] as const,
    registers: [registry],
  });

  return {
    registry,
    httpRequestDuration,
    escalationsFired,
    escalationsCommitted,
    escalationLateness,
    notificationsCreated,
    recordProjection(process, fired, commit) {
      if (fired) escalationsFired.inc({ process, rung: fired });
      if (!commit) return;
      if (commit.escalation) {
        const labels = { process, rung: commit.escalation.rung };
        escalationsCommitted.inc(labels);
        escalationLateness.observe(labels, commit.escalation.latenessMs / 1000);
      }
      for (const kind of commit.notifications) notificationsCreated.inc({ channel: INBOX_CHANNEL, kind });
    },
  };
}
