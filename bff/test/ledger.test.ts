import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { HttpError } from '../src/http/http-error';
import { TestClock } from '../src/lib/clock';
import { Client, startApp, type TestApp } from './support/harness';
import { expectLedgerConsistent } from './support/ledger-assertions';

// demo-model: 500 mc / 1K input tokens, 1,500 mc / 1K output tokens.
// 1,000 in + 1,000 out = 2,000 mc = 2 credits.
let app: TestApp;
let second: TestApp; // a second BFF instance on the same database
const clock = new TestClock();

beforeAll(async () => {
  const options = { clock, env: { SESSION_TTL_HOURS: '2160', RESERVATION_TTL_SECONDS: '60' }, poolMax: 20 };
  [app, second] = await Promise.all([startApp(options), startApp(options)]);
});
afterAll(() => Promise.all([app.close(), second.close()]));

async function newOrg(at: string) {
  clock.set(at);
  const owner = new Client(app.baseUrl);
  const session = await owner.signup();
  return { owner, orgId: session.org.id, userId: session.user.id };
}

const ctx = (orgId: string, userId: string | null = null) => ({ orgId, userId, projectId: null, apiKeyId: null, source: 'app' as const });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (e instanceof HttpError) return e.code;
    throw e;
  }
}

describe('credit ledger', () => {
  it('rollover at the first moment of a new period happens exactly once under 20 concurrent requests to two instances', async () => {
    const { owner, orgId } = await newOrg('2026-01-31T10:00:00Z');
    const { ledger } = app.services;
    await app.db.transaction().execute((trx) => ledger.grantInTransaction(trx, orgId, { source: 'purchase', amountMc: 1_000_000n, purchaseId: crypto.randomUUID() }));
    await ledger.record({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', inputTokens: 1000, outputTokens: 1000 });
    expect((await owner.call(creditsContract.summary)).body.balanceMc).toBe(1_298_000);

    clock.set('2026-02-28T00:00:00.000Z'); // anchor 31 -> Feb 28
    const viaSecond = Object.assign(new Client(second.baseUrl), { cookie: owner.cookie, csrfToken: owner.csrfToken });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? viaSecond : owner).call(creditsContract.summary)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    for (const r of results) {
      expect(r.body.balanceMc).toBe(300_000);
      expect(r.body.period).toEqual({ start: '2026-02-28T00:00:00.000Z', end: '2026-03-31T00:00:00.000Z', timeZone: 'UTC' });
      expect(r.body.periodUsageMc).toBe(0);
    }
    const allowances = await app.db.selectFrom('grants').select(['period_start']).where('org_id', '=', orgId).where('source', '=', 'monthly_allowance').orderBy('period_start').execute();
    expect(allowances.map((a) => a.period_start.toISOString())).toEqual(['2026-01-31T00:00:00.000Z', '2026-02-28T00:00:00.000Z']);
    const expired = await app.db.selectFrom('ledger_entries').select(['amount_mc']).where('org_id', '=', orgId).where('entry_type', '=', 'expire').execute();
    // both the leftover allowance (298) and the purchase (1,000) expire: no rollover
    expect(expired.map((e) => e.amount_mc).sort()).toEqual([-1_000_000n, -298_000n].sort());
    await expectLedgerConsistent(app.db, orgId, clock.now());
  });

  it('a write at the new period settles the rollover first (no cron needed), even months later', async () => {
    const { orgId } = await newOrg('2026-03-15T09:00:00Z');
    clock.set('2026-06-20T00:00:00Z');
    const { usage, balance } = await app.services.ledger.record({ ...ctx(orgId), useCase: 'report', model: 'demo-model', inputTokens: 1000, outputTokens: 1000 });
    expect(usage.chargedMc).toBe(2000);
    expect(balance.balanceMc).toBe(298_000);
    const org = await app.db.selectFrom('credit_accounts').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect(org.period_start.toISOString()).toBe('2026-06-15T00:00:00.000Z');
    expect(org.period_end.toISOString()).toBe('2026-07-15T00:00:00.000Z');
    await expectLedgerConsistent(app.db, orgId, clock.now());
  });

  it('consumes by earliest expiry, allowance before adjustments before purchases, oldest first; records the grants drawn', async () => {
    const { orgId } = await newOrg('2026-04-01T00:00:00Z');
    const { ledger } = app.services;
    const p1 = crypto.randomUUID();
    await app.db.transaction().execute((trx) => ledger.grantInTransaction(trx, orgId, { source: 'purchase', amountMc: 5_000n, purchaseId: p1 }));
    await app.db.transaction().execute((trx) => ledger.grantInTransaction(trx, orgId, { source: 'adjustment', amountMc: 5_000n }));
    const grants = await app.db.selectFrom('grants').select(['id', 'source']).where('org_id', '=', orgId).execute();
    const idOf = (source: string) => grants.find((g) => g.source === source)!.id;

    // 300 credits allowance + 5 adjustment + 5 purchase. Spend 303 credits: allowance, then 3 of the adjustment.
    const first = await ledger.record({ ...ctx(orgId), useCase: 'chat', model: 'llama-3-70b', inputTokens: 300_000, outputTokens: 78_750 });
    expect(first.usage.chargedMc).toBe(303_000);
    // then 4 more credits: 2 left of the adjustment, then 2 of the purchase
    const second = await ledger.record({ ...ctx(orgId), useCase: 'chat', model: 'llama-3-70b', inputTokens: 5_000, outputTokens: 0 });
    expect(second.usage.chargedMc).toBe(4_000);
    const rows = await app.db.selectFrom('usage_records').select(['id', 'allocations']).where('org_id', '=', orgId).execute();
    const alloc = (id: string) => rows.find((r) => r.id === id)!.allocations;
    expect(alloc(first.usage.id)).toEqual([
      { grantId: idOf('monthly_allowance'), mc: '300000' },
      { grantId: idOf('adjustment'), mc: '3000' },
    ]);
    expect(alloc(second.usage.id)).toEqual([
      { grantId: idOf('adjustment'), mc: '2000' },
      { grantId: idOf('purchase'), mc: '2000' },
    ]);
    await expectLedgerConsistent(app.db, orgId, clock.now());
  });

  it('a purchase grants exactly once, however often it is granted', async () => {
    const { orgId } = await newOrg('2026-04-02T00:00:00Z');
    const purchaseId = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        app.db.transaction().execute((trx) => app.services.ledger.grantInTransaction(trx, orgId, { source: 'purchase', amountMc: 5_500_000n, purchaseId })),
      ),
    );
    expect(results.filter((r) => r.granted)).toHaveLength(1);
    expect(await expectLedgerConsistent(app.db, orgId, clock.now())).toBe(5_800_000n);
  });

  it('repeating a request with the same idempotency key returns the first result and has no second effect', async () => {
    const { orgId } = await newOrg('2026-04-03T00:00:00Z');
    const { ledger } = app.services;
    const reserve = () => ledger.reserve({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', estimateMc: 10_000n, idempotencyKey: 'reserve-key-1' });
    const [a, b] = await Promise.all([reserve(), reserve()]);
    expect(b).toEqual(a);
    const settle = () => ledger.settle({ orgId, reservationId: a.reservation.id, inputTokens: 1000, outputTokens: 1000, idempotencyKey: 'settle-key-1' });
    const s1 = await settle();
    const s2 = await settle();
    expect(s2).toEqual(s1);
    expect(s1.balance.balanceMc).toBe(298_000);
    const reservations = await app.db.selectFrom('reservations').select('id').where('org_id', '=', orgId).execute();
    const usages = await app.db.selectFrom('usage_records').select('id').where('org_id', '=', orgId).execute();
    expect([reservations.length, usages.length]).toEqual([1, 1]);
    // the same key for a different request is refused
    expect(await codeOf(ledger.reserve({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', estimateMc: 20_000n, idempotencyKey: 'reserve-key-1' }))).toBe('IDEMPOTENCY_KEY_REUSED');
    await expectLedgerConsistent(app.db, orgId, clock.now());
  });

  it('200 concurrent reservations against a balance that covers 50: exactly 50 succeed', async () => {
    const { orgId } = await newOrg('2026-04-04T00:00:00Z');
    const { ledger } = app.services;
    // 300 credits / 6 credits each = 50
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => codeOf(ledger.reserve({ ...ctx(orgId), useCase: 'test_generation', model: 'demo-model', estimateMc: 6_000n, idempotencyKey: `conc-${i}` }))),
    );
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(50);
    expect(outcomes.filter((o) => o === 'INSUFFICIENT_CREDITS')).toHaveLength(150);
    // settle all 50 concurrently at their full estimate: the balance is exactly spent, never overdrawn
    const open = await app.db.selectFrom('reservations').select('id').where('org_id', '=', orgId).where('status', '=', 'open').execute();
    await Promise.all(open.map((r) => ledger.settle({ orgId, reservationId: r.id, inputTokens: 0, outputTokens: 4000 })));
    expect(await expectLedgerConsistent(app.db, orgId, clock.now())).toBe(0n);
  });

  it('an abandoned reservation gives its credits back after its timeout', async () => {
    const { owner, orgId } = await newOrg('2026-04-05T00:00:00Z');
    const { ledger } = app.services;
    const { reservation } = await ledger.reserve({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', estimateMc: 300_000n });
    expect((await owner.call(creditsContract.summary)).body).toMatchObject({ balanceMc: 300_000, reservedMc: 300_000, availableMc: 0 });
    expect(await codeOf(ledger.reserve({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', estimateMc: 1n }))).toBe('INSUFFICIENT_CREDITS');
    clock.advance(61_000);
    expect((await owner.call(creditsContract.summary)).body).toMatchObject({ balanceMc: 300_000, reservedMc: 0, availableMc: 300_000 });
    expect(await codeOf(ledger.settle({ orgId, reservationId: reservation.id, inputTokens: 1, outputTokens: 1 }))).toBe('RESERVATION_EXPIRED');
    expect(await codeOf(ledger.reserve({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', estimateMc: 300_000n }))).toBe('OK');
  });

  it('release gives the hold back and charges nothing; settle never charges more than reserved', async () => {
    const { orgId } = await newOrg('2026-04-06T00:00:00Z');
    const { ledger } = app.services;
    const a = await ledger.reserve({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', estimateMc: 2_000n });
    expect(await codeOf(ledger.settle({ orgId, reservationId: a.reservation.id, inputTokens: 1000, outputTokens: 1001 }))).toBe('SETTLE_EXCEEDS_RESERVATION');
    const released = await ledger.release({ orgId, reservationId: a.reservation.id });
    expect(released.reservation.status).toBe('released');
    expect(released.balance).toEqual({ balanceMc: 300_000, availableMc: 300_000 });
    expect(await codeOf(ledger.settle({ orgId, reservationId: a.reservation.id, inputTokens: 1, outputTokens: 1 }))).toBe('RESERVATION_NOT_OPEN');
  });

  it('overage continues past zero only up to the owner limit, and is invoiced at the period close', async () => {
    const { owner, orgId } = await newOrg('2026-04-07T00:00:00Z');
    const { ledger } = app.services;
    const spend = (credits: number) => codeOf(ledger.record({ ...ctx(orgId), useCase: 'report', model: 'llama-3-70b', inputTokens: credits * 1250, outputTokens: 0 }));
    expect(await spend(300)).toBe('OK');
    expect(await spend(1)).toBe('INSUFFICIENT_CREDITS'); // default limit 0: no overage
    expect((await owner.call(creditsContract.setOverageLimit, { body: { limitCredits: 10 } })).status).toBe(200);
    expect(await spend(11)).toBe('OVERAGE_LIMIT_REACHED');
    expect(await spend(7)).toBe('OK');
    expect(await spend(4)).toBe('OVERAGE_LIMIT_REACHED');
    expect(await spend(3)).toBe('OK');
    const summary = (await owner.call(creditsContract.summary)).body;
    expect(summary).toMatchObject({ balanceMc: -10_000, periodUsageMc: 310_000, overage: { usedMc: 10_000, limitMc: 10_000, usedCents: 400, limitCents: 400 } });
    await expectLedgerConsistent(app.db, orgId, clock.now());

    clock.set('2026-05-07T00:00:00Z');
    const next = (await owner.call(creditsContract.summary)).body;
    expect(next).toMatchObject({ balanceMc: 300_000, unpaidInvoices: { count: 1, amountCents: 400 } });
    const invoices = await app.db.selectFrom('overage_invoices').selectAll().where('org_id', '=', orgId).execute();
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ overage_mc: 10_000n, credits: 10n, amount_cents: 400n, status: 'open' });
    await expectLedgerConsistent(app.db, orgId, clock.now());
  });

  it('overage is rounded up to whole credits on the invoice', async () => {
    const { orgId } = await newOrg('2026-04-08T00:00:00Z');
    const { ledger } = app.services;
    await app.services.credits.setOverageLimit(orgId, (await app.db.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).executeTakeFirstOrThrow()).user_id, 5);
    await ledger.record({ ...ctx(orgId), useCase: 'chat', model: 'llama-3-70b', inputTokens: 375_001, outputTokens: 0 }); // 300.001 credits
    clock.set('2026-05-08T00:00:00Z');
    await app.services.ledger.ensureCurrentPeriod(orgId);
    const invoice = await app.db.selectFrom('overage_invoices').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect(invoice).toMatchObject({ overage_mc: 1n, credits: 1n, amount_cents: 40n });
  });

  it('purchased credits first cover overage already used this month', async () => {
    const { orgId } = await newOrg('2026-04-09T00:00:00Z');
    const { ledger } = app.services;
    const owner = await app.db.selectFrom('memberships').select('user_id').where('org_id', '=', orgId).executeTakeFirstOrThrow();
    await app.services.credits.setOverageLimit(orgId, owner.user_id, 50);
    await ledger.record({ ...ctx(orgId), useCase: 'chat', model: 'llama-3-70b', inputTokens: 400_000, outputTokens: 0 }); // 320 credits
    await app.db.transaction().execute((trx) => ledger.grantInTransaction(trx, orgId, { source: 'purchase', amountMc: 1_000_000n, purchaseId: crypto.randomUUID() }));
    expect(await expectLedgerConsistent(app.db, orgId, clock.now())).toBe(980_000n);
  });

  it('AI disabled: consumption is refused with AI_DISABLED, nothing is consumed, open reservations are released', async () => {
    const { owner, orgId } = await newOrg('2026-04-10T00:00:00Z');
    const { ledger } = app.services;
    const open = await ledger.reserve({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', estimateMc: 50_000n });
    const off = await owner.call(creditsContract.setAiEnabled, { body: { enabled: false } });
    expect(off.body).toMatchObject({ aiEnabled: false, reservedMc: 0, balanceMc: 300_000 });
    expect(await codeOf(ledger.reserve({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', estimateMc: 1_000n }))).toBe('AI_DISABLED');
    expect(await codeOf(ledger.record({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', inputTokens: 10, outputTokens: 10 }))).toBe('AI_DISABLED');
    expect(await codeOf(ledger.settle({ orgId, reservationId: open.reservation.id, inputTokens: 10, outputTokens: 10 }))).toBe('RESERVATION_NOT_OPEN');
    expect((await owner.call(creditsContract.summary)).body).toMatchObject({ balanceMc: 300_000, periodUsageMc: 0 });
    // (the org's other entries: its sign-up's grant and confirmed address, issue 20)
    const audit = await app.db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId).where('action', 'not in', ['credits.granted', 'account.email_verified']).execute();
    expect(audit).toMatchObject([{ action: 'ai.toggled', from_value: { enabled: true }, to_value: { enabled: false } }]);
    await owner.call(creditsContract.setAiEnabled, { body: { enabled: true } });
    expect(await codeOf(ledger.reserve({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', estimateMc: 1_000n }))).toBe('OK');
  });

  it('the ledger is append-only in the database', async () => {
    const { orgId } = await newOrg('2026-04-11T00:00:00Z');
    await expect(app.db.updateTable('ledger_entries').set({ amount_mc: 1n }).where('org_id', '=', orgId).execute()).rejects.toThrow(/append-only/);
    await expect(app.db.deleteFrom('ledger_entries').where('org_id', '=', orgId).execute()).rejects.toThrow(/append-only/);
  });
});

describe('background sweep', () => {
  it('settles due rollovers early and marks abandoned reservations expired', async () => {
    const { orgId } = await newOrg('2026-09-05T00:00:00Z');
    const { ledger } = app.services;
    const { reservation } = await ledger.reserve({ ...ctx(orgId), useCase: 'chat', model: 'demo-model', estimateMc: 1_000n });
    clock.set('2026-10-05T00:00:01Z');
    expect(await ledger.sweep(10_000)).toBeGreaterThanOrEqual(1);
    const org = await app.db.selectFrom('credit_accounts').selectAll().where('org_id', '=', orgId).executeTakeFirstOrThrow();
    expect(org.period_start.toISOString()).toBe('2026-10-05T00:00:00.000Z');
    expect(org.balance_mc).toBe(300_000n);
    const r = await app.db.selectFrom('reservations').select('status').where('org_id', '=', orgId).where('id', '=', reservation.id).executeTakeFirstOrThrow();
    expect(r.status).toBe('expired');
    await expectLedgerConsistent(app.db, orgId, clock.now());
  });
});
