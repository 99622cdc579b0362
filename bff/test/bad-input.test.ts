import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createOrg, startApp, type Client, type TestApp } from './support/harness';

let app: TestApp;
let owner: Client;
let apiToken: string;

beforeAll(async () => {
  app = await startApp();
  ({ owner } = await createOrg(app));
  const key = await owner.request('POST', '/api/api-keys', { body: { name: 'bad-input' } });
  apiToken = key.body.token;
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
  ['invitation: bad email', 'POST', '/api/org/invitations', { email: 'nope', role: 'member' }],
  ['invitation: owner role', 'POST', '/api/org/invitations', { email: 'a@b.test', role: 'owner' }],
  ['invitation: a password is not the inviter\'s to choose', 'POST', '/api/org/invitations', { email: 'a@b.test', role: 'member', password: 'password123' }],
  ['invitation: huge email', 'POST', '/api/org/invitations', { email: `${'a'.repeat(5000)}@b.test`, role: 'member' }],
  ['accept: forged token', 'POST', '/api/invitations/accept', { token: 'not a token!' }],
  ['role: bad uuid', 'PATCH', '/api/org/members/not-a-uuid', { role: 'admin' }],
  ['project: empty name', 'POST', '/api/projects', { name: '   ' }],
  ['project: unknown field', 'POST', '/api/projects', { name: 'P', id: '00000000-0000-0000-0000-000000000000' }],
  ['signup: missing fields', 'POST', '/api/auth/signup', { email: 'a@b.test' }],
  ['login: number password', 'POST', '/api/auth/login', { email: 'a@b.test', password: 12345678 }],
  ['purchase: unknown bundle', 'POST', '/api/billing/purchases', { bundleId: 'platinum' }],
  ['purchase: client-sent amount', 'POST', '/api/billing/purchases', { bundleId: 'starter', amount: 1 }],
  ['purchase: bundle as number', 'POST', '/api/billing/purchases', { bundleId: 1 }],
  ['invoice pay: bad id', 'POST', '/api/billing/invoices/123/pay', {}],
  ['verify: bad purchase id', 'POST', '/api/billing/purchases/xyz/verify', { razorpay_order_id: 'a', razorpay_payment_id: 'b', razorpay_signature: 'c' }],
  ['verify: missing signature', 'POST', '/api/billing/purchases/00000000-0000-4000-8000-000000000000/verify', { razorpay_order_id: 'order_1', razorpay_payment_id: 'pay_1' }],
  ['sandbox pay: bad outcome', 'POST', '/api/billing/sandbox/pay', { purchaseId: '00000000-0000-4000-8000-000000000000', outcome: 'maybe' }],
  ['estimate: unknown use case', 'POST', '/api/ai/estimate', { useCase: 'mining', projectId: '00000000-0000-4000-8000-000000000000' }],
  ['generate: requirement too short', 'POST', '/api/ai/test-cases/generate', { projectId: '00000000-0000-4000-8000-000000000000', requirement: 'x' }],
  ['generate: huge requirement', 'POST', '/api/ai/test-cases/generate', { projectId: '00000000-0000-4000-8000-000000000000', requirement: 'y'.repeat(90_000) }],
  ['chat: wrong types', 'POST', '/api/ai/chat', { projectId: 42, message: ['hi'] }],
  ['report: bad project id', 'POST', '/api/ai/reports', { projectId: 'p1' }],
  ['api key: empty name', 'POST', '/api/api-keys', { name: '' }],
  ['api key: unknown field', 'POST', '/api/api-keys', { name: 'ci', scopes: ['*'] }],
];

const badMetering: [string, string, unknown][] = [
  ['reserve: negative estimate', 'reserve', { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: -5 }],
  ['reserve: huge estimate', 'reserve', { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 1e30 }],
  ['reserve: both estimate forms', 'reserve', { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 5, maxInputTokens: 1, maxOutputTokens: 1 }],
  ['reserve: unknown field', 'reserve', { useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 5, price: 0 }],
  ['settle: fractional tokens', 'settle', { reservationId: '00000000-0000-4000-8000-000000000000', inputTokens: 1.5, outputTokens: 1 }],
  ['settle: negative tokens', 'settle', { reservationId: '00000000-0000-4000-8000-000000000000', inputTokens: -1, outputTokens: 1 }],
  ['release: bad id', 'release', { reservationId: 'r-1' }],
  ['record: string tokens', 'record', { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: '10', outputTokens: 10 }],
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

  it.each(badMetering)('metering %s', async (_name, op, body) => {
    const before = (await owner.call(creditsContract.summary)).body;
    const res = await fetch(`${app.baseUrl}/api/v1/metering/${op}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}`, 'idempotency-key': `bad-${op}-${Math.random()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    expect((await owner.call(creditsContract.summary)).body).toEqual(before);
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
