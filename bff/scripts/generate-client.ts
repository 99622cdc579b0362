/**
 * Writes client/src/openapi.ts: the TypeScript types of the OpenAPI document the BFF serves at
 * /api/openapi.json (built from the shared zod contracts), by openapi-typescript. Run it after a
 * contract changes: `pnpm --filter @ai-credits/bff generate:client` (ADR 027);
 * bff/test/client.test.ts fails while the committed file is out of date.
 */
import { writeFile } from 'node:fs/promises';
import { clientTypesSource } from './client-types';

const target = new URL('../../client/src/openapi.ts', import.meta.url);
await writeFile(target, await clientTypesSource());
console.log(`wrote ${target.pathname}`);
