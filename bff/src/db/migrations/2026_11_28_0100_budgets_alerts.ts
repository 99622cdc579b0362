/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen in time: Kysely<any>, never the app's types */
import { sql, type Kysely } from 'kysely';

// Frozen: never edit a migration that has shipped; add a new one.
// Budgets (monthly credit caps per project and per member), the owner's alert thresholds, the
// alerts that fired (one row per org, period, subject and threshold: the unique key is what makes
// an alert fire exactly once across BFF instances), and the in-app notifications they create.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table budgets (
      org_id uuid not null references organizations (id),
      subject_type text not null check (subject_type in ('project', 'user')),
      subject_id uuid not null,
      limit_mc bigint not null check (limit_mc > 0),
      updated_at timestamptz not null,
      primary key (org_id, subject_type, subject_id)
    );
    create table alert_settings (
      org_id uuid primary key references organizations (id),
      credit_percents integer[] not null,
      budget_percents integer[] not null,
      updated_at timestamptz not null
    );
    create table alerts (
      org_id uuid not null references organizations (id),
      period_start timestamptz not null,
      -- 'credits', 'project:<uuid>' or 'user:<uuid>'
      subject text not null,
      threshold integer not null check (threshold between 1 and 100),
      created_at timestamptz not null,
      primary key (org_id, period_start, subject, threshold)
    );
    create table notifications (
      org_id uuid not null references organizations (id),
      id uuid not null default gen_random_uuid(),
      user_id uuid not null references users (id),
      title text not null,
      body text not null,
      link text,
      created_at timestamptz not null,
      read_at timestamptz,
      primary key (org_id, id)
    );
    create index notifications_user_recent on notifications (org_id, user_id, created_at desc);
    create index notifications_user_unread on notifications (org_id, user_id) where read_at is null;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table notifications; drop table alerts; drop table alert_settings; drop table budgets`.execute(db);
}
