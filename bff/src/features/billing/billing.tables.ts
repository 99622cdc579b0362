import type { Generated } from 'kysely';
import type { Timestamp, BigIntCol, GeneratedBigInt, Json } from '../../db/columns';

/**
 * The tables the billing feature owns: only its repository reads or writes them; other features
 * go through its service (ADR 017; test/table-ownership.test.ts holds this). Kept in step with
 * db/migrations/ by test/schema.test.ts.
 */
export interface BillingTables {
  purchases: PurchasesTable;
  overage_invoices: OverageInvoicesTable;
  billing_webhook_events: BillingWebhookEventsTable;
  sandbox_payments: SandboxPaymentsTable;
  billing_profiles: BillingProfilesTable;
  billing_customers: BillingCustomersTable;
  payment_methods: PaymentMethodsTable;
  auto_topup_settings: AutoTopUpSettingsTable;
  auto_topups: AutoTopUpsTable;
  sandbox_tokens: SandboxTokensTable;
  tax_invoices: TaxInvoicesTable;
  invoice_sequences: InvoiceSequencesTable;
}

export interface OverageInvoicesTable {
  org_id: string;
  id: Generated<string>;
  period_start: Timestamp;
  period_end: Timestamp;
  overage_mc: BigIntCol;
  credits: BigIntCol;
  amount_cents: BigIntCol;
  status: 'open' | 'paid';
  created_at: Timestamp;
  paid_at: Timestamp | null;
}

export type PurchaseStatusCol = 'created' | 'attempted' | 'failed' | 'paid' | 'granted';

export interface PurchasesTable {
  org_id: string;
  id: string;
  kind: 'bundle' | 'invoice';
  bundle_id: string | null;
  invoice_id: string | null;
  credits: BigIntCol;
  amount_cents: BigIntCol;
  currency: string;
  status: PurchaseStatusCol;
  gateway: 'razorpay' | 'sandbox';
  razorpay_order_id: string;
  razorpay_payment_id: string | null;
  failure_reason: string | null;
  refunded_cents: GeneratedBigInt;
  refunded_at: Timestamp | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  checked_at: Timestamp | null;
  paid_at: Timestamp | null;
  granted_at: Timestamp | null;
  source: Generated<'checkout' | 'auto_topup'>;
  save_card: Generated<boolean>;
  /** Net of tax; amount_cents = net_cents + the GST lines (ADR 031). */
  net_cents: BigIntCol;
  /** Null for purchases made before tax was charged (they have no tax invoice). */
  tax_treatment: TaxTreatmentCol | null;
  tax_rate_bp: Generated<number>;
  cgst_cents: GeneratedBigInt;
  sgst_cents: GeneratedBigInt;
  igst_cents: GeneratedBigInt;
  /** The buyer as the tax was decided (the billing profile at order time), for the invoice. */
  buyer: Json | null;
  /** Set in the transaction that issues the tax invoice. */
  tax_invoice_number: string | null;
}

export type TaxTreatmentCol = 'cgst_sgst' | 'igst' | 'export';

/** One GST tax invoice per paid purchase (ADR 031): what it says, frozen when issued. */
export interface TaxInvoicesTable {
  org_id: string;
  id: string;
  purchase_id: string;
  seller_gstin: string;
  seq: BigIntCol;
  number: string;
  issued_at: Timestamp;
  seller: Json;
  buyer: Json | null;
  description: string;
  sac: string;
  currency: string;
  net_cents: BigIntCol;
  tax_treatment: TaxTreatmentCol;
  tax_rate_bp: number;
  cgst_cents: BigIntCol;
  sgst_cents: BigIntCol;
  igst_cents: BigIntCol;
  total_cents: BigIntCol;
  note: string | null;
  payment_reference: string;
}

/** The gap-free invoice number of each seller (not a tenant table). */
export interface InvoiceSequencesTable {
  seller_gstin: string;
  last_number: BigIntCol;
}

export interface BillingWebhookEventsTable {
  org_id: string;
  event_id: string;
  event_type: string;
  purchase_id: string | null;
  received_at: Timestamp;
}

export interface SandboxPaymentsTable {
  org_id: string;
  id: string;
  order_id: string;
  amount_cents: BigIntCol;
  currency: string;
  status: 'captured' | 'failed';
  method: string;
  error_description: string | null;
  created_at: Timestamp;
}

/** The buyer on tax invoices (ADR 024), one per org. */
export interface BillingProfilesTable {
  org_id: string;
  legal_name: string;
  address_line1: string;
  address_line2: string | null;
  city: string;
  postal_code: string;
  country: string;
  state: string | null;
  tax_id: string | null;
  invoice_email: string;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface BillingCustomersTable {
  org_id: string;
  gateway: 'razorpay' | 'sandbox';
  customer_id: string;
  created_at: Timestamp;
}

/** A card saved with the owner's consent for auto top-up (ADR 025); one active per org. */
export interface PaymentMethodsTable {
  org_id: string;
  id: string;
  gateway: 'razorpay' | 'sandbox';
  customer_id: string;
  token_id: string;
  brand: string;
  last4: string;
  exp_month: number | null;
  exp_year: number | null;
  purchase_id: string | null;
  created_at: Timestamp;
  removed_at: Timestamp | null;
}

export interface AutoTopUpSettingsTable {
  org_id: string;
  enabled: boolean;
  threshold_mc: BigIntCol;
  bundle_id: string;
  cap_kind: 'count' | 'amount';
  cap_value: BigIntCol;
  paused_at: Timestamp | null;
  paused_reason: string | null;
  updated_by: string | null;
  updated_at: Timestamp;
}

export type AutoTopUpStatusCol = 'pending' | 'charging' | 'succeeded' | 'failed';

/** One top-up: decided in the ledger's transaction (pending), charged by the worker outside any lock. */
export interface AutoTopUpsTable {
  org_id: string;
  id: string;
  status: AutoTopUpStatusCol;
  period_start: Timestamp;
  threshold_mc: BigIntCol;
  balance_before_mc: BigIntCol;
  balance_after_mc: BigIntCol;
  bundle_id: string;
  amount_cents: BigIntCol;
  purchase_id: string | null;
  failure_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SandboxTokensTable {
  org_id: string;
  token_id: string;
  customer_id: string;
  last4: string;
  declines: boolean;
  created_at: Timestamp;
}
