import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// The dashboard reads an org's rollup rows by day (history totals, every chart breakdown, this
// month's usage). An org's rows are scattered over the table (every org writes to it every day),
// so at scale those reads were one heap page per row (pnpm bench:reads: 150 ms for a busy org's
// 50,000 rows). Covering them makes them index-only scans of adjacent index pages. The price:
// the rollup's upsert changes an indexed column, so it is no longer a HOT update.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index usage_daily_by_day on usage_daily (org_id, day) include (use_case, model, user_id, project_id, charged_mc, calls)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index usage_daily_by_day`.execute(db);
}
