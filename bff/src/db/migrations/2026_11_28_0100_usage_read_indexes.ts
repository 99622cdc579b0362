import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Indexes for the dashboard's reads at scale (pnpm bench:reads, docs/benchmarks.md): the history
// filtered by API key (its keyset page and its totals), and the 90-day credits-by-key chart read
// from the API rows alone (index-only; partial, so app calls pay nothing for them), and the
// ledger read by time for the balance chart and the period's grants.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index usage_records_api_key on usage_records (org_id, api_key_id, occurred_at desc, id desc) include (charged_mc)
      where api_key_id is not null;
    create index usage_records_api_recent on usage_records (org_id, occurred_at) include (api_key_id, charged_mc)
      where api_key_id is not null;
    -- the balance chart's last entry of each hour, and the period's grants (a few among many consumes)
    create index ledger_entries_recent on ledger_entries (org_id, created_at, id) include (balance_after_mc);
    create index ledger_entries_grants on ledger_entries (org_id, created_at) where entry_type = 'grant';
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index ledger_entries_grants, ledger_entries_recent, usage_records_api_recent, usage_records_api_key`.execute(db);
}
