import type { Timestamp } from './columns';
import type { AiTables } from '../features/ai/ai.tables';
import type { AlertsTables } from '../features/alerts/alerts.tables';
import type { ApiKeysTables } from '../features/api-keys/api-keys.tables';
import type { AuditTables } from '../features/audit/audit.tables';
import type { AccountsTables } from '../features/auth/accounts.tables';
import type { BillingTables } from '../features/billing/billing.tables';
import type { BudgetsTables } from '../features/budgets/budgets.tables';
import type { EmailTables } from '../features/email/email.tables';
import type { LedgerTables } from '../features/ledger/ledger.tables';
import type { OrgTables } from '../features/org/org.tables';

/**
 * The database as Kysely sees it: each feature's tables (features/<feature>/<feature>.tables.ts,
 * in the manner of Kysely's example app), composed. Only the owner of a table reads or writes
 * it (ADR 017); test/schema.test.ts holds these types to the live schema, and
 * test/table-ownership.test.ts holds each feature to its own tables.
 */
export interface Database
  extends AccountsTables,
    OrgTables,
    BillingTables,
    LedgerTables,
    AiTables,
    ApiKeysTables,
    AuditTables,
    BudgetsTables,
    AlertsTables,
    EmailTables {
  installation_secrets: InstallationSecretsTable;
}

/** Installation-wide secrets (lib/installation-secrets.ts): no feature owns them. */
export interface InstallationSecretsTable {
  name: string;
  value: string;
  created_at: Timestamp;
}
