import { z } from 'zod/mini';
import { BUNDLE_IDS } from '../catalog';
import { CentsSchema, endpoint, IdSchema, IsoDateTimeSchema, MillicreditsSchema, OWNER_ONLY, OWNER_OR_ADMIN, TextSchema } from '../api';
import { GST_STATES, gstinProblem } from '../tax';
import { EMAIL_MAX_CHARS } from './auth';

export const BundleIdSchema = z.enum(BUNDLE_IDS);

/**
 * A purchase only moves forward: created -> attempted | failed -> paid -> granted.
 * A failed purchase may still become paid (a later payment on the same order succeeds);
 * paid and granted never go back. An invoice purchase ends at `paid` (it grants no credits).
 */
export const PURCHASE_STATUSES = ['created', 'attempted', 'failed', 'paid', 'granted'] as const;
export const PurchaseStatusSchema = z.enum(PURCHASE_STATUSES);
export type PurchaseStatus = z.infer<typeof PurchaseStatusSchema>;

export const PurchaseKindSchema = z.enum(['bundle', 'invoice']);
export type PurchaseKind = z.infer<typeof PurchaseKindSchema>;

export const GatewayModeSchema = z.enum(['sandbox', 'live']);
export type GatewayMode = z.infer<typeof GatewayModeSchema>;

/** The tax of one sale as shared/tax.ts computes it (integers: cents and basis points). */
export const TaxBreakdownSchema = z.object({
  /** null: an order opened before tax was charged (no GST on it). */
  treatment: z.nullable(z.enum(['cgst_sgst', 'igst', 'export'])),
  netCents: CentsSchema,
  lines: z.array(z.object({ name: z.enum(['CGST', 'SGST', 'IGST']), rateBp: z.int(), cents: CentsSchema })),
  taxCents: CentsSchema,
  totalCents: CentsSchema,
  rateBp: z.int(),
  note: z.nullable(z.string()),
});

/** Everything Razorpay Checkout needs, and nothing else: only the key id, never a secret. */
export const CheckoutOptionsSchema = z.object({
  purchaseId: IdSchema,
  mode: GatewayModeSchema,
  keyId: z.string(),
  orderId: z.string(),
  /** Smallest currency unit (cents). */
  amount: CentsSchema,
  currency: z.literal('USD'),
  name: z.string(),
  description: z.string(),
  prefill: z.object({ name: z.string(), email: z.string() }),
  notes: z.record(z.string(), z.string()),
  /** The org's customer at the gateway when the owner asked to save the card (Checkout's customer_id, recurring). */
  customerId: z.nullable(z.string()),
  saveCard: z.boolean(),
  /** What `amount` is made of: the price net of tax and the GST lines (ADR 031); amount = tax.totalCents. */
  tax: TaxBreakdownSchema,
});
export type CheckoutOptions = z.infer<typeof CheckoutOptionsSchema>;

/** What Checkout hands to its `handler` on success; the BFF verifies it. */
export const CheckoutCallbackSchema = z.strictObject({
  razorpay_order_id: TextSchema.check(z.minLength(1), z.maxLength(100)),
  razorpay_payment_id: TextSchema.check(z.minLength(1), z.maxLength(100)),
  razorpay_signature: TextSchema.check(z.minLength(1), z.maxLength(200)),
});
export type CheckoutCallback = z.infer<typeof CheckoutCallbackSchema>;

export const PurchaseSchema = z.object({
  id: IdSchema,
  kind: PurchaseKindSchema,
  bundleId: z.nullable(BundleIdSchema),
  bundleName: z.nullable(z.string()),
  invoiceId: z.nullable(IdSchema),
  /** What was charged: netCents + taxCents. */
  amountCents: CentsSchema,
  /** The bundle price or the overage invoice, before tax. */
  netCents: CentsSchema,
  /** GST charged on top (0 for an export, and for purchases made before tax was charged). */
  taxCents: CentsSchema,
  /** The GST tax invoice's number once the payment is proven (its PDF: taxInvoice); null before, and for purchases made before tax invoices. */
  taxInvoiceNumber: z.nullable(z.string()),
  currency: z.string(),
  /** Whole credits granted by this purchase (0 for an invoice payment). */
  credits: z.int(),
  status: PurchaseStatusSchema,
  /** checkout: bought by a person; auto_topup: charged to the saved card (ADR 025). */
  source: z.enum(['checkout', 'auto_topup']),
  refundedCents: CentsSchema,
  razorpayOrderId: z.nullable(z.string()),
  razorpayPaymentId: z.nullable(z.string()),
  failureReason: z.nullable(z.string()),
  createdAt: IsoDateTimeSchema,
  paidAt: z.nullable(IsoDateTimeSchema),
  grantedAt: z.nullable(IsoDateTimeSchema),
});
export type Purchase = z.infer<typeof PurchaseSchema>;

