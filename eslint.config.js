// The lint gate (npm test and CI run it): typescript-eslint's recommended rules, promises that must
// be awaited or marked `void`, and the layers kept one-way by import rules. Type-aware rules use
// the project's tsconfig files (projectService).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
// The OpenTelemetry workflow interceptors (in every bundle) draw span ids from the workflow's random
// stream in queries and Update validators too, which replay does not run: a later draw by workflow
// code would differ on replay (temporalio/sdk-typescript#2023). Ids come from business keys anyway.
const RANDOM_STREAM =
  'the tracing interceptors share the workflow random stream with queries and validators, which do not replay: take ids from business keys or an activity';
const layer = (names) => names.flatMap((n) => [`../${n}/*`, `../../${n}/*`, `../${n}`, `../../${n}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'web/dist/**', '.data/**', '.tools/**', 'db/migrations/**', 'web/src/api/schema.d.ts', '**/*.vue', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.json', './web/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node, no I/O layers, no logger, no zod.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'workflow code runs in the deterministic sandbox: no Node builtins' })),
            { name: 'pino', message: 'workflows log through @temporalio/workflow log' },
            { name: 'zod', message: 'validate at the API; workflows take typed input' },
            { name: '@temporalio/workflow', importNames: ['uuid4'], message: RANDOM_STREAM },
          ],
          patterns: [
            {
              group: layer(['db', 'services', 'api', 'lib', 'config', 'temporal', 'scripts']),
              message: 'workflows depend on domain/ only (and activities by type)',
            },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: RANDOM_STREAM }],
    },
  },
  {
    // The domain is pure: it names nothing but itself (and pure libraries such as luxon and zod).
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins.map((name) => ({ name, message: 'domain/ is pure: no Node builtins' })), { name: 'pino', message: 'domain/ does not log' }],
          patterns: [
            {
              group: layer(['db', 'services', 'api', 'activities', 'workflows', 'lib', 'config', 'temporal', 'scripts', 'web']),
              message: 'domain/ names nothing but domain/',
            },
          ],
        },
      ],
    },
  },
  {
    // Storage knows the domain (and the contracts the workflows project through it), not the layers above.
    files: ['db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layer(['workflows', 'services', 'api', 'activities', 'scripts']),
              message: 'db/ names domain/ (the contracts are in domain/contracts/), not the layers above',
            },
          ],
        },
      ],
    },
  },
  {
    // Channel adapters talk to providers: they know the domain and lib/, never storage or the layers above.
    files: ['notifiers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: layer(['db', 'workflows', 'services', 'api', 'activities', 'temporal', 'scripts']),
              message: 'notifiers/ send messages; they name domain/ and lib/ only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
