import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { TestClock } from '../../src/lib/clock';
import { scratchDatabase, waitFor } from '../support/fault-helpers';
import { createOrg, startApp, type TestApp } from '../support/harness';
import { expectOrgInvariants } from '../support/ledger-assertions';

// Issue 9 fault 1: PostgreSQL drops connections that are checked out and busy. The process used
// to die on the client's unhandled 'error' event. Now the requests on those connections answer
// 503 DATABASE_UNAVAILABLE (their transactions rolled back), and everything after works.
let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
let app: TestApp;
const clock = new TestClock();
beforeAll(async () => {
  clock.follow(new Date());
  scratch = await scratchDatabase();
  app = await startApp({ clock, databaseUrl: scratch.url, poolMax: 10 });
});
afterAll(async () => {
  await app?.close();
  await scratch?.drop();
});

const usage = { useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 1200, outputTokens: 300 };

async function record(token: string, idempotencyKey: string) {
  const res = await fetch(app.baseUrl + meteringContract.record.path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(usage),
  });
  return { key: idempotencyKey, status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: { code: string } } };
}

describe('a database connection dropped under load', () => {
  it('pg_terminate_backend with 25 metering calls in flight: 503 or 200 each, the process lives, retries and later calls succeed', async () => {
    const org = await createOrg(app);
    const { token } = (await org.owner.call(apiKeysContract.create, { body: { name: 'load' } })).data;

    // Hold the org's ledger lock from outside the app, so the calls pile up inside their
    // transactions (on checked-out connections) when the backends are terminated. A second
    // session watches: pg_stat_activity is a snapshot per transaction, the holder's would not move.
    const holder = new pg.Client({ connectionString: scratch.url });
    const monitor = new pg.Client({ connectionString: scratch.url });
    holder.on('error', () => undefined); // it is terminated with the others
    await holder.connect();
    await monitor.connect();
    try {
      await holder.query('begin');
      await holder.query('select org_id from credit_accounts where org_id = $1 for no key update', [org.orgId]);
      const inFlight = Array.from({ length: 25 }, () => record(token, `fault-${randomUUID()}`));
      // Group commit (ADR 001): one transaction of the org waits on the lock in PostgreSQL, the
      // other calls queue behind it in the process and are taken when it gets the lock.
      await waitFor('metering calls waiting on the org lock', async () => {
        const { rows } = await monitor.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        );
        return rows[0]!.n >= 1 && app.services.ledger.batching.waiting(org.orgId) >= 20;
      });
      await monitor.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');

      const results = await Promise.all(inFlight);
      const failed = results.filter((r) => r.status !== 200);
      expect(failed.length).toBeGreaterThanOrEqual(5);
      for (const r of failed) {
        expect({ status: r.status, code: r.body.error?.code, retryAfter: r.retryAfter }).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE', retryAfter: '5' });
      }

      // The process lives and the pool has fresh connections.
      expect((await fetch(`${app.baseUrl}/api/health`)).status).toBe(200);
      // A retry of each failed call, with its Idempotency-Key, is charged once; new calls work.
      const retried = await Promise.all(failed.map((r) => record(token, r.key)));
      expect(retried.map((r) => r.status)).toEqual(failed.map(() => 200));
      const later = await Promise.all(Array.from({ length: 5 }, () => record(token, `later-${randomUUID()}`)));
      expect(later.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);

      const rows = await app.db.selectFrom('usage_records').select('idempotency_key').where('org_id', '=', org.orgId).execute();
      expect(rows).toHaveLength(25 + 5);
      await expectOrgInvariants(app.db, org.orgId, clock.now());
    } finally {
      await holder.end().catch(() => undefined);
      await monitor.end();
    }
  });
});
