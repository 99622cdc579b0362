/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen in time: Kysely<any>, never the app's types */
import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Secrets generated per installation (the sandbox gateway's signing keys), and invitations to
// join an organization (they replace adding users directly).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    -- one row per secret, created on first use (insert ... on conflict do nothing, then read)
    create table installation_secrets (
      name text primary key,
      value text not null,
      created_at timestamptz not null
    );

    create table invitations (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      email text not null check (email = lower(email)),
      role text not null check (role in ('admin', 'member')),
      -- sha256 of the accept token (a high-entropy random secret); the token itself is never stored
      token_hash text not null,
      invited_by uuid,
      created_at timestamptz not null,
      expires_at timestamptz not null check (expires_at > created_at),
      accepted_at timestamptz,
      accepted_by uuid,
      revoked_at timestamptz,
      check (accepted_at is null or revoked_at is null),
      primary key (org_id, id),
      unique (id)
    );
    -- the accept link names no org: the token finds its invitation
    create unique index invitations_token on invitations (token_hash);
    -- at most one open invitation per email and org (resend replaces its token)
    create unique index invitations_open on invitations (org_id, email) where accepted_at is null and revoked_at is null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table invitations, installation_secrets`.execute(db);
}
