import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { createOrg, startApp, type TestApp } from './support/harness';
import { expectLedgerConsistent } from './support/ledger-assertions';

/**
 * Group commit across orgs (ADR 017): operations of several orgs that queue while a batch
 * waits for its locks go together as the next batch, one transaction and one commit, each org
 * checked on its own. One lane here, so that every org of the test shares one chain of batches.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterEach(() => {
  app.services.ledger.batching.beforeCommit = undefined;
});
afterAll(async () => {
  await app.close();
});

async function meter(target: TestApp, token: string, body: unknown) {
  const e = meteringContract.record;
  const res = await fetch(target.baseUrl + e.path, {
    method: e.method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `k-${randomUUID()}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function orgWithKey() {
  const org = await createOrg(app);
  const key = await org.owner.call(apiKeysContract.create, { body: { name: 'ci' } });
  return { orgId: org.orgId, token: key.body.token as string };
}

async function until(condition: () => boolean) {
  for (let i = 0; !condition(); i++) {
    if (i > 5000) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 2));
  }
}

// gpt-4o input costs 2,500 mc per 1,000 tokens; every org starts with 300 credits = 300,000 mc.
const gpt4o = (inputTokens: number) => ({ useCase: 'chat', model: 'gpt-4o', inputTokens, outputTokens: 0 });
const usageOf = (orgId: string) => app.db.selectFrom('usage_records').select(['charged_mc']).where('org_id', '=', orgId).execute();
const balanceOf = async (orgId: string) => (await app.db.selectFrom('credit_accounts').select('balance_mc').where('org_id', '=', orgId).executeTakeFirstOrThrow()).balance_mc;

/**
 * Lines up a batch of orgs B and C: org A's first batch is held before its commit, A's next
 * operation starts the gathering batch (it waits in PostgreSQL for A's lock), and whatever is
 * submitted for B and C meanwhile queues behind it and goes as the batch after, together.
 */
async function lineUpBehindA(onCommit: (batch: { index: number; size: number; trx: Parameters<NonNullable<TestApp['services']['ledger']['batching']['beforeCommit']>>[0] }) => Promise<void>) {
  const a = await orgWithKey();
  const sizes: number[] = [];
  const { batching } = app.services.ledger;
  batching.beforeCommit = async (trx, size) => {
    sizes.push(size);
    await onCommit({ index: sizes.length, size, trx });
  };
  const first = meter(app, a.token, gpt4o(0));
  await until(() => sizes.length === 1);
  const second = meter(app, a.token, gpt4o(0));
  // the second batch has taken nothing yet: it waits for A's row lock
  await until(() => batching.waiting(a.orgId) === 1);
  return { a, sizes, aCalls: [first, second] };
}

