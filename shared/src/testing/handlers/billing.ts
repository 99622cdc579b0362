import { http, HttpResponse, type HttpHandler } from 'msw';
import { findBundle, SELLER } from '../../catalog';
import { billingContract, type AutoTopUpState, type BillingProfile, type CheckoutOptions, type Purchase } from '../../contracts/billing';
import { formatUsd } from '../../format';
import { DEMO_SELLER, GST_STATES } from '../../tax';
import { textPdf } from '../pdf';
import { apiError, bodyOf, json, requireSession, url, validationFailed } from '../http';
import { audit } from './org';
import { completePurchase, taxedAmounts } from '../store/operations';
import { sessionOf } from '../store/projections';
import { nextId, nowIso, type MockStore } from '../store/state';

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

function checkout(store: MockStore, purchase: Purchase, description: string): CheckoutOptions {
  const me = sessionOf(store).user;
  return {
    purchaseId: purchase.id,
    mode: 'sandbox',
    keyId: 'rzp_test_sandbox',
    orderId: purchase.razorpayOrderId!,
    amount: purchase.amountCents,
    currency: 'USD',
    name: SELLER.name,
    description,
    prefill: { name: me.name, email: me.email },
    notes: { org_id: store.org.id, purchase_id: purchase.id },
    customerId: store.autoTopUp.saveCard.has(purchase.id) ? MOCK_CUSTOMER_ID : null,
    saveCard: store.autoTopUp.saveCard.has(purchase.id),
    tax: store.taxes.get(purchase.id) ?? { treatment: null, netCents: purchase.netCents, lines: [], taxCents: 0, totalCents: purchase.amountCents, rateBp: 0, note: null },
  };
}

const MOCK_CUSTOMER_ID = 'cust_MockCustomer01';

/** GET /api/billing/auto-topup as the BFF answers it. */
function autoTopUpState(store: MockStore): AutoTopUpState {
  const start = store.period.start.toISOString();
  const used = store.autoTopUp.topUps.filter((t) => t.status !== 'failed' && t.createdAt >= start);
  return {
    settings: store.autoTopUp.settings,
    paymentMethod: store.autoTopUp.paymentMethod,
    usedThisPeriod: { count: used.length, amountCents: used.reduce((sum, t) => sum + t.amountCents, 0) },
    topUps: store.autoTopUp.topUps.slice(0, 20),
  };
}

function newPurchase(store: MockStore, input: Pick<Purchase, 'kind' | 'bundleId' | 'bundleName' | 'invoiceId' | 'credits'> & { netCents: number }): Purchase {
  const id = crypto.randomUUID();
  return {
    ...input,
    ...taxedAmounts(store, id, input.netCents),
    taxInvoiceNumber: null,
    id,
    currency: 'USD',
    status: 'created',
    source: 'checkout',
    refundedCents: 0,
    razorpayOrderId: razorpayId('order'),
    razorpayPaymentId: null,
    failureReason: null,
    createdAt: nowIso(store),
    paidAt: null,
    grantedAt: null,
  };
}

