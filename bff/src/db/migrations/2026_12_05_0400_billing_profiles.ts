import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// The buyer on tax invoices (ADR 024): one billing profile per organization, set by the owner.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table billing_profiles (
      org_id uuid not null references organizations (id),
      legal_name text not null,
      address_line1 text not null,
      address_line2 text,
      city text not null,
      postal_code text not null,
      country text not null check (country ~ '^[A-Z]{2}$'),
      state text,
      tax_id text,
      invoice_email text not null,
      updated_by uuid,
      updated_at timestamptz not null,
      primary key (org_id)
    );
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table billing_profiles`.execute(db);
}
