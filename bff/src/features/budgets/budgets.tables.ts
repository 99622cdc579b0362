import type { Timestamp, BigIntCol } from '../../db/columns';

/**
 * The tables the budgets feature owns: only its repository reads or writes them; other features
 * go through its service (ADR 017; test/table-ownership.test.ts holds this). Kept in step with
 * db/migrations/ by test/schema.test.ts.
 */
export interface BudgetsTables {
  budgets: BudgetsTable;
}

export interface BudgetsTable {
  org_id: string;
  subject_type: 'project' | 'user';
  subject_id: string;
  limit_mc: BigIntCol;
  updated_at: Timestamp;
}
