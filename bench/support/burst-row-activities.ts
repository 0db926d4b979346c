/**
 * The one activity of bench/workflows/burst-row.ts: one row per workflow in `bench_burst_rows`,
 * idempotent by id (a retried activity writes nothing twice), `committed_at` taken at the insert
 * like `escalations.committed_at`.
 */
import type { Sql } from 'postgres';

export const BURST_ROWS_DDL = `create table if not exists bench_burst_rows (
  id text primary key,
  scheduled_at timestamptz not null,
  timer_armed boolean not null,
  committed_at timestamptz not null default clock_timestamp())`;

export function createBurstRowActivities(deps: { sql: Sql }) {
  return {
    async writeBurstRow(input: { id: string; scheduledAt: string; timerArmed: boolean }): Promise<void> {
      await deps.sql`insert into bench_burst_rows (id, scheduled_at, timer_armed) values (${input.id}, ${input.scheduledAt}, ${input.timerArmed})
                     on conflict (id) do nothing`;
    },
  };
}

export type BurstRowActivities = ReturnType<typeof createBurstRowActivities>;
