import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Indexes for the dashboard's reads at scale (pnpm bench:reads, docs/benchmarks.md): the history
// filtered by API key (its keyset page and its totals), and the 90-day credits-by-key chart read
// from the API rows alone (index-only). Partial: app calls (no key) pay nothing for them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index usage_records_api_key on usage_records (org_id, api_key_id, occurred_at desc, id desc) include (charged_mc)
      where api_key_id is not null;
    create index usage_records_api_recent on usage_records (org_id, occurred_at) include (api_key_id, charged_mc)
      where api_key_id is not null;
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index usage_records_api_recent, usage_records_api_key`.execute(db);
}
