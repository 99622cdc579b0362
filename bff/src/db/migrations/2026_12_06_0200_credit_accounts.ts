import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Issue 23 "one owner for every table": an org's credit account (its balance, the AI switch, the
// overage limit and the current billing month) moves from columns of organizations (the accounts
// feature's table) to credit_accounts, the ledger's own table, one row per org (the row every
// ledger batch locks). created_at is the org's, copied: the anchor of its billing months.
// Same types, defaults and checks as the columns had; every org's values are copied.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table credit_accounts (
      org_id uuid primary key references organizations (id),
      created_at timestamptz not null,
      balance_mc bigint not null default 0,
      ai_enabled boolean not null default true,
      overage_limit_mc bigint not null default 0 check (overage_limit_mc >= 0),
      period_start timestamptz not null,
      period_end timestamptz not null check (period_end > period_start)
    );
    insert into credit_accounts (org_id, created_at, balance_mc, ai_enabled, overage_limit_mc, period_start, period_end)
      select id, created_at, balance_mc, ai_enabled, overage_limit_mc, period_start, period_end from organizations;
    alter table organizations
      drop column balance_mc,
      drop column ai_enabled,
      drop column overage_limit_mc,
      drop column period_start,
      drop column period_end;
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    alter table organizations
      add column ai_enabled boolean not null default true,
      add column overage_limit_mc bigint not null default 0 check (overage_limit_mc >= 0),
      add column balance_mc bigint not null default 0,
      add column period_start timestamptz,
      add column period_end timestamptz;
    update organizations o set ai_enabled = a.ai_enabled, overage_limit_mc = a.overage_limit_mc, balance_mc = a.balance_mc,
        period_start = a.period_start, period_end = a.period_end
      from credit_accounts a where a.org_id = o.id;
    alter table organizations
      alter column period_start set not null,
      alter column period_end set not null,
      add constraint organizations_check check (period_end > period_start);
    drop table credit_accounts;
  `.execute(db);
}