/** Purchases, overage invoices, the sandbox gateway, history and receipts, over the store. */
export function billingHandlers(store: MockStore): HttpHandler[] {
  const find = (id: string) => store.purchases.find((p) => p.id === id);
  const add = (purchase: Purchase) => {
    store.purchases.unshift(purchase);
    return purchase;
  };

  return [
    http.post(url(billingContract.createPurchase), async ({ request }) => {
      const denied = requireSession(store, request, billingContract.createPurchase);
      if (denied) return denied;
      const parsed = billingContract.createPurchase.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const bundle = findBundle(parsed.data.bundleId)!;
      const purchase = add(newPurchase(store, { kind: 'bundle', bundleId: bundle.id, bundleName: bundle.name, invoiceId: null, netCents: bundle.priceCents, credits: bundle.credits }));
      if (parsed.data.saveCard) store.autoTopUp.saveCard.add(purchase.id);
      return HttpResponse.json(checkout(store, purchase, `${bundle.name}: ${bundle.credits.toLocaleString('en-US')} credits`), { status: 201 });
    }),

    http.post(url(billingContract.payInvoice), ({ request, params }) => {
      const denied = requireSession(store, request, billingContract.payInvoice);
      if (denied) return denied;
      const invoice = store.invoices.find((i) => i.id === params.invoiceId);
      if (!invoice) return apiError(404, 'NOT_FOUND', 'Invoice not found');
      if (invoice.status === 'paid') return apiError(409, 'CONFLICT', 'This invoice is already paid');
      const existing = store.purchases.find((p) => p.invoiceId === invoice.id && p.status !== 'failed');
      const purchase = existing ?? add(newPurchase(store, { kind: 'invoice', bundleId: null, bundleName: null, invoiceId: invoice.id, netCents: invoice.amountCents, credits: 0 }));
      invoice.purchaseId = purchase.id;
      invoice.razorpayOrderId = purchase.razorpayOrderId;
      return HttpResponse.json(checkout(store, purchase, `Overage invoice ${invoice.periodStart.slice(0, 10)} to ${invoice.periodEnd.slice(0, 10)}`), { status: 201 });
    }),

    http.post(url(billingContract.sandboxPay), async ({ request }) => {
      const denied = requireSession(store, request, billingContract.sandboxPay);
      if (denied) return denied;
      const parsed = billingContract.sandboxPay.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const purchase = find(parsed.data.purchaseId);
      if (!purchase) return apiError(404, 'NOT_FOUND', 'Purchase not found');
      const paymentId = razorpayId('pay');
      const orderId = purchase.razorpayOrderId!;
      if (parsed.data.outcome === 'failure' || store.payments === 'decline') {
        Object.assign(purchase, { status: 'failed', razorpayPaymentId: paymentId, failureReason: SANDBOX_FAILURE_MESSAGE });
        return apiError(402, 'PAYMENT_FAILED', SANDBOX_FAILURE_MESSAGE);
      }
      purchase.status = 'attempted';
      if (store.autoTopUp.saveCard.has(purchase.id) && parsed.data.method === 'card') {
        const declines = parsed.data.card === 'declines_off_session';
        store.autoTopUp.paymentMethod = { id: nextId(), brand: 'Visa', last4: declines ? '0002' : '1111', expMonth: 12, expYear: store.clock().getUTCFullYear() + 3, createdAt: nowIso(store) };
        store.autoTopUp.cardDeclines = declines;
      }
      const signature = fakeSignature(orderId, paymentId);
      store.signatures.set(purchase.id, signature);
      return HttpResponse.json({ razorpay_order_id: orderId, razorpay_payment_id: paymentId, razorpay_signature: signature });
    }),

    http.post(url(billingContract.verifyPurchase), async ({ request, params }) => {
      const denied = requireSession(store, request, billingContract.verifyPurchase);
      if (denied) return denied;
      const purchase = find(String(params.purchaseId));
      if (!purchase) return apiError(404, 'NOT_FOUND', 'Purchase not found');
      const parsed = billingContract.verifyPurchase.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const { razorpay_order_id, razorpay_payment_id, razorpay_signature } = parsed.data;
      if (razorpay_order_id !== purchase.razorpayOrderId || razorpay_signature !== fakeSignature(razorpay_order_id, razorpay_payment_id)) {
        return apiError(400, 'INVALID_SIGNATURE', 'The payment could not be verified. No credits were added.');
      }
      // Verifying twice is harmless, as on the BFF: the credits are added once.
      const done = purchase.status === 'granted' || purchase.status === 'paid';
      return HttpResponse.json({ purchase: done ? purchase : completePurchase(store, purchase.id, razorpay_payment_id) });
    }),

    http.get(url(billingContract.history), ({ request }) => {
      const denied = requireSession(store, request, billingContract.history);
      if (denied) return denied;
      const purchases = store.purchases.filter((p) => p.status !== 'created').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return HttpResponse.json({ mode: 'sandbox', purchases, invoices: store.invoices });
    }),

    http.get(url(billingContract.profile), ({ request }) => {
      const denied = requireSession(store, request, billingContract.profile);
      if (denied) return denied;
      return json(billingContract.profile, { profile: store.billingProfile, seller: { ...DEMO_SELLER } });
    }),

    http.put(url(billingContract.setProfile), async ({ request }) => {
      const denied = requireSession(store, request, billingContract.setProfile);
      if (denied) return denied;
      const parsed = billingContract.setProfile.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const p = parsed.data;
      const profile: BillingProfile = {
        ...p,
        addressLine2: p.addressLine2 || null,
        state: p.state || null,
        taxId: p.taxId || null,
        invoiceEmail: p.invoiceEmail.toLowerCase(),
        updatedAt: nowIso(store),
      };
      const strip = (x: BillingProfile | null) => (x ? (({ updatedAt: _u, ...rest }) => rest)(x) : null);
      audit(store, 'billing_profile.changed', strip(store.billingProfile), strip(profile));
      store.billingProfile = profile;
      return json(billingContract.setProfile, { profile, seller: { ...DEMO_SELLER } });
    }),

    http.get(url(billingContract.autoTopUp), ({ request }) => {
      const denied = requireSession(store, request, billingContract.autoTopUp);
      if (denied) return denied;
      return json(billingContract.autoTopUp, autoTopUpState(store));
    }),

    http.put(url(billingContract.setAutoTopUp), async ({ request }) => {
      const denied = requireSession(store, request, billingContract.setAutoTopUp);
      if (denied) return denied;
      const parsed = billingContract.setAutoTopUp.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const input = parsed.data;
      const bundle = findBundle(input.bundleId)!;
      if (input.capKind === 'amount' && input.capValue < bundle.priceCents) {
        return apiError(400, 'VALIDATION_FAILED', `capValue: the monthly amount cap is below one ${bundle.name} bundle (${bundle.priceCents} cents)`);
      }
      if (input.enabled && !store.autoTopUp.paymentMethod) return apiError(409, 'CONFLICT', 'Save a card first: buy a bundle with "Save this card for auto top-up"');
      const before = store.autoTopUp.settings;
      const settings = { ...input, pausedAt: null, pausedReason: null, updatedAt: nowIso(store) };
      const strip = (x: AutoTopUpState['settings']) => (x ? (({ updatedAt: _u, pausedAt: _p, ...rest }) => rest)(x) : null);
      audit(store, 'auto_topup.changed', strip(before), strip(settings));
      store.autoTopUp.settings = settings;
      return json(billingContract.setAutoTopUp, autoTopUpState(store));
    }),

    http.delete(url(billingContract.removePaymentMethod), ({ request }) => {
      const denied = requireSession(store, request, billingContract.removePaymentMethod);
      if (denied) return denied;
      if (store.autoTopUp.paymentMethod) {
        store.autoTopUp.paymentMethod = null;
        const before = store.autoTopUp.settings;
        if (before?.enabled) {
          store.autoTopUp.settings = { ...before, enabled: false, updatedAt: nowIso(store) };
          audit(store, 'auto_topup.changed', before, { ...before, enabled: false, cardRemoved: true });
        }
      }
      return json(billingContract.removePaymentMethod, autoTopUpState(store));
    }),

    http.get(url(billingContract.taxInvoice), ({ request, params }) => {
      const denied = requireSession(store, request, billingContract.taxInvoice);
      if (denied) return denied;
      const purchase = find(String(params.purchaseId));
      if (!purchase) return apiError(404, 'NOT_FOUND', 'Purchase not found');
      if (purchase.status !== 'paid' && purchase.status !== 'granted') return apiError(409, 'CONFLICT', 'A tax invoice is issued once the payment is complete');
      const tax = store.taxes.get(purchase.id);
      if (!tax || !purchase.taxInvoiceNumber) return apiError(404, 'NOT_FOUND', 'This purchase was paid before tax invoices were issued; its receipt is its record');
      const buyer = store.billingProfile;
      const pdf = textPdf('Tax Invoice', [
        'Test mode (sandbox): no real money was charged.',
        `Invoice number: ${purchase.taxInvoiceNumber}`,
        `Invoice date: ${(purchase.paidAt ?? purchase.createdAt).slice(0, 10)}`,
        `Seller: ${DEMO_SELLER.legalName}, GSTIN: ${DEMO_SELLER.gstin}`,
        `Billed to: ${buyer ? `${buyer.legalName}, ${buyer.country === 'IN' ? `${GST_STATES[buyer.state ?? ''] ?? ''}, GSTIN: ${buyer.taxId ?? 'unregistered'}` : buyer.country}` : store.org.name}`,
        `${purchase.bundleName ? `${purchase.bundleName} bundle: ${purchase.credits.toLocaleString('en-US')} AI credits` : 'Overage'}  SAC ${DEMO_SELLER.sac}  ${formatUsd(tax.netCents)} USD`,
        ...tax.lines.map((l) => `${l.name} ${l.rateBp / 100}%: ${formatUsd(l.cents)} USD`),
        `Total: ${formatUsd(tax.totalCents)} USD`,
        ...(tax.note ? [tax.note] : []),
      ]);
      return new HttpResponse(pdf, { headers: { 'content-type': 'application/pdf' } });
    }),

    http.get(url(billingContract.receipt), ({ request, params }) => {
      const denied = requireSession(store, request, billingContract.receipt);
      if (denied) return denied;
      const purchase = find(String(params.purchaseId));
      if (!purchase) return apiError(404, 'NOT_FOUND', 'Purchase not found');
      if (purchase.status !== 'paid' && purchase.status !== 'granted') return apiError(409, 'CONFLICT', 'A receipt is available once the payment is complete');
      return HttpResponse.html(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Receipt ${purchase.id}</title></head><body><h1>${SELLER.name} AI Credits: payment receipt</h1><p>Test mode (sandbox): no real money was charged.</p><p>${purchase.bundleName ?? 'Overage invoice'}: $${(purchase.amountCents / 100).toFixed(2)} USD</p><p>${purchase.razorpayOrderId} / ${purchase.razorpayPaymentId}</p></body></html>`,
      );
    }),
  ];
}