export const InvoiceSchema = z.object({
  id: IdSchema,
  periodStart: IsoDateTimeSchema,
  periodEnd: IsoDateTimeSchema,
  overageMc: MillicreditsSchema,
  credits: z.int(),
  amountCents: CentsSchema,
  status: z.enum(['open', 'paid']),
  createdAt: IsoDateTimeSchema,
  paidAt: z.nullable(IsoDateTimeSchema),
  /** The purchase that pays (or paid) it, once the owner started paying. */
  purchaseId: z.nullable(IdSchema),
  razorpayOrderId: z.nullable(z.string()),
  razorpayPaymentId: z.nullable(z.string()),
});
export type Invoice = z.infer<typeof InvoiceSchema>;

export const BillingHistorySchema = z.object({
  mode: GatewayModeSchema,
  purchases: z.array(PurchaseSchema),
  invoices: z.array(InvoiceSchema),
});
export type BillingHistory = z.infer<typeof BillingHistorySchema>;

export const VerifyResultSchema = z.object({ purchase: PurchaseSchema });
export type VerifyResult = z.infer<typeof VerifyResultSchema>;

export const SandboxPayBodySchema = z.strictObject({
  purchaseId: IdSchema,
  outcome: z.enum(['success', 'failure']),
  method: z._default(z.enum(['card', 'upi', 'netbanking', 'wallet']), 'card'),
  /** The sandbox's test cards: one that always approves, one that approves here but declines off-session (auto top-up). */
  card: z._default(z.enum(['approves', 'declines_off_session']), 'approves'),
});

const PurchaseParams = z.strictObject({ purchaseId: IdSchema });

export const PaymentMethodSchema = z.object({
  id: IdSchema,
  brand: z.string(),
  last4: z.string(),
  expMonth: z.nullable(z.int()),
  expYear: z.nullable(z.int()),
  createdAt: IsoDateTimeSchema,
});
export type PaymentMethod = z.infer<typeof PaymentMethodSchema>;

export const AUTO_TOPUP_CAP_KINDS = ['count', 'amount'] as const;

/** Auto top-up settings as the owner sets them: a threshold in credits, a bundle, a monthly cap (top-ups, or cents). */
export const AutoTopUpInputSchema = z.strictObject({
  enabled: z.boolean(),
  thresholdCredits: z.int().check(z.gte(1, 'at least 1 credit'), z.lte(1_000_000, 'at most 1,000,000 credits')),
  bundleId: BundleIdSchema,
  capKind: z.enum(AUTO_TOPUP_CAP_KINDS),
  /** Top-ups per billing month (count), or cents per billing month (amount). */
  capValue: z.int().check(z.gte(1, 'at least 1'), z.lte(100_000_000, 'at most 100,000,000')),
});
export type AutoTopUpInput = z.infer<typeof AutoTopUpInputSchema>;

export const AutoTopUpSchema = z.object({
  id: IdSchema,
  status: z.enum(['pending', 'charging', 'succeeded', 'failed']),
  thresholdCredits: z.int(),
  balanceBeforeMc: MillicreditsSchema,
  balanceAfterMc: MillicreditsSchema,
  bundleId: BundleIdSchema,
  amountCents: CentsSchema,
  purchaseId: z.nullable(IdSchema),
  failureReason: z.nullable(z.string()),
  createdAt: IsoDateTimeSchema,
});
export type AutoTopUp = z.infer<typeof AutoTopUpSchema>;

