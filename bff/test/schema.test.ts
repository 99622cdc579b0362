import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database';
import { startApp, type TestApp } from './support/harness';

/**
 * The Kysely `Database` interface must match what the migrations build. The compiler holds this
 * map to the interface (a missing or extra table or column fails `satisfies`); the test holds it
 * to the live schema made by the production migrations.
 */
const COLUMNS = {
  ai_conversations: { org_id: true, id: true, project_id: true, user_id: true, title: true, created_at: true, updated_at: true },
  ai_messages: { org_id: true, id: true, conversation_id: true, seq: true, role: true, content: true, model: true, usage_id: true, stopped: true, created_at: true },
  ai_reports: { org_id: true, id: true, project_id: true, user_id: true, model: true, usage_id: true, test_case_count: true, summary: true, coverage: true, gaps: true, stopped: true, created_at: true },
  ai_requests: { org_id: true, idempotency_key: true, operation: true, request_hash: true, status: true, response: true, created_at: true },
  api_keys: { org_id: true, id: true, name: true, token_prefix: true, token_hash: true, created_by: true, created_at: true, last_used_at: true, revoked_at: true },
  audit_log: { org_id: true, id: true, actor_user_id: true, action: true, from_value: true, to_value: true, created_at: true },
  billing_customers: { org_id: true, gateway: true, customer_id: true, created_at: true },
  payment_methods: { org_id: true, id: true, gateway: true, customer_id: true, token_id: true, brand: true, last4: true, exp_month: true, exp_year: true, purchase_id: true, created_at: true, removed_at: true },
  auto_topup_settings: { org_id: true, enabled: true, threshold_mc: true, bundle_id: true, cap_kind: true, cap_value: true, paused_at: true, paused_reason: true, updated_by: true, updated_at: true },
  auto_topups: { org_id: true, id: true, status: true, period_start: true, threshold_mc: true, balance_before_mc: true, balance_after_mc: true, bundle_id: true, amount_cents: true, purchase_id: true, failure_reason: true, created_at: true, updated_at: true },
  sandbox_tokens: { org_id: true, token_id: true, customer_id: true, last4: true, declines: true, created_at: true },
  billing_profiles: { org_id: true, legal_name: true, address_line1: true, address_line2: true, city: true, postal_code: true, country: true, state: true, tax_id: true, invoice_email: true, updated_by: true, updated_at: true },
  billing_webhook_events: { org_id: true, event_id: true, event_type: true, purchase_id: true, received_at: true },
  email_attachments: { org_id: true, email_id: true, position: true, filename: true, content_type: true, content: true },
  email_outbox: { org_id: true, id: true, kind: true, to_address: true, subject: true, body_text: true, created_at: true, attempts: true, last_error: true, sent_at: true },
  credit_accounts: { org_id: true, created_at: true, balance_mc: true, ai_enabled: true, overage_limit_mc: true, period_start: true, period_end: true },
  budgets: { org_id: true, subject_type: true, subject_id: true, limit_mc: true, updated_at: true },
  alert_settings: { org_id: true, credit_percents: true, budget_percents: true, updated_at: true },
  alerts: { org_id: true, period_start: true, subject: true, threshold: true, created_at: true },
  notifications: { org_id: true, id: true, user_id: true, title: true, body: true, link: true, created_at: true, read_at: true, kind: true, items: true, resets_at: true, email_id: true },
  more_requests: { org_id: true, user_id: true, limit_key: true, day: true, created_at: true },
  grants: { org_id: true, id: true, source: true, amount_mc: true, remaining_mc: true, starts_at: true, expires_at: true, period_start: true, purchase_id: true, note: true, created_at: true },
  installation_secrets: { name: true, value: true, created_at: true },
  invitations: { org_id: true, id: true, email: true, role: true, token_hash: true, invited_by: true, created_at: true, expires_at: true, accepted_at: true, accepted_by: true, revoked_at: true },
  idempotency_keys: { org_id: true, key: true, operation: true, request_hash: true, status_code: true, response: true, created_at: true },
  ledger_entries: { org_id: true, id: true, entry_type: true, amount_mc: true, balance_after_mc: true, grant_id: true, usage_id: true, invoice_id: true, created_at: true },
  memberships: { org_id: true, user_id: true, role: true, created_at: true },
  organizations: { id: true, name: true, created_at: true },
  overage_invoices: { org_id: true, id: true, period_start: true, period_end: true, overage_mc: true, credits: true, amount_cents: true, status: true, created_at: true, paid_at: true },
  projects: { org_id: true, id: true, name: true, created_at: true, archived_at: true },
  purchases: { org_id: true, id: true, kind: true, bundle_id: true, invoice_id: true, credits: true, amount_cents: true, currency: true, status: true, gateway: true, razorpay_order_id: true, razorpay_payment_id: true, failure_reason: true, refunded_cents: true, refunded_at: true, created_by: true, created_at: true, updated_at: true, checked_at: true, paid_at: true, granted_at: true, source: true, save_card: true, net_cents: true, tax_treatment: true, tax_rate_bp: true, cgst_cents: true, sgst_cents: true, igst_cents: true, buyer: true, tax_invoice_number: true },
  invoice_sequences: { seller_gstin: true, last_number: true },
  tax_invoices: { org_id: true, id: true, purchase_id: true, seller_gstin: true, seq: true, number: true, issued_at: true, seller: true, buyer: true, description: true, sac: true, currency: true, net_cents: true, tax_treatment: true, tax_rate_bp: true, cgst_cents: true, sgst_cents: true, igst_cents: true, total_cents: true, note: true, payment_reference: true },
  rate_limits: { key: true, window_start: true, count: true },
  reservations: { org_id: true, id: true, status: true, user_id: true, project_id: true, api_key_id: true, source: true, use_case: true, model: true, estimate_mc: true, usage_id: true, created_at: true, expires_at: true, closed_at: true },
  sandbox_payments: { org_id: true, id: true, order_id: true, amount_cents: true, currency: true, status: true, method: true, error_description: true, created_at: true },
  sessions: { id: true, user_id: true, org_id: true, csrf_token: true, created_at: true, expires_at: true },
  test_case_generations: { org_id: true, id: true, project_id: true, user_id: true, requirement: true, model: true, usage_id: true, stopped: true, created_at: true },
  test_cases: { org_id: true, id: true, project_id: true, generation_id: true, position: true, area: true, title: true, preconditions: true, steps: true, expected_result: true, created_at: true },
  usage_daily: { org_id: true, day: true, use_case: true, model: true, user_id: true, project_id: true, charged_mc: true, calls: true },
  usage_daily_keys: { org_id: true, api_key_id: true, day: true, use_case: true, model: true, user_id: true, project_id: true, charged_mc: true, calls: true },
  usage_records: { org_id: true, id: true, occurred_at: true, user_id: true, project_id: true, api_key_id: true, source: true, use_case: true, model: true, rate_version: true, input_mc_per_1k: true, output_mc_per_1k: true, input_tokens: true, output_tokens: true, charged_mc: true, overage_mc: true, allocations: true, reservation_id: true, idempotency_key: true },
  users: { id: true, email: true, name: true, password_hash: true, created_at: true, email_verified_at: true, time_zone: true },
  account_tokens: { id: true, purpose: true, user_id: true, email: true, token_hash: true, payload: true, created_at: true, expires_at: true, used_at: true },
  account_email_outbox: { seq: true, id: true, kind: true, to_address: true, subject: true, body_text: true, created_at: true, attempts: true, last_error: true, sent_at: true },
} satisfies { [T in keyof Database]: Record<keyof Database[T] & string, true> };

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('schema', () => {
  it('the Database types name exactly the tables and columns the migrations create', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = 'public' and table_name not like 'kysely_%'
      order by table_name, column_name`.execute(app.db);
    const live: Record<string, string[]> = {};
    for (const r of rows) (live[r.table_name] ??= []).push(r.column_name);
    const typed = Object.fromEntries(Object.entries(COLUMNS).map(([t, cols]) => [t, Object.keys(cols).sort()]));
    expect(live).toEqual(typed);
  });

  it('every tenant table leads its primary key with org_id', async () => {
    const { rows } = await sql<{ table_name: string; first: string }>`
      select tc.table_name, kcu.column_name as first
      from information_schema.table_constraints tc
      join information_schema.key_column_usage kcu on kcu.constraint_name = tc.constraint_name and kcu.ordinal_position = 1
      where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = 'public' and tc.table_name not like 'kysely_%'`.execute(app.db);
    // account_tokens and account_email_outbox belong to an address, not an org (issue 20, ADR 028), like users
    // invoice_sequences is the seller's gap-free invoice number, one row per seller GSTIN (ADR 031)
    const global = ['organizations', 'users', 'sessions', 'rate_limits', 'installation_secrets', 'account_tokens', 'account_email_outbox', 'invoice_sequences'];
    const offenders = rows.filter((r) => !global.includes(r.table_name) && r.first !== 'org_id');
    expect(offenders).toEqual([]);
  });
});

/**
 * Citus readiness (docs/scaling.md): a table with an org_id column is distributed by org_id, so
 * every unique index of it (primary key included) must hold org_id, or PostgreSQL's uniqueness
 * could not be checked on one shard. The coordinator-local tables are the stated exceptions.
 */
const COORDINATOR_LOCAL = ['sessions'];

describe('schema ready to shard by org', () => {
  it('every unique index of an org_id table includes org_id', async () => {
    const { rows } = await sql<{ table_name: string; index_name: string; definition: string }>`
      select t.relname as table_name, i.relname as index_name, pg_get_indexdef(x.indexrelid) as definition
      from pg_index x
      join pg_class t on t.oid = x.indrelid
      join pg_class i on i.oid = x.indexrelid
      join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'public' and x.indisunique
        and exists (select 1 from pg_attribute a where a.attrelid = t.oid and a.attname = 'org_id' and not a.attisdropped)
        and not exists (select 1 from pg_attribute a where a.attrelid = t.oid and a.attnum = any (x.indkey) and a.attname = 'org_id')
      order by 1, 2`.execute(app.db);
    expect(rows.filter((r) => !COORDINATOR_LOCAL.includes(r.table_name))).toEqual([]);
  });

  it('every foreign key between org_id tables includes org_id', async () => {
    const { rows } = await sql<{ table_name: string; constraint_name: string }>`
      select c.conrelid::regclass::text as table_name, c.conname as constraint_name
      from pg_constraint c
      where c.contype = 'f' and c.connamespace = 'public'::regnamespace
        and exists (select 1 from pg_attribute a where a.attrelid = c.confrelid and a.attname = 'org_id' and not a.attisdropped)
        and not exists (select 1 from pg_attribute a where a.attrelid = c.conrelid and a.attnum = any (c.conkey) and a.attname = 'org_id')
      order by 1, 2`.execute(app.db);
    expect(rows.filter((r) => !COORDINATOR_LOCAL.includes(r.table_name))).toEqual([]);
  });
});
