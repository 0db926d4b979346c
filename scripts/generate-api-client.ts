/**
 * `npm run web:api`: writes web/src/api/schema.d.ts, the console's types for every route, from the
 * OpenAPI document the API serves (zod stays the one source of truth). Run it after changing a
 * route or schema; tests/unit/api-client.test.ts fails while the committed file is stale.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiTypes } from './openapi-types.js';

const target = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'src', 'api', 'schema.d.ts');
await writeFile(target, await openApiTypes());
process.stdout.write(`${path.relative(process.cwd(), target)}\n`);
