import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import type { Endpoint } from '@ai-credits/shared/api';
import type { AfterApply } from '../src/features/ledger/group-commit';
import type { SettleResult } from '../src/features/ledger/ledger.service';
import { createOrg, startApp, type TestApp } from './support/harness';
import { expectLedgerConsistent } from './support/ledger-assertions';

/**
 * Group commit (ADR 011): operations of one org that arrive while its transaction runs go
 * together as the next batch. Each test holds the first batch open (the ledger's test hook
 * before commit), lines the next operations up in a known arrival order, then lets go.
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

async function meter(e: Endpoint, token: string, body: unknown, idempotencyKey = `k-${randomUUID()}`) {
  const res = await fetch(app.baseUrl + e.path, {
    method: e.method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function orgWithKey() {
  const org = await createOrg(app);
  const key = await org.owner.call(apiKeysContract.create, { body: { name: 'ci' } });
  return { ...org, token: key.body.token as string };
}

/** Polls a condition the test cannot await directly (an operation reaching the org's queue). */
async function until(condition: () => boolean) {
  for (let i = 0; !condition(); i++) {
    if (i > 5000) throw new Error('condition never held');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Holds the org's first batch before its commit until `release()`; records every batch's size. */
function holdFirstBatch(orgId: string) {
  const sizes: number[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const { batching } = app.services.ledger;
  batching.beforeCommit = async (_trx, size) => {
    sizes.push(size);
    if (sizes.length === 1) await released;
  };
  /** Start `calls` one after another, each only once the previous one waits in the org's queue. */
  async function lineUp<T>(calls: (() => Promise<T>)[]) {
    const started: Promise<T>[] = [];
    for (const call of calls) {
      const before = batching.waiting(orgId);
      started.push(call());
      await until(() => batching.waiting(orgId) === before + 1);
    }
    return started;
  }
  return { sizes, release, lineUp };
}

const gpt4o = (inputTokens: number) => ({ useCase: 'chat', model: 'gpt-4o', inputTokens, outputTokens: 0 });
const countUsage = async (orgId: string) =>
  Number((await sql<{ n: string }>`select count(*)::text as n from usage_records where org_id = ${orgId}`.execute(app.db)).rows[0]!.n);
const countIdempotency = async (orgId: string) =>
  Number((await sql<{ n: string }>`select count(*)::text as n from idempotency_keys where org_id = ${orgId}`.execute(app.db)).rows[0]!.n);

describe('group commit of one org', () => {
  it('a batch where some operations fit and some do not: each caller gets its own answer, in arrival order, never overdrawn', async () => {
    const { orgId, token } = await orgWithKey();
    const hold = holdFirstBatch(orgId);
    // The blocker opens the first batch (0 tokens: costs nothing) and holds it.
    const blocker = meter(meteringContract.record, token, gpt4o(0));
    await until(() => hold.sizes.length === 1);

    // 300 credits = 300,000 mc; gpt-4o input is 2,500 mc per 1k tokens, so 40,000 tokens = 100,000 mc.
    const calls = await hold.lineUp([
      () => meter(meteringContract.reserve, token, { useCase: 'chat', model: 'gpt-4o', estimateMc: 100_000 }), // holds 100,000: available 200,000
      () => meter(meteringContract.record, token, gpt4o(100_000)), // 250,000 > 200,000: 402
      () => meter(meteringContract.record, token, gpt4o(60_000)), // 150,000 fits: balance 150,000, available 50,000
      () => meter(meteringContract.record, token, gpt4o(40_000)), // 100,000 > 50,000: 402
      () => meter(meteringContract.record, token, gpt4o(20_000)), // 50,000 fits exactly: balance 100,000, available 0
      () => meter(meteringContract.record, token, gpt4o(1)), // 3 mc > 0: 402
    ]);
    hold.release();
    expect((await blocker).status).toBe(200);
    const results = await Promise.all(calls);

    expect(hold.sizes).toEqual([1, 6]);
    expect(results.map((r) => r.status)).toEqual([200, 402, 200, 402, 200, 402]);
    expect(results[0]!.body.balance).toEqual({ balanceMc: 300_000, availableMc: 200_000 });
    expect(results[1]!.body.error.code).toBe('INSUFFICIENT_CREDITS');
    expect(results[2]!.body.usage.chargedMc).toBe(150_000);
    expect(results[2]!.body.balance).toEqual({ balanceMc: 150_000, availableMc: 50_000 });
    expect(results[3]!.body.error.code).toBe('INSUFFICIENT_CREDITS');
    expect(results[4]!.body.usage.chargedMc).toBe(50_000);
    expect(results[4]!.body.balance).toEqual({ balanceMc: 100_000, availableMc: 0 });
    expect(results[5]!.body.error.code).toBe('INSUFFICIENT_CREDITS');

    // 1 blocker + 2 records were applied; the refused ones stored nothing (not even their key).
    expect(await countUsage(orgId)).toBe(3);
    expect(await countIdempotency(orgId)).toBe(4);
    expect(await expectLedgerConsistent(app.db, orgId, app.clock.now())).toBe(100_000n);
    const released = await meter(meteringContract.release, token, { reservationId: results[0]!.body.reservation.id });
    expect(released.body.balance).toEqual({ balanceMc: 100_000, availableMc: 100_000 });
  });

  it('a batch with a repeated Idempotency-Key: one effect, both callers get the same result, another request with it is refused', async () => {
    const { orgId, token } = await orgWithKey();
    const hold = holdFirstBatch(orgId);
    const blocker = meter(meteringContract.record, token, gpt4o(0));
    await until(() => hold.sizes.length === 1);
    const key = `dup-${randomUUID()}`;
    const calls = await hold.lineUp([
      () => meter(meteringContract.record, token, gpt4o(4_000), key), // 10,000 mc
      () => meter(meteringContract.record, token, gpt4o(4_000), key),
      () => meter(meteringContract.record, token, gpt4o(8_000), key),
    ]);
    hold.release();
    await blocker;
    const [first, repeat, other] = await Promise.all(calls);

    expect(hold.sizes).toEqual([1, 3]);
    expect(first!.status).toBe(200);
    expect(repeat!.status).toBe(200);
    expect(repeat!.body).toEqual(first!.body);
    expect(first!.body.balance).toEqual({ balanceMc: 290_000, availableMc: 290_000 });
    expect(other!.status).toBe(422);
    expect(other!.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const rows = await app.db.selectFrom('usage_records').select('id').where('org_id', '=', orgId).where('idempotency_key', '=', key).execute();
    expect(rows).toEqual([{ id: first!.body.usage.id }]);
    expect(await countIdempotency(orgId)).toBe(2);
    expect(await expectLedgerConsistent(app.db, orgId, app.clock.now())).toBe(290_000n);
    // and a later retry still gets the stored result
    expect((await meter(meteringContract.record, token, gpt4o(4_000), key)).body).toEqual(first!.body);
  });

  it('a batch interrupted by a database failure applies nothing, every caller gets the error, and a retry applies once', async () => {
    const { orgId, token } = await orgWithKey();
    const sizes: number[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const { batching } = app.services.ledger;
    batching.beforeCommit = async (trx, size) => {
      sizes.push(size);
      if (sizes.length === 1) return released;
      // The second batch has written everything; its connection dies before the commit.
      if (sizes.length === 2) await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx);
    };
    const blocker = meter(meteringContract.record, token, gpt4o(0));
    await until(() => sizes.length === 1);
    const keys = ['a', 'b', 'c', 'd'].map((k) => `fail-${k}-${randomUUID()}`);
    const bodies = [gpt4o(4_000), gpt4o(8_000), gpt4o(200_000), gpt4o(2_000)]; // the third one does not fit
    const calls: Promise<{ status: number; body: any }>[] = [];
    for (const [i, key] of keys.entries()) {
      calls.push(meter(meteringContract.record, token, bodies[i], key));
      await until(() => batching.waiting(orgId) === i + 1);
    }
    release();
    expect((await blocker).status).toBe(200);
    const failed = await Promise.all(calls);

    expect(sizes.slice(0, 2)).toEqual([1, 4]);
    // every caller of the interrupted batch gets the database error (not its own 200 or 402)
    for (const r of failed) {
      expect(r.status).toBeGreaterThanOrEqual(500);
      expect(r.body.error.code).toBe(failed[0]!.body.error.code);
    }
    expect(await countUsage(orgId)).toBe(1);
    expect(await countIdempotency(orgId)).toBe(1);
    expect(await expectLedgerConsistent(app.db, orgId, app.clock.now())).toBe(300_000n);

    // the same keys again: each applies exactly once
    batching.beforeCommit = undefined;
    const retried = await Promise.all(keys.map((key, i) => meter(meteringContract.record, token, bodies[i], key)));
    expect(retried.map((r) => r.status).sort()).toEqual([200, 200, 200, 402]);
    expect(await countUsage(orgId)).toBe(4);
    expect(await expectLedgerConsistent(app.db, orgId, app.clock.now())).toBe(265_000n);
  });

  it("settle's afterApply runs in the batch's transaction; when it fails only its settle is undone", async () => {
    const { orgId, session } = await orgWithKey();
    const { ledger } = app.services;
    const ctx = { orgId, userId: session.user.id, projectId: null, apiKeyId: null, source: 'app' as const };
    const reservations = await Promise.all([1, 2, 3].map(() => ledger.reserve({ ...ctx, useCase: 'chat', model: 'gpt-4o', estimateMc: 10_000n })));
    const hold = holdFirstBatch(orgId);
    const blocker = ledger.record({ ...ctx, useCase: 'chat', model: 'gpt-4o', inputTokens: 0, outputTokens: 0 });
    await until(() => hold.sizes.length === 1);
    const settle = (i: number, afterApply?: AfterApply<SettleResult>) => () =>
      ledger.settle({ orgId, reservationId: reservations[i]!.reservation.id, inputTokens: 4_000, outputTokens: 0 }, { afterApply }).then(
        (r) => ({ ok: true as const, r }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    const calls = await hold.lineUp([
      settle(0, async (trx, result) => {
        await trx.insertInto('audit_log').values({ org_id: orgId, actor_user_id: null, action: 'test.saved', from_value: null, to_value: JSON.stringify({ usageId: result.usage.id }), created_at: new Date() }).execute();
      }),
      settle(1, async () => {
        throw new Error('could not save the content');
      }),
      settle(2),
    ]);
    hold.release();
    await blocker;
    const [saved, failed, plain] = await Promise.all(calls);

    expect(saved!.ok && failed!.ok === false && plain!.ok).toBe(true);
    expect(failed!.ok ? null : (failed!.error as Error).message).toBe('could not save the content');
    const statuses = await app.db.selectFrom('reservations').select(['id', 'status']).where('org_id', '=', orgId).execute();
    const statusOf = (i: number) => statuses.find((s) => s.id === reservations[i]!.reservation.id)!.status;
    expect([statusOf(0), statusOf(1), statusOf(2)]).toEqual(['settled', 'open', 'settled']);
    const audit = await app.db.selectFrom('audit_log').select('to_value').where('org_id', '=', orgId).where('action', '=', 'test.saved').execute();
    expect(audit).toEqual([{ to_value: { usageId: saved!.ok ? saved!.r.usage.id : null } }]);
    expect(await expectLedgerConsistent(app.db, orgId, app.clock.now())).toBe(300_000n - 20_000n);
  });

  it('settleInTransaction charges in the caller\'s transaction: rolled back with it, or committed with it', async () => {
    const { orgId, session } = await orgWithKey();
    const { ledger } = app.services;
    const ctx = { orgId, userId: session.user.id, projectId: null, apiKeyId: null, source: 'app' as const };
    const [a, b] = await Promise.all([1, 2].map(() => ledger.reserve({ ...ctx, useCase: 'chat', model: 'gpt-4o', estimateMc: 10_000n })));
    const settle = (reservationId: string) => ({ orgId, reservationId, inputTokens: 4_000, outputTokens: 0 });

    await expect(
      app.db.transaction().execute(async (trx) => {
        await ledger.settleInTransaction(trx, settle(a!.reservation.id));
        throw new Error('the content could not be saved');
      }),
    ).rejects.toThrow('the content could not be saved');
    const settled = await app.db.transaction().execute(async (trx) => {
      const result = await ledger.settleInTransaction(trx, settle(b!.reservation.id));
      await trx.insertInto('audit_log').values({ org_id: orgId, actor_user_id: null, action: 'test.saved', from_value: null, to_value: JSON.stringify({ usageId: result.usage.id }), created_at: new Date() }).execute();
      return result;
    });

    expect(settled.usage.chargedMc).toBe(10_000);
    const statuses = await app.db.selectFrom('reservations').select(['id', 'status']).where('org_id', '=', orgId).orderBy('status').execute();
    expect(statuses).toEqual([
      { id: a!.reservation.id, status: 'open' },
      { id: b!.reservation.id, status: 'settled' },
    ]);
    expect(await countUsage(orgId)).toBe(1);
    expect(await expectLedgerConsistent(app.db, orgId, app.clock.now())).toBe(290_000n);
  });
});

describe('org settings under load (issue 23: the AI switch and the overage limit)', () => {
  it('toggles and limit changes among concurrent reserves: every change audited once, from the value before it; AI off leaves nothing open', async () => {
    const { orgId, session } = await orgWithKey();
    const { ledger, credits } = app.services;
    const owner = session.user.id;
    const ctx = { orgId, userId: owner, projectId: null, apiKeyId: null, source: 'app' as const };
    const reserve = () => ledger.reserve({ ...ctx, useCase: 'chat', model: 'gpt-4o', estimateMc: 1_000n }).then(() => 'OK', (e: { code?: string }) => e.code ?? 'ERROR');
    // 60 reserves, 12 switches (on and off in turn) and 6 limits, all at once.
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      calls.push(reserve());
      if (i % 5 === 4) calls.push(credits.setAiEnabled(orgId, owner, (i / 5) % 2 === 1));
      if (i % 10 === 9) calls.push(credits.setOverageLimit(orgId, owner, i));
    }
    const results = await Promise.all(calls);
    expect([...new Set(results.filter((r) => typeof r === 'string'))].every((c) => c === 'OK' || c === 'AI_DISABLED')).toBe(true);
    await credits.setAiEnabled(orgId, owner, false);

    // audit_log ids are UUIDs: the order is the chain each entry's `from` makes with the one before.
    const audit = await app.db.selectFrom('audit_log').select(['action', 'from_value', 'to_value']).where('org_id', '=', orgId).where('action', 'in', ['ai.toggled', 'overage_limit.changed']).execute();
    const toggles = audit.filter((a) => a.action === 'ai.toggled') as unknown as { from_value: { enabled: boolean }; to_value: { enabled: boolean } }[];
    expect(toggles.every((t) => t.from_value.enabled === !t.to_value.enabled)).toBe(true);
    // From on to off, alternating: one more "off" than "on".
    const offs = toggles.filter((t) => !t.to_value.enabled).length;
    expect(offs).toBeGreaterThan(0);
    expect(toggles.length - offs).toBe(offs - 1);
    const limits = audit.filter((a) => a.action === 'overage_limit.changed') as unknown as { from_value: { limitCredits: number }; to_value: { limitCredits: number } }[];
    expect(limits).toHaveLength(6);
    // One chain from 0 through all six values (each distinct): no change read a stale "from".
    const byFrom = new Map(limits.map((l) => [l.from_value.limitCredits, l.to_value.limitCredits]));
    const chain = [0];
    while (byFrom.has(chain.at(-1)!)) chain.push(byFrom.get(chain.at(-1)!)!);
    expect(chain.slice(1).sort((a, b) => a - b)).toEqual([9, 19, 29, 39, 49, 59]);
    const org = await app.db.selectFrom('credit_accounts').select(['ai_enabled', 'overage_limit_mc']).where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect(org).toEqual({ ai_enabled: false, overage_limit_mc: BigInt(chain.at(-1)!) * 1000n });
    const open = await app.db.selectFrom('reservations').select('id').where('org_id', '=', orgId).where('status', '=', 'open').execute();
    expect(open).toEqual([]);
    expect(await expectLedgerConsistent(app.db, orgId, app.clock.now())).toBe(300_000n);
  });

  it("the AI switch is an operation of the org's batches: off releases what is open, in arrival order with the rest", async () => {
    const { orgId, session } = await orgWithKey();
    const { ledger, credits } = app.services;
    const ctx = { orgId, userId: session.user.id, projectId: null, apiKeyId: null, source: 'app' as const };
    const open = await ledger.reserve({ ...ctx, useCase: 'chat', model: 'gpt-4o', estimateMc: 5_000n });
    const { release, lineUp, sizes } = holdFirstBatch(orgId);
    const first = ledger.record({ ...ctx, useCase: 'chat', model: 'gpt-4o', inputTokens: 1_000, outputTokens: 0 });
    await until(() => sizes.length === 1);
    const started = await lineUp<unknown>([
      () => ledger.reserve({ ...ctx, useCase: 'chat', model: 'gpt-4o', estimateMc: 5_000n }),
      () => credits.setAiEnabled(orgId, session.user.id, false),
      () => ledger.reserve({ ...ctx, useCase: 'chat', model: 'gpt-4o', estimateMc: 5_000n }),
      () => ledger.settle({ orgId, reservationId: open.reservation.id, inputTokens: 1_000, outputTokens: 0 }),
    ]);
    release();
    await first;
    const [before, off, after, settle] = await Promise.allSettled(started);
    expect(before).toMatchObject({ status: 'fulfilled', value: { reservation: { status: 'open' } } });
    expect(off).toMatchObject({ status: 'fulfilled', value: { aiEnabled: false, reservedMc: 0, balanceMc: 297_500 } });
    expect(after).toMatchObject({ status: 'rejected', reason: { code: 'AI_DISABLED' } });
    expect(settle).toMatchObject({ status: 'rejected', reason: { code: 'RESERVATION_NOT_OPEN' } });
    expect(sizes).toEqual([1, 4]);
    const statuses = await app.db.selectFrom('reservations').select('status').where('org_id', '=', orgId).execute();
    expect(statuses.map((s) => s.status)).toEqual(['released', 'released']);
    expect(await expectLedgerConsistent(app.db, orgId, app.clock.now())).toBe(297_500n);
  });
});
