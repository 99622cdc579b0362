import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { TestClock } from '../src/lib/clock';
import { paymentEntity, postWebhook, purchaseGrants, purchaseRow, sandboxSecrets, signedWebhook } from './support/billing-helpers';
import { createOrg, type TestApp, startApp } from './support/harness';
import { expectLedgerConsistent } from './support/ledger-assertions';

// No Razorpay keys: the app runs on the local sandbox gateway (Razorpay test mode, offline).
let app: TestApp;
let secrets: Awaited<ReturnType<typeof sandboxSecrets>>;
const clock = new TestClock();
beforeAll(async () => {
  app = await startApp({ clock, poolMax: 20, env: { SESSION_TTL_HOURS: '2160' } });
  secrets = await sandboxSecrets(app);
});
afterAll(() => app.close());

const ORDER_ID = /^order_[A-Za-z0-9]{14}$/;
const PAYMENT_ID = /^pay_[A-Za-z0-9]{14}$/;

async function balanceMc(client: Awaited<ReturnType<typeof createOrg>>['owner']) {
  const res = await client.call(creditsContract.summary);
  expect(res.status).toBe(200);
  return res.body.balanceMc as number;
}

describe('buying credits with the sandbox gateway', () => {
  it('creates a sandbox order from the catalog, pays it, verifies the callback and grants once', async () => {
    clock.follow(new Date());
    const org = await createOrg(app);
    const created = await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'professional' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      mode: 'sandbox',
      keyId: 'rzp_test_sandbox',
      amount: 5_900,
      currency: 'USD',
      name: 'TestKase',
      description: 'Professional: 5,500 credits',
      prefill: { name: org.session.user.name, email: org.session.user.email },
      notes: { org_id: org.orgId, purchase_id: created.body.purchaseId },
    });
    expect(created.body.orderId).toMatch(ORDER_ID);
    // Only the key id reaches the browser.
    expect(created.text).not.toContain(secrets.keySecret);
    expect(created.text).not.toContain(secrets.webhookSecret);

    const row = await purchaseRow(app, org.orgId, created.body.purchaseId);
    expect(row).toMatchObject({ status: 'created', kind: 'bundle', bundle_id: 'professional', amount_cents: 5900n, credits: 5500n, razorpay_order_id: created.body.orderId });

    const paid = await org.owner.call(billingContract.sandboxPay, { body: { purchaseId: created.body.purchaseId, outcome: 'success', method: 'upi' } });
    expect(paid.status).toBe(200);
    expect(paid.body.razorpay_order_id).toBe(created.body.orderId);
    expect(paid.body.razorpay_payment_id).toMatch(PAYMENT_ID);
    expect(paid.body.razorpay_signature).toMatch(/^[0-9a-f]{64}$/);

    // The sandbox's webhook already granted; the callback is then a no-op that reports the purchase.
    const verified = await org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: created.body.purchaseId }, body: paid.body });
    expect(verified.status).toBe(200);
    expect(verified.body.purchase).toMatchObject({ status: 'granted', credits: 5_500, amountCents: 5_900, razorpayPaymentId: paid.body.razorpay_payment_id, bundleName: 'Professional' });
    const again = await org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: created.body.purchaseId }, body: paid.body });
    expect(again.status).toBe(200);

    expect(await purchaseGrants(app, org.orgId, created.body.purchaseId)).toHaveLength(1);
    expect(await balanceMc(org.owner)).toBe(300_000 + 5_500_000);
    await expectLedgerConsistent(app.db, org.orgId, clock.now());

    const history = await org.admin.call(billingContract.history);
    expect(history.status).toBe(200);
    expect(history.body.mode).toBe('sandbox');
    expect(history.body.purchases).toEqual([expect.objectContaining({ id: created.body.purchaseId, status: 'granted', razorpayOrderId: created.body.orderId })]);
  });

  it('lets only the owner buy, and never takes an amount from the client', async () => {
    const org = await createOrg(app);
    for (const client of [org.admin, org.member]) {
      const res = await client.call(billingContract.createPurchase, { body: { bundleId: 'starter' } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    const withAmount = await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter', amount: 1 } });
    expect(withAmount.status).toBe(400);
    expect(withAmount.body.error.code).toBe('VALIDATION_FAILED');
    const unknown = await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'free-lunch' } });
    expect(unknown.status).toBe(400);
    expect((await org.member.call(billingContract.history)).status).toBe(403);
    const rows = await app.db.selectFrom('purchases').select('id').where('org_id', '=', org.orgId).execute();
    expect(rows).toHaveLength(0);
  });

  it('refuses a tampered signature or another order id with 400 INVALID_SIGNATURE and grants nothing', async () => {
    const org = await createOrg(app);
    const a = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    const b = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'ultimate' } })).body;
    // A genuine payment of the cheap order b... is not proof for the expensive one.
    await app.services.billing.gateway.simulatePayment!({ orgId: org.orgId, purchaseId: a.purchaseId, orderId: a.orderId, amountCents: 1180, currency: 'USD', method: 'card', outcome: 'success', saveForCustomer: null, card: 'approves' }).then(
      async (sim) => {
        const tampered = { ...sim.callback!, razorpay_signature: sim.callback!.razorpay_signature.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) };
        const res = await org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: a.purchaseId }, body: tampered });
        expect(res.status).toBe(400);
        expect(res.body.error?.code).toBe('INVALID_SIGNATURE');
        const crossed = await org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: b.purchaseId }, body: sim.callback });
        expect(crossed.status).toBe(400);
        expect(crossed.body.error.code).toBe('INVALID_SIGNATURE');
        const short = await org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: a.purchaseId }, body: { ...sim.callback!, razorpay_signature: 'abc' } });
        expect(short.status).toBe(400);
      },
    );
    expect(await purchaseGrants(app, org.orgId, a.purchaseId)).toHaveLength(0);
    expect(await purchaseGrants(app, org.orgId, b.purchaseId)).toHaveLength(0);
    expect((await purchaseRow(app, org.orgId, b.purchaseId)).status).toBe('created');
    expect(await balanceMc(org.owner)).toBe(300_000);
  });

  it('a failed payment grants nothing and says why; a later successful payment still grants', async () => {
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    const failed = await org.owner.call(billingContract.sandboxPay, { body: { purchaseId: p.purchaseId, outcome: 'failure' } });
    expect(failed.status).toBe(402);
    expect(failed.body.error).toEqual({ code: 'PAYMENT_FAILED', message: expect.stringContaining('declined') });
    expect(await purchaseRow(app, org.orgId, p.purchaseId)).toMatchObject({ status: 'failed', failure_reason: expect.stringContaining('declined') });
    expect(await balanceMc(org.owner)).toBe(300_000);

    const paid = await org.owner.call(billingContract.sandboxPay, { body: { purchaseId: p.purchaseId, outcome: 'success' } });
    expect(paid.status).toBe(200);
    expect(await purchaseRow(app, org.orgId, p.purchaseId)).toMatchObject({ status: 'granted', failure_reason: null, razorpay_payment_id: paid.body.razorpay_payment_id });
    expect(await balanceMc(org.owner)).toBe(1_300_000);
    const twice = await org.owner.call(billingContract.sandboxPay, { body: { purchaseId: p.purchaseId, outcome: 'success' } });
    expect(twice.status).toBe(409);
  });
});

