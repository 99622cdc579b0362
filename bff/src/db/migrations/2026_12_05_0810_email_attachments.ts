/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen in time: Kysely<any>, never the app's types */
import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Files an org email carries (the tax invoice PDF of a receipt, ADR 035), stored with the outbox
// row in the transaction that queues it: the dispatcher sends the same bytes on every attempt,
// whatever happened in between. Keyed by the org like every tenant table (ADR 023).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table email_attachments (
      org_id uuid not null,
      email_id uuid not null,
      position integer not null,
      filename text not null,
      content_type text not null,
      content bytea not null,
      primary key (org_id, email_id, position),
      foreign key (org_id, email_id) references email_outbox (org_id, id) on delete cascade
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table email_attachments`.execute(db);
}
