import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { API_KEY_CACHE_MS } from '../src/features/api-keys/api-keys.service';
import { createOrg, startApp, type TestApp } from './support/harness';

/** Each instance remembers a looked-up API key for at most API_KEY_CACHE_MS (ADR 011). */
let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  [a, b] = await Promise.all([startApp(), startApp()]);
});
afterAll(() => Promise.all([a.close(), b.close()]));

const record = async (app: TestApp, token: string) =>
  (
    await fetch(app.baseUrl + meteringContract.record.path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
      body: JSON.stringify({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 10 }),
    })
  ).status;

describe('API key cache', () => {
  it('a revoked key is refused at once by the instance that revoked it and within a second by every other', async () => {
    expect(API_KEY_CACHE_MS).toBeLessThanOrEqual(1000);
    const { owner } = await createOrg(a);
    const created = await owner.call(apiKeysContract.create, { body: { name: 'ci' } });
    const token = created.body.token as string;
    // both instances have looked the key up (and remember it)
    expect(await record(a, token)).toBe(200);
    expect(await record(b, token)).toBe(200);

    expect((await owner.call(apiKeysContract.revoke, { params: { apiKeyId: created.body.apiKey.id } })).status).toBe(200);
    expect(await record(a, token)).toBe(401);
    await new Promise((r) => setTimeout(r, API_KEY_CACHE_MS + 50));
    expect(await record(b, token)).toBe(401);
  });
});
