import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { scratchDatabase } from './support/fault-helpers';
import { createOrg, startApp } from './support/harness';
import { expectLedgerConsistent } from './support/ledger-assertions';

/**
 * The ledger's statements are planned on every batch, with the tables as they are then (ADR 040).
 * A named prepared statement was tried for the batch read: its cached generic plan, made while the
 * tables were small, kept reading all of an org's idempotency keys after they grew (11.4 ms a
 * batch read against 0.5 ms freshly planned, after 6,000 reserve+settle pairs), and metering
 * through it slowed down as the bench ran. This guards against preparing it again unmeasured.
 * One pooled connection (poolMax 1): pg_prepared_statements, read through the app's pool, is that
 * connection's. Its own database, so the count is of this test's batches alone.
 */
let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
beforeAll(async () => {
  scratch = await scratchDatabase(undefined, 'ai_credits_plans');
});
afterAll(async () => {
  await scratch.drop();
});

describe('ledger statements', () => {
  it('no statement of a batch stays prepared on the connection (each batch is planned with the tables as they are)', async () => {
    const app = await startApp({ databaseUrl: scratch.url, poolMax: 1 });
    try {
      const org = await createOrg(app);
      const key = await org.owner.call(apiKeysContract.create, { body: { name: 'ci' } });
      const meter = (n: number) =>
        Promise.all(
          Array.from({ length: n }, async () => {
            const res = await fetch(app.baseUrl + meteringContract.record.path, {
              method: 'POST',
              headers: { authorization: `Bearer ${key.body.token as string}`, 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
              body: JSON.stringify({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 10 }),
            });
            await res.arrayBuffer();
            return res.status;
          }),
        );
      // One at a time (a batch each: PostgreSQL would have moved a prepared statement to its
      // generic plan after five), then concurrent batches.
      for (let i = 0; i < 8; i++) expect(await meter(1)).toEqual([200]);
      expect(await meter(10)).toEqual(Array(10).fill(200));
      const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(app.db);
      expect(rows).toEqual([]);
      await expectLedgerConsistent(app.db, org.orgId, app.clock.now());
    } finally {
      await app.close();
    }
  });
});
