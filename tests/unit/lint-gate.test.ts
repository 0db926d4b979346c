/**
 * The lint gate catches what it is there for: a floating promise anywhere, and a workflow or
 * domain file importing what its layer may not (Node builtins, db/, services/, pino, zod in
 * workflows), and workflow code drawing on the random stream the tracing interceptors share. The probes are linted as if they were files of those folders (ESLint's lintText with
 * a real path, so the type-aware rules run), nothing is written.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../temporal/binaries.js';

// With CI=true typescript-eslint infers a "single run" and parses the file on disk, not the text
// given to lintText, so the probes would pass unseen in CI: that inference is turned off here.
const eslint = new ESLint({ cwd: PROJECT_ROOT, overrideConfig: { languageOptions: { parserOptions: { disallowAutomaticSingleRunInference: true } } } });
async function rulesFired(code: string, asFile: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(PROJECT_ROOT, asFile) });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

describe('the lint gate', () => {
  test('a workflow importing Node, db/, pino or zod, and a floating promise, are refused', async () => {
    const code = [
      "import { readFileSync } from 'node:fs';",
      "import { createDb } from '../db/client.js';",
      "import pino from 'pino';",
      "import { z } from 'zod';",
      'async function later(): Promise<void> {}',
      'export function f(): void {',
      '  later();',
      '  void [readFileSync, createDb, pino, z];',
      '}',
    ].join('\n');
    const fired = await rulesFired(code, 'workflows/ids.ts');
    expect(fired.filter((r) => r === 'no-restricted-imports')).toHaveLength(4);
    expect(fired).toContain('@typescript-eslint/no-floating-promises');
  }, 120_000);

  test("a workflow drawing on the workflow's random stream (uuid4, Math.random) is refused", async () => {
    const code = ["import { uuid4 } from '@temporalio/workflow';", 'export const id = (): string => `${uuid4()}-${Math.random()}`;'].join('\n');
    const fired = await rulesFired(code, 'workflows/ids.ts');
    expect(fired.filter((r) => r === 'no-restricted-imports' || r === 'no-restricted-properties')).toEqual([
      'no-restricted-imports',
      'no-restricted-properties',
    ]);
  }, 120_000);

  test('the domain may not name services/ or Node; the same code elsewhere passes the layer rules', async () => {
    const code = [
      "import { createHash } from 'node:crypto';",
      "import type { CaseService } from '../services/cases.js';",
      'export type S = CaseService;',
      'export const h = createHash;',
    ].join('\n');
    expect((await rulesFired(code, 'domain/roles.ts')).filter((r) => r === 'no-restricted-imports')).toHaveLength(2);
    expect(await rulesFired(code, 'api/errors.ts')).not.toContain('no-restricted-imports');
  }, 120_000);

  test('the tree as it is passes', async () => {
    const results = await eslint.lintFiles(['workflows', 'domain']);
    expect(results.flatMap((r) => r.messages.map((m) => `${path.relative(PROJECT_ROOT, r.filePath)}:${m.line} ${m.ruleId}`))).toEqual([]);
  }, 120_000);
});
