import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import type { Db } from '../../src/db/db';
import { scratchDatabase } from '../support/fault-helpers';
import { createOrg, startApp, type TestApp } from '../support/harness';
import { expectLedgerConsistent } from '../support/ledger-assertions';

/**
 * The ledger's batch read is a named prepared statement (ADR 040): PostgreSQL plans it once per
 * connection, not on every batch. One pooled connection (poolMax 1), so the statements the test
 * reads from pg_prepared_statements are those the batches ran on. Its own database: the test
 * terminates the app's connection.
 */
let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
beforeAll(async () => {
  scratch = await scratchDatabase(undefined, 'ai_credits_prepared');
});
afterAll(async () => {
  await scratch.drop();
});

async function withApp(env: Record<string, string>, fn: (app: TestApp, meter: (n: number) => Promise<number[]>, orgId: string) => Promise<void>) {
  const app = await startApp({ databaseUrl: scratch.url, poolMax: 1, env });
  try {
    const org = await createOrg(app);
    const key = await org.owner.call(apiKeysContract.create, { body: { name: 'ci' } });
    const token = key.body.token as string;
    /** `n` concurrent record calls: the statuses. */
    const meter = (n: number) =>
      Promise.all(
        Array.from({ length: n }, async () => {
          const res = await fetch(app.baseUrl + meteringContract.record.path, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
            body: JSON.stringify({ useCase: 'chat', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 10 }),
          });
          await res.arrayBuffer();
          return res.status;
        }),
      );
    await fn(app, meter, org.orgId);
  } finally {
    await app.close();
  }
}

/** The prepared statements of the app's one pooled connection. */
async function prepared(db: Db) {
  const { rows } = await sql<{ name: string; generic_plans: bigint }>`select name, generic_plans from pg_prepared_statements`.execute(db);
  return rows;
}

describe('prepared statements', () => {
  it('the batch read is prepared once per connection and planned generically after a few batches', async () => {
    await withApp({}, async (app, meter, orgId) => {
      // One at a time: each call is a batch of its own.
      for (let i = 0; i < 10; i++) expect(await meter(1)).toEqual([200]);
      const rows = await prepared(app.db);
      const read = rows.filter((r) => r.name.startsWith('ledger_batch_read_'));
      expect(read).toHaveLength(1);
      // PostgreSQL's plan cache: five custom plans, then the generic one (no planning per batch).
      expect(Number(read[0]!.generic_plans)).toBeGreaterThan(0);
      await expectLedgerConsistent(app.db, orgId, app.clock.now());
    });
  });

  it('a connection lost between batches: the next batch prepares it again on the new connection, nothing fails after the retry', async () => {
    await withApp({}, async (app, meter, orgId) => {
      expect(await meter(5)).toEqual([200, 200, 200, 200, 200]);
      expect((await prepared(app.db)).some((r) => r.name.startsWith('ledger_batch_read_'))).toBe(true);
      // Cut the app's only pooled connection (as a database restart or failover would).
      const admin = new pg.Client({ connectionString: scratch.url });
      await admin.connect();
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`);
      await admin.end();
      // The batch's first try on the dead connection is retried on a fresh one (nothing was taken).
      expect(await meter(5)).toEqual([200, 200, 200, 200, 200]);
      expect((await prepared(app.db)).some((r) => r.name.startsWith('ledger_batch_read_'))).toBe(true);
      await expectLedgerConsistent(app.db, orgId, app.clock.now());
    });
  });

  it('DB_PREPARED_STATEMENTS=false (behind pgbouncer 1.18 in transaction mode): nothing is prepared, metering works', async () => {
    await withApp({ DB_PREPARED_STATEMENTS: 'false' }, async (app, meter, orgId) => {
      for (let i = 0; i < 3; i++) expect(await meter(3)).toEqual([200, 200, 200]);
      expect(await prepared(app.db)).toEqual([]);
      await expectLedgerConsistent(app.db, orgId, app.clock.now());
    });
  });
});
