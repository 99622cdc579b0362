import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Issue 24: the UTC toggle is remembered per user (not per browser): how the SPA shows this
// user's times, 'local' (the browser's time zone) or 'utc'. Read with the session.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column time_zone text not null default 'local' check (time_zone in ('local', 'utc'))`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop column time_zone`.execute(db);
}
