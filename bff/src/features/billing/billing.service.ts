import { createHash, randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import { findBundle, MC_PER_CREDIT, OVERAGE_CENTS_PER_CREDIT, SELLER, type BundleId } from '@ai-credits/shared/catalog';
import type { BillingHistory, CheckoutCallback, CheckoutOptions, Invoice, Purchase, PurchaseStatus, Seller } from '@ai-credits/shared/contracts/billing';
import { formatUsd } from '@ai-credits/shared/format';
import { computeTax, EXPORT_NOTE, GST_RATE_BP, HALF_GST_RATE_BP, taxInvoiceNumber, type TaxBreakdown, type TaxLine } from '@ai-credits/shared/tax';
import type { Database } from '../../db/database';
import type { Db, Executor } from '../../db/db';
import type { SessionActor } from '../../http/endpoint';
import { HttpError, notFound } from '../../http/http-error';
import { toSafeNumber } from '../../lib/bigint';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { LedgerService } from '../ledger/ledger.service';
import * as directory from '../auth/directory.service';
import * as repo from './billing.repository';
import type { PaymentGateway, SavedCard } from './payment-gateway';
import { savedCardOf } from './razorpay-gateway';
import { topUpFailed, topUpSucceeded } from './auto-topup-outcome';
import { canMove, isSettled } from './purchase-state';
import { renderReceipt } from './receipt';
import { renderTaxInvoicePdf, type InvoiceBuyer } from './tax-invoice-pdf';
import { names, ownerOf, queueEmail, type EmailService } from '../email/email.service';
import { receiptEmail } from '../email/templates';
import { recordAudit } from '../audit/audit.service';

export interface BillingDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  ledger: Pick<LedgerService, 'grantInTransaction'>;
  gateway: PaymentGateway;
  /** The seller on every tax invoice (configuration, ADR 024). */
  seller: Seller;
  /** Receipts are queued in the granting transaction; kick() sends them once it has committed. */
  email: Pick<EmailService, 'kick'>;
  /** Purchases pending longer than this are reconciled with the gateway by the sweep. */
  reconcileAfterSeconds: number;
}

/** Checkout shows the product the buyer is in (TestKase), not the feature's name (issue 24). */
const CHECKOUT_NAME = SELLER.name;
const CURRENCY = 'USD';
const HISTORY_LIMIT = 200;

/** A payment as the callback, a webhook or the sweep reports it. */
interface PaymentReport {
  paymentId: string;
  /** Amount and currency when the report carries them (webhook, sweep); checked against the order. */
  amountCents?: number;
  currency?: string;
  source: 'callback' | 'webhook' | 'sweep';
  /** The card this payment saved (webhook, sweep), stored when the owner consented at checkout. */
  savedCard?: SavedCard | null;
}

// Webhook payloads: only the fields we use, everything else passes through untouched.
const Notes = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional();
const PaymentEntity = z.looseObject({
  id: z.string(),
  order_id: z.string().nullish(),
  amount: z.coerce.number().optional(),
  currency: z.string().optional(),
  status: z.string().optional(),
  amount_refunded: z.coerce.number().nullish(),
  error_description: z.string().nullish(),
  notes: Notes,
  token_id: z.string().nullish(),
  customer_id: z.string().nullish(),
  card: z.looseObject({ last4: z.string().nullish(), network: z.string().nullish(), expiry_month: z.union([z.number(), z.string()]).nullish(), expiry_year: z.union([z.number(), z.string()]).nullish() }).nullish(),
});
const WebhookSchema = z.looseObject({
  event: z.string(),
  payload: z.looseObject({
    payment: z.looseObject({ entity: PaymentEntity }).optional(),
    order: z.looseObject({ entity: z.looseObject({ id: z.string(), amount_paid: z.coerce.number().optional(), notes: Notes }) }).optional(),
    refund: z.looseObject({ entity: z.looseObject({ id: z.string(), amount: z.coerce.number().optional(), payment_id: z.string().optional() }) }).optional(),
  }),
});

