import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createOrg, startApp, type Client, type TestApp } from './support/harness';

let app: TestApp;
let owner: Client;

beforeAll(async () => {
  app = await startApp();
  ({ owner } = await createOrg(app));
});
afterAll(() => app.close());

type Case = [name: string, method: string, path: string, body?: unknown];

const badBodies: Case[] = [
  ['ai: wrong type', 'PUT', '/api/credits/ai', { enabled: 'yes' }],
  ['ai: unknown field', 'PUT', '/api/credits/ai', { enabled: false, orgId: 'x' }],
  ['ai: missing field', 'PUT', '/api/credits/ai', {}],
  ['ai: array body', 'PUT', '/api/credits/ai', [true]],
  ['limit: negative', 'PUT', '/api/credits/overage-limit', { limitCredits: -1 }],
  ['limit: huge', 'PUT', '/api/credits/overage-limit', { limitCredits: 1e20 }],
  ['limit: fractional', 'PUT', '/api/credits/overage-limit', { limitCredits: 1.5 }],
  ['limit: string', 'PUT', '/api/credits/overage-limit', { limitCredits: '10' }],
  ['limit: null', 'PUT', '/api/credits/overage-limit', { limitCredits: null }],
  ['member: bad email', 'POST', '/api/org/members', { email: 'nope', name: 'N', password: 'password123', role: 'member' }],
  ['member: owner role', 'POST', '/api/org/members', { email: 'a@b.test', name: 'N', password: 'password123', role: 'owner' }],
  ['member: short password', 'POST', '/api/org/members', { email: 'a@b.test', name: 'N', password: 'x', role: 'member' }],
  ['member: huge name', 'POST', '/api/org/members', { email: 'a@b.test', name: 'N'.repeat(5000), password: 'password123', role: 'member' }],
  ['role: bad uuid', 'PATCH', '/api/org/members/not-a-uuid', { role: 'admin' }],
  ['project: empty name', 'POST', '/api/projects', { name: '   ' }],
  ['project: unknown field', 'POST', '/api/projects', { name: 'P', id: '00000000-0000-0000-0000-000000000000' }],
  ['signup: missing fields', 'POST', '/api/auth/signup', { email: 'a@b.test' }],
  ['login: number password', 'POST', '/api/auth/login', { email: 'a@b.test', password: 12345678 }],
];

const badQueries: [string, string][] = [
  ['usage: bad date', '/api/credits/usage?from=2026-13-45'],
  ['usage: words for a date', '/api/credits/usage?to=yesterday'],
  ['usage: from after to', '/api/credits/usage?from=2026-05-02&to=2026-05-01'],
  ['usage: unknown use case', '/api/credits/usage?useCase=mining'],
  ['usage: bad user id', '/api/credits/usage?userId=42'],
  ['usage: limit 0', '/api/credits/usage?limit=0'],
  ['usage: limit huge', '/api/credits/usage?limit=100000000000000000000'],
  ['usage: unknown param', '/api/credits/usage?sort=asc'],
  ['usage: repeated param', '/api/credits/usage?useCase=chat&useCase=report'],
  ['usage: forged cursor', '/api/credits/usage?cursor=abc'],
  ['csv: bad date', '/api/credits/usage.csv?from=31/12/2026'],
  ['charts: range too long', '/api/credits/charts?from=2020-01-01&to=2026-01-01'],
  ['charts: bad date', '/api/credits/charts?from=2026-02-30'],
  ['audit: limit negative', '/api/audit?limit=-5'],
];

describe('bad input answers 4xx with a clear code and message, and changes nothing', () => {
  it.each(badBodies)('%s', async (_name, method, path, body) => {
    const before = (await owner.call(creditsContract.summary)).body;
    const res = await owner.request(method, path, { body });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.code).toMatch(/VALIDATION_FAILED/);
    expect(res.body.error.message.length).toBeGreaterThan(5);
    expect((await owner.call(creditsContract.summary)).body).toEqual(before);
  });

  it.each(badQueries)('%s', async (_name, path) => {
    const res = await owner.request('GET', path);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('names the unknown field', async () => {
    const res = await owner.request('PUT', '/api/credits/ai', { body: { enabled: true, price: 0 } });
    expect(res.body.error.message).toContain('price');
  });

  it('malformed JSON -> 400', async () => {
    const res = await owner.request('PUT', '/api/credits/ai', { rawBody: '{"enabled": tru' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'VALIDATION_FAILED', message: 'Request body is not valid JSON' });
  });

  it('oversize body -> 413', async () => {
    const res = await owner.request('POST', '/api/projects', { body: { name: 'x'.repeat(200_000) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await owner.call(orgContract.listProjects)).body.projects).toEqual([]);
  });

  it('a non-JSON content type is not parsed, and is refused', async () => {
    const res = await owner.request('PUT', '/api/credits/ai', { rawBody: 'enabled=false', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(400);
    expect((await owner.call(creditsContract.summary)).body.aiEnabled).toBe(true);
  });

  it('an unknown API route -> 404 JSON', async () => {
    const res = await owner.request('GET', '/api/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
