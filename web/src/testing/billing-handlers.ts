import { http, HttpResponse, type HttpHandler } from 'msw';
import type { Endpoint } from '@ai-credits/shared/api';
import { findBundle } from '@ai-credits/shared/catalog';
import { billingContract, type CheckoutOptions, type Invoice, type Purchase } from '@ai-credits/shared/contracts/billing';
import type { ErrorCode } from '@ai-credits/shared/errors';

/**
 * The billing API over in-memory fixtures, behaving like the BFF with the sandbox gateway:
 * server-priced orders, the test-mode "pay" endpoint, signature checks on verify, history and
 * receipts. Role checks are the BFF's (tests of the BFF cover them); these answer as the owner.
 */
const url = (e: Endpoint) => `*${e.path}`;
const apiError = (status: number, code: ErrorCode, message: string) => HttpResponse.json({ error: { code, message } }, { status });

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
let counter = 0;
/** Deterministic Razorpay-shaped ids: `order_` / `pay_` + 14 alphanumerics. */
function razorpayId(prefix: 'order' | 'pay'): string {
  counter += 1;
  let n = counter * 7919;
  let id = '';
  for (let i = 0; i < 14; i++) {
    id += ALNUM[n % ALNUM.length];
    n = Math.floor(n / ALNUM.length) + i * 31;
  }
  return `${prefix}_${id}`;
}
const fakeSignature = (orderId: string, paymentId: string) => `${orderId}|${paymentId}`.split('').map((c) => c.charCodeAt(0).toString(16)).join('').padEnd(64, '0').slice(0, 64);

export const SANDBOX_FAILURE_MESSAGE = 'Your bank declined this payment (sandbox test failure).';

const PREFILL = { name: 'Olivia Owner', email: 'owner@acme.test' };

const fixturePurchases: Purchase[] = [
  {
    id: '6d2f9a44-1c1e-4d33-9b59-1f0c2a7e5b01',
    kind: 'bundle',
    bundleId: 'professional',
    bundleName: 'Professional',
    invoiceId: null,
    amountCents: 5_000,
    currency: 'USD',
    credits: 5_500,
    status: 'granted',
    refundedCents: 0,
    razorpayOrderId: 'order_Nq3kX8vB2mLp7Q',
    razorpayPaymentId: 'pay_Nq3kYc81ZtR4aW',
    failureReason: null,
    createdAt: '2026-11-16T09:12:00.000Z',
    paidAt: '2026-11-16T09:13:05.000Z',
    grantedAt: '2026-11-16T09:13:05.000Z',
  },
  {
    id: '6d2f9a44-1c1e-4d33-9b59-1f0c2a7e5b02',
    kind: 'bundle',
    bundleId: 'starter',
    bundleName: 'Starter',
    invoiceId: null,
    amountCents: 1_000,
    currency: 'USD',
    credits: 1_000,
    status: 'failed',
    refundedCents: 0,
    razorpayOrderId: 'order_Nq1aB4cD5eF6gH',
    razorpayPaymentId: 'pay_Nq1aC7dE8fG9hJ',
    failureReason: 'Payment was declined by the bank.',
    createdAt: '2026-11-15T18:40:00.000Z',
    paidAt: null,
    grantedAt: null,
  },
  {
    id: '6d2f9a44-1c1e-4d33-9b59-1f0c2a7e5b03',
    kind: 'invoice',
    bundleId: null,
    bundleName: null,
    invoiceId: '0b7c1e9e-5a3d-4f6b-8c2a-9e4d7f1a2b01',
    amountCents: 2_000,
    currency: 'USD',
    credits: 0,
    status: 'paid',
    refundedCents: 0,
    razorpayOrderId: 'order_Mz9yX8wV7uT6sR',
    razorpayPaymentId: 'pay_Mz9yZ1aB2cD3eF',
    failureReason: null,
    createdAt: '2026-10-16T10:00:00.000Z',
    paidAt: '2026-10-16T10:01:30.000Z',
    grantedAt: null,
  },
];