describe('tenancy', () => {
  it("an owner gets 404 for another org's purchase, invoice and receipt", async () => {
    const a = await createOrg(app);
    const b = await createOrg(app);
    const p = (await b.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    const sim = await app.services.billing.gateway.simulatePayment!({ orgId: b.orgId, purchaseId: p.purchaseId, orderId: p.orderId, amountCents: 1180, currency: 'USD', method: 'card', outcome: 'success', saveForCustomer: null, card: 'approves' });
    expect((await a.owner.call(billingContract.verifyPurchase, { params: { purchaseId: p.purchaseId }, body: sim.callback })).status).toBe(404);
    expect((await a.owner.call(billingContract.sandboxPay, { body: { purchaseId: p.purchaseId, outcome: 'success' } })).status).toBe(404);
    expect((await a.owner.call(billingContract.receipt, { params: { purchaseId: p.purchaseId } })).status).toBe(404);
    expect((await a.owner.call(billingContract.payInvoice, { params: { invoiceId: p.purchaseId } })).status).toBe(404);
    expect((await a.owner.call(billingContract.history)).body.purchases).toEqual([]);
    expect(await purchaseGrants(app, b.orgId, p.purchaseId)).toHaveLength(0);
  });
});

describe('webhooks', () => {
  const secret = () => secrets.webhookSecret;

  it('rejects a bad signature with 400 and logs it', async () => {
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    const warn = vi.spyOn(app.services.logger, 'warn');
    const hook = signedWebhook('not-the-secret', 'payment.captured', { payment: paymentEntity({ id: 'pay_AAAAAAAAAAAAAA', orderId: p.orderId, amount: 1180, status: 'captured', orgId: org.orgId }) });
    const res = await postWebhook(app, hook);
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('INVALID_SIGNATURE');
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ eventId: hook.eventId }), expect.stringContaining('bad signature'));
    const unsigned = await fetch(`${app.baseUrl}/api/billing/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: hook.rawBody });
    expect(unsigned.status).toBe(400);
    expect(await purchaseGrants(app, org.orgId, p.purchaseId)).toHaveLength(0);
  });

  it('verifies over the raw bytes: the same JSON re-serialised is refused', async () => {
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    const hook = signedWebhook(secret(), 'payment.captured', { payment: paymentEntity({ id: 'pay_BBBBBBBBBBBBBB', orderId: p.orderId, amount: 1180, status: 'captured' }) });
    const pretty = JSON.stringify(JSON.parse(hook.rawBody), null, 2);
    expect((await postWebhook(app, { ...hook, rawBody: pretty })).status).toBe(400);
    // No org note on the payment: the order id alone finds the purchase.
    expect((await postWebhook(app, hook)).status).toBe(200);
    expect((await purchaseRow(app, org.orgId, p.purchaseId)).status).toBe('granted');
  });

  it('a replayed event id has no effect', async () => {
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    const failedHook = signedWebhook(secret(), 'payment.failed', { payment: paymentEntity({ id: 'pay_CCCCCCCCCCCCCC', orderId: p.orderId, amount: 1180, status: 'failed', orgId: org.orgId, error: 'Card expired' }) });
    expect((await postWebhook(app, failedHook)).status).toBe(200);
    const captured = signedWebhook(secret(), 'payment.captured', { payment: paymentEntity({ id: 'pay_DDDDDDDDDDDDDD', orderId: p.orderId, amount: 1180, status: 'captured', orgId: org.orgId }) });
    const results = await Promise.all(Array.from({ length: 10 }, () => postWebhook(app, captured)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    // The first delivery of payment.failed, replayed after the payment, changes nothing either.
    expect((await postWebhook(app, failedHook)).status).toBe(200);
    const events = await app.db.selectFrom('billing_webhook_events').select(['event_id']).where('org_id', '=', org.orgId).execute();
    expect(events.map((e) => e.event_id).sort()).toEqual([failedHook.eventId, captured.eventId].sort());
    expect(await purchaseGrants(app, org.orgId, p.purchaseId)).toHaveLength(1);
    expect(await purchaseRow(app, org.orgId, p.purchaseId)).toMatchObject({ status: 'granted', razorpay_payment_id: 'pay_DDDDDDDDDDDDDD', failure_reason: null });
    expect(await balanceMc(org.owner)).toBe(1_300_000);
  });

  it('events out of order never move a purchase back', async () => {
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'enterprise' } })).body;
    const pay = (status: string, extra: Partial<Parameters<typeof paymentEntity>[0]> = {}) =>
      paymentEntity({ id: 'pay_EEEEEEEEEEEEEE', orderId: p.orderId, amount: 29_500, status, orgId: org.orgId, ...extra });
    const send = (event: string, entities: Parameters<typeof signedWebhook>[2]) => postWebhook(app, signedWebhook(secret(), event, entities));

    expect((await send('payment.captured', { payment: pay('captured') })).status).toBe(200);
    expect((await purchaseRow(app, org.orgId, p.purchaseId)).status).toBe('granted');
    await send('payment.authorized', { payment: pay('authorized') });
    await send('payment.failed', { payment: pay('failed', { id: 'pay_FFFFFFFFFFFFFF', error: 'Late failure' }) });
    await send('order.paid', { payment: pay('captured'), order: { id: p.orderId, entity: 'order', amount: 29_500, amount_paid: 29_500, status: 'paid', notes: { org_id: org.orgId } } });
    expect(await purchaseRow(app, org.orgId, p.purchaseId)).toMatchObject({ status: 'granted', razorpay_payment_id: 'pay_EEEEEEEEEEEEEE', failure_reason: null });

    // Authorized, then failed, then captured: attempted -> failed -> paid -> granted.
    const q = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    const qpay = (id: string, status: string) => paymentEntity({ id, orderId: q.orderId, amount: 1180, status, orgId: org.orgId, error: status === 'failed' ? 'Insufficient funds' : undefined });
    await send('payment.authorized', { payment: qpay('pay_GGGGGGGGGGGGGG', 'authorized') });
    expect((await purchaseRow(app, org.orgId, q.purchaseId)).status).toBe('attempted');
    await send('payment.failed', { payment: qpay('pay_GGGGGGGGGGGGGG', 'failed') });
    expect(await purchaseRow(app, org.orgId, q.purchaseId)).toMatchObject({ status: 'failed', failure_reason: 'Insufficient funds' });
    await send('payment.authorized', { payment: qpay('pay_HHHHHHHHHHHHHH', 'authorized') });
    expect((await purchaseRow(app, org.orgId, q.purchaseId)).status).toBe('failed');
    // A captured payment for the wrong amount is not proof of this purchase.
    await send('payment.captured', { payment: { ...qpay('pay_HHHHHHHHHHHHHH', 'captured'), amount: 1 } });
    expect((await purchaseRow(app, org.orgId, q.purchaseId)).status).toBe('failed');
    await send('payment.captured', { payment: qpay('pay_HHHHHHHHHHHHHH', 'captured') });
    expect((await purchaseRow(app, org.orgId, q.purchaseId)).status).toBe('granted');

    expect(await balanceMc(org.owner)).toBe(300_000 + 28_000_000 + 1_000_000);
    await expectLedgerConsistent(app.db, org.orgId, clock.now());
  });

  it('records refunds against the purchase without taking credits back', async () => {
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    await postWebhook(app, signedWebhook(secret(), 'payment.captured', { payment: paymentEntity({ id: 'pay_IIIIIIIIIIIIII', orderId: p.orderId, amount: 1180, status: 'captured', orgId: org.orgId }) }));
    const refund = signedWebhook(secret(), 'refund.processed', {
      payment: paymentEntity({ id: 'pay_IIIIIIIIIIIIII', orderId: p.orderId, amount: 1180, status: 'refunded', orgId: org.orgId, amountRefunded: 1180 }),
      refund: { id: 'rfnd_JJJJJJJJJJJJJJ', entity: 'refund', amount: 1180, payment_id: 'pay_IIIIIIIIIIIIII' },
    });
    expect((await postWebhook(app, refund)).status).toBe(200);
    const history = await org.owner.call(billingContract.history);
    expect(history.body.purchases[0]).toMatchObject({ id: p.purchaseId, status: 'granted', refundedCents: 1180 });
    expect(await balanceMc(org.owner)).toBe(1_300_000);
  });

  it('ignores events for orders that are not ours', async () => {
    const hook = signedWebhook(secret(), 'payment.captured', { payment: paymentEntity({ id: 'pay_KKKKKKKKKKKKKK', orderId: 'order_NotOursNotOurs', amount: 1180, status: 'captured' }) });
    expect((await postWebhook(app, hook)).status).toBe(200);
  });
});

describe('reconciliation sweep', () => {
  it('grants a paid order whose callback and webhook were lost, once', async () => {
    clock.follow(new Date());
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'professional' } })).body;
    // Paid at the gateway; the browser closed before the callback and the webhook never came.
    await app.services.billing.gateway.simulatePayment!({ orgId: org.orgId, purchaseId: p.purchaseId, orderId: p.orderId, amountCents: 5900, currency: 'USD', method: 'card', outcome: 'success', saveForCustomer: null, card: 'approves' });
    await app.services.billing.reconcile({ limit: 1000 });
    expect((await purchaseRow(app, org.orgId, p.purchaseId)).status).toBe('created'); // too recent to ask about

    clock.advance(4 * 60_000);
    await app.services.billing.reconcile({ limit: 1000 });
    expect(await purchaseRow(app, org.orgId, p.purchaseId)).toMatchObject({ status: 'granted', checked_at: expect.any(Date) });
    await app.services.billing.reconcile({ limit: 1000 });
    expect(await purchaseGrants(app, org.orgId, p.purchaseId)).toHaveLength(1);
    expect(await balanceMc(org.owner)).toBe(5_800_000);
  });
});

describe('overage invoices', () => {
  it('the owner pays an open invoice through Checkout: marked paid once, no credits granted, receipt printable', async () => {
    clock.set('2026-03-10T09:00:00Z');
    const org = await createOrg(app);
    expect((await org.owner.call(creditsContract.setOverageLimit, { body: { limitCredits: 100 } })).status).toBe(200);
    const ctx = { orgId: org.orgId, userId: null, projectId: null, apiKeyId: null, source: 'app' as const };
    // demo-model: 200,000 input tokens = 100 credits; 4 calls = 400 credits = 100 credits of overage.
    for (let i = 0; i < 4; i++) await app.services.ledger.record({ ...ctx, useCase: 'chat', model: 'demo-model', inputTokens: 200_000, outputTokens: 0 });
    expect(await balanceMc(org.owner)).toBe(-100_000);

    clock.set('2026-04-10T09:00:00Z'); // the next billing month: the first read closes March with an invoice
    expect(await balanceMc(org.owner)).toBe(300_000);
    const before = await org.owner.call(billingContract.history);
    expect(before.body.invoices).toEqual([
      expect.objectContaining({ status: 'open', credits: 100, amountCents: 4_000, overageMc: 100_000, purchaseId: null, paidAt: null }),
    ]);
    const invoiceId = before.body.invoices[0].id as string;

    expect((await org.admin.call(billingContract.payInvoice, { params: { invoiceId } })).status).toBe(403);
    const checkout = await org.owner.call(billingContract.payInvoice, { params: { invoiceId } });
    expect(checkout.status).toBe(201);
    expect(checkout.body).toMatchObject({ amount: 4_720, currency: 'USD', mode: 'sandbox' });
    // Paying again before it is paid reuses the same order (one order per invoice: no double payment).
    const reused = await org.owner.call(billingContract.payInvoice, { params: { invoiceId } });
    expect(reused.body).toMatchObject({ purchaseId: checkout.body.purchaseId, orderId: checkout.body.orderId });

    const pendingReceipt = await org.owner.call(billingContract.receipt, { params: { purchaseId: checkout.body.purchaseId } });
    expect(pendingReceipt.status).toBe(409);

    const paid = await org.owner.call(billingContract.sandboxPay, { body: { purchaseId: checkout.body.purchaseId, outcome: 'success' } });
    expect(paid.status).toBe(200);
    const verified = await org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: checkout.body.purchaseId }, body: paid.body });
    expect(verified.body.purchase).toMatchObject({ kind: 'invoice', status: 'paid', credits: 0, invoiceId });

    const after = await org.owner.call(billingContract.history);
    expect(after.body.invoices[0]).toMatchObject({ id: invoiceId, status: 'paid', paidAt: '2026-04-10T09:00:00.000Z', purchaseId: checkout.body.purchaseId, razorpayPaymentId: paid.body.razorpay_payment_id });
    expect(await balanceMc(org.owner)).toBe(300_000);
    const grants = await app.db.selectFrom('grants').select('source').where('org_id', '=', org.orgId).where('source', '=', 'purchase').execute();
    expect(grants).toHaveLength(0);
    expect((await org.owner.call(billingContract.payInvoice, { params: { invoiceId } })).status).toBe(409);
    expect((await org.owner.call(creditsContract.summary)).body.unpaidInvoices).toEqual({ count: 0, amountCents: 0 });

    const receipt = await org.admin.call(billingContract.receipt, { params: { purchaseId: checkout.body.purchaseId } });
    expect(receipt.status).toBe(200);
    expect(receipt.headers.get('content-type')).toMatch(/text\/html/);
    expect(receipt.text).toContain('Overage invoice for 2026-03-10 to 2026-04-10');
    expect(receipt.text).toContain('$40.00 USD');
    expect(receipt.text).toContain(paid.body.razorpay_payment_id);
    expect((await org.member.call(billingContract.receipt, { params: { purchaseId: checkout.body.purchaseId } })).status).toBe(403);
    await expectLedgerConsistent(app.db, org.orgId, clock.now());
  });
});