export const AutoTopUpStateSchema = z.object({
  settings: z.nullable(
    z.object({
      enabled: z.boolean(),
      thresholdCredits: z.int(),
      bundleId: BundleIdSchema,
      capKind: z.enum(AUTO_TOPUP_CAP_KINDS),
      capValue: z.int(),
      /** Set when a top-up failed: auto top-up waits until the owner saves the settings (or a card) again. */
      pausedAt: z.nullable(IsoDateTimeSchema),
      pausedReason: z.nullable(z.string()),
      updatedAt: IsoDateTimeSchema,
    }),
  ),
  paymentMethod: z.nullable(PaymentMethodSchema),
  /** This billing month: started (not failed) top-ups and their amount, against the cap. */
  usedThisPeriod: z.object({ count: z.int(), amountCents: CentsSchema }),
  /** Newest first (at most 20). */
  topUps: z.array(AutoTopUpSchema),
});
export type AutoTopUpState = z.infer<typeof AutoTopUpStateSchema>;

/** The longest each billing-profile text field may be (the form stops typing there; the country is a pattern). */
export const BILLING_PROFILE_MAX_CHARS = {
  legalName: 200,
  addressLine1: 200,
  addressLine2: 200,
  city: 100,
  postalCode: 20,
  state: 100,
  taxId: 40,
  invoiceEmail: EMAIL_MAX_CHARS,
} as const;
const MAX = BILLING_PROFILE_MAX_CHARS;

const line = (max: number) => TextSchema.check(z.trim(), z.minLength(1, 'required'), z.maxLength(max));
const optionalLine = (max: number) => z.nullable(TextSchema.check(z.trim(), z.maxLength(max)));

/**
 * The buyer on tax invoices (owner). India: `state` is the GST state code ('29' Karnataka) and
 * `taxId` a GSTIN of that state (format and check character, shared/tax.ts); elsewhere both are
 * free text. The tax rule (shared/tax.ts) reads country and state.
 */
export const BillingProfileInputSchema = z
  .strictObject({
    legalName: line(MAX.legalName),
    addressLine1: line(MAX.addressLine1),
    addressLine2: optionalLine(MAX.addressLine2),
    city: line(MAX.city),
    postalCode: line(MAX.postalCode),
    /** ISO 3166-1 alpha-2, upper case ('IN', 'US'). */
    country: TextSchema.check(z.regex(/^[A-Z]{2}$/, 'a two-letter country code such as IN or US')),
    state: optionalLine(MAX.state),
    taxId: optionalLine(MAX.taxId),
    invoiceEmail: z.email().check(z.maxLength(MAX.invoiceEmail)),
  })
  .check(
    z.refine((p) => p.country !== 'IN' || (p.state !== null && p.state in GST_STATES), { message: 'for India, the GST state code (e.g. 29 for Karnataka)', path: ['state'] }),
    z.refine((p) => p.country !== 'IN' || !p.taxId || gstinProblem(p.taxId) === null, { message: 'not a valid GSTIN (format and check character, e.g. 27AAPFU0939F1ZV)', path: ['taxId'] }),
    z.refine((p) => p.country !== 'IN' || !p.taxId || p.taxId.slice(0, 2) === p.state, { message: 'the GSTIN belongs to another state (its first two digits are the state code)', path: ['taxId'] }),
  );
export type BillingProfileInput = z.infer<typeof BillingProfileInputSchema>;

export const BillingProfileSchema = z.object({
  legalName: z.string(),
  addressLine1: z.string(),
  addressLine2: z.nullable(z.string()),
  city: z.string(),
  postalCode: z.string(),
  country: z.string(),
  state: z.nullable(z.string()),
  taxId: z.nullable(z.string()),
  invoiceEmail: z.string(),
  updatedAt: IsoDateTimeSchema,
});
export type BillingProfile = z.infer<typeof BillingProfileSchema>;

/** The seller on every tax invoice (configuration, SELLER_* in the BFF). */
export const SellerSchema = z.object({
  legalName: z.string(),
  address: z.string(),
  gstin: z.string(),
  /** GST state code of the seller (the GSTIN's first two digits). */
  state: z.string(),
  /** SAC code of the service on the invoice. */
  sac: z.string(),
});
export type Seller = z.infer<typeof SellerSchema>;

