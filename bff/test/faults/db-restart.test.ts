import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { TestClock } from '../../src/lib/clock';
import { scratchDatabase } from '../support/fault-helpers';
import { createOrg, startApp, type TestApp } from '../support/harness';
import { expectOrgInvariants } from '../support/ledger-assertions';
import { skipWithoutThrowawayCluster, startThrowawayCluster } from '../support/throwaway-cluster';

// Issue 9 fault 1, second half: PostgreSQL itself restarts under load (failover, upgrade). On a
// cluster of this test's own, never the shared server.
let cluster: Awaited<ReturnType<typeof startThrowawayCluster>>;
let app: TestApp;
const clock = new TestClock();
beforeAll(async () => {
  if (skipWithoutThrowawayCluster) return;
  clock.follow(new Date());
  cluster = await startThrowawayCluster();
  const database = await scratchDatabase(cluster.url);
  app = await startApp({ clock, databaseUrl: database.url, poolMax: 10 });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await cluster?.stop();
});

describe.skipIf(skipWithoutThrowawayCluster)('PostgreSQL restarting under load', { timeout: 90_000 }, () => {
  it('calls during the restart answer 503 (or 200), the process lives, and everything works after it', async () => {
    const org = await createOrg(app);
    const { token } = (await org.owner.call(apiKeysContract.create, { body: { name: 'load' } })).data;
    const record = async (key: string) => {
      const res = await fetch(app.baseUrl + meteringContract.record.path, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 500, outputTokens: 100 }),
      });
      return { key, status: res.status, retryAfter: res.headers.get('retry-after'), code: ((await res.json()) as { error?: { code: string } }).error?.code };
    };

    // Eight clients call without pause until each has seen three successes after the restart.
    const results: Awaited<ReturnType<typeof record>>[] = [];
    let restarted = false;
    const client = async () => {
      let okAfter = 0;
      while (okAfter < 3) {
        const r = await record(`restart-${randomUUID()}`);
        results.push(r);
        if (restarted && r.status === 200) okAfter++;
      }
    };
    const clients = Array.from({ length: 8 }, client);
    await new Promise((resolve) => setTimeout(resolve, 200)); // load is running
    await cluster.restart();
    restarted = true;
    await Promise.all(clients);

    const failed = results.filter((r) => r.status !== 200);
    expect(failed.length).toBeGreaterThan(0); // the restart was felt...
    for (const r of failed) expect({ status: r.status, code: r.code, retryAfter: r.retryAfter }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE', retryAfter: '5' });
    // ...and every failed call, retried with its key, is charged exactly once.
    const retried = await Promise.all(failed.map((r) => record(r.key)));
    expect(retried.map((r) => r.status)).toEqual(failed.map(() => 200));
    const usage = await app.db.selectFrom('usage_records').select('id').where('org_id', '=', org.orgId).execute();
    expect(usage).toHaveLength(results.length);
    await expectOrgInvariants(app.db, org.orgId, clock.now());
  });
});
