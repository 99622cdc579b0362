import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Merged alerts, "AI stopped" alerts and "Ask for more" (ADR 037): a notification keeps the alerts
// it lists (merged while unread), the time its limits reset (the SPA shows it in the reader's
// zone) and its email while unsent; a member's request for more is one row per limit and UTC day.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> by design (frozen in time)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table notifications
      add column kind text not null default 'alert' check (kind in ('alert', 'more_request')),
      add column items jsonb,
      add column resets_at timestamptz,
      add column email_id uuid;
    create table more_requests (
      org_id uuid not null references organizations (id),
      user_id uuid not null references users (id),
      -- 'member_budget', 'project_budget:<uuid>' or 'credits'
      limit_key text not null,
      day date not null,
      created_at timestamptz not null,
      primary key (org_id, user_id, limit_key, day)
    );
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table more_requests;
    alter table notifications drop column kind, drop column items, drop column resets_at, drop column email_id;
  `.execute(db);
}