const fixtureInvoices: Invoice[] = [
  {
    id: '0b7c1e9e-5a3d-4f6b-8c2a-9e4d7f1a2b02',
    periodStart: '2026-10-15T00:00:00.000Z',
    periodEnd: '2026-11-15T00:00:00.000Z',
    overageMc: 120_000,
    credits: 120,
    amountCents: 4_800,
    status: 'open',
    createdAt: '2026-11-15T00:00:00.000Z',
    paidAt: null,
    purchaseId: null,
    razorpayOrderId: null,
    razorpayPaymentId: null,
  },
  {
    id: '0b7c1e9e-5a3d-4f6b-8c2a-9e4d7f1a2b01',
    periodStart: '2026-09-15T00:00:00.000Z',
    periodEnd: '2026-10-15T00:00:00.000Z',
    overageMc: 50_000,
    credits: 50,
    amountCents: 2_000,
    status: 'paid',
    createdAt: '2026-10-15T00:00:00.000Z',
    paidAt: '2026-10-16T10:01:30.000Z',
    purchaseId: '6d2f9a44-1c1e-4d33-9b59-1f0c2a7e5b03',
    razorpayOrderId: 'order_Mz9yX8wV7uT6sR',
    razorpayPaymentId: 'pay_Mz9yZ1aB2cD3eF',
  },
];


function checkout(purchase: Purchase, description: string): CheckoutOptions {
  return {
    purchaseId: purchase.id,
    mode: 'sandbox',
    keyId: 'rzp_test_sandbox',
    orderId: purchase.razorpayOrderId!,
    amount: purchase.amountCents,
    currency: 'USD',
    name: 'AI Credits',
    description,
    prefill: PREFILL,
    notes: { purchase_id: purchase.id },
  };
}

function newPurchase(input: Pick<Purchase, 'kind' | 'bundleId' | 'bundleName' | 'invoiceId' | 'amountCents' | 'credits'>): Purchase {
  return {
    ...input,
    id: crypto.randomUUID(),
    currency: 'USD',
    status: 'created',
    refundedCents: 0,
    razorpayOrderId: razorpayId('order'),
    razorpayPaymentId: null,
    failureReason: null,
    createdAt: new Date().toISOString(),
    paidAt: null,
    grantedAt: null,
  };
}

/**
 * Fresh handlers over fresh state: what was bought or paid lives in this closure only, so each
 * call (each test, or each `createHandlers`) starts from the fixtures.
 */
