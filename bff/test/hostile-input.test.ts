import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from 'express';
import { z } from 'zod';
import { endpoint, isStorableText } from '@ai-credits/shared/api';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createLogger } from '../src/lib/logger';
import { mount } from '../src/http/endpoint';
import { errorMiddleware } from '../src/http/error.middleware';
import { createOrg, startApp, uniq, type Client, type TestApp } from './support/harness';

let app: TestApp;
let owner: Client;
let apiToken: string;
let projectId: string;

beforeAll(async () => {
  app = await startApp();
  ({ owner } = await createOrg(app));
  apiToken = (await owner.request('POST', '/api/api-keys', { body: { name: 'hostile' } })).body.token;
  projectId = (await owner.call(orgContract.createProject, { body: { name: uniq('P ') } })).body.id;
});
afterAll(() => app.close());

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const UUID = '00000000-0000-4000-8000-000000000000';

// Each of these answered 500 before: PostgreSQL refused the value (NUL, bad UUID, date out of
// range) or Express's own 400 was turned into a 500.
const bodies: [string, string, string, unknown][] = [
  ['NUL in a project name', 'POST', '/api/projects', { name: 'a\u0000b' }],
  ['lone surrogate in a project name', 'POST', '/api/projects', { name: 'a\ud800b' }],
  ['NUL in an API key name', 'POST', '/api/api-keys', { name: 'k\u0000' }],
  ['NUL in a signup name', 'POST', '/api/auth/signup', { orgName: 'O\u0000', name: 'N', email: `${uniq()}@example.test`, password: 'password123' }],
  ['lone surrogate in a chat message', 'POST', '/api/ai/chat', { projectId: '', message: 'hello \udc00 there' }],
  ['NUL in a requirement', 'POST', '/api/ai/test-cases/generate', { projectId: '', requirement: 'The user can log in\u0000 with a password' }],
  ['NUL in an estimate prompt', 'POST', '/api/ai/estimate', { useCase: 'chat', projectId: '', message: 'hi\u0000' }],
  ['NUL in a checkout callback', 'POST', `/api/billing/purchases/${UUID}/verify`, { razorpay_order_id: 'order_\u0000', razorpay_payment_id: 'pay_\u0000', razorpay_signature: 'x\u0000' }],
];

const queries: [string, string][] = [
  ['NUL in a model filter', '/api/credits/usage?model=%00'],
  ['NUL in a CSV model filter', '/api/credits/usage.csv?model=gpt%00'],
  ['cursor with a non-UUID id', `/api/credits/usage?cursor=${cursor(['2026-01-01T00:00:00.000Z', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'])}`],
  ['cursor with a dashed non-UUID id', `/api/credits/usage?cursor=${cursor(['2026-01-01T00:00:00.000Z', '------------------------------------'])}`],
  ['cursor with an out-of-range date', `/api/credits/usage?cursor=${cursor(['+275760-09-13T00:00:00.000Z', UUID])}`],
  ['cursor with a year-0 date', `/api/credits/usage?cursor=${cursor(['0000-01-01T00:00:00.000Z', UUID])}`],
  ['cursor that is not an array', `/api/credits/usage?cursor=${cursor({ a: 1 })}`],
  ['charts in year 0', '/api/credits/charts?from=0000-01-01&to=0000-01-05'],
  ['charts in year 9999', '/api/credits/charts?from=9999-12-25&to=9999-12-31'],
  ['usage in year 9999', '/api/credits/usage?from=9999-12-31T23:59:59Z'],
  ['usage from year 0', '/api/credits/usage?from=0000-01-01'],
  ['CSV in year 0', '/api/credits/usage.csv?from=0000-01-01&to=0000-02-01'],
];

const paths: [string, string, string][] = [
  ['bad percent-encoding in a member id', 'PATCH', '/api/org/members/%ZZ'],
  ['bad percent-encoding in a purchase id', 'GET', '/api/billing/purchases/%E0%A4%A/receipt'],
  ['bad percent-encoding in an API key id', 'DELETE', '/api/api-keys/%'],
  ['bad percent-encoding in a conversation id', 'GET', '/api/ai/conversations/%C0%80'],
];

describe('hostile input answers 400, never 500, and changes nothing', () => {
  it.each(bodies)('%s', async (_name, method, path, body) => {
    const fixed = JSON.parse(JSON.stringify(body).replace('"projectId":""', `"projectId":"${projectId}"`)) as unknown;
    const before = (await owner.call(creditsContract.summary)).body;
    const res = await owner.request(method, path, { body: fixed });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect((await owner.call(creditsContract.summary)).body).toEqual(before);
  });

  it.each(queries)('%s', async (_name, path) => {
    const res = await owner.request('GET', path);
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it.each(paths)('%s', async (_name, method, path) => {
    const res = await owner.request(method, path, method === 'PATCH' ? { body: { role: 'admin' } } : {});
    expect(res.status, res.text).toBe(400);
  });

  it('NUL in a metering model name (API key)', async () => {
    const res = await fetch(app.baseUrl + '/api/v1/metering/record', {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}`, 'idempotency-key': uniq('hostile-'), 'content-type': 'application/json' },
      body: JSON.stringify({ useCase: 'chat', model: 'gpt-4o-mini\u0000', inputTokens: 1, outputTokens: 1 }),
    });
    expect(res.status).toBe(400);
  });
});

describe('storable text (shared refinement)', () => {
  it('refuses NUL and unpaired surrogates, keeps every other character', () => {
    expect(isStorableText('plain')).toBe(true);
    expect(isStorableText('emoji 😀 ok')).toBe(true);
    expect(isStorableText('a\u0000')).toBe(false);
    expect(isStorableText('\ud800')).toBe(false);
    expect(isStorableText('x\udc00y')).toBe(false);
    expect(isStorableText('\ud83d\ude00\ud83d')).toBe(false);
  });
});

describe('a response that fails its own contract is a logged 500, not a 400', () => {
  it('answers 500 INTERNAL and logs the contract failure', async () => {
    const broken = endpoint({ method: 'GET', path: '/api/broken', summary: 'broken', auth: 'none', response: z.object({ id: z.uuid() }) });
    const router = Router();
    mount(router, broken, async () => ({ id: 'not-a-uuid' }));
    const logged: string[] = [];
    const logger = createLogger('error', { write: (line: string) => void logged.push(line) });
    const express = (await import('express')).default;
    const server = express()
      .use((req, _res, next) => {
        (req as unknown as { log: unknown }).log = logger;
        next();
      })
      .use(router)
      .use(errorMiddleware)
      .listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/api/broken`);
      expect(res.status).toBe(500);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INTERNAL');
      expect(logged.join('\n')).toContain('contract');
    } finally {
      server.close();
    }
  });
});
