import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingContract } from '@ai-credits/shared/contracts/billing';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { TestClock } from '../src/lib/clock';
import { paymentEntity, postWebhook, sandboxSecrets, signedWebhook } from './support/billing-helpers';
import { createOrg, startApp, type TestApp } from './support/harness';

// Issue 20, "Smaller": purchases, grants, refunds and invoice payments were only in billing
// history, not in the audit log. Each test failed on the code before the fix.

let app: TestApp;
const clock = new TestClock();
beforeAll(async () => {
  app = await startApp({ clock, env: { SESSION_TTL_HOURS: '2160' } });
});
afterAll(() => app.close());

type Org = Awaited<ReturnType<typeof createOrg>>;
const entries = async (org: Org, action: string) => (await org.owner.call(orgContract.auditLog, { query: { action } })).data.entries;

describe('money in the audit log', () => {
  it('a paid bundle is an audit entry (who bought, credits granted, amount), once however many callbacks; a refund is one too', async () => {
    clock.follow(new Date());
    const org = await createOrg(app);
    const order = await org.owner.call(billingContract.createPurchase, { body: { bundleId: 'starter' } });
    const paid = await org.owner.call(billingContract.sandboxPay, { body: { purchaseId: order.data.purchaseId, outcome: 'success' } });
    for (let i = 0; i < 2; i++) {
      expect((await org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: order.data.purchaseId }, body: paid.body })).status).toBe(200);
    }
    const bought = await entries(org, 'purchase.paid');
    expect(bought).toHaveLength(1);
    expect(bought[0]).toMatchObject({
      actor: { id: org.session.user.id },
      to: { purchaseId: order.data.purchaseId, kind: 'bundle', bundleId: 'starter', credits: 1000, amountCents: 1180, currency: 'USD' },
    });
    // the admin reads the log too (owner or admin)
    expect((await org.admin.call(orgContract.auditLog, { query: { action: 'purchase.paid' } })).data.entries).toHaveLength(1);

    const { webhookSecret } = await sandboxSecrets(app);
    const paymentId = paid.body.razorpay_payment_id as string;
    const refund = signedWebhook(webhookSecret, 'refund.processed', {
      payment: paymentEntity({ id: paymentId, orderId: order.data.orderId, amount: 1180, status: 'refunded', orgId: org.orgId, amountRefunded: 400 }),
      refund: { id: 'rfnd_AUDITAUDIT0001', entity: 'refund', amount: 400, payment_id: paymentId },
    });
    expect((await postWebhook(app, refund)).status).toBe(200);
    expect((await postWebhook(app, refund)).status).toBe(200);
    const refunds = await entries(org, 'purchase.refunded');
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ actor: null, from: { refundedCents: 0 }, to: { purchaseId: order.data.purchaseId, refundedCents: 400 } });
  });

  it('a paid overage invoice is an audit entry', async () => {
    clock.set('2026-03-10T09:00:00Z');
    const org = await createOrg(app);
    expect((await org.owner.call(creditsContract.setOverageLimit, { body: { limitCredits: 100 } })).status).toBe(200);
    const ctx = { orgId: org.orgId, userId: null, projectId: null, apiKeyId: null, source: 'app' as const };
    for (let i = 0; i < 4; i++) await app.services.ledger.record({ ...ctx, useCase: 'chat', model: 'demo-model', inputTokens: 200_000, outputTokens: 0 });
    clock.set('2026-04-10T09:00:00Z'); // the next billing month: the first read closes March with an invoice
    expect((await org.owner.call(creditsContract.summary)).status).toBe(200);
    const invoiceId = (await org.owner.call(billingContract.history)).data.invoices[0]!.id;
    const checkout = await org.owner.call(billingContract.payInvoice, { params: { invoiceId } });
    const paid = await org.owner.call(billingContract.sandboxPay, { body: { purchaseId: checkout.data.purchaseId, outcome: 'success' } });
    expect((await org.owner.call(billingContract.verifyPurchase, { params: { purchaseId: checkout.data.purchaseId }, body: paid.body })).status).toBe(200);
    expect(await entries(org, 'overage.invoiced')).toMatchObject([{ actor: null, to: { invoiceId, overageMc: 100_000, credits: 100, amountCents: 4_000 } }]);
    const paidInvoices = await entries(org, 'invoice.paid');
    expect(paidInvoices).toHaveLength(1);
    expect(paidInvoices[0]).toMatchObject({ actor: { id: org.session.user.id }, to: { invoiceId, purchaseId: checkout.data.purchaseId, amountCents: 4_720, currency: 'USD' } });
  });

  it('the monthly grant and the expiry of unused credits are audit entries', async () => {
    clock.set('2026-05-10T09:00:00Z');
    const org = await createOrg(app);
    expect((await entries(org, 'credits.granted')).map((e) => e.to)).toEqual([expect.objectContaining({ source: 'monthly_allowance', amountMc: 300_000, periodStart: '2026-05-10T00:00:00.000Z' })]);
    clock.set('2026-06-11T09:00:00Z');
    expect((await org.owner.call(creditsContract.summary)).status).toBe(200);
    expect((await entries(org, 'credits.expired')).map((e) => e.to)).toEqual([expect.objectContaining({ amountMc: 300_000, periodEnd: '2026-06-10T00:00:00.000Z' })]);
    expect(await entries(org, 'credits.granted')).toHaveLength(2);
  });
});
