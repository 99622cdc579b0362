import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysContract } from '@ai-credits/shared/contracts/api-keys';
import { billingContract, type AutoTopUpInput } from '@ai-credits/shared/contracts/billing';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { meteringContract } from '@ai-credits/shared/contracts/metering';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { paymentEntity, postWebhook, purchaseGrants, sandboxSecrets, signedWebhook } from './support/billing-helpers';
import { Client, startApp, uniq, type TestApp } from './support/harness';

/**
 * Auto top-up (ADR 025): decided in the ledger's transaction, exactly one per crossing whatever
 * the concurrency and the number of instances, charged afterwards through the outbox row.
 */
let app: TestApp;
let second: TestApp;
beforeAll(async () => {
  app = await startApp();
  second = await startApp();
});
afterAll(async () => {
  await app?.services.autoTopUp.idle();
  await second?.services.autoTopUp.idle();
  await app?.close();
  await second?.close();
});

/** An owner who bought the Starter bundle saving the card (balance 300 + 1,000 credits), with an API key. */
async function ownerWithSavedCard(card: 'approves' | 'declines_off_session' = 'approves') {
  const owner = new Client(app.baseUrl);
  const session = await owner.signup();
  const order = await owner.call(billingContract.createPurchase, { body: { bundleId: 'starter', saveCard: true } });
  expect(order.status).toBe(201);
  expect(order.body).toMatchObject({ saveCard: true, customerId: expect.stringMatching(/^cust_/) });
  const paid = await owner.call(billingContract.sandboxPay, { body: { purchaseId: order.body.purchaseId, outcome: 'success', card } });
  expect(paid.status).toBe(200);
  await owner.call(billingContract.verifyPurchase, { params: { purchaseId: order.body.purchaseId }, body: paid.body });
  const key = await owner.call(apiKeysContract.create, { body: { name: 'meter' } });
  return { owner, orgId: session.org.id, token: key.body.token as string };
}

const SETTINGS: AutoTopUpInput = { enabled: true, thresholdCredits: 1_200, bundleId: 'starter', capKind: 'count', capValue: 3 };

/** `n` concurrent metering calls of `credits` each (demo-model: 1k in + 1k out tokens = 2 credits). */
async function meter(base: string[], token: string, n: number, credits: 2 | 20) {
  const tokens = credits === 2 ? 1_000 : 10_000;
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      new Client(base[i % base.length]!).call(meteringContract.record, {
        body: { useCase: 'chat', model: 'demo-model', inputTokens: tokens, outputTokens: tokens },
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': uniq('topup-') },
      }),
    ),
  );
  expect(results.filter((r) => r.status !== 200).map((r) => r.text)).toEqual([]);
}

async function settle() {
  await app.services.autoTopUp.process();
  await second.services.autoTopUp.process();
  await app.services.email.idle();
}

const topUpsOf = (orgId: string) => app.db.selectFrom('auto_topups').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute();
const balanceOf = async (c: Client) => (await c.call(creditsContract.summary)).body.balanceMc as number;

