import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Purchases of credit bundles and overage-invoice payments through Razorpay (or the sandbox).
// Tenant tables lead their primary keys and indexes with org_id (PRODUCT.md "Scale").
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table purchases (
      org_id uuid not null references organizations (id),
      id uuid not null,
      kind text not null check (kind in ('bundle', 'invoice')),
      bundle_id text,
      invoice_id uuid,
      credits bigint not null check (credits >= 0),
      amount_cents bigint not null check (amount_cents > 0),
      currency text not null,
      -- forward only: created -> attempted | failed -> paid -> granted (invoices end at paid)
      status text not null check (status in ('created', 'attempted', 'failed', 'paid', 'granted')),
      gateway text not null check (gateway in ('razorpay', 'sandbox')),
      razorpay_order_id text not null,
      razorpay_payment_id text,
      failure_reason text,
      refunded_cents bigint not null default 0 check (refunded_cents >= 0),
      refunded_at timestamptz,
      created_by uuid,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      checked_at timestamptz,
      paid_at timestamptz,
      granted_at timestamptz,
      primary key (org_id, id),
      check ((kind = 'bundle') = (bundle_id is not null)),
      check ((kind = 'invoice') = (invoice_id is not null)),
      foreign key (org_id, invoice_id) references overage_invoices (org_id, id)
    );
    create unique index purchases_order on purchases (org_id, razorpay_order_id);
    -- webhooks name the order; when a payload carries no org note we find it by order id alone
    create index purchases_order_lookup on purchases (razorpay_order_id);
    -- one purchase (one Razorpay order, reused until paid) per overage invoice
    create unique index purchases_one_per_invoice on purchases (org_id, invoice_id) where invoice_id is not null;
    create index purchases_recent on purchases (org_id, created_at desc);
    create index purchases_pending on purchases (org_id, created_at) where status in ('created', 'attempted', 'failed');

    -- Razorpay webhook deliveries already applied, by x-razorpay-event-id (replays have no effect)
    create table billing_webhook_events (
      org_id uuid not null references organizations (id),
      event_id text not null,
      event_type text not null,
      purchase_id uuid,
      received_at timestamptz not null,
      primary key (org_id, event_id)
    );

    -- The local sandbox gateway's own records (what Razorpay would store), so that any BFF
    -- instance can answer the reconciliation sweep.
    create table sandbox_payments (
      org_id uuid not null references organizations (id),
      id text not null,
      order_id text not null,
      amount_cents bigint not null,
      currency text not null,
      status text not null check (status in ('captured', 'failed')),
      method text not null,
      error_description text,
      created_at timestamptz not null,
      primary key (org_id, id)
    );
    create index sandbox_payments_order on sandbox_payments (order_id);
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table sandbox_payments, billing_webhook_events, purchases`.execute(db);
}
