/**
 * The scrape: the process's registry (lib/metrics.ts) plus gauges read from Postgres when scraped.
 *
 * Each process serves its own registry. The pool gauge is per process (its own pool). The database
 * gauges (open obligations, notifications) describe the whole database, so only the API process
 * registers them (`databaseGauges`); `npm start`, one process, registers everything once.
 */
import { Counter, Gauge } from 'prom-client';
import type { Db } from '../db/client.js';
import { poolMax } from '../db/client.js';
import { countNotificationsByKindAndStatus, countOpenObligationsByLight, countPoolConnections } from '../db/queries/metrics.js';
import { INBOX_CHANNEL, type Metrics } from '../lib/metrics.js';

const PROCESSES = ['case', 'mentorship', 'reserve'] as const;
const LIGHTS = ['green', 'yellow', 'red', 'exempted'] as const;
const POOL_STATES = ['active', 'idle', 'idle in transaction', 'idle in transaction (aborted)'] as const;

export interface MetricsService {
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Registers the scrape-time gauges once per registry (the API and the worker may share one). */
export function createMetricsService(deps: { db: Db; metrics: Metrics; databaseGauges: boolean }): MetricsService {
  const { db, metrics } = deps;
  const registry = metrics.registry;
  const failures =
    (registry.getSingleMetric('rectify_metrics_query_failures_total') as Counter<'gauge'> | undefined) ??
    new Counter({
      name: 'rectify_metrics_query_failures_total',
      help: 'Scrape-time queries that failed (Postgres down): that gauge is left empty in that scrape',
      labelNames: ['gauge'] as const,
      registers: [registry],
    });
  /** A gauge's query failing must not fail the scrape: the other figures matter most then. */
  const guarded = async (gauge: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch {
      failures.inc({ gauge });
    }
  };

  if (!registry.getSingleMetric('rectify_db_pool_connections')) {
    new Gauge({
      name: 'rectify_db_pool_max',
      help: "The most connections this process's Postgres pool opens",
      registers: [registry],
      collect() {
        this.set(poolMax(db));
      },
    });
    new Gauge({
      name: 'rectify_db_pool_connections',
      help: "This process's Postgres pool connections by state (pg_stat_activity; the scraping one left out)",
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        await guarded('rectify_db_pool_connections', async () => {
          const rows = await countPoolConnections(db);
          for (const state of POOL_STATES) this.set({ state }, 0);
          for (const row of rows) this.set({ state: row.state }, row.n);
        });
      },
    });
  }

  if (deps.databaseGauges && !registry.getSingleMetric('rectify_open_obligations')) {
    new Gauge({
      name: 'rectify_open_obligations',
      help: 'Open obligations by process and light (the worst fired rung; exempted: 容错, counted apart)',
      labelNames: ['process', 'light'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        await guarded('rectify_open_obligations', async () => {
          const rows = await countOpenObligationsByLight(db);
          for (const process of PROCESSES) for (const light of LIGHTS) this.set({ process, light }, 0);
          for (const row of rows) this.set({ process: row.process, light: row.light }, row.n);
        });
      },
    });
    new Gauge({
      name: 'rectify_notifications',
      help: 'Notifications in the database by channel, kind and status (acked or not); deliveries by SMS/e-mail do not exist yet',
      labelNames: ['channel', 'kind', 'status'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        await guarded('rectify_notifications', async () => {
          const rows = await countNotificationsByKindAndStatus(db);
          for (const row of rows) this.set({ channel: INBOX_CHANNEL, kind: row.kind, status: row.status }, row.n);
        });
      },
    });
  }

  return {
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
