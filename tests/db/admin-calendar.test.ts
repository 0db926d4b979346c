/**
 * `npm run admin -- import-calendar` and `recompute-deadlines` (README, "Loading a new year"), run
 * in-process against the test database: the version is saved and the re-timing workflow started
 * through the calendar service; with Temporal unreachable the version is still saved, the command
 * fails (exit 1) with the hint, and `recompute-deadlines` starts the re-timing later.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { freePort, startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, type Harness } from '../support/harness.js';
import { main } from '../../scripts/admin.js';
import { calendarChangeWorkflowId } from '../../workflows/ids.js';
import type { CalendarChangeInput } from '../../workflows/calendar-change.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let dir: string;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  dir = await mkdtemp(path.join(tmpdir(), 'rectify-admin-calendar-'));
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The CLI's environment: the test database, and Temporal at `address` on the harness's task queue. */
function cliEnv(address: string): NodeJS.ProcessEnv {
  return { DATABASE_URL: h.databaseUrl, TEMPORAL_ADDRESS: address, TEMPORAL_TASK_QUEUE: h.temporal.taskQueue };
}

/** Runs the admin CLI as `npm run admin -- …` would, answering its exit code and what it printed. */
async function admin(argv: string[], processEnv: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(argv, processEnv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** A year's notice in holiday-cn's shape (a year no test loads). */
async function noticeFile(name: string, year: number): Promise<string> {
  const file = path.join(dir, name);
  const days = [
    { name: '元旦', date: `${year}-01-01`, isOffDay: true },
    { name: '春节', date: `${year}-02-10`, isOffDay: true },
    { name: '春节', date: `${year}-02-04`, isOffDay: false },
  ];
  await writeFile(file, JSON.stringify({ year, days }));
  return file;
}

async function savedVersion(source: string) {
  const rows = await h.db.sql<{ id: number; years: number[]; note: string | null; days: number }[]>`
    select v.id, v.years, v.note, (select count(*)::int from calendar_days d where d.version_id = v.id) as days
    from calendar_versions v where v.source = ${source}`;
  return rows;
}

async function startedInput(versionId: number): Promise<CalendarChangeInput> {
  const handle = h.temporal.client.workflow.getHandle(calendarChangeWorkflowId(`version-${versionId}`));
  expect((await handle.describe()).type).toBe('calendarChangeWorkflow');
  const history = await handle.fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return defaultPayloadConverter.fromPayload<CalendarChangeInput>(payload!);
}

describe('admin import-calendar', () => {
  test('saves the version (audited as admin-cli) and starts the re-timing of provisional deadlines', async () => {
    const file = await noticeFile('2091.json', 2091);
    const res = await admin(['import-calendar', '--file', file, '--note', '国办发明电〔2090〕1号'], cliEnv(env.address));
    expect(res.code, res.stderr).toBe(0);

    const [version, ...more] = await savedVersion('file:2091.json');
    expect(more).toHaveLength(0);
    expect(version).toMatchObject({ years: [2091], note: '国办发明电〔2090〕1号', days: 3 });
    expect(res.stdout).toContain(`calendar version ${version!.id}: 3 days for 2091`);
    expect(res.stdout).toContain(`workflow calendar-change-version-${version!.id}`);
    const [audit] = await h.db.sql<{ actor_label: string; action: string }[]>`
      select actor_label, action from audit_events where entity_type = 'calendar_version' and entity_id = ${String(version!.id)}`;
    expect(audit).toMatchObject({ actor_label: 'admin-cli', action: 'calendar_version_imported' });

    // The same start as the service's importVersion: every division, provisional deadlines only.
    expect(await startedInput(version!.id)).toMatchObject({ divisionPrefix: '', onlyProvisional: true, reason: expect.stringContaining('2091年') });
    const result = await h.temporal.client.workflow.getHandle(calendarChangeWorkflowId(`version-${version!.id}`)).result();
    expect(result).toEqual({ signalled: 0 });
  });

  test('with Temporal unreachable: the version is saved, the command fails with the hint, and recompute-deadlines starts the re-timing', async () => {
    const file = await noticeFile('2092.json', 2092);
    const unreachable = `127.0.0.1:${await freePort()}`;
    const res = await admin(['import-calendar', '--file', file], cliEnv(unreachable));
    expect(res.code).toBe(1);

    const [version] = await savedVersion('file:2092.json');
    expect(version).toMatchObject({ years: [2092], days: 3 });
    expect(res.stdout).toContain(`calendar version ${version!.id}: 3 days for 2092`);
    expect(res.stderr).toContain(`import-calendar failed: the calendar version ${version!.id} is saved, but Temporal at ${unreachable} is unreachable`);
    expect(res.stderr).toContain(`When it is up: npm run admin -- recompute-deadlines --version ${version!.id}`);
    await expect(h.temporal.client.workflow.getHandle(calendarChangeWorkflowId(`version-${version!.id}`)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    const again = await admin(['recompute-deadlines', '--version', String(version!.id)], cliEnv(env.address));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`workflow calendar-change-version-${version!.id}`);
    expect(await startedInput(version!.id)).toMatchObject({ divisionPrefix: '', onlyProvisional: true, reason: expect.stringContaining('2092年') });
    // Only the one version: the re-timing does not save another.
    expect(await savedVersion('file:2092.json')).toHaveLength(1);
  });

  test('recompute-deadlines of an unknown version is a usage error (exit 2)', async () => {
    const res = await admin(['recompute-deadlines', '--version', '999999'], cliEnv(env.address));
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--version: no calendar version 999999');
  });
});
