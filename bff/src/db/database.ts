import type { ColumnType, Generated } from 'kysely';

/**
 * Types of the tables as the migrations leave them. Keep in step with db/migrations/
 * (test/schema.test.ts compares this file's tables and columns with the live schema).
 * int8 columns are parsed as bigint (see db.ts).
 */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type BigIntCol = ColumnType<bigint, bigint | number | string, bigint | number | string>;
type Json = ColumnType<unknown, string, string>;
type GeneratedBigInt = ColumnType<bigint, bigint | number | string | undefined, bigint | number | string>;

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  created_at: Timestamp;
  ai_enabled: Generated<boolean>;
  overage_limit_mc: GeneratedBigInt;
  balance_mc: GeneratedBigInt;
  period_start: Timestamp;
  period_end: Timestamp;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string;
  created_at: Timestamp;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: 'owner' | 'admin' | 'member';
  created_at: Timestamp;
}

export interface ProjectsTable {
  org_id: string;
  id: Generated<string>;
  name: string;
  created_at: Timestamp;
  archived_at: Timestamp | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  org_id: string;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  count: number;
}

export type GrantSource = 'monthly_allowance' | 'purchase' | 'adjustment';

export interface GrantsTable {
  org_id: string;
  id: Generated<string>;
  source: GrantSource;
  amount_mc: BigIntCol;
  remaining_mc: BigIntCol;
  starts_at: Timestamp;
  expires_at: Timestamp;
  period_start: Timestamp;
  purchase_id: string | null;
  note: string | null;
  created_at: Timestamp;
}

export type LedgerEntryType = 'grant' | 'consume' | 'expire' | 'overage_invoiced';

export interface LedgerEntriesTable {
  org_id: string;
  id: GeneratedBigInt;
  entry_type: LedgerEntryType;
  amount_mc: BigIntCol;
  balance_after_mc: BigIntCol;
  grant_id: string | null;
  usage_id: string | null;
  invoice_id: string | null;
  created_at: Timestamp;
}

export type ReservationStatus = 'open' | 'settled' | 'released' | 'expired';

