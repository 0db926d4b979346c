/**
 * A released version of the workflows, built from git, so a test can start a process the way a
 * running deployment did and then continue it on this code (a deploy). Together with the replay of
 * committed histories this shows a patch upgrades running processes, not only new ones.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleWorkflowCode, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { PROJECT_ROOT } from '../../temporal/binaries.js';
import { webpackConfigHook } from '../../temporal/worker.js';
import type { Activities } from '../../activities/index.js';

const run = promisify(execFile);

/** The last release before PER_DATE_PROVISIONAL_PATCH: its rungs carry no 暂定 flag of their own. */
export const RELEASE_BEFORE_PER_DATE_PROVISIONAL = '7ec33319e433422a87c5bb8b6cb1f37f0e2ce18a';

/** The workflows (and the domain code they import) of `commit`, bundled. Needs the git history. */
export async function releasedWorkflowBundle(commit: string): Promise<WorkflowBundleWithSourceMap> {
  // Inside the project, so webpack finds node_modules by walking up.
  const dir = path.join(PROJECT_ROOT, '.data', 'released', commit.slice(0, 12));
  const entry = path.join(dir, 'workflows', 'index.ts');
  if (
    !(await access(entry).then(
      () => true,
      () => false,
    ))
  ) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    try {
      await run('sh', ['-c', `git archive --format=tar ${commit} workflows domain | tar -x -C "${dir}"`], { cwd: PROJECT_ROOT });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(
        `Cannot read release ${commit} from git (${error instanceof Error ? error.message : String(error)}). ` +
          'This test needs the repository history: run it in a git clone, not an exported tree (git fetch --unshallow if shallow).',
        { cause: error },
      );
    }
  }
  return bundleWorkflowCode({ workflowsPath: entry, webpackConfigHook, logger: Runtime.instance().logger });
}

/**
 * The date activities as that release answered them: no flag on rungs, and the obligation's flag the
 * OR of its due date and every rung.
 */
export function asBeforePerDateProvisional(real: Activities): Activities {
  type Rung = { provisional?: boolean };
  const legacy = <T extends { provisional: boolean; rungs: Rung[] }>(result: T): T => ({
    ...result,
    provisional: result.provisional || result.rungs.some((r) => r.provisional),
    rungs: result.rungs.map(({ provisional: _dropped, ...rest }) => rest),
  });
  return {
    ...real,
    scheduleDeadline: async (input) => legacy(await real.scheduleDeadline(input)),
    scheduleReportPeriod: async (input) => legacy(await real.scheduleReportPeriod(input)),
  };
}
