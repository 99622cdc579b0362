import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Reports and test generations stream too (ADR 026, "Reports and test generation"): one cut short
// (by the user, a dropped connection, a provider failing midway or a shutdown) is kept with what
// was produced (a generation: its whole test cases only) and charged for it, marked stopped.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ai_reports add column stopped boolean not null default false`.execute(db);
  await sql`alter table test_case_generations add column stopped boolean not null default false`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table test_case_generations drop column stopped`.execute(db);
  await sql`alter table ai_reports drop column stopped`.execute(db);
}
