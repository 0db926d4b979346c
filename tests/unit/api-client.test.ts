import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../temporal/binaries.js';
import { openApiTypes } from '../../scripts/openapi-types.js';

test('the console’s API types (web/src/api/schema.d.ts) match the OpenAPI document: run `npm run web:api` after changing a route', async () => {
  const committed = await readFile(path.join(PROJECT_ROOT, 'web', 'src', 'api', 'schema.d.ts'), 'utf8');
  expect(committed === (await openApiTypes()), 'web/src/api/schema.d.ts is stale: npm run web:api').toBe(true);
});
