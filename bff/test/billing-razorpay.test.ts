import { createHmac } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { TestClock } from '../src/lib/clock';
import { paymentEntity, postWebhook, purchaseGrants, purchaseRow, signedWebhook } from './support/billing-helpers';
import { createOrg, startApp, type TestApp } from './support/harness';
import { expectLedgerConsistent } from './support/ledger-assertions';

// The real gateway adapter and the official SDK, against a fake https://api.razorpay.com.
const KEY_ID = 'rzp_test_MswKeyId0001';
const KEY_SECRET = 'msw_key_secret_0123456789';
const WEBHOOK_SECRET = 'msw_webhook_secret_0123456789';

interface FakeOrder {
  id: string;
  amount: number;
  currency: string;
  receipt: string;
  notes: Record<string, string>;
  payments: ReturnType<typeof paymentEntity>[];
}
const orders = new Map<string, FakeOrder>();
let seq = 0;
const nextId = (prefix: string) => `${prefix}_${String(++seq).padStart(14, 'X')}`;

const authorised = (request: Request) => request.headers.get('authorization') === `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`;
const razorpayError = (status: number, description: string) =>
  HttpResponse.json({ error: { code: 'BAD_REQUEST_ERROR', description, source: 'NA', step: 'NA', reason: 'NA' } }, { status });

const razorpay = setupServer(
  http.post('https://api.razorpay.com/v1/orders', async ({ request }) => {
    if (!authorised(request)) return razorpayError(401, 'The api key provided is invalid');
    const body = (await request.json()) as Omit<FakeOrder, 'id' | 'payments'>;
    if (!Number.isInteger(body.amount) || body.amount < 100 || !body.receipt || body.receipt.length > 40) return razorpayError(400, 'invalid order');
    const order: FakeOrder = { ...body, id: nextId('order'), payments: [] };
    orders.set(order.id, order);
    return HttpResponse.json({
      id: order.id,
      entity: 'order',
      amount: order.amount,
      amount_paid: 0,
      amount_due: order.amount,
      currency: order.currency,
      receipt: order.receipt,
      status: 'created',
      attempts: 0,
      notes: order.notes,
      created_at: Math.floor(Date.now() / 1000),
    });
  }),
  http.get('https://api.razorpay.com/v1/orders/:orderId/payments', ({ request, params }) => {
    if (!authorised(request)) return razorpayError(401, 'The api key provided is invalid');
    const order = orders.get(String(params.orderId));
    if (!order) return razorpayError(400, 'The id provided does not exist');
    return HttpResponse.json({ entity: 'collection', count: order.payments.length, items: order.payments });
  }),
);

let app: TestApp;
const clock = new TestClock();
beforeAll(async () => {
  razorpay.listen({ onUnhandledFrame: 'bypass' }); // our own in-process BFF passes through
  clock.follow(new Date());
  app = await startApp({
    clock,
    poolMax: 20,
    env: { RAZORPAY_KEY_ID: KEY_ID, RAZORPAY_KEY_SECRET: KEY_SECRET, RAZORPAY_WEBHOOK_SECRET: WEBHOOK_SECRET, BILLING_RECONCILE_AFTER_SECONDS: '120' },
  });
});
afterEach(() => razorpay.resetHandlers());
afterAll(async () => {
  await app.close();
  razorpay.close();
});

/** A payment captured at (fake) Razorpay for an order. */
function capture(orderId: string, orgId: string) {
  const order = orders.get(orderId)!;
  const payment = paymentEntity({ id: nextId('pay'), orderId, amount: order.amount, status: 'captured', orgId });
  order.payments.push(payment);
  return payment;
}
const checkoutSignature = (orderId: string, paymentId: string) => createHmac('sha256', KEY_SECRET).update(`${orderId}|${paymentId}`).digest('hex');