export const BillingProfileResponseSchema = z.object({ profile: z.nullable(BillingProfileSchema), seller: SellerSchema });
export type BillingProfileResponse = z.infer<typeof BillingProfileResponseSchema>;

/** A statement's id in URLs: its period's first day, 'YYYY-MM-DD' (periods start at 00:00 UTC). */
export const StatementPeriodIdSchema = TextSchema.check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a period start date such as 2026-11-05'));

/** One billing period of the org that has (or will have) a statement. */
export const StatementPeriodSchema = z.object({
  id: z.string(),
  start: IsoDateTimeSchema,
  end: IsoDateTimeSchema,
  /** The open period: its statement is "so far" (no reset yet). */
  current: z.boolean(),
});
export type StatementPeriod = z.infer<typeof StatementPeriodSchema>;

export const StatementListSchema = z.object({ periods: z.array(StatementPeriodSchema) });
export type StatementList = z.infer<typeof StatementListSchema>;

/** A credit added during the period: a purchase, an auto top-up or an adjustment (one line each). */
export const StatementCreditLineSchema = z.object({
  at: IsoDateTimeSchema,
  kind: z.enum(['purchase', 'auto_topup', 'adjustment']),
  description: z.string(),
  mc: MillicreditsSchema,
  purchaseId: z.nullable(IdSchema),
  /** What was charged (with tax), cents; null for an adjustment. */
  amountCents: z.nullable(CentsSchema),
  taxInvoiceNumber: z.nullable(z.string()),
});
export type StatementCreditLine = z.infer<typeof StatementCreditLineSchema>;

/**
 * The monthly statement (ADR 035), every figure read from the ledger, in millicredits:
 * closingMc = openingMc + allowanceMc + purchasesMc − usageMc − expiredMc + overageInvoicedMc.
 */
export const StatementSchema = z.object({
  period: StatementPeriodSchema,
  orgName: z.string(),
  /** When this statement was read (the "so far" moment of the open period). */
  asOf: IsoDateTimeSchema,
  openingMc: MillicreditsSchema,
  allowanceMc: MillicreditsSchema,
  /** Purchases, auto top-ups and adjustments together (the sum of `credits`). */
  purchasesMc: MillicreditsSchema,
  credits: z.array(StatementCreditLineSchema),
  usageMc: MillicreditsSchema,
  usageByUseCase: z.array(z.object({ useCase: z.string(), calls: z.int(), mc: MillicreditsSchema })),
  /** Credits left unused at the reset (the grants that expired at the period's end). */
  expiredMc: MillicreditsSchema,
  /** Overage (negative balance) at the reset, moved to an overage invoice: it brings the balance back to 0. */
  overageInvoicedMc: MillicreditsSchema,
  overageInvoice: z.nullable(z.object({ id: IdSchema, credits: z.int(), amountCents: CentsSchema, status: z.enum(['open', 'paid']) })),
  closingMc: MillicreditsSchema,
});
export type Statement = z.infer<typeof StatementSchema>;

const StatementParams = z.strictObject({ period: StatementPeriodIdSchema });

