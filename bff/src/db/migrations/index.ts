import type { Migration } from 'kysely/migration';
import * as core from './2026_11_25_0001_core';
import * as billing from './2026_11_25_0100_billing';
import * as ai from './2026_11_25_0200_ai';
import * as projectArchive from './2026_11_25_1800_project_archive';
import * as security from './2026_11_26_0100_security';
import * as emailOutbox from './2026_11_27_0100_email_outbox';
import * as budgetsAlerts from './2026_11_28_0100_budgets_alerts';
import * as usageReadIndexes from './2026_11_28_0100_usage_read_indexes';
import * as usageDailyCovering from './2026_11_28_0200_usage_daily_covering';
import * as orgShardKeys from './2026_12_05_0300_org_shard_keys';
import * as billingProfiles from './2026_12_05_0400_billing_profiles';
import * as autoTopUp from './2026_12_05_0410_auto_topup';
import * as stoppedAnswers from './2026_12_05_0500_stopped_answers';
import * as accountOwnership from './2026_12_05_0600_account_ownership';
import * as taxInvoices from './2026_12_05_0700_tax_invoices';
import * as emailAttachments from './2026_12_05_0810_email_attachments';
import * as stoppedReportsGenerations from './2026_12_05_0900_stopped_reports_generations';
import * as mergedAlerts from './2026_12_05_0950_merged_alerts';
import * as usageDailyKeys from './2026_12_06_0100_usage_daily_keys';
import * as userPreferences from './2026_12_06_0100_user_preferences';
import * as creditAccounts from './2026_12_06_0200_credit_accounts';

/**
 * Every migration, by its frozen timestamped name (Kysely runs them in name order).
 * A static list rather than a folder scan, so the same code runs under tsx, vitest and a bundler.
 */
export const migrations: Record<string, Migration> = {
  '2026_11_25_0001_core': core,
  '2026_11_25_0100_billing': billing,
  '2026_11_25_0200_ai': ai,
  '2026_11_25_1800_project_archive': projectArchive,
  '2026_11_26_0100_security': security,
  '2026_11_27_0100_email_outbox': emailOutbox,
  '2026_11_28_0100_budgets_alerts': budgetsAlerts,
  '2026_11_28_0100_usage_read_indexes': usageReadIndexes,
  '2026_11_28_0200_usage_daily_covering': usageDailyCovering,
  '2026_12_05_0300_org_shard_keys': orgShardKeys,
  '2026_12_05_0400_billing_profiles': billingProfiles,
  '2026_12_05_0410_auto_topup': autoTopUp,
  '2026_12_05_0500_stopped_answers': stoppedAnswers,
  '2026_12_05_0600_account_ownership': accountOwnership,
  '2026_12_05_0700_tax_invoices': taxInvoices,
  '2026_12_05_0810_email_attachments': emailAttachments,
  '2026_12_05_0900_stopped_reports_generations': stoppedReportsGenerations,
  '2026_12_05_0950_merged_alerts': mergedAlerts,
  '2026_12_06_0100_usage_daily_keys': usageDailyKeys,
  '2026_12_06_0100_user_preferences': userPreferences,
  '2026_12_06_0200_credit_accounts': creditAccounts,
};
