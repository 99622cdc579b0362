import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { TestClock } from '../../src/lib/clock';
import { paymentEntity, postWebhook, purchaseGrants, sandboxSecrets, signedWebhook } from '../support/billing-helpers';
import { createOrg, startApp, type TestApp } from '../support/harness';
import { expectOrgInvariants } from '../support/ledger-assertions';

// Issue 9 fault 2: payment events for many purchases of one org, all at once. The webhook-event
// insert used to take a key-share lock on the org row (its foreign key) before the ledger's row
// lock on the same org: two such transactions deadlocked and PostgreSQL killed one (500).
let app: TestApp;
const clock = new TestClock();
beforeAll(async () => {
  clock.follow(new Date());
  app = await startApp({ clock, poolMax: 20 });
});
afterAll(() => app.close());

type Org = Awaited<ReturnType<typeof createOrg>>;

async function openPurchases(org: Org, n: number) {
  const out: { purchaseId: string; orderId: string }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } });
    expect(res.status).toBe(201);
    out.push({ purchaseId: res.body.purchaseId, orderId: res.body.orderId });
  }
  return out;
}

const payment = (org: Org, orderId: string, i: number) =>
  paymentEntity({ id: `pay_${String(i).padStart(14, 'S')}`, orderId, amount: 1180, status: 'captured', orgId: org.orgId });

async function expectAllGranted(org: Org, purchases: { purchaseId: string }[]) {
  for (const p of purchases) expect(await purchaseGrants(app, org.orgId, p.purchaseId)).toHaveLength(1);
  const summary = await org.owner.call(creditsContract.summary);
  expect(summary.body.balanceMc).toBe(300_000 + purchases.length * 1_000_000);
  await expectOrgInvariants(app.db, org.orgId, clock.now());
}

describe('concurrent payment events for one org', () => {
  it('30 payment.captured webhooks for 30 purchases at once: all 200, each granted once, another org unaffected', async () => {
    const org = await createOrg(app);
    const bystander = await createOrg(app);
    const purchases = await openPurchases(org, 30);
    const { webhookSecret: secret } = await sandboxSecrets(app);

    const hooks = purchases.map((p, i) => postWebhook(app, signedWebhook(secret, 'payment.captured', { payment: payment(org, p.orderId, i) })));
    const other = bystander.owner.call(creditsContract.summary);
    const results = await Promise.all(hooks);
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect((await other).status).toBe(200);

    await expectAllGranted(org, purchases);
    await expectOrgInvariants(app.db, bystander.orgId, clock.now());
  });

  it('50 purchases x (callback + payment.captured + order.paid) at once: no 5xx, every purchase granted exactly once', async () => {
    const org = await createOrg(app);
    const purchases = await openPurchases(org, 50);
    const { webhookSecret, keySecret } = await sandboxSecrets(app);

    // The gateway has the payments too, so the reconciliation sweep grants as well (once the
    // purchases are old enough for it to ask).
    const payments = purchases.map((p, i) => payment(org, p.orderId, 1000 + i));
    await app.db
      .insertInto('sandbox_payments')
      .values(payments.map((pay) => ({ org_id: org.orgId, id: pay.id, order_id: pay.order_id, amount_cents: 1180n, currency: 'USD', status: 'captured' as const, method: 'card', error_description: null, created_at: clock.now() })))
      .execute();
    clock.advance(5 * 60_000);

    const calls: Promise<{ status: number; what: string }>[] = [];
    purchases.forEach((p, i) => {
      const pay = payments[i]!;
      const callback = {
        razorpay_order_id: p.orderId,
        razorpay_payment_id: pay.id,
        razorpay_signature: createHmac('sha256', keySecret).update(`${p.orderId}|${pay.id}`).digest('hex'),
      };
      const order = { id: p.orderId, entity: 'order', amount: 1180, amount_paid: 1180, status: 'paid', notes: { org_id: org.orgId } };
      calls.push(
        org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: p.purchaseId }, body: callback }).then((r) => ({ status: r.status, what: 'callback' })),
        postWebhook(app, signedWebhook(webhookSecret, 'payment.captured', { payment: pay })).then((r) => ({ status: r.status, what: 'payment.captured' })),
        postWebhook(app, signedWebhook(webhookSecret, 'order.paid', { payment: pay, order })).then((r) => ({ status: r.status, what: 'order.paid' })),
      );
    });
    // Sweeps run among them (they take the same locks).
    const sweeps = [app.services.billing.reconcile({ limit: 500 }), app.services.billing.reconcile({ limit: 500 }), app.services.ledger.sweep()];
    const results = await Promise.all(calls);
    await Promise.all(sweeps);

    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    await expectAllGranted(org, purchases);
  });
});
