/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen in time: Kysely<any>, never the app's types */
import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// An address belongs to whoever proves they hold it (issue 20, ADR 028):
// - users.email_verified_at: null until the emailed link is opened. Accounts that exist before
//   this migration keep working as they did: they count as verified from their creation.
// - account_tokens: single-use emailed links (verify an address, claim an address an unverified
//   account holds, reset a password); only the SHA-256 of a token is kept, with its expiry.
// - account_email_outbox: the emails of accounts (not of an organization): verification, reset,
//   "you already have an account". Never listed under an org's Sent emails (an unverified owner
//   must not read their own verification link there); the dispatcher delivers it like the org outbox.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table users add column email_verified_at timestamptz;
    update users set email_verified_at = created_at;

    create table account_tokens (
      id uuid primary key default gen_random_uuid(),
      purpose text not null check (purpose in ('verify_email', 'claim_email', 'reset_password')),
      user_id uuid references users (id) on delete cascade,
      email text not null,
      token_hash text not null unique,
      payload jsonb,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz
    );
    create index account_tokens_open_by_email on account_tokens (email) where used_at is null;

    create table account_email_outbox (
      id uuid primary key default gen_random_uuid(),
      -- the order they were written in (a mailbox lists the newest first, whatever the clock says)
      seq bigint generated always as identity,
      kind text not null,
      to_address text not null,
      subject text not null,
      body_text text not null,
      created_at timestamptz not null,
      attempts integer not null default 0,
      last_error text,
      sent_at timestamptz
    );
    create index account_email_outbox_unsent on account_email_outbox (created_at) where sent_at is null;
    create index account_email_outbox_to on account_email_outbox (to_address, seq desc);
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table account_email_outbox;
    drop table account_tokens;
    alter table users drop column email_verified_at;
  `.execute(db);
}
