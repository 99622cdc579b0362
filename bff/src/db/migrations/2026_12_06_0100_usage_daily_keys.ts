import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// ADR 039: a daily rollup of the usage metered through API keys, per key, so the charts filtered
// by a key (and the "by API key" breakdown) read days, not calls (issue 24 item 9: 30 ms p95 at
// 10M usage rows when they read the key's usage rows). Written by the ledger in the same
// statement as the usage rows and usage_daily, only for usage that carries a key. The unique
// constraint is also the read index: (org, key, day) first, the filters' columns and the sums
// included, so a key's range is an index-only scan.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table usage_daily_keys (
      org_id uuid not null references organizations (id),
      api_key_id uuid not null,
      day date not null,
      use_case text not null,
      model text not null,
      user_id uuid,
      project_id uuid,
      charged_mc bigint not null,
      calls integer not null,
      constraint usage_daily_keys_key unique nulls not distinct (org_id, api_key_id, day, use_case, model, user_id, project_id)
        include (charged_mc, calls)
    )`.execute(db);
  // Backfill from the usage rows. Writers are held off until the migration commits (SHARE blocks
  // inserts into usage_records, not reads), so no usage row lands between the sum and the commit.
  // An instance still on the old code meters keyed usage without the rollup (ADR 039, rolling deploys).
  await sql`lock table usage_records in share mode`.execute(db);
  await sql`
    insert into usage_daily_keys (org_id, api_key_id, day, use_case, model, user_id, project_id, charged_mc, calls)
    select org_id, api_key_id, (occurred_at at time zone 'UTC')::date, use_case, model, user_id, project_id, sum(charged_mc), count(*)
    from usage_records where api_key_id is not null
    group by 1, 2, 3, 4, 5, 6, 7`.execute(db);
  // Statistics now, not at autovacuum's leisure: without them the planner guesses one row.
  await sql`analyze usage_daily_keys`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table usage_daily_keys`.execute(db);
}