describe('Razorpay gateway (SDK against a faked API)', () => {
  it('creates the order with the catalog amount, USD, receipt and notes, and returns only the key id', async () => {
    const org = await createOrg(app);
    const res = await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'ultimate' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ mode: 'live', keyId: KEY_ID, amount: 59_000, currency: 'USD' });
    expect(res.text).not.toContain(KEY_SECRET);
    expect(res.text).not.toContain(WEBHOOK_SECRET);
    expect(orders.get(res.body.orderId)).toMatchObject({
      amount: 59_000,
      currency: 'USD',
      receipt: res.body.purchaseId,
      notes: { org_id: org.orgId, purchase_id: res.body.purchaseId, bundle_id: 'ultimate', kind: 'bundle' },
    });
    expect((await purchaseRow(app, org.orgId, res.body.purchaseId)).gateway).toBe('razorpay');
    expect((await org.owner.call(billingContract.sandboxPay, { body: { purchaseId: res.body.purchaseId, outcome: 'success' } })).status).toBe(404);
  });

  it.each([
    ['a 5xx', () => razorpayError(503, 'Service unavailable')],
    ['a network error', () => HttpResponse.error()],
    ['a 4xx (bad keys)', () => razorpayError(401, 'The api key provided is invalid')],
  ])('Razorpay down (%s) during order creation: 502 GATEWAY_UNAVAILABLE and no purchase row', async (_name, reply) => {
    const org = await createOrg(app);
    razorpay.use(http.post('https://api.razorpay.com/v1/orders', reply));
    const res = await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } });
    expect(res.status).toBe(502);
    expect(res.body.error).toEqual({ code: 'GATEWAY_UNAVAILABLE', message: expect.stringContaining('No payment was taken') });
    expect(await app.db.selectFrom('purchases').select('id').where('org_id', '=', org.orgId).execute()).toEqual([]);
  });

  it('callback, webhooks and sweep fired concurrently 50 times each grant exactly once', async () => {
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'professional' } })).body;
    const payment = capture(p.orderId, org.orgId);
    const callback = { razorpay_order_id: p.orderId, razorpay_payment_id: payment.id, razorpay_signature: checkoutSignature(p.orderId, payment.id) };
    clock.advance(5 * 60_000); // old enough for the sweep

    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      calls.push(org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: p.purchaseId }, body: callback }).then((r) => expect(r.status).toBe(200)));
      const hook =
        i % 2 === 0
          ? signedWebhook(WEBHOOK_SECRET, 'payment.captured', { payment })
          : signedWebhook(WEBHOOK_SECRET, 'order.paid', { payment, order: { id: p.orderId, entity: 'order', amount: 5900, amount_paid: 5900, status: 'paid', notes: { org_id: org.orgId } } });
      calls.push(postWebhook(app, hook).then((r) => expect(r.status).toBe(200)));
      calls.push(app.services.billing.reconcile({ limit: 500 }));
    }
    await Promise.all(calls);

    expect(await purchaseGrants(app, org.orgId, p.purchaseId)).toEqual([expect.objectContaining({ source: 'purchase', amount_mc: 5_500_000n })]);
    expect(await purchaseRow(app, org.orgId, p.purchaseId)).toMatchObject({ status: 'granted', razorpay_payment_id: payment.id });
    expect((await org.owner.call(creditsContract.summary)).body.balanceMc).toBe(5_800_000);
    const grantEntries = await app.db.selectFrom('ledger_entries').select('amount_mc').where('org_id', '=', org.orgId).where('entry_type', '=', 'grant').execute();
    expect(grantEntries).toHaveLength(2); // the sign-up allowance and this purchase
    await expectLedgerConsistent(app.db, org.orgId, clock.now());
  });

  it('two BFF instances on one database: callback on one, webhooks and sweep on both, one grant', async () => {
    const second = await startApp({
      clock,
      poolMax: 10,
      env: { RAZORPAY_KEY_ID: KEY_ID, RAZORPAY_KEY_SECRET: KEY_SECRET, RAZORPAY_WEBHOOK_SECRET: WEBHOOK_SECRET, BILLING_RECONCILE_AFTER_SECONDS: '0' },
    });
    try {
      const org = await createOrg(app);
      const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'enterprise' } })).body;
      const payment = capture(p.orderId, org.orgId);
      const callback = { razorpay_order_id: p.orderId, razorpay_payment_id: payment.id, razorpay_signature: checkoutSignature(p.orderId, payment.id) };
      clock.advance(1000);
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        calls.push(org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: p.purchaseId }, body: callback }));
        calls.push(postWebhook(i % 2 ? app : second, signedWebhook(WEBHOOK_SECRET, 'payment.captured', { payment })));
        calls.push(second.services.billing.reconcile({ limit: 500 }), app.services.billing.reconcile({ limit: 500 }));
      }
      await Promise.all(calls);
      expect(await purchaseGrants(app, org.orgId, p.purchaseId)).toHaveLength(1);
      expect((await org.owner.call(creditsContract.summary)).body.balanceMc).toBe(28_300_000);
      await expectLedgerConsistent(app.db, org.orgId, clock.now());
    } finally {
      await second.close();
    }
  });

  it('a lost callback is granted by the sweep asking Razorpay (orders.fetchPayments)', async () => {
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    const other = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    capture(p.orderId, org.orgId);
    orders.get(other.orderId)!.payments.push(paymentEntity({ id: nextId('pay'), orderId: other.orderId, amount: 1180, status: 'failed', orgId: org.orgId, error: 'Payment was cancelled by the bank' }));

    await app.services.billing.reconcile({ limit: 500 });
    expect((await purchaseRow(app, org.orgId, p.purchaseId)).status).toBe('created'); // not yet: the callback may still come

    // Razorpay unreachable during a sweep: nothing changes, the next sweep retries.
    razorpay.use(http.get('https://api.razorpay.com/v1/orders/:orderId/payments', () => HttpResponse.error()));
    clock.advance(3 * 60_000);
    await app.services.billing.reconcile({ limit: 500 });
    expect((await purchaseRow(app, org.orgId, p.purchaseId)).status).toBe('created');
    razorpay.resetHandlers();

    await app.services.billing.reconcile({ limit: 500 });
    expect((await purchaseRow(app, org.orgId, p.purchaseId)).status).toBe('granted');
    expect(await purchaseRow(app, org.orgId, other.purchaseId)).toMatchObject({ status: 'failed', failure_reason: 'Payment was cancelled by the bank' });
    expect((await org.owner.call(creditsContract.summary)).body.balanceMc).toBe(1_300_000);
  });

  it('webhooks signed with the key secret instead of the webhook secret are refused', async () => {
    const org = await createOrg(app);
    const p = (await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } })).body;
    const payment = capture(p.orderId, org.orgId);
    const res = await postWebhook(app, signedWebhook(KEY_SECRET, 'payment.captured', { payment }));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('INVALID_SIGNATURE');
    expect(await purchaseGrants(app, org.orgId, p.purchaseId)).toHaveLength(0);
  });
});
