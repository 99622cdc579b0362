import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Tax charged with each purchase and the GST tax invoice of each paid one (ADR 031).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  // What a purchase charges: net (the catalog price or the overage invoice) + the GST lines = amount_cents.
  // Purchases made before tax was charged keep net = amount and no treatment (no tax invoice).
  await sql`
    alter table purchases
      add column net_cents bigint,
      add column tax_treatment text check (tax_treatment in ('cgst_sgst', 'igst', 'export')),
      add column tax_rate_bp integer not null default 0,
      add column cgst_cents bigint not null default 0,
      add column sgst_cents bigint not null default 0,
      add column igst_cents bigint not null default 0,
      add column buyer jsonb,
      add column tax_invoice_number text
  `.execute(db);
  await sql`update purchases set net_cents = amount_cents`.execute(db);
  await sql`alter table purchases alter column net_cents set not null`.execute(db);
  await sql`alter table purchases add constraint purchases_tax_adds_up check (amount_cents = net_cents + cgst_cents + sgst_cents + igst_cents)`.execute(db);

  // One gap-free sequence per seller GSTIN: taken in the transaction that issues the invoice, so a
  // rolled-back issue gives its number back. Not a tenant table (one row per seller).
  await sql`
    create table invoice_sequences (
      seller_gstin text not null,
      last_number bigint not null,
      primary key (seller_gstin)
    )
  `.execute(db);

  await sql`
    create table tax_invoices (
      org_id uuid not null references organizations (id),
      id uuid not null,
      purchase_id uuid not null,
      seller_gstin text not null,
      seq bigint not null,
      number text not null,
      issued_at timestamptz not null,
      seller jsonb not null,
      buyer jsonb,
      description text not null,
      sac text not null,
      currency text not null,
      net_cents bigint not null,
      tax_treatment text not null check (tax_treatment in ('cgst_sgst', 'igst', 'export')),
      tax_rate_bp integer not null,
      cgst_cents bigint not null,
      sgst_cents bigint not null,
      igst_cents bigint not null,
      total_cents bigint not null check (total_cents = net_cents + cgst_cents + sgst_cents + igst_cents),
      note text,
      payment_reference text not null,
      primary key (org_id, id),
      -- one invoice per purchase; a number is never issued twice because invoice_sequences hands
      -- each out once (no unique on (seller_gstin, seq): every unique index holds org_id, Citus)
      unique (org_id, purchase_id)
    )
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table tax_invoices`.execute(db);
  await sql`drop table invoice_sequences`.execute(db);
  await sql`
    alter table purchases
      drop constraint purchases_tax_adds_up,
      drop column net_cents, drop column tax_treatment, drop column tax_rate_bp,
      drop column cgst_cents, drop column sgst_cents, drop column igst_cents,
      drop column buyer, drop column tax_invoice_number
  `.execute(db);
}
