import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { DATA_AS_OF_HEADER } from '../../src/http/read-consistency';
import { skipWithoutThrowawayCluster } from '../support/throwaway-cluster';
import { scratchDatabase, waitFor } from '../support/fault-helpers';
import { startReplicaPair } from '../support/replica-pair';
import { createOrg, startApp, type Client, type TestApp } from '../support/harness';

/**
 * DATABASE_READ_URL (ADR 023): history, CSV, charts and the audit log read from a streaming
 * replica (made with pg_basebackup) when it is fresh enough; a user's own writes are read back
 * from the primary until the replica has replayed them; a lagging or stopped replica never
 * answers 5xx, and a stale answer says how old it is.
 */
const MAX_LAG_MS = 3_000;
let pair: Awaited<ReturnType<typeof startReplicaPair>>;
let app: TestApp;
let drop: () => Promise<void>;

beforeAll(async () => {
  if (skipWithoutThrowawayCluster) return;
  pair = await startReplicaPair();
  const db = await scratchDatabase(pair.primaryUrl, 'aic_replica');
  drop = db.drop;
  const name = new URL(db.url).pathname.slice(1);
  app = await startApp({ databaseUrl: db.url, env: { DATABASE_READ_URL: pair.replicaUrl(name), DATABASE_READ_MAX_LAG_MS: String(MAX_LAG_MS) } });
}, 180_000);
afterAll(async () => {
  await app?.close();
  await app?.services.reads.close();
  await drop?.().catch(() => undefined);
  await pair?.stop();
});

async function meterOnce(token: string) {
  const res = await fetch(app.baseUrl + meteringContract.record.path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
    body: JSON.stringify({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1000, outputTokens: 1000 }),
  });
  expect(res.status).toBe(200);
}
const historyCount = async (c: Client) => {
  const res = await c.call(creditsContract.usage, { query: { limit: 50 } });
  return { count: res.data.totals.count, asOf: res.headers.get(DATA_AS_OF_HEADER) };
};

describe.skipIf(skipWithoutThrowawayCluster)('read replica', () => {
  it('history comes from the replica: while it lags within the bound, the answer is stale and says as of when', async () => {
    const { owner, admin } = await createOrg(app);
    const { token } = (await admin.call(apiKeysContract.create, { body: { name: 'svc' } })).data;
    await meterOnce(token);
    await waitFor('the replica to show the first call', async () => (await historyCount(owner)).count === 1, 15_000);

    await pair.pauseReplay();
    try {
      await meterOnce(token); // a service's call, not this user's own write
      await new Promise((r) => setTimeout(r, 1_200)); // the router's replica status is at most 1 s old
      const stale = await historyCount(owner);
      expect(stale.count).toBe(1);
      expect(stale.asOf).not.toBeNull();
      expect(Date.parse(stale.asOf!)).toBeLessThan(Date.now());
      // the primary has it: the balance never comes from the replica
      expect((await owner.call(creditsContract.summary)).status).toBe(200);

      // beyond the bound: the primary answers, fresh, with no "as of"
      await new Promise((r) => setTimeout(r, MAX_LAG_MS + 1_200));
      const fresh = await historyCount(owner);
      expect(fresh).toEqual({ count: 2, asOf: null });
    } finally {
      await pair.resumeReplay();
    }
  });

  it("a user's own write is read back at once (from the primary) even while the replica lags", async () => {
    const { owner } = await createOrg(app);
    await pair.pauseReplay();
    try {
      const created = await owner.call(orgContract.createProject, { body: { name: `P ${randomUUID().slice(0, 6)}` } });
      expect(created.status).toBe(201);
      const audit = await owner.call(orgContract.auditLog, { query: { limit: 10 } });
      expect(audit.data.entries.map((e) => e.action)).toContain('project.created');
      expect(audit.headers.get(DATA_AS_OF_HEADER)).toBeNull();
    } finally {
      await pair.resumeReplay();
    }
  });

  it('the replica stopped and started again under reads: every read answered 200', async () => {
    const { owner } = await createOrg(app);
    let stop = false;
    const statuses: number[] = [];
    const readers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        statuses.push((await owner.call(creditsContract.usage, { query: { limit: 10 } })).status);
        statuses.push((await owner.call(creditsContract.charts)).status);
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    await pair.stopReplica();
    await new Promise((r) => setTimeout(r, 1_500));
    await pair.startReplica();
    await new Promise((r) => setTimeout(r, 1_500));
    stop = true;
    await Promise.all(readers);
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(await app.services.reads.lagSeconds()).not.toBeNull();
  }, 60_000);
});