const UUID = z.uuid();
function orgFromNotes(...notes: z.infer<typeof Notes>[]): string | null {
  for (const n of notes) {
    const value = n && !Array.isArray(n) ? n.org_id : undefined;
    if (UUID.safeParse(value).success) return value as string;
  }
  return null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toPurchaseDto(p: repo.PurchaseRow): Purchase {
  const bundle = p.bundle_id ? findBundle(p.bundle_id) : undefined;
  return {
    id: p.id,
    kind: p.kind,
    bundleId: (bundle?.id ?? null) as BundleId | null,
    bundleName: bundle?.name ?? null,
    invoiceId: p.invoice_id,
    amountCents: toSafeNumber(p.amount_cents),
    netCents: toSafeNumber(p.net_cents),
    taxCents: toSafeNumber(p.amount_cents - p.net_cents),
    taxInvoiceNumber: p.tax_invoice_number,
    currency: p.currency,
    credits: toSafeNumber(p.credits),
    status: p.status,
    source: p.source,
    refundedCents: toSafeNumber(p.refunded_cents),
    razorpayOrderId: p.razorpay_order_id,
    razorpayPaymentId: p.razorpay_payment_id,
    failureReason: p.failure_reason,
    createdAt: p.created_at.toISOString(),
    paidAt: iso(p.paid_at),
    grantedAt: iso(p.granted_at),
  };
}

/** The tax a purchase row charges, as the buy dialog and Checkout show it (ADR 031). */
export function taxOfPurchase(p: repo.PurchaseRow): Omit<TaxBreakdown, 'treatment'> & { treatment: TaxBreakdown['treatment'] | null } {
  const lines: TaxLine[] = [];
  if (p.tax_treatment === 'cgst_sgst') {
    lines.push({ name: 'CGST', rateBp: HALF_GST_RATE_BP, cents: toSafeNumber(p.cgst_cents) }, { name: 'SGST', rateBp: HALF_GST_RATE_BP, cents: toSafeNumber(p.sgst_cents) });
  } else if (p.tax_treatment === 'igst') lines.push({ name: 'IGST', rateBp: GST_RATE_BP, cents: toSafeNumber(p.igst_cents) });
  return {
    treatment: p.tax_treatment,
    netCents: toSafeNumber(p.net_cents),
    lines,
    taxCents: toSafeNumber(p.amount_cents - p.net_cents),
    totalCents: toSafeNumber(p.amount_cents),
    rateBp: p.tax_rate_bp,
    note: p.tax_treatment === 'export' ? EXPORT_NOTE : null,
  };
}

/**
 * The overage invoice of the billing period a rollover closes (docs/product.md "No rollover"):
 * billing's row, written in the ledger's transaction under the org lock (ledger/rollover.ts), so
 * the invoice, its ledger entry and the new period commit together. Once per org and period:
 * undefined when that period's invoice exists.
 */
export function openOverageInvoice(
  trx: Executor,
  inv: { orgId: string; periodStart: Date; periodEnd: Date; overageMc: bigint; credits: bigint; amountCents: bigint; at: Date },
): Promise<{ id: string } | undefined> {
  return repo.insertOverageInvoice(trx, {
    org_id: inv.orgId,
    period_start: inv.periodStart,
    period_end: inv.periodEnd,
    overage_mc: inv.overageMc,
    credits: inv.credits,
    amount_cents: inv.amountCents,
    created_at: inv.at,
  });
}

export function createBillingService(deps: BillingDeps) {
  const { db, clock, logger, ledger, gateway, email, seller } = deps;

  /** The buyer and the tax of a sale to this org now: the billing profile decides (shared/tax.ts). */
  async function taxFor(orgId: string, netCents: bigint): Promise<{ tax: TaxBreakdown; buyer: InvoiceBuyer | null }> {
    const profile = await repo.findBillingProfile(db, orgId);
    const buyer: InvoiceBuyer | null = profile
      ? { legalName: profile.legal_name, addressLine1: profile.address_line1, addressLine2: profile.address_line2, city: profile.city, postalCode: profile.postal_code, country: profile.country, state: profile.state, taxId: profile.tax_id }
      : null;
    return { tax: computeTax(toSafeNumber(netCents), seller, buyer ? { country: buyer.country, state: buyer.state } : null), buyer };
  }

  /** What the tax invoice's one line says. */
  async function invoiceDescription(trx: Transaction<Database>, p: repo.PurchaseRow): Promise<string> {
    if (p.kind === 'bundle') {
      const bundle = findBundle(p.bundle_id ?? '');
      const what = `${bundle?.name ?? 'Credit'} bundle: ${toSafeNumber(p.credits).toLocaleString('en-US')} AI credits (expire with the billing month)`;
      return p.source === 'auto_topup' ? `Auto top-up, ${what}` : what;
    }
    const invoice = p.invoice_id ? await repo.findInvoice(trx, p.org_id, p.invoice_id) : undefined;
    if (!invoice) return 'Overage';
    return `Overage for the billing month ${invoice.period_start.toISOString().slice(0, 10)} to ${invoice.period_end.toISOString().slice(0, 10)}: ${toSafeNumber(invoice.credits).toLocaleString('en-US')} credits at ${formatUsd(OVERAGE_CENTS_PER_CREDIT)} per credit`;
  }

  /**
   * The GST tax invoice of a payment just proven, in applyPaid's transaction (so once per
   * purchase). Its number is the seller's next: the sequence row stays locked until this
   * transaction commits (or rolls back and gives the number back): no gaps, no repeats.
   */
  async function issueTaxInvoice(trx: Transaction<Database>, p: repo.PurchaseRow, paymentId: string): Promise<string | null> {
    if (!p.tax_treatment || p.tax_invoice_number) return p.tax_invoice_number;
    const description = await invoiceDescription(trx, p);
    const seq = await repo.nextInvoiceNumber(trx, seller.gstin);
    const number = taxInvoiceNumber(seq);
    const via = gateway.mode === 'sandbox' ? 'Sandbox gateway (test mode)' : 'Razorpay';
    await repo.insertTaxInvoice(trx, {
      org_id: p.org_id,
      id: randomUUID(),
      purchase_id: p.id,
      seller_gstin: seller.gstin,
      seq,
      number,
      // read after the sequence row is ours, so numbers and dates rise together
      issued_at: clock.now(),
      seller: JSON.stringify(seller),
      buyer: p.buyer === null ? null : JSON.stringify(p.buyer),
      description,
      sac: seller.sac,
      currency: p.currency,
      net_cents: p.net_cents,
      tax_treatment: p.tax_treatment,
      tax_rate_bp: p.tax_rate_bp,
      cgst_cents: p.cgst_cents,
      sgst_cents: p.sgst_cents,
      igst_cents: p.igst_cents,
      total_cents: p.amount_cents,
      note: p.tax_treatment === 'export' ? EXPORT_NOTE : null,
      payment_reference: `${via}${p.source === 'auto_topup' ? ', saved card (auto top-up)' : ''}: payment ${paymentId}, order ${p.razorpay_order_id}`,
    });
    return number;
  }

  /** The tax invoice of a purchase as a PDF, rendered from the row frozen when it was issued (undefined: none was issued). */
  async function taxInvoicePdfOf(dbOrTrx: Executor, orgId: string, purchaseId: string): Promise<{ number: string; bytes: Buffer } | undefined> {
    const invoice = await repo.findTaxInvoice(dbOrTrx, orgId, purchaseId);
    if (!invoice) return undefined;
    const orgName = await directory.orgName(dbOrTrx, orgId);
    const bytes = await renderTaxInvoicePdf({
      number: invoice.number,
      issuedAt: invoice.issued_at,
      seller: invoice.seller as Seller,
      buyer: invoice.buyer as InvoiceBuyer | null,
      orgName: orgName ?? '',
      description: invoice.description,
      sac: invoice.sac,
      currency: invoice.currency,
      netCents: toSafeNumber(invoice.net_cents),
      treatment: invoice.tax_treatment,
      rateBp: invoice.tax_rate_bp,
      cgstCents: toSafeNumber(invoice.cgst_cents),
      sgstCents: toSafeNumber(invoice.sgst_cents),
      igstCents: toSafeNumber(invoice.igst_cents),
      totalCents: toSafeNumber(invoice.total_cents),
      note: invoice.note,
      paymentReference: invoice.payment_reference,
      testMode: gateway.mode === 'sandbox',
    });
    return { number: invoice.number, bytes };
  }

  /**
   * The receipt email, in the transaction that turns the payment into credits (or a paid
   * invoice): applyPaid gets there once per purchase, so one receipt however many callbacks,
   * webhooks and sweeps report the payment. To the person who bought, else the owner.
   */
  async function queueReceipt(trx: Transaction<Database>, p: repo.PurchaseRow) {
    const { orgName } = await names(trx, p.org_id, null);
    const to = (p.created_by ? (await directory.userContacts(trx, [p.created_by])).get(p.created_by) : undefined)?.email ?? (await ownerOf(trx, p.org_id))?.email;
    if (!to) return;
    const invoice = p.invoice_id ? await repo.findInvoice(trx, p.org_id, p.invoice_id) : undefined;
    const message = receiptEmail({ orgName, purchase: toPurchaseDto(p), invoicePeriod: invoice ? { start: invoice.period_start, end: invoice.period_end } : null, mode: gateway.mode });
    // The GST tax invoice travels with it as a PDF, stored with the outbox row (ADR 035).
    const pdf = p.tax_invoice_number ? await taxInvoicePdfOf(trx, p.org_id, p.id) : undefined;
    const attachments = pdf ? [{ filename: `tax-invoice-${pdf.number}.pdf`, contentType: 'application/pdf', content: pdf.bytes }] : [];
    await queueEmail(trx, { orgId: p.org_id, kind: 'receipt', to, ...message, attachments }, clock.now());
  }

  async function checkoutOptions(actor: SessionActor, p: repo.PurchaseRow, description: string): Promise<CheckoutOptions> {
    const user = actor.userId ? (await directory.userContacts(db, [actor.userId])).get(actor.userId) : undefined;
    return {
      purchaseId: p.id,
      mode: gateway.mode,
      keyId: gateway.keyId,
      orderId: p.razorpay_order_id,
      amount: toSafeNumber(p.amount_cents),
      currency: CURRENCY,
      name: CHECKOUT_NAME,
      description,
      prefill: { name: user?.name ?? '', email: user?.email ?? '' },
      tax: taxOfPurchase(p),
      // Copied onto the payment by Checkout, so payment webhooks name the org and purchase too.
      notes: { org_id: p.org_id, purchase_id: p.id },
      customerId: p.save_card ? await repo.findCustomer(db, p.org_id, gateway.name).then((c) => c?.customer_id ?? null) : null,
      saveCard: p.save_card,
    };
  }

  /**
   * Razorpay first, then our row: when Razorpay is down nothing is written (no purchase row in a
   * misleading state); an order whose row failed to insert is never shown to anyone, so it is never paid.
   */
  async function openOrder(
    actor: { orgId: string; userId: string | null },
    input: { kind: 'bundle' | 'invoice'; bundleId: string | null; invoiceId: string | null; credits: bigint; netCents: bigint; customerId?: string | null; source?: 'checkout' | 'auto_topup' },
  ) {
    const purchaseId = randomUUID();
    // The order is for the total with GST (PRODUCT.md: the price shown before payment includes the tax line).
    const { tax, buyer } = await taxFor(actor.orgId, input.netCents);
    const amountCents = BigInt(tax.totalCents);
    const line = (name: TaxLine['name']) => BigInt(tax.lines.find((l) => l.name === name)?.cents ?? 0);
    const notes: Record<string, string> = { org_id: actor.orgId, purchase_id: purchaseId, kind: input.kind };
    if (input.bundleId) notes.bundle_id = input.bundleId;
    if (input.invoiceId) notes.invoice_id = input.invoiceId;
    if (input.source === 'auto_topup') notes.source = 'auto_topup';
    // A checkout that saves the card names the customer; an auto top-up's own order does not (the token does).
    const saveCard = Boolean(input.customerId) && input.source !== 'auto_topup';
    const order = await gateway.createOrder({ amountCents: tax.totalCents, currency: CURRENCY, receipt: purchaseId, notes, ...(saveCard ? { customerId: input.customerId! } : {}) });
    if (order.amount !== tax.totalCents || order.currency !== CURRENCY) {
      logger.error({ orderId: order.id, amount: order.amount, currency: order.currency }, 'Razorpay order amount differs from the catalog');
      throw new HttpError(502, 'GATEWAY_UNAVAILABLE', 'The payment gateway returned an unexpected order. No payment was taken.');
    }
    const now = clock.now();
    return repo.insertPurchase(db, {
      org_id: actor.orgId,
      id: purchaseId,
      kind: input.kind,
      bundle_id: input.bundleId,
      invoice_id: input.invoiceId,
      credits: input.credits,
      amount_cents: amountCents,
      net_cents: input.netCents,
      tax_treatment: tax.treatment,
      tax_rate_bp: tax.rateBp,
      cgst_cents: line('CGST'),
      sgst_cents: line('SGST'),
      igst_cents: line('IGST'),
      buyer: buyer ? JSON.stringify(buyer) : null,
      currency: CURRENCY,
      status: 'created',
      gateway: gateway.name,
      razorpay_order_id: order.id,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
      source: input.source ?? 'checkout',
      save_card: saveCard,
    });
  }

  /**
   * The one place a payment turns into credits (or a paid invoice). Runs in the caller's
   * transaction with the purchase row locked, so callback, webhooks and sweep serialise here;
   * the ledger's unique index on (org_id, purchase_id) is the last line of "exactly once".
   */
  async function applyPaid(trx: Transaction<Database>, p: repo.PurchaseRow, report: PaymentReport): Promise<repo.PurchaseRow> {
    if (report.amountCents !== undefined && (report.amountCents !== Number(p.amount_cents) || (report.currency && report.currency !== p.currency))) {
      logger.error({ purchaseId: p.id, paymentId: report.paymentId, amount: report.amountCents, currency: report.currency }, 'payment amount does not match the purchase; not applied');
      return p;
    }
    if (p.status === 'granted' || (p.status === 'paid' && p.kind === 'invoice')) return p;
    const now = clock.now();
    const patch: Partial<Omit<repo.PurchaseRow, 'buyer'>> = { updated_at: now };
    let status: PurchaseStatus = p.status;
    if (canMove(status, 'paid')) {
      status = 'paid';
      Object.assign(patch, { status, razorpay_payment_id: report.paymentId, paid_at: now, failure_reason: null });
    }
    if (p.kind === 'bundle') {
      const bundle = findBundle(p.bundle_id ?? '');
      await ledger.grantInTransaction(trx, p.org_id, {
        source: 'purchase',
        amountMc: p.credits * BigInt(MC_PER_CREDIT),
        purchaseId: p.id,
        note: `${bundle?.name ?? 'Credit'} bundle, Razorpay ${p.razorpay_order_id}`,
      });
      Object.assign(patch, { status: 'granted', granted_at: now });
    } else if (p.invoice_id) {
      await repo.markInvoicePaid(trx, p.org_id, p.invoice_id, now);
    }
    const number = await issueTaxInvoice(trx, p, report.paymentId);
    if (number) patch.tax_invoice_number = number;
    await repo.updatePurchase(trx, p.org_id, p.id, patch);
    logger.info({ purchaseId: p.id, orgId: p.org_id, via: report.source, status: patch.status ?? p.status }, 'purchase paid');
    // Money moved: in the audit log with the billing history (issue 20), once (applyPaid runs once per purchase).
    const money = { purchaseId: p.id, amountCents: toSafeNumber(p.amount_cents), currency: p.currency, razorpayPaymentId: report.paymentId };
    if (p.kind === 'bundle') {
      await recordAudit(trx, { orgId: p.org_id, actorUserId: p.created_by, action: 'purchase.paid', from: null, to: { ...money, kind: 'bundle', bundleId: p.bundle_id, credits: toSafeNumber(p.credits) }, at: now });
    } else if (p.invoice_id) {
      await recordAudit(trx, { orgId: p.org_id, actorUserId: p.created_by, action: 'invoice.paid', from: null, to: { ...money, invoiceId: p.invoice_id }, at: now });
    }
    if (p.save_card && report.savedCard) await saveCard(trx, p, report.savedCard, now);
    if (p.source === 'auto_topup') await topUpSucceeded(trx, { orgId: p.org_id, purchaseId: p.id, at: now });
    const paid = { ...p, ...patch } as repo.PurchaseRow;
    await queueReceipt(trx, paid);
    return paid;
  }

  /** The card saved with the owner's consent (one per org: a new one replaces the old). */
  async function saveCard(trx: Transaction<Database>, p: repo.PurchaseRow, card: SavedCard, now: Date) {
    const current = await repo.activePaymentMethod(trx, p.org_id);
    if (current?.token_id === card.tokenId) return;
    await repo.replacePaymentMethod(trx, {
      org_id: p.org_id,
      id: randomUUID(),
      gateway: gateway.name,
      customer_id: card.customerId,
      token_id: card.tokenId,
      brand: card.brand,
      last4: card.last4,
      exp_month: card.expMonth,
      exp_year: card.expYear,
      purchase_id: p.id,
      created_at: now,
    });
    logger.info({ orgId: p.org_id, purchaseId: p.id }, 'card saved for auto top-up');
  }

  async function applyStatus(trx: Transaction<Database>, p: repo.PurchaseRow, to: 'attempted' | 'failed', paymentId: string, reason: string | null) {
    if (!canMove(p.status, to)) return p;
    const patch = { status: to, razorpay_payment_id: paymentId, failure_reason: to === 'failed' ? reason ?? 'Payment failed' : p.failure_reason, updated_at: clock.now() };
    await repo.updatePurchase(trx, p.org_id, p.id, patch);
    if (to === 'failed' && p.source === 'auto_topup') await topUpFailed(trx, { orgId: p.org_id, purchaseId: p.id, reason: patch.failure_reason ?? 'Payment failed', at: patch.updated_at, mode: gateway.mode });
    return { ...p, ...patch };
  }

  /** Refunds are recorded against the purchase; credits are not clawed back (ADR 005). */
  async function applyRefund(trx: Transaction<Database>, p: repo.PurchaseRow, refundedCents: number) {
    if (!(refundedCents > Number(p.refunded_cents))) return p;
    const patch = { refunded_cents: BigInt(Math.min(refundedCents, Number(p.amount_cents))), refunded_at: clock.now(), updated_at: clock.now() };
    await repo.updatePurchase(trx, p.org_id, p.id, patch);
    logger.info({ purchaseId: p.id, refundedCents }, 'purchase refunded');
    await recordAudit(trx, {
      orgId: p.org_id,
      actorUserId: null,
      action: 'purchase.refunded',
      from: { purchaseId: p.id, refundedCents: toSafeNumber(p.refunded_cents) },
      to: { purchaseId: p.id, refundedCents: toSafeNumber(patch.refunded_cents), amountCents: toSafeNumber(p.amount_cents), currency: p.currency },
      at: patch.refunded_at,
    });
    return { ...p, ...patch };
  }

  async function withLockedPurchase<T>(orgId: string, purchaseId: string, fn: (trx: Transaction<Database>, p: repo.PurchaseRow) => Promise<T>): Promise<T> {
    const result = await db.transaction().execute(async (trx) => {
      const p = await repo.lockPurchase(trx, orgId, purchaseId);
      if (!p) throw notFound('Purchase');
      return fn(trx, p);
    });
    email.kick(); // a receipt this transaction queued goes out now, not at the next sweep
    return result;
  }

  async function handleWebhook(rawBody: Buffer | undefined, signature: string | undefined, eventIdHeader: string | undefined): Promise<void> {
    if (!rawBody || !signature || !(await gateway.verifyWebhookSignature(rawBody, signature))) {
      logger.warn({ eventId: eventIdHeader, hasSignature: Boolean(signature), bytes: rawBody?.length ?? 0 }, 'Razorpay webhook rejected: bad signature');
      throw new HttpError(400, 'INVALID_SIGNATURE', 'Webhook signature verification failed');
    }
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new HttpError(400, 'VALIDATION_FAILED', 'Webhook body is not JSON');
    }
    const parsed = WebhookSchema.safeParse(json);
    if (!parsed.success) {
      logger.warn({ eventId: eventIdHeader }, 'Razorpay webhook ignored: unexpected payload');
      return;
    }
    const { event, payload } = parsed.data;
    const payment = payload.payment?.entity;
    const order = payload.order?.entity;
    const orderId = payment?.order_id ?? order?.id;
    const handled = ['payment.authorized', 'payment.captured', 'payment.failed', 'order.paid', 'refund.created', 'refund.processed', 'payment.refunded'];
    if (!handled.includes(event) || !orderId) {
      logger.info({ event, eventId: eventIdHeader }, 'Razorpay webhook ignored');
      return;
    }
    const orgHint = orgFromNotes(payment?.notes, order?.notes);
    const ref = (orgHint ? await repo.findPurchaseByOrder(db, orderId, orgHint) : undefined) ?? (await repo.findPurchaseByOrder(db, orderId, null));
    if (!ref) {
      logger.warn({ event, orderId, eventId: eventIdHeader }, 'Razorpay webhook for an unknown order ignored');
      return;
    }
    // Razorpay always sends x-razorpay-event-id; without it the exact bytes identify the delivery.
    const eventId = eventIdHeader?.slice(0, 200) || `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
    await withLockedPurchase(ref.org_id, ref.id, async (trx, p) => {
      const fresh = await repo.recordWebhookEvent(trx, { org_id: p.org_id, event_id: eventId, event_type: event, purchase_id: p.id, received_at: clock.now() });
      if (!fresh) {
        logger.info({ event, eventId, purchaseId: p.id }, 'Razorpay webhook replay ignored');
        return;
      }
      if (event === 'payment.captured' && payment) {
        await applyPaid(trx, p, { paymentId: payment.id, amountCents: payment.amount, currency: payment.currency, source: 'webhook', savedCard: savedCardOf(payment) });
      } else if (event === 'order.paid') {
        const paymentId = payment?.id ?? p.razorpay_payment_id ?? 'unknown';
        await applyPaid(trx, p, { paymentId, amountCents: order?.amount_paid ?? payment?.amount, currency: payment?.currency, source: 'webhook' });
      } else if (event === 'payment.authorized' && payment) {
        await applyStatus(trx, p, 'attempted', payment.id, null);
      } else if (event === 'payment.failed' && payment) {
        await applyStatus(trx, p, 'failed', payment.id, payment.error_description ?? null);
      } else if (event.startsWith('refund.') || event === 'payment.refunded') {
        const refunded = payment?.amount_refunded ?? payload.refund?.entity.amount;
        if (refunded !== undefined && refunded !== null) await applyRefund(trx, p, refunded);
      }
    });
  }

  /** The org's customer at the gateway, created on the first "save this card". */
  async function customerOf(actor: SessionActor): Promise<string> {
    const known = await repo.findCustomer(db, actor.orgId, gateway.name);
    if (known) return known.customer_id;
    const [users, orgName] = await Promise.all([directory.userContacts(db, [actor.userId]), directory.orgName(db, actor.orgId)]);
    const id = await gateway.createCustomer({ orgId: actor.orgId, name: orgName ?? 'Organization', email: users.get(actor.userId)?.email ?? '' });
    return repo.saveCustomer(db, { org_id: actor.orgId, gateway: gateway.name, customer_id: id, created_at: clock.now() });
  }

  return {
    gateway,
    handleWebhook,

    /** How many overage invoices the org has not paid, and their sum in cents (the credits summary). */
    unpaidOverageInvoices(orgId: string): Promise<{ count: bigint; cents: bigint }> {
      return repo.unpaidInvoiceTotals(db, orgId);
    },

    /**
     * Auto top-up (ADR 025): charge the saved card off-session for one decided top-up, outside
     * any lock. Its own order and purchase (source auto_topup); the outcome goes through the same
     * path as a Checkout payment (signature, applyPaid, grant once) and, in the sandbox, the same
     * webhook. A decline fails the top-up (pause, email) through applyStatus.
     */
    async chargeTopUp(topUp: { orgId: string; id: string; bundleId: string }, card: { customerId: string; tokenId: string }): Promise<'captured' | 'declined'> {
      const bundle = findBundle(topUp.bundleId);
      if (!bundle) throw new Error(`unknown bundle ${topUp.bundleId}`);
      const owner = await ownerOf(db, topUp.orgId);
      const p = await openOrder({ orgId: topUp.orgId, userId: null }, { kind: 'bundle', bundleId: bundle.id, invoiceId: null, credits: BigInt(bundle.credits), netCents: BigInt(bundle.priceCents), source: 'auto_topup' });
      if (!p) throw new Error('could not record the top-up purchase');
      await repo.linkTopUpPurchase(db, topUp.orgId, topUp.id, p.id, clock.now());
      const charge = await gateway.chargeSavedCard({
        orgId: p.org_id,
        purchaseId: p.id,
        orderId: p.razorpay_order_id,
        customerId: card.customerId,
        tokenId: card.tokenId,
        amountCents: toSafeNumber(p.amount_cents),
        currency: p.currency,
        email: owner?.email ?? '',
        description: `Auto top-up: ${bundle.name}, ${bundle.credits.toLocaleString('en-US')} credits`,
        notes: { org_id: p.org_id, purchase_id: p.id, source: 'auto_topup', auto_topup_id: topUp.id },
      });
      if (charge.webhook) await handleWebhook(charge.webhook.rawBody, charge.webhook.signature, charge.webhook.eventId);
      if (charge.outcome === 'captured' && charge.callback) {
        const { razorpay_payment_id: paymentId, razorpay_signature: signature } = charge.callback;
        if (await gateway.verifyCheckoutSignature(p.razorpay_order_id, paymentId, signature)) {
          await withLockedPurchase(p.org_id, p.id, (trx, locked) => applyPaid(trx, locked, { paymentId, source: 'callback' }));
        } else logger.error({ purchaseId: p.id }, 'auto top-up: the gateway answered with a bad signature; left to the webhook and the sweep');
        return 'captured';
      }
      await withLockedPurchase(p.org_id, p.id, (trx, locked) => applyStatus(trx, locked, 'failed', charge.paymentId ?? 'none', charge.errorDescription ?? 'The card was declined'));
      return 'declined';
    },

    /** Owner buys a bundle: the amount comes from the catalog, never from the client. */
    async createBundlePurchase(actor: SessionActor, bundleId: BundleId, options: { saveCard?: boolean } = {}): Promise<CheckoutOptions> {
      const bundle = findBundle(bundleId);
      if (!bundle) throw new HttpError(400, 'VALIDATION_FAILED', `Unknown bundle "${bundleId}"`);
      const customerId = options.saveCard ? await customerOf(actor) : null;
      const p = await openOrder(actor, { kind: 'bundle', bundleId: bundle.id, invoiceId: null, credits: BigInt(bundle.credits), netCents: BigInt(bundle.priceCents), customerId });
      if (!p) throw new HttpError(409, 'CONFLICT', 'Could not record the purchase; please try again');
      return checkoutOptions(actor, p, `${bundle.name}: ${bundle.credits.toLocaleString('en-US')} credits`);
    },

    /** Owner pays an open overage invoice; one order per invoice, reused until it is paid. */
    async payInvoice(actor: SessionActor, invoiceId: string): Promise<CheckoutOptions> {
      const invoice = await repo.findInvoice(db, actor.orgId, invoiceId);
      if (!invoice) throw notFound('Invoice');
      if (invoice.status === 'paid') throw new HttpError(409, 'CONFLICT', 'This invoice is already paid');
      const description = `Overage invoice ${invoice.period_start.toISOString().slice(0, 10)} to ${invoice.period_end.toISOString().slice(0, 10)}`;
      let p = await repo.findPurchaseForInvoice(db, actor.orgId, invoiceId);
      if (!p) p = (await openOrder(actor, { kind: 'invoice', bundleId: null, invoiceId, credits: 0n, netCents: invoice.amount_cents })) ?? (await repo.findPurchaseForInvoice(db, actor.orgId, invoiceId));
      if (!p) throw new HttpError(409, 'CONFLICT', 'Could not record the payment; please try again');
      if (isSettled(p.status)) throw new HttpError(409, 'CONFLICT', 'This invoice is already paid');
      return checkoutOptions(actor, p, description);
    },

    /**
     * Checkout's success callback. The signature is checked against the order id WE stored for
     * this purchase (never the one the client sends), in constant time.
     */
    async verifyCallback(actor: SessionActor, purchaseId: string, body: CheckoutCallback): Promise<{ purchase: Purchase }> {
      const stored = await repo.findPurchase(db, actor.orgId, purchaseId);
      if (!stored) throw notFound('Purchase');
      const valid =
        body.razorpay_order_id === stored.razorpay_order_id &&
        (await gateway.verifyCheckoutSignature(stored.razorpay_order_id, body.razorpay_payment_id, body.razorpay_signature));
      if (!valid) {
        logger.warn({ purchaseId, orgId: actor.orgId, paymentId: body.razorpay_payment_id }, 'Checkout callback rejected: bad signature');
        throw new HttpError(400, 'INVALID_SIGNATURE', 'The payment could not be verified. No credits were added.');
      }
      const p = await withLockedPurchase(actor.orgId, purchaseId, (trx, locked) =>
        applyPaid(trx, locked, { paymentId: body.razorpay_payment_id, source: 'callback' }),
      );
      return { purchase: toPurchaseDto(p) };
    },

    /** Sandbox only: the test-mode Checkout dialog pays (or fails) the order. */
    async sandboxPay(actor: SessionActor, input: { purchaseId: string; outcome: 'success' | 'failure'; method: string; card?: 'approves' | 'declines_off_session' }): Promise<CheckoutCallback> {
      if (!gateway.simulatePayment) throw notFound('Sandbox gateway');
      const p = await repo.findPurchase(db, actor.orgId, input.purchaseId);
      if (!p) throw notFound('Purchase');
      if (isSettled(p.status)) throw new HttpError(409, 'CONFLICT', 'This purchase is already paid');
      const result = await gateway.simulatePayment({
        orgId: p.org_id,
        purchaseId: p.id,
        orderId: p.razorpay_order_id,
        amountCents: toSafeNumber(p.amount_cents),
        currency: p.currency,
        method: input.method,
        outcome: input.outcome,
        saveForCustomer: p.save_card ? ((await repo.findCustomer(db, p.org_id, gateway.name))?.customer_id ?? null) : null,
        card: input.card ?? 'approves',
      });
      // Delivered to the same handler, through the same signature check, as Razorpay's webhooks.
      await handleWebhook(result.webhook.rawBody, result.webhook.signature, result.webhook.eventId);
      if (!result.callback) throw new HttpError(402, 'PAYMENT_FAILED', result.errorDescription ?? 'The payment failed');
      return result.callback;
    },

    /**
     * Reconciliation: ask the gateway about purchases still pending after a few minutes, so a
     * payment whose callback was lost (and whose webhook never came) is still granted.
     */
    async reconcile(options: { limit?: number } = {}) {
      const now = clock.now();
      // Each purchase is asked about at most once per `reconcileAfterSeconds`.
      const pending = await repo.pendingPurchases(db, {
        olderThan: new Date(now.getTime() - deps.reconcileAfterSeconds * 1000),
        // Checkout payments settle within minutes; a week covers delayed UPI/netbanking captures.
        notBefore: new Date(now.getTime() - 7 * 24 * 3600 * 1000),
        gateway: gateway.name,
        limit: options.limit ?? 50,
      });
      let granted = 0;
      for (const ref of pending) {
        let payments;
        try {
          payments = await gateway.fetchOrderPayments(ref.razorpay_order_id);
        } catch (err) {
          logger.warn({ err, purchaseId: ref.id }, 'reconciliation: gateway unavailable');
          continue;
        }
        const paid = payments.find((x) => x.status === 'captured' || x.status === 'refunded');
        const authorized = payments.find((x) => x.status === 'authorized');
        const failed = payments.filter((x) => x.status === 'failed').at(-1);
        // One purchase failing to apply (e.g. a DB error) must not stop the others.
        await withLockedPurchase(ref.org_id, ref.id, async (trx, p) => {
          let current = p;
          if (paid) {
            current = await applyPaid(trx, current, { paymentId: paid.id, amountCents: paid.amount, currency: paid.currency, source: 'sweep', savedCard: paid.savedCard ?? null });
            if (isSettled(current.status)) granted++;
            if (paid.amountRefunded > 0) current = await applyRefund(trx, current, paid.amountRefunded);
          } else if (authorized) {
            current = await applyStatus(trx, current, 'attempted', authorized.id, null);
          } else if (failed) {
            current = await applyStatus(trx, current, 'failed', failed.id, failed.errorDescription);
          }
          await repo.updatePurchase(trx, current.org_id, current.id, { checked_at: clock.now() });
        }).catch((err: unknown) => logger.error({ err, purchaseId: ref.id }, 'reconciliation: could not apply'));
      }
      return { checked: pending.length, granted };
    },

    async history(orgId: string): Promise<BillingHistory> {
      const [purchases, invoices] = await Promise.all([repo.listPurchases(db, orgId, HISTORY_LIMIT), repo.listInvoices(db, orgId, HISTORY_LIMIT)]);
      return {
        mode: gateway.mode,
        purchases: purchases.map(toPurchaseDto),
        invoices: invoices.map(
          (i): Invoice => ({
            id: i.id,
            periodStart: i.period_start.toISOString(),
            periodEnd: i.period_end.toISOString(),
            overageMc: toSafeNumber(i.overage_mc),
            credits: toSafeNumber(i.credits),
            amountCents: toSafeNumber(i.amount_cents),
            status: i.status,
            createdAt: i.created_at.toISOString(),
            paidAt: iso(i.paid_at),
            purchaseId: i.purchase_id,
            razorpayOrderId: i.razorpay_order_id,
            razorpayPaymentId: i.razorpay_payment_id,
          }),
        ),
      };
    },

    /** The GST tax invoice of a paid purchase as a PDF, rendered from what was frozen when it was issued. */
    async taxInvoicePdf(orgId: string, purchaseId: string): Promise<Buffer> {
      const p = await repo.findPurchase(db, orgId, purchaseId);
      if (!p) throw notFound('Purchase');
      if (!isSettled(p.status)) throw new HttpError(409, 'CONFLICT', 'A tax invoice is issued once the payment is complete');
      const pdf = await taxInvoicePdfOf(db, orgId, purchaseId);
      if (!pdf) throw new HttpError(404, 'NOT_FOUND', 'This purchase was paid before tax invoices were issued; its receipt is its record');
      return pdf.bytes;
    },

    async receipt(orgId: string, purchaseId: string): Promise<string> {
      const p = await repo.findPurchase(db, orgId, purchaseId);
      if (!p) throw notFound('Purchase');
      if (!isSettled(p.status)) throw new HttpError(409, 'CONFLICT', 'A receipt is available once the payment is complete');
      const [orgName, invoice] = await Promise.all([directory.orgName(db, orgId), p.invoice_id ? repo.findInvoice(db, orgId, p.invoice_id) : undefined]);
      return renderReceipt({ orgName: orgName ?? '', purchase: toPurchaseDto(p), invoice: invoice ? { periodStart: invoice.period_start, periodEnd: invoice.period_end, credits: Number(invoice.credits) } : null, mode: gateway.mode });
    },
  };
}

export type BillingService = ReturnType<typeof createBillingService>;