export const billingContract = {
  createPurchase: endpoint({
    method: 'POST',
    path: '/api/billing/purchases',
    verifiedEmail: 'required',
    summary: 'Create a Razorpay order for a credit bundle (owner only); the amount comes from the catalog',
    auth: 'session',
    roles: OWNER_ONLY,
    body: z.strictObject({ bundleId: BundleIdSchema, saveCard: z.optional(z.boolean()) }),
    response: CheckoutOptionsSchema,
    status: 201,
  }),
  payInvoice: endpoint({
    method: 'POST',
    path: '/api/billing/invoices/:invoiceId/pay',
    verifiedEmail: 'required',
    summary: 'Create (or reuse) the Razorpay order that pays an open overage invoice (owner only)',
    auth: 'session',
    roles: OWNER_ONLY,
    params: z.strictObject({ invoiceId: IdSchema }),
    response: CheckoutOptionsSchema,
    status: 201,
  }),
  verifyPurchase: endpoint({
    method: 'POST',
    path: '/api/billing/purchases/:purchaseId/verify',
    summary: "Verify Checkout's signed callback and grant the purchase (owner only)",
    auth: 'session',
    roles: OWNER_ONLY,
    params: PurchaseParams,
    body: CheckoutCallbackSchema,
    response: VerifyResultSchema,
  }),
  webhook: endpoint({
    method: 'POST',
    path: '/api/billing/webhook',
    summary: 'Razorpay webhooks (payment.captured, payment.failed, order.paid, refunds), signed over the raw body',
    auth: 'signature',
    response: z.object({ received: z.literal(true) }),
  }),
  sandboxPay: endpoint({
    method: 'POST',
    path: '/api/billing/sandbox/pay',
    verifiedEmail: 'required',
    summary: 'Sandbox gateway only: pay (or fail) an order as Razorpay test mode would (owner only)',
    auth: 'session',
    roles: OWNER_ONLY,
    body: SandboxPayBodySchema,
    response: CheckoutCallbackSchema,
  }),
  history: endpoint({
    method: 'GET',
    path: '/api/billing/history',
    summary: 'Every purchase and overage invoice of the organization, newest first (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    response: BillingHistorySchema,
  }),
  profile: endpoint({
    method: 'GET',
    path: '/api/billing/profile',
    summary: 'The billing profile (buyer on tax invoices; null until set) and the seller (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    response: BillingProfileResponseSchema,
  }),
  setProfile: endpoint({
    method: 'PUT',
    path: '/api/billing/profile',
    summary: 'Set the billing profile: legal name, address, country, state, tax ID (GSTIN checked), invoice email (owner only)',
    auth: 'session',
    roles: OWNER_ONLY,
    body: BillingProfileInputSchema,
    response: BillingProfileResponseSchema,
  }),
  autoTopUp: endpoint({
    method: 'GET',
    path: '/api/billing/auto-topup',
    summary: 'Auto top-up settings, the saved card, use of the monthly cap and recent top-ups (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    response: AutoTopUpStateSchema,
  }),
  setAutoTopUp: endpoint({
    method: 'PUT',
    path: '/api/billing/auto-topup',
    summary: 'Set auto top-up: on/off, threshold, bundle, monthly cap; saving resumes a paused auto top-up (owner only; needs a saved card to turn on)',
    auth: 'session',
    roles: OWNER_ONLY,
    body: AutoTopUpInputSchema,
    response: AutoTopUpStateSchema,
  }),
  removePaymentMethod: endpoint({
    method: 'DELETE',
    path: '/api/billing/payment-method',
    summary: 'Remove the saved card (auto top-up turns off) (owner only)',
    auth: 'session',
    roles: OWNER_ONLY,
    response: AutoTopUpStateSchema,
  }),
  receipt: endpoint({
    method: 'GET',
    path: '/api/billing/purchases/:purchaseId/receipt',
    summary: 'Printable HTML receipt of a paid purchase or invoice payment (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    params: PurchaseParams,
    response: null,
    produces: 'text/html',
  }),
  taxInvoice: endpoint({
    method: 'GET',
    path: '/api/billing/purchases/:purchaseId/tax-invoice',
    summary: 'GST tax invoice of a paid purchase (PDF; owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    params: PurchaseParams,
    response: null,
    produces: 'application/pdf',
  }),
  statements: endpoint({
    method: 'GET',
    path: '/api/billing/statements',
    summary: 'The billing periods of the organization with a monthly statement, newest first; the open one is "so far" (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    response: StatementListSchema,
  }),
  statement: endpoint({
    method: 'GET',
    path: '/api/billing/statements/:period',
    summary: 'The monthly statement of a billing period from the ledger: opening, allowance, purchases, usage by use case, expired, overage, closing (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    params: StatementParams,
    response: StatementSchema,
  }),
  statementPdf: endpoint({
    method: 'GET',
    path: '/api/billing/statements/:period/pdf',
    summary: 'The monthly statement of a billing period as a PDF (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    params: StatementParams,
    response: null,
    produces: 'application/pdf',
  }),
  statementCsv: endpoint({
    method: 'GET',
    path: '/api/billing/statements/:period/csv',
    summary: 'The monthly statement of a billing period as CSV, times in UTC (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    params: StatementParams,
    response: null,
    produces: 'text/csv',
  }),
};
