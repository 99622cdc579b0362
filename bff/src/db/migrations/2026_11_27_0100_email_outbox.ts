/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen in time: Kysely<any>, never the app's types */
import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Every email the product sends (invitations, alerts, receipts, overage invoices) is first a row
// here, written in the transaction of what it reports: nothing is mailed for a change that was
// rolled back, and nothing committed goes unmailed. A dispatcher delivers rows over SMTP when
// SMTP_URL is set; without it they stay here and the app shows them ("test mode").
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table email_outbox (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      kind text not null,
      to_address text not null,
      subject text not null,
      body_text text not null,
      created_at timestamptz not null,
      attempts integer not null default 0,
      last_error text,
      sent_at timestamptz,
      primary key (org_id, id)
    );
    create index email_outbox_org_created on email_outbox (org_id, created_at desc);
    -- the dispatcher's queue: what is still to be delivered, oldest first
    create index email_outbox_unsent on email_outbox (created_at) where sent_at is null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table email_outbox`.execute(db);
}
