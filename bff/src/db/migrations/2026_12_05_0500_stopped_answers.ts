import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// A streamed answer that was stopped (by the user, a dropped connection, a provider failing
// midway or a shutdown) is kept with what was produced and charged for it, marked stopped (ADR 026).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ai_messages add column stopped boolean not null default false`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table ai_messages drop column stopped`.execute(db);
}
