import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { API_KEY_CACHE_MS } from '../src/features/api-keys/api-keys.service';
import { TestClock } from '../src/lib/clock';
import { createOrg, startApp, type TestApp } from './support/harness';

/**
 * Each instance remembers a looked-up API key for at most API_KEY_CACHE_MS (ADR 011), measured on
 * its injected clock: instance b's clock stands still unless the test moves it, so the test
 * never sleeps and the edge of the window is exact.
 */
let a: TestApp;
let b: TestApp;
const clockB = new TestClock(new Date());
beforeAll(async () => {
  [a, b] = await Promise.all([startApp(), startApp({ clock: clockB })]);
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
    expect(API_KEY_CACHE_MS).toBe(1000);
    const { owner } = await createOrg(a);
    const created = await owner.call(apiKeysContract.create, { body: { name: 'ci' } });
    const token = created.body.token as string;
    // both instances have looked the key up (and remember it)
    expect(await record(a, token)).toBe(200);
    expect(await record(b, token)).toBe(200);

    expect((await owner.call(apiKeysContract.revoke, { params: { apiKeyId: created.body.apiKey.id } })).status).toBe(200);
    expect(await record(a, token)).toBe(401);
    // b still trusts its lookup for the rest of the window...
    clockB.advance(999);
    expect(await record(b, token)).toBe(200);
    // ...and not a millisecond longer.
    clockB.advance(1);
    expect(await record(b, token)).toBe(401);
  });

  it('a clock set back before the lookup does not stretch the window', async () => {
    const { owner } = await createOrg(a);
    const created = await owner.call(apiKeysContract.create, { body: { name: 'ci' } });
    const token = created.body.token as string;
    expect(await record(b, token)).toBe(200);
    expect((await owner.call(apiKeysContract.revoke, { params: { apiKeyId: created.body.apiKey.id } })).status).toBe(200);
    clockB.advance(-60_000);
    expect(await record(b, token)).toBe(401);
  });
});
