import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Tenant tables lead their primary keys and indexes with org_id (PRODUCT.md "Scale").
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table organizations (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      created_at timestamptz not null,
      ai_enabled boolean not null default true,
      overage_limit_mc bigint not null default 0 check (overage_limit_mc >= 0),
      balance_mc bigint not null default 0,
      period_start timestamptz not null,
      period_end timestamptz not null check (period_end > period_start)
    );

    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null unique check (email = lower(email)),
      name text not null,
      password_hash text not null,
      created_at timestamptz not null
    );

    create table memberships (
      org_id uuid not null references organizations (id),
      user_id uuid not null references users (id),
      role text not null check (role in ('owner', 'admin', 'member')),
      created_at timestamptz not null,
      primary key (org_id, user_id)
    );
    -- exactly one owner per organization
    create unique index memberships_one_owner on memberships (org_id) where role = 'owner';
    create index memberships_user on memberships (user_id);

    create table projects (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      name text not null,
      created_at timestamptz not null,
      primary key (org_id, id),
      unique (id)
    );
    create unique index projects_name on projects (org_id, lower(name));

    create table sessions (
      id text primary key,
      user_id uuid not null references users (id),
      org_id uuid not null references organizations (id),
      csrf_token text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null
    );

    create table rate_limits (
      key text primary key,
      window_start timestamptz not null,
      count integer not null
    );

    create table grants (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      source text not null check (source in ('monthly_allowance', 'purchase', 'adjustment')),
      amount_mc bigint not null check (amount_mc > 0),
      remaining_mc bigint not null check (remaining_mc >= 0 and remaining_mc <= amount_mc),
      starts_at timestamptz not null,
      expires_at timestamptz not null,
      period_start timestamptz not null,
      purchase_id uuid,
      note text,
      created_at timestamptz not null,
      primary key (org_id, id)
    );
    -- one monthly allowance per org and period; one grant per purchase (exactly once, in the database)
    create unique index grants_one_allowance on grants (org_id, period_start) where source = 'monthly_allowance';
    create unique index grants_one_per_purchase on grants (org_id, purchase_id) where purchase_id is not null;
    create index grants_spendable on grants (org_id, expires_at) where remaining_mc > 0;

    create table ledger_entries (
      org_id uuid not null references organizations (id),
      id bigint generated always as identity,
      entry_type text not null check (entry_type in ('grant', 'consume', 'expire', 'overage_invoiced')),
      amount_mc bigint not null,
      balance_after_mc bigint not null,
      grant_id uuid,
      usage_id uuid,
      invoice_id uuid,
      created_at timestamptz not null,
      primary key (org_id, id)
    );

    -- the ledger is append-only
    create function ledger_entries_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger_entries is append-only';
    end;
    $$;
    create trigger ledger_entries_no_update before update or delete on ledger_entries
      for each row execute function ledger_entries_append_only();

    create table reservations (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      status text not null check (status in ('open', 'settled', 'released', 'expired')),
      user_id uuid,
      project_id uuid,
      api_key_id uuid,
      source text not null check (source in ('app', 'api')),
      use_case text not null,
      model text not null,
      estimate_mc bigint not null check (estimate_mc > 0),
      usage_id uuid,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      closed_at timestamptz,
      primary key (org_id, id)
    );
    create index reservations_open on reservations (org_id, expires_at) where status = 'open';

    create table usage_records (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      occurred_at timestamptz not null,
      user_id uuid,
      project_id uuid,
      api_key_id uuid,
      source text not null check (source in ('app', 'api')),
      use_case text not null,
      model text not null,
      rate_version integer not null,
      input_mc_per_1k integer not null,
      output_mc_per_1k integer not null,
      input_tokens integer not null check (input_tokens >= 0),
      output_tokens integer not null check (output_tokens >= 0),
      charged_mc bigint not null check (charged_mc >= 0),
      overage_mc bigint not null check (overage_mc >= 0 and overage_mc <= charged_mc),
      allocations jsonb not null,
      reservation_id uuid,
      idempotency_key text,
      primary key (org_id, id)
    );
    create index usage_records_recent on usage_records (org_id, occurred_at desc, id desc);
    create index usage_records_user on usage_records (org_id, user_id, occurred_at desc);
    create index usage_records_project on usage_records (org_id, project_id, occurred_at desc);
    create unique index usage_records_reservation on usage_records (org_id, reservation_id) where reservation_id is not null;

    -- Daily rollup of usage, written by the ledger in the same transaction as each usage row,
    -- so dashboard charts and this month's usage read days, not calls.
    create table usage_daily (
      org_id uuid not null references organizations (id),
      day date not null,
      use_case text not null,
      model text not null,
      user_id uuid,
      project_id uuid,
      charged_mc bigint not null,
      calls integer not null,
      unique nulls not distinct (org_id, day, use_case, model, user_id, project_id)
    );

    create table idempotency_keys (
      org_id uuid not null references organizations (id),
      key text not null,
      operation text not null,
      request_hash text not null,
      status_code integer not null,
      response jsonb not null,
      created_at timestamptz not null,
      primary key (org_id, key)
    );

    create table overage_invoices (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      period_start timestamptz not null,
      period_end timestamptz not null,
      overage_mc bigint not null check (overage_mc > 0),
      credits bigint not null,
      amount_cents bigint not null,
      status text not null check (status in ('open', 'paid')),
      created_at timestamptz not null,
      paid_at timestamptz,
      primary key (org_id, id),
      unique (org_id, period_start)
    );

    create table audit_log (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      actor_user_id uuid,
      action text not null,
      from_value jsonb,
      to_value jsonb,
      created_at timestamptz not null,
      primary key (org_id, id)
    );
    create index audit_log_recent on audit_log (org_id, created_at desc);
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table audit_log, overage_invoices, idempotency_keys, usage_daily, usage_records, reservations, ledger_entries,
      grants, rate_limits, sessions, projects, memberships, users, organizations cascade;
    drop function ledger_entries_append_only;
  `.execute(db);
}