describe('group commit across orgs', () => {
  it('operations of several orgs go in one transaction, each org checked on its own balance', async () => {
    const [b, c] = [await orgWithKey(), await orgWithKey()];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const line = await lineUpBehindA(({ index }) => (index === 1 ? released : Promise.resolve()));
    const { batching } = app.services.ledger;

    const calls: Promise<{ status: number; body: any }>[] = [];
    const queue = async (org: { orgId: string; token: string }, body: unknown) => {
      const before = batching.waiting(org.orgId);
      calls.push(meter(app, org.token, body));
      await until(() => batching.waiting(org.orgId) === before + 1);
    };
    await queue(b, gpt4o(100_000)); // 250,000 mc: fits B's 300,000
    await queue(c, gpt4o(40_000)); // 100,000 mc: fits C's 300,000
    await queue(b, gpt4o(40_000)); // 100,000 mc > the 50,000 B has left: 402
    await queue(c, gpt4o(20_000)); // 50,000 mc: fits
    release();
    expect((await Promise.all(line.aCalls)).map((r) => r.status)).toEqual([200, 200]);
    const results = await Promise.all(calls);

    // A's two batches (the second runs beside the next one: they share no org), and ONE batch
    // with the four operations of B and C
    expect([...line.sizes].sort()).toEqual([1, 1, 4]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 402, 200]);
    expect(results[0]!.body.balance).toEqual({ balanceMc: 50_000, availableMc: 50_000 });
    expect(results[1]!.body.balance).toEqual({ balanceMc: 200_000, availableMc: 200_000 });
    expect(results[2]!.body.error.code).toBe('INSUFFICIENT_CREDITS');
    expect(results[3]!.body.balance).toEqual({ balanceMc: 150_000, availableMc: 150_000 });

    // one transaction wrote both orgs' usage
    const xids = await sql<{ xid: string }>`select distinct xmin::text as xid from usage_records where org_id in (${b.orgId}, ${c.orgId})`.execute(app.db);
    expect(xids.rows).toHaveLength(1);
    expect((await usageOf(b.orgId)).map((u) => u.charged_mc)).toEqual([250_000n]);
    expect((await usageOf(c.orgId)).map((u) => Number(u.charged_mc)).sort((x, y) => x - y)).toEqual([50_000, 100_000]);
    expect(await expectLedgerConsistent(app.db, b.orgId, app.clock.now())).toBe(50_000n);
    expect(await expectLedgerConsistent(app.db, c.orgId, app.clock.now())).toBe(150_000n);
  });

  it('a database failure in a batch of several orgs applies nothing for any of them', async () => {
    const [b, c] = [await orgWithKey(), await orgWithKey()];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const line = await lineUpBehindA(async ({ index, size, trx }) => {
      if (index === 1) return released;
      // the batch of B and C (the only one of two) has written everything; its connection dies before the commit
      if (size === 2) await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx);
    });
    const { batching } = app.services.ledger;
    const calls = [meter(app, b.token, gpt4o(4_000))];
    await until(() => batching.waiting(b.orgId) === 1);
    calls.push(meter(app, c.token, gpt4o(8_000)));
    await until(() => batching.waiting(c.orgId) === 1);
    release();
    expect((await Promise.all(line.aCalls)).map((r) => r.status)).toEqual([200, 200]);
    const failed = await Promise.all(calls);

    expect([...line.sizes].sort()).toEqual([1, 1, 2]);
    for (const r of failed) expect(r.status).toBe(503);
    expect(await usageOf(b.orgId)).toEqual([]);
    expect(await usageOf(c.orgId)).toEqual([]);
    expect(await balanceOf(b.orgId)).toBe(300_000n);
    expect(await balanceOf(c.orgId)).toBe(300_000n);
    expect(await expectLedgerConsistent(app.db, b.orgId, app.clock.now())).toBe(300_000n);
    expect(await expectLedgerConsistent(app.db, c.orgId, app.clock.now())).toBe(300_000n);
  });

  it("one org's failing write fails only that org: the other orgs of its batch are committed (ADR 020)", async () => {
    const [b, c] = [await orgWithKey(), await orgWithKey()];
    // B's usage rows are refused by the database (what a constraint or a bad row of one org does).
    await sql
      .raw(
        `create or replace function refuse_org_usage() returns trigger language plpgsql as $$
         begin if new.org_id = '${b.orgId}' then raise exception 'refused for this org'; end if; return new; end $$;
         create trigger refuse_org_usage before insert on usage_records for each row execute function refuse_org_usage();`,
      )
      .execute(app.db);
    try {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const line = await lineUpBehindA(({ index }) => (index === 1 ? released : Promise.resolve()));
      const { batching } = app.services.ledger;
      // Every batch's size once it holds its locks (the failing batch never reaches its commit).
      const taken = vi.spyOn(app.services.metrics, 'recordLedgerBatch');
      const calls = [meter(app, b.token, gpt4o(4_000))];
      await until(() => batching.waiting(b.orgId) === 1);
      calls.push(meter(app, c.token, gpt4o(8_000)));
      await until(() => batching.waiting(c.orgId) === 1);
      release();
      expect((await Promise.all(line.aCalls)).map((r) => r.status)).toEqual([200, 200]);
      const [forB, forC] = await Promise.all(calls);

      // B and C went as one batch, which failed on B's write; C then went alone and committed. (A's
      // two batches of one record their sizes when they take their locks, which may be before or
      // after B and C's batch: only the order of B and C's two batches is fixed.)
      const sizes = taken.mock.calls.map(([size]) => size);
      expect([...sizes].sort()).toEqual([1, 1, 1, 2]);
      expect(sizes.lastIndexOf(1)).toBeGreaterThan(sizes.indexOf(2));
      taken.mockRestore();
      expect(forB!.status).toBe(500);
      expect(forC!.status).toBe(200);
      expect(await usageOf(b.orgId)).toEqual([]);
      expect((await usageOf(c.orgId)).map((u) => u.charged_mc)).toEqual([20_000n]);
      expect(await expectLedgerConsistent(app.db, b.orgId, app.clock.now())).toBe(300_000n);
      expect(await expectLedgerConsistent(app.db, c.orgId, app.clock.now())).toBe(280_000n);
    } finally {
      await sql.raw('drop trigger if exists refuse_org_usage on usage_records; drop function if exists refuse_org_usage()').execute(app.db);
    }
  });

  it('two instances batching overlapping orgs never deadlock: every call is answered 200 and every ledger adds up', async () => {
    const other = await startApp({ databaseUrl: app.env.DATABASE_URL });
    try {
      const orgs = await Promise.all(Array.from({ length: 6 }, () => orgWithKey()));
      // 60 calls per org, all at once, half through each instance: the two instances' batches
      // hold different, overlapping sets of orgs at the same time.
      const calls = Array.from({ length: 360 }, (_, i) => meter(Math.floor(i / 6) % 2 ? other : app, orgs[i % 6]!.token, gpt4o(400))); // 1,000 mc each
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.status !== 200).map((r) => r.body.error?.code)).toEqual([]);
      for (const org of orgs) {
        expect(await expectLedgerConsistent(app.db, org.orgId, app.clock.now())).toBe(300_000n - 60n * 1_000n);
      }
    } finally {
      await other.close();
    }
  });
});
