import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

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
  idempotency_keys: IdempotencyKeysTable;
  overage_invoices: OverageInvoicesTable;
  audit_log: AuditLogTable;
}

export type OrganizationRow = Selectable<OrganizationsTable>;
export type GrantRow = Selectable<GrantsTable>;
export type NewGrant = Insertable<GrantsTable>;
