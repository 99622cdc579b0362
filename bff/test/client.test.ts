import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiCreditsError, createAiCreditsClient } from '@ai-credits/client';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { clientTypesSource } from '../scripts/client-types';
import { createOrg, startApp, type Client, type TestApp } from './support/harness';

/**
 * @ai-credits/client (ADR 027) against the real BFF on real PostgreSQL: its types are the
 * served OpenAPI document's, the README's metering loop charges what it says, and a call retried
 * after a dropped connection, a 503 or a 429 is charged once (the same Idempotency-Key).
 */
let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app?.close());

type Plan = 'pass' | 'drop-response' | { status: 429 | 503; retryAfter?: string };

/**
 * A TCP proxy in front of the BFF that treats each new connection by the next step of `plan`
 * (then passes): `drop-response` forwards the request and cuts the connection when the answer
 * starts (the BFF did the work; the caller never hears of it); a status answers it without
 * forwarding, as a load balancer or a draining instance would.
 */
async function flakyProxy(plan: Plan[]) {
  const target = new URL(app.baseUrl);
  const seen: Plan[] = [];
  const server = net.createServer((socket) => {
    const step = plan.shift() ?? 'pass';
    seen.push(step);
    if (typeof step === 'object') {
      const body = JSON.stringify({ error: { code: step.status === 429 ? 'RATE_LIMITED' : 'SHUTTING_DOWN', message: 'try again' } });
      socket.once('data', () =>
        socket.end(
          `HTTP/1.1 ${step.status} X\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
            `${step.retryAfter !== undefined ? `retry-after: ${step.retryAfter}\r\n` : ''}connection: close\r\n\r\n${body}`,
        ),
      );
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    socket.pipe(upstream);
    if (step === 'drop-response')
      upstream.once('data', () => {
        socket.destroy();
        upstream.destroy();
      });
    else upstream.pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function orgWithKey() {
  const { owner } = await createOrg(app);
  const project = (await owner.call(orgContract.createProject, { body: { name: 'Checkout service' } })).body;
  const { token } = (await owner.call(apiKeysContract.create, { body: { name: 'checkout' } })).body;
  return { owner, project, token };
}

/** Waits nothing: the delays asked for are recorded instead (no timed tests). */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const history = async (owner: Client) => (await owner.call(creditsContract.usage, { query: { limit: 100 } })).body;
const balance = async (owner: Client) => (await owner.call(creditsContract.summary)).body.balanceMc;

describe('@ai-credits/client', () => {
  it('is typed from the OpenAPI document the BFF serves (client/src/openapi.ts is up to date)', async () => {
    const committed = await readFile(new URL('../../client/src/openapi.ts', import.meta.url), 'utf8');
    expect(committed, 'client/src/openapi.ts is out of date: run `pnpm --filter @ai-credits/bff generate:client` and commit it').toBe(await clientTypesSource());
  });

  it('runs the README metering loop: reserve, settle, release, record; each charge exactly at the model rate', async () => {
    const { owner, project, token } = await orgWithKey();
    const credits = createAiCreditsClient({ baseUrl: app.baseUrl, apiKey: token });
    // gpt-4o-mini: 150 mc per 1k input tokens, 600 per 1k output.
    const { reservation } = await credits.reserve({ useCase: 'chat', model: 'gpt-4o-mini', projectId: project.id, maxInputTokens: 2000, maxOutputTokens: 1000 });
    expect(reservation).toMatchObject({ status: 'open', estimateMc: 300 + 600 });
    const settled = await credits.settle({ reservationId: reservation.id, inputTokens: 1500, outputTokens: 400 });
    expect(settled.usage).toMatchObject({ chargedMc: 225 + 240, inputTokens: 1500, outputTokens: 400 });

    const failed = await credits.reserve({ useCase: 'report', model: 'gpt-4o-mini', estimateMc: 5_000 });
    expect((await credits.release({ reservationId: failed.reservation.id })).reservation.status).toBe('released');

    const recorded = await credits.record({ useCase: 'test_generation', model: 'gpt-4o-mini', inputTokens: 1000, outputTokens: 1000 });
    expect(recorded.usage.chargedMc).toBe(150 + 600);
    expect(recorded.balance).toEqual({ balanceMc: 300_000 - 465 - 750, availableMc: 300_000 - 465 - 750 });
    expect(await balance(owner)).toBe(300_000 - 465 - 750);
    expect((await history(owner)).totals).toEqual({ count: 2, chargedMc: 465 + 750 });
  });

  it('retries a call whose connection dropped after the BFF charged it, with the same key: charged once', async () => {
    const { owner, token } = await orgWithKey();
    const proxy = await flakyProxy(['drop-response']);
    const { waits, sleep } = recordingSleep();
    try {
      const credits = createAiCreditsClient({ baseUrl: proxy.baseUrl, apiKey: token, sleep });
      const recorded = await credits.record({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1000, outputTokens: 500 });
      expect(proxy.seen).toEqual(['drop-response', 'pass']);
      expect(waits).toHaveLength(1);
      expect(recorded.usage.chargedMc).toBe(150 + 300);
      const used = await history(owner);
      expect(used.totals).toEqual({ count: 1, chargedMc: 450 });
      expect(used.items[0]!.id).toBe(recorded.usage.id);
      expect(await balance(owner)).toBe(300_000 - 450);
    } finally {
      await proxy.close();
    }
  });

  it('waits as Retry-After says on 503 and 429 (seconds or a date, capped), then succeeds once', async () => {
    const { owner, token } = await orgWithKey();
    const proxy = await flakyProxy([{ status: 503, retryAfter: '2' }, { status: 429, retryAfter: new Date(Date.now() + 600_000).toUTCString() }, { status: 503 }]);
    const { waits, sleep } = recordingSleep();
    try {
      const credits = createAiCreditsClient({ baseUrl: proxy.baseUrl, apiKey: token, sleep, maxDelayMs: 30_000, baseDelayMs: 100 });
      const recorded = await credits.record({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1000, outputTokens: 0 });
      expect(recorded.usage.chargedMc).toBe(150);
      expect(waits[0]).toBe(2_000);
      expect(waits[1]).toBe(30_000);
      // No Retry-After: backoff with full jitter, under 100 ms × 2².
      expect(waits[2]).toBeGreaterThanOrEqual(0);
      expect(waits[2]).toBeLessThan(400);
      expect((await history(owner)).totals).toEqual({ count: 1, chargedMc: 150 });
    } finally {
      await proxy.close();
    }
  });

  it('gives up after maxRetries with NETWORK_ERROR and the key; calling again with that key returns the first result', async () => {
    const { owner, token } = await orgWithKey();
    const proxy = await flakyProxy(['drop-response', 'drop-response']);
    const { sleep } = recordingSleep();
    try {
      const flaky = createAiCreditsClient({ baseUrl: proxy.baseUrl, apiKey: token, sleep, maxRetries: 1 });
      const body = { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 2000, outputTokens: 0 } as const;
      const error = await flaky.record(body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AiCreditsError);
      expect(error).toMatchObject({ code: 'NETWORK_ERROR', status: null, idempotencyKey: expect.any(String) });
      const again = await createAiCreditsClient({ baseUrl: app.baseUrl, apiKey: token }).record(body, { idempotencyKey: (error as AiCreditsError).idempotencyKey });
      expect(again.usage.chargedMc).toBe(300);
      expect((await history(owner)).totals).toEqual({ count: 1, chargedMc: 300 });
    } finally {
      await proxy.close();
    }
  });

  it('throws refusals as typed errors without retrying them (402 INSUFFICIENT_CREDITS, 400 UNKNOWN_MODEL, 401)', async () => {
    const { owner, token } = await orgWithKey();
    const { waits, sleep } = recordingSleep();
    const credits = createAiCreditsClient({ baseUrl: app.baseUrl, apiKey: token, sleep });
    const refusal = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => (e instanceof AiCreditsError ? [e.status, e.code] : e));
    expect(await refusal(credits.reserve({ useCase: 'chat', model: 'gpt-4o-mini', estimateMc: 10_000_000 }))).toEqual([402, 'INSUFFICIENT_CREDITS']);
    expect(await refusal(credits.record({ useCase: 'chat', model: 'gpt-0', inputTokens: 1, outputTokens: 1 }))).toEqual([400, 'UNKNOWN_MODEL']);
    expect(await refusal(createAiCreditsClient({ baseUrl: app.baseUrl, apiKey: 'aic_nope' }).record({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1, outputTokens: 1 }))).toEqual([401, 'UNAUTHENTICATED']);
    expect(waits).toEqual([]);
    expect(await balance(owner)).toBe(300_000);
  });
});
