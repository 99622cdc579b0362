import type { Generated } from 'kysely';
import type { Timestamp, BigIntCol, GeneratedBigInt } from '../../db/columns';

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
