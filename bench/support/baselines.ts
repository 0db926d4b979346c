/**
 * What a team would otherwise write for deadline escalations, run beside the workflows on the same
 * Postgres with the same deadlines: (1) a cron-style poller that scans a deadlines table every
 * minute, (2) pg-boss jobs scheduled with `startAfter` (default 2 s polling). Each records an
 * escalation row whose `committed_at` (now() of its transaction, like `escalations.committed_at`)
 * minus the deadline is its lateness.
 */
import PgBoss from 'pg-boss';
import type { DbHandle } from '../../db/client.js';

export interface Deadline {
  obligationId: string;
  rung: string;
  at: string;
}

export interface Baseline {
  name: string;
  add(deadlines: Deadline[]): Promise<void>;
  /** Lateness in ms per (obligation, rung) delivered, and how often each was delivered. */
  results(): Promise<Array<{ key: string; latenessMs: number; deliveries: number }>>;
  stop(): Promise<void>;
}

async function results(db: DbHandle, table: string) {
  return (
    await db.sql.unsafe<{ key: string; lateness_ms: number; deliveries: number }[]>(
      `select obligation_id || '|' || rung as key,
              extract(epoch from (min(committed_at) - min(scheduled_at))) * 1000 as lateness_ms,
              count(*)::int as deliveries
         from ${table} group by obligation_id, rung`,
    )
  ).map((r) => ({ key: r.key, latenessMs: Number(r.lateness_ms), deliveries: r.deliveries }));
}

/** A deadlines table scanned every `intervalMs` (a cron job every minute). */
export async function startPoller(db: DbHandle, intervalMs = 60_000): Promise<Baseline> {
  await db.sql`create table if not exists bench_poller_deadlines (
    obligation_id text not null, rung text not null, due_at timestamptz not null, fired_at timestamptz,
    primary key (obligation_id, rung))`;
  await db.sql`create index if not exists bench_poller_due_idx on bench_poller_deadlines (due_at) where fired_at is null`;
  // No unique key here, so a double delivery would show.
  await db.sql`create table if not exists bench_poller_escalations (
    obligation_id text not null, rung text not null, scheduled_at timestamptz not null,
    committed_at timestamptz not null default now())`;
  let running: Promise<unknown> = Promise.resolve();
  const scan = () =>
    db.sql`with fired as (
             update bench_poller_deadlines set fired_at = now()
              where fired_at is null and due_at <= now()
              returning obligation_id, rung, due_at)
           insert into bench_poller_escalations (obligation_id, rung, scheduled_at)
           select obligation_id, rung, due_at from fired`;
  const timer = setInterval(() => {
    running = running.then(scan).catch(() => {});
  }, intervalMs);
  return {
    name: `poller every ${intervalMs / 1000} s`,
    async add(deadlines) {
      if (deadlines.length === 0) return;
      await db.sql`insert into bench_poller_deadlines ${db.sql(deadlines.map((d) => ({ obligation_id: d.obligationId, rung: d.rung, due_at: d.at })))}
                   on conflict do nothing`;
    },
    results: () => results(db, 'bench_poller_escalations'),
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** pg-boss 10: one job per rung with `startAfter`, a worker fetching up to 100 at a time. */
export async function startPgBoss(db: DbHandle, url: string): Promise<Baseline> {
  await db.sql`create table if not exists bench_pgboss_escalations (
    obligation_id text not null, rung text not null, scheduled_at timestamptz not null,
    committed_at timestamptz not null default now())`;
  const boss = new PgBoss({ connectionString: url, schema: 'bench_pgboss', max: 5 });
  const errors: string[] = [];
  boss.on('error', (error) => errors.push(String(error)));
  await boss.start();
  const queue = 'escalations';
  await boss.createQueue(queue);
  await boss.work<Deadline>(queue, { batchSize: 100 }, async (jobs) => {
    await db.sql`insert into bench_pgboss_escalations ${db.sql(jobs.map((j) => ({ obligation_id: j.data.obligationId, rung: j.data.rung, scheduled_at: j.data.at })))}`;
  });
  return {
    name: 'pg-boss 10 (startAfter, 2 s polling)',
    async add(deadlines) {
      if (deadlines.length === 0) return;
      await boss.insert(deadlines.map((d) => ({ name: queue, data: d, startAfter: new Date(d.at) })));
    },
    results: () => results(db, 'bench_pgboss_escalations'),
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch(() => {});
      if (errors.length) process.stderr.write(`pg-boss errors: ${errors.slice(0, 3).join('; ')}\n`);
    },
  };
}
