import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Auto top-up (ADR 025): a card saved with the owner's consent at checkout (a gateway customer and
// token), the org's settings, and one row per top-up, decided in the ledger's transaction (the
// outbox the worker charges from). At most one open top-up per org (partial unique index).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table purchases add column source text not null default 'checkout' check (source in ('checkout', 'auto_topup'));
    alter table purchases add column save_card boolean not null default false;

    -- the org's customer at the gateway (Razorpay customer id), created on the first "save this card"
    create table billing_customers (
      org_id uuid not null references organizations (id),
      gateway text not null check (gateway in ('razorpay', 'sandbox')),
      customer_id text not null,
      created_at timestamptz not null,
      primary key (org_id, gateway)
    );

    create table payment_methods (
      org_id uuid not null references organizations (id),
      id uuid not null,
      gateway text not null check (gateway in ('razorpay', 'sandbox')),
      customer_id text not null,
      token_id text not null,
      brand text not null,
      last4 text not null,
      exp_month integer,
      exp_year integer,
      purchase_id uuid,
      created_at timestamptz not null,
      removed_at timestamptz,
      primary key (org_id, id)
    );
    -- one saved card per org (a new one replaces the old)
    create unique index payment_methods_active on payment_methods (org_id) where removed_at is null;

    create table auto_topup_settings (
      org_id uuid not null references organizations (id),
      enabled boolean not null,
      threshold_mc bigint not null check (threshold_mc > 0),
      bundle_id text not null,
      cap_kind text not null check (cap_kind in ('count', 'amount')),
      cap_value bigint not null check (cap_value > 0),
      paused_at timestamptz,
      paused_reason text,
      updated_by uuid,
      updated_at timestamptz not null,
      primary key (org_id)
    );

    create table auto_topups (
      org_id uuid not null references organizations (id),
      id uuid not null,
      status text not null check (status in ('pending', 'charging', 'succeeded', 'failed')),
      period_start timestamptz not null,
      threshold_mc bigint not null,
      balance_before_mc bigint not null,
      balance_after_mc bigint not null,
      bundle_id text not null,
      amount_cents bigint not null check (amount_cents > 0),
      purchase_id uuid,
      failure_reason text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      primary key (org_id, id)
    );
    -- exactly one open top-up per org, whatever the concurrency and the number of instances
    create unique index auto_topups_one_open on auto_topups (org_id) where status in ('pending', 'charging');
    create index auto_topups_period on auto_topups (org_id, period_start);
    create index auto_topups_purchase on auto_topups (org_id, purchase_id) where purchase_id is not null;
    -- the worker's queue (all orgs)
    create index auto_topups_open on auto_topups (created_at) where status in ('pending', 'charging');

    -- the sandbox gateway's saved tokens (what Razorpay would store); a declining card declines off-session
    create table sandbox_tokens (
      org_id uuid not null references organizations (id),
      token_id text not null,
      customer_id text not null,
      last4 text not null,
      declines boolean not null,
      created_at timestamptz not null,
      primary key (org_id, token_id)
    );
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table sandbox_tokens, auto_topups, auto_topup_settings, payment_methods, billing_customers;
    alter table purchases drop column save_card, drop column source;
  `.execute(db);
}