export interface ReservationsTable {
  org_id: string;
  id: Generated<string>;
  status: ReservationStatus;
  user_id: string | null;
  project_id: string | null;
  api_key_id: string | null;
  source: 'app' | 'api';
  use_case: string;
  model: string;
  estimate_mc: BigIntCol;
  usage_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface UsageRecordsTable {
  org_id: string;
  id: Generated<string>;
  occurred_at: Timestamp;
  user_id: string | null;
  project_id: string | null;
  api_key_id: string | null;
  source: 'app' | 'api';
  use_case: string;
  model: string;
  rate_version: number;
  input_mc_per_1k: number;
  output_mc_per_1k: number;
  input_tokens: number;
  output_tokens: number;
  charged_mc: BigIntCol;
  overage_mc: BigIntCol;
  /** [{ grantId, mc }] the usage drew from. */
  allocations: Json;
  reservation_id: string | null;
  idempotency_key: string | null;
}

export interface UsageDailyTable {
  org_id: string;
  /** 'YYYY-MM-DD' (date columns are read as text, see db.ts). */
  day: ColumnType<string, string, string>;
  use_case: string;
  model: string;
  user_id: string | null;
  project_id: string | null;
  charged_mc: BigIntCol;
  calls: number;
}

export interface IdempotencyKeysTable {
  org_id: string;
  key: string;
  operation: string;
  request_hash: string;
  status_code: number;
  response: Json;
  created_at: Timestamp;
}

export interface OverageInvoicesTable {
  org_id: string;
  id: Generated<string>;
  period_start: Timestamp;
  period_end: Timestamp;
  overage_mc: BigIntCol;
  credits: BigIntCol;
  amount_cents: BigIntCol;
  status: 'open' | 'paid';
  created_at: Timestamp;
  paid_at: Timestamp | null;
}

export interface AuditLogTable {
  org_id: string;
  id: Generated<string>;
  actor_user_id: string | null;
  action: string;
  from_value: Json | null;
  to_value: Json | null;
  created_at: Timestamp;
}

// Billing (migration 2026_11_25_0100_billing) ----------------------------------------------

export type PurchaseStatusCol = 'created' | 'attempted' | 'failed' | 'paid' | 'granted';

export interface PurchasesTable {
  org_id: string;
  id: string;
  kind: 'bundle' | 'invoice';
  bundle_id: string | null;
  invoice_id: string | null;
  credits: BigIntCol;
  amount_cents: BigIntCol;
  currency: string;
  status: PurchaseStatusCol;
  gateway: 'razorpay' | 'sandbox';
  razorpay_order_id: string;
  razorpay_payment_id: string | null;
  failure_reason: string | null;
  refunded_cents: GeneratedBigInt;
  refunded_at: Timestamp | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  checked_at: Timestamp | null;
  paid_at: Timestamp | null;
  granted_at: Timestamp | null;
}

export interface BillingWebhookEventsTable {
  org_id: string;
  event_id: string;
  event_type: string;
  purchase_id: string | null;
  received_at: Timestamp;
}

export interface SandboxPaymentsTable {
  org_id: string;
  id: string;
  order_id: string;
  amount_cents: BigIntCol;
  currency: string;
  status: 'captured' | 'failed';
  method: string;
  error_description: string | null;
  created_at: Timestamp;
}

// AI features and API keys (migration 2026_11_25_0200_ai) ---------------------------------

export interface ApiKeysTable {
  org_id: string;
  id: Generated<string>;
  name: string;
  token_prefix: string;
  token_hash: string;
  created_by: string | null;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface AiRequestsTable {
  org_id: string;
  idempotency_key: string;
  operation: string;
  request_hash: string;
  status: 'pending' | 'done';
  response: Json | null;
  created_at: Timestamp;
}

export interface TestCaseGenerationsTable {
  org_id: string;
  id: Generated<string>;
  project_id: string;
  user_id: string | null;
  requirement: string;
  model: string;
  usage_id: string | null;
  created_at: Timestamp;
}

export interface TestCasesTable {
  org_id: string;
  id: Generated<string>;
  project_id: string;
  generation_id: string;
  position: number;
  area: string;
  title: string;
  preconditions: string;
  steps: Json;
  expected_result: string;
  created_at: Timestamp;
}

export interface AiConversationsTable {
  org_id: string;
  id: Generated<string>;
  project_id: string;
  user_id: string;
  title: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AiMessagesTable {
  org_id: string;
  id: Generated<string>;
  conversation_id: string;
  seq: GeneratedBigInt;
  role: 'user' | 'assistant';
  content: string;
  model: string | null;
  usage_id: string | null;
  /** A streamed answer cut short (stop, disconnect, provider failure, shutdown): what was produced, charged as such. */
  stopped: Generated<boolean>;
  created_at: Timestamp;
}

export interface AiReportsTable {
  org_id: string;
  id: Generated<string>;
  project_id: string;
  user_id: string | null;
  model: string;
  usage_id: string | null;
  test_case_count: number;
  summary: string;
  coverage: Json;
  gaps: Json;
  created_at: Timestamp;
}

export interface InstallationSecretsTable {
  name: string;
  value: string;
  created_at: Timestamp;
}

export interface InvitationsTable {
  org_id: string;
  id: Generated<string>;
  email: string;
  role: 'admin' | 'member';
  token_hash: string;
  invited_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  accepted_by: string | null;
  revoked_at: Timestamp | null;
}

export interface EmailOutboxTable {
  org_id: string;
  id: Generated<string>;
  kind: string;
  to_address: string;
  subject: string;
  body_text: string;
  created_at: Timestamp;
  attempts: Generated<number>;
  last_error: string | null;
  sent_at: Timestamp | null;
}

export interface BudgetsTable {
  org_id: string;
  subject_type: 'project' | 'user';
  subject_id: string;
  limit_mc: BigIntCol;
  updated_at: Timestamp;
}

export interface AlertSettingsTable {
  org_id: string;
  credit_percents: number[];
  budget_percents: number[];
  updated_at: Timestamp;
}

export interface AlertsTable {
  org_id: string;
  period_start: Timestamp;
  subject: string;
  threshold: number;
  created_at: Timestamp;
}

export interface NotificationsTable {
  org_id: string;
  id: Generated<string>;
  user_id: string;
  title: string;
  body: string;
  link: string | null;
  created_at: Timestamp;
  read_at: Timestamp | null;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  projects: ProjectsTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  grants: GrantsTable;
  ledger_entries: LedgerEntriesTable;
  reservations: ReservationsTable;
  usage_records: UsageRecordsTable;
  usage_daily: UsageDailyTable;
  idempotency_keys: IdempotencyKeysTable;
  overage_invoices: OverageInvoicesTable;
  audit_log: AuditLogTable;
  purchases: PurchasesTable;
  billing_webhook_events: BillingWebhookEventsTable;
  sandbox_payments: SandboxPaymentsTable;
  api_keys: ApiKeysTable;
  ai_requests: AiRequestsTable;
  test_case_generations: TestCaseGenerationsTable;
  test_cases: TestCasesTable;
  ai_conversations: AiConversationsTable;
  ai_messages: AiMessagesTable;
  ai_reports: AiReportsTable;
  installation_secrets: InstallationSecretsTable;
  invitations: InvitationsTable;
  email_outbox: EmailOutboxTable;
  budgets: BudgetsTable;
  alert_settings: AlertSettingsTable;
  alerts: AlertsTable;
  notifications: NotificationsTable;
}
