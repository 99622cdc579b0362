import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from './support/harness';

/**
 * The OpenAPI document generates a usable client: openapi-typescript turns /api/openapi.json
 * into types, and a small program that meters usage with them type-checks (tsc --noEmit), with
 * named DTOs, the 402 codes of metering, and a wrong body refused by the compiler.
 */
const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

let app: TestApp;
let doc: any;
beforeAll(async () => {
  app = await startApp();
  doc = await (await fetch(`${app.baseUrl}/api/openapi.json`)).json();
});
afterAll(() => app?.close());

describe('OpenAPI for client generators', () => {
  it('names the DTOs, lists each endpoint’s error codes with examples, and has a license', () => {
    expect(doc.info.license.name).toBeTruthy();
    for (const name of ['CreditSummary', 'UsageRow', 'Purchase', 'MeteredUsage', 'Reservation', 'ApiError']) expect(doc.components.schemas[name], name).toBeDefined();
    const record = doc.paths['/api/v1/metering/record'].post;
    expect(record.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/MeteringRecordResponse' });
    const refused = record.responses['402'].content['application/json'];
    expect(refused.schema.allOf[1].properties.error.properties.code.enum).toEqual(expect.arrayContaining(['INSUFFICIENT_CREDITS', 'OVERAGE_LIMIT_REACHED']));
    expect(refused.examples.INSUFFICIENT_CREDITS.value.error.message).toMatch(/^Not enough credits left for this request: it needs up to/);
    expect(record.responses['403'].content['application/json'].schema.allOf[1].properties.error.properties.code.enum).toContain('AI_DISABLED');
    expect(record.requestBody.content['application/json'].example).toMatchObject({ useCase: 'chat' });
    // No anonymous inline object as a JSON response or body: every one is a named component.
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const schemas = [op.requestBody?.content['application/json']?.schema, op.responses[String(Object.keys(op.responses)[0])]?.content?.['application/json']?.schema];
        for (const schema of schemas.filter(Boolean)) expect(schema.$ref, `${method} ${path}`).toMatch(/^#\/components\/schemas\//);
      }
    }
  });

  it('generates a TypeScript client with openapi-typescript that type-checks a metering program', { timeout: 120_000 }, async () => {
    const types = astToString(await openapiTS(doc));
    const dir = await mkdtemp(join(tmpdir(), 'aic-openapi-client-'));
    try {
      await writeFile(join(dir, 'api.d.ts'), types);
      await writeFile(
        join(dir, 'meter.ts'),
        `import type { components, paths } from './api';

type RecordBody = paths['/api/v1/metering/record']['post']['requestBody']['content']['application/json'];
type Recorded = components['schemas']['MeteringRecordResponse'];
type Refused = paths['/api/v1/metering/record']['post']['responses'][402]['content']['application/json'];

export async function meter(baseUrl: string, apiKey: string, body: RecordBody): Promise<Recorded | Refused> {
  const res = await fetch(baseUrl + '/api/v1/metering/record', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + apiKey, 'idempotency-key': crypto.randomUUID(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Recorded | Refused;
}

export async function example(): Promise<number> {
  const result = await meter('http://localhost:3000', 'aic_x', { useCase: 'chat', model: 'demo-model', inputTokens: 1200, outputTokens: 350 });
  if ('error' in result) {
    const code: 'INSUFFICIENT_CREDITS' | 'OVERAGE_LIMIT_REACHED' | 'BUDGET_REACHED' | string = result.error.code;
    return code.length;
  }
  const summary: components['schemas']['CreditSummary']['balanceMc'] = result.balance.balanceMc;
  return result.usage.chargedMc + summary;
}

// @ts-expect-error: not a use case of the catalog
export const wrong: RecordBody = { useCase: 'poetry', model: 'demo-model', inputTokens: 1, outputTokens: 1 };
`,
      );
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2023', 'DOM'], skipLibCheck: false, types: [] }, files: ['meter.ts'] }),
      );
      const out = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { timeout: 90_000 }).catch((e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? String(e) }));
      expect(`${out.stdout}${out.stderr}`).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
