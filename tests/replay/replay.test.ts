/**
 * Replays committed histories of released workflow versions against the current code. A change
 * that would break a running case (a non-determinism error) fails here; such changes go behind
 * `patched()`. Record new histories with `npx tsx tests/replay/record-histories.ts`.
 *
 * Both bundles are replayed: the plain one, and the one with the OpenTelemetry workflow
 * interceptors that a worker with tracing on runs (temporal/tracing.ts), so turning tracing on
 * changes no command of a running workflow.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { workflowBundle } from '../../temporal/worker.js';
import { workerTracing } from '../../temporal/tracing.js';

const HISTORIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');

test.each([
  { variant: 'plain', tracing: false },
  { variant: 'with the tracing interceptors', tracing: true },
])('the workflow bundle ($variant) builds and every committed history replays without non-determinism', async ({ tracing }) => {
  const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
  expect(files.length).toBeGreaterThanOrEqual(2);
  const bundle = await workflowBundle({ tracing });
  expect(bundle.code.length).toBeGreaterThan(10_000);
  const interceptors = '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors';
  if (tracing) expect(bundle.code).toContain(interceptors);
  else expect(bundle.code).not.toContain(interceptors);

  const histories = await Promise.all(
    files.map(async (file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8'))),
    })),
  );
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, sinks: workerTracing(null).sinks }, histories)) results.push(result);
  expect(results.map((r) => [r.workflowId, r.error ? String(r.error) : null])).toEqual(files.map((f) => [f.replace(/\.json$/, ''), null]));
});
