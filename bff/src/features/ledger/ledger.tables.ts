import type { ColumnType, Generated } from 'kysely';
import type { Timestamp, BigIntCol, Json, GeneratedBigInt } from '../../db/columns';

/**
 * The tables the ledger feature owns: only its repository reads or writes them; other features
 * go through its service (ADR 017; test/table-ownership.test.ts holds this). Kept in step with
 * db/migrations/ by test/schema.test.ts.
 */
export interface LedgerTables {
  credit_accounts: CreditAccountsTable;
  grants: GrantsTable;
  ledger_entries: LedgerEntriesTable;
  reservations: ReservationsTable;
  usage_records: UsageRecordsTable;
  usage_daily: UsageDailyTable;
  usage_daily_keys: UsageDailyKeysTable;
  idempotency_keys: IdempotencyKeysTable;
}

/**
 * An org's credit account, one row per org, opened at sign-up (ledger.openAccount): the row every
 * ledger transaction of the org locks. balance_mc = sum(ledger_entries.amount_mc) of the org.
 */
export interface CreditAccountsTable {
  org_id: string;
  /** The org's creation time: the anchor of its billing months. */
  created_at: Timestamp;
  balance_mc: GeneratedBigInt;
  ai_enabled: Generated<boolean>;
  overage_limit_mc: GeneratedBigInt;
  period_start: Timestamp;
  period_end: Timestamp;
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

/** The daily rollup of the usage metered through API keys, per key (ADR 039): usage_daily's columns and the key. */
export interface UsageDailyKeysTable extends UsageDailyTable {
  api_key_id: string;
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