describe('auto top-up', () => {
  it('200 concurrent metering calls crossing the threshold start exactly one top-up, granted once', async () => {
    const { owner, orgId, token } = await ownerWithSavedCard();
    const state = await owner.call(billingContract.setAutoTopUp, { body: SETTINGS });
    expect(state.status).toBe(200);
    expect(state.body.paymentMethod).toMatchObject({ brand: 'Visa', last4: '1111' });
    await meter([app.baseUrl], token, 200, 2);
    await settle();
    const topUps = await topUpsOf(orgId);
    expect(topUps.map((t) => [t.status, Number(t.amount_cents)])).toEqual([['succeeded', 1000]]);
    expect(Number(topUps[0]!.balance_before_mc)).toBeGreaterThanOrEqual(1_200_000);
    expect(Number(topUps[0]!.balance_after_mc)).toBeLessThan(1_200_000);
    expect(await balanceOf(owner)).toBe((1_300 - 400 + 1_000) * 1000);
    const history = await owner.call(billingContract.history);
    const topUpPurchases = history.body.purchases.filter((p: { source: string }) => p.source === 'auto_topup');
    expect(topUpPurchases).toMatchObject([{ status: 'granted', credits: 1000, amountCents: 1180 }]);
    expect(await purchaseGrants(app, orgId, topUpPurchases[0].id)).toHaveLength(1);
    const log = await owner.call(orgContract.auditLog, { query: { limit: 10, action: 'auto_topup.charged' } });
    expect(log.body.entries).toHaveLength(1);

    // A webhook replay (another delivery of the same payment) grants nothing more.
    const payment = await app.db.selectFrom('sandbox_payments').selectAll().where('org_id', '=', orgId).where('order_id', '=', topUpPurchases[0].razorpayOrderId).executeTakeFirstOrThrow();
    const { webhookSecret } = await sandboxSecrets(app);
    const hook = signedWebhook(webhookSecret, 'payment.captured', { payment: paymentEntity({ id: payment.id, orderId: payment.order_id, amount: 1180, status: 'captured', orgId }) });
    expect((await postWebhook(app, hook)).status).toBe(200);
    expect((await postWebhook(app, hook)).status).toBe(200);
    expect(await purchaseGrants(app, orgId, topUpPurchases[0].id)).toHaveLength(1);
    expect(await balanceOf(owner)).toBe(1_900_000);
  });

  it('two instances on one database: still exactly one top-up per crossing', async () => {
    const { owner, orgId, token } = await ownerWithSavedCard();
    await owner.call(billingContract.setAutoTopUp, { body: SETTINGS });
    await meter([app.baseUrl, second.baseUrl], token, 200, 2);
    await settle();
    expect((await topUpsOf(orgId)).map((t) => t.status)).toEqual(['succeeded']);
    expect(await balanceOf(owner)).toBe(1_900_000);
  });

  it('the monthly cap holds under concurrency (count and amount)', async () => {
    for (const cap of [{ capKind: 'count', capValue: 1 }, { capKind: 'amount', capValue: 1000 }] as const) {
      const { owner, orgId, token } = await ownerWithSavedCard();
      await owner.call(billingContract.setAutoTopUp, { body: { ...SETTINGS, ...cap } });
      // 1,300 -> 300 (a crossing: one top-up, back to 1,300), then across the threshold again.
      await meter([app.baseUrl, second.baseUrl], token, 50, 20);
      await settle();
      await meter([app.baseUrl, second.baseUrl], token, 50, 20);
      await settle();
      expect((await topUpsOf(orgId)).map((t) => t.status), cap.capKind).toEqual(['succeeded']);
      expect(await balanceOf(owner)).toBe(300_000);
      expect((await owner.call(billingContract.autoTopUp)).body.usedThisPeriod).toEqual({ count: 1, amountCents: 1000 });
    }
  });

  it('a declined card pauses auto top-up, emails the owner once, and starts nothing more until resumed', async () => {
    const { owner, orgId, token } = await ownerWithSavedCard('declines_off_session');
    await owner.call(billingContract.setAutoTopUp, { body: SETTINGS });
    await meter([app.baseUrl], token, 100, 2);
    await settle();
    const [topUp] = await topUpsOf(orgId);
    expect(topUp).toMatchObject({ status: 'failed', failure_reason: expect.stringContaining('declined') });
    const state = (await owner.call(billingContract.autoTopUp)).body;
    expect(state.settings).toMatchObject({ enabled: true, pausedAt: expect.any(String), pausedReason: expect.stringContaining('declined') });
    const emails = () => app.db.selectFrom('email_outbox').selectAll().where('org_id', '=', orgId).where('kind', '=', 'auto_topup_failed').execute();
    expect(await emails()).toHaveLength(1);
    expect((await owner.call(orgContract.auditLog, { query: { limit: 10, action: 'auto_topup.failed' } })).body.entries).toHaveLength(1);

    // Back above the threshold (a purchase without saving the card), and across it again: paused, so nothing.
    const order = await owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } });
    const paid = await owner.call(billingContract.sandboxPay, { body: { purchaseId: order.body.purchaseId, outcome: 'success' } });
    await owner.call(billingContract.verifyPurchase, { params: { purchaseId: order.body.purchaseId }, body: paid.body });
    await meter([app.baseUrl], token, 100, 20);
    await settle();
    expect(await topUpsOf(orgId)).toHaveLength(1);
    expect(await emails()).toHaveLength(1);
  });

  it('turning it on needs a saved card; only the owner sets it; removing the card turns it off', async () => {
    const owner = new Client(app.baseUrl);
    await owner.signup();
    const refused = await owner.call(billingContract.setAutoTopUp, { body: SETTINGS });
    expect(refused.status).toBe(409);
    expect((await owner.call(billingContract.setAutoTopUp, { body: { ...SETTINGS, capKind: 'amount', capValue: 999 } })).body.error.message).toContain('capValue');
    const { owner: withCard } = await ownerWithSavedCard();
    expect((await withCard.call(billingContract.setAutoTopUp, { body: SETTINGS })).body.settings.enabled).toBe(true);
    const removed = await withCard.call(billingContract.removePaymentMethod);
    expect(removed.body).toMatchObject({ paymentMethod: null, settings: { enabled: false } });
    expect((await withCard.call(orgContract.auditLog, { query: { limit: 10, action: 'auto_topup.changed' } })).body.entries).toHaveLength(2);
  });
});