export function createBillingHandlers(): HttpHandler[] {
  const made = new Map<string, { purchase: Purchase; signature: string | null }>();
  const invoiceState = new Map<string, Invoice>();
  const invoiceOf = (id: string) => invoiceState.get(id) ?? fixtureInvoices.find((i) => i.id === id);

  return [
    http.post(url(billingContract.createPurchase), async ({ request }) => {
      const parsed = billingContract.createPurchase.body.safeParse(await request.json().catch(() => undefined));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'bundleId: invalid (unknown fields are refused)');
      const bundle = findBundle(parsed.data.bundleId)!;
      const purchase = newPurchase({ kind: 'bundle', bundleId: bundle.id, bundleName: bundle.name, invoiceId: null, amountCents: bundle.priceCents, credits: bundle.credits });
      made.set(purchase.id, { purchase, signature: null });
      return HttpResponse.json(checkout(purchase, `${bundle.name}: ${bundle.credits.toLocaleString('en-US')} credits`), { status: 201 });
    }),

    http.post(url(billingContract.payInvoice), ({ params }) => {
      const invoice = invoiceOf(String(params.invoiceId));
      if (!invoice) return apiError(404, 'NOT_FOUND', 'Invoice not found');
      if (invoice.status === 'paid') return apiError(409, 'CONFLICT', 'This invoice is already paid');
      const existing = [...made.values()].find((m) => m.purchase.invoiceId === invoice.id)?.purchase;
      const purchase = existing ?? newPurchase({ kind: 'invoice', bundleId: null, bundleName: null, invoiceId: invoice.id, amountCents: invoice.amountCents, credits: 0 });
      if (!existing) made.set(purchase.id, { purchase, signature: null });
      invoiceState.set(invoice.id, { ...invoice, purchaseId: purchase.id, razorpayOrderId: purchase.razorpayOrderId });
      return HttpResponse.json(checkout(purchase, `Overage invoice ${invoice.periodStart.slice(0, 10)} to ${invoice.periodEnd.slice(0, 10)}`), { status: 201 });
    }),

    http.post(url(billingContract.sandboxPay), async ({ request }) => {
      const parsed = billingContract.sandboxPay.body.safeParse(await request.json().catch(() => undefined));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'Invalid sandbox payment');
      const entry = made.get(parsed.data.purchaseId);
      if (!entry) return apiError(404, 'NOT_FOUND', 'Purchase not found');
      const paymentId = razorpayId('pay');
      const orderId = entry.purchase.razorpayOrderId!;
      if (parsed.data.outcome === 'failure') {
        entry.purchase = { ...entry.purchase, status: 'failed', razorpayPaymentId: paymentId, failureReason: SANDBOX_FAILURE_MESSAGE };
        return apiError(402, 'PAYMENT_FAILED', SANDBOX_FAILURE_MESSAGE);
      }
      entry.signature = fakeSignature(orderId, paymentId);
      return HttpResponse.json({ razorpay_order_id: orderId, razorpay_payment_id: paymentId, razorpay_signature: entry.signature });
    }),

    http.post(url(billingContract.verifyPurchase), async ({ request, params }) => {
      const entry = made.get(String(params.purchaseId));
      if (!entry) return apiError(404, 'NOT_FOUND', 'Purchase not found');
      const parsed = billingContract.verifyPurchase.body.safeParse(await request.json().catch(() => undefined));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'Invalid callback');
      const { razorpay_order_id, razorpay_payment_id, razorpay_signature } = parsed.data;
      if (razorpay_order_id !== entry.purchase.razorpayOrderId || razorpay_signature !== fakeSignature(razorpay_order_id, razorpay_payment_id)) {
        return apiError(400, 'INVALID_SIGNATURE', 'The payment could not be verified. No credits were added.');
      }
      const now = new Date().toISOString();
      const status = entry.purchase.kind === 'bundle' ? 'granted' : 'paid';
      entry.purchase = { ...entry.purchase, status, razorpayPaymentId: razorpay_payment_id, failureReason: null, paidAt: now, grantedAt: status === 'granted' ? now : null };
      if (entry.purchase.invoiceId) {
        const invoice = invoiceOf(entry.purchase.invoiceId)!;
        invoiceState.set(invoice.id, { ...invoice, status: 'paid', paidAt: now, purchaseId: entry.purchase.id, razorpayOrderId: razorpay_order_id, razorpayPaymentId: razorpay_payment_id });
      }
      return HttpResponse.json({ purchase: entry.purchase });
    }),

    http.get(url(billingContract.history), () => {
      const purchases = [...[...made.values()].map((m) => m.purchase).filter((p) => p.status !== 'created'), ...fixturePurchases].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      const invoices = fixtureInvoices.map((i) => invoiceState.get(i.id) ?? i);
      return HttpResponse.json({ mode: 'sandbox', purchases, invoices });
    }),

    http.get(url(billingContract.receipt), ({ params }) => {
      const purchase = made.get(String(params.purchaseId))?.purchase ?? fixturePurchases.find((p) => p.id === params.purchaseId);
      if (!purchase) return apiError(404, 'NOT_FOUND', 'Purchase not found');
      if (purchase.status !== 'paid' && purchase.status !== 'granted') return apiError(409, 'CONFLICT', 'A receipt is available once the payment is complete');
      return HttpResponse.html(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Receipt ${purchase.id}</title></head><body><h1>AI Credits: payment receipt</h1><p>Test mode (sandbox): no real money was charged.</p><p>${purchase.bundleName ?? 'Overage invoice'}: $${(purchase.amountCents / 100).toFixed(2)} USD</p><p>${purchase.razorpayOrderId} / ${purchase.razorpayPaymentId}</p></body></html>`,
      );
    }),
  ];
}

/** The billing handlers of the mock API (one shared state; use createBillingHandlers() for a fresh one). */
export const billingHandlers: HttpHandler[] = createBillingHandlers();
