import { sql, type Expression, type RawBuilder } from 'kysely';

/**
 * The org's budget rows as a derived table (org_id, subject_type, subject_id, limit_mc), for a
 * statement another feature must keep as one (ADR 017 "Fragments"): the ledger sums each
 * budget's use where it keeps usage (ledger/budget-use.ts), in its batch read under the org lock
 * and in the budget list's one statement. Budgets own which rows; the ledger owns the use.
 * `subjects` keeps only the budgets of these projects and users (arrays of ids: columns of the
 * caller's statement); absent, every budget of the org. A plain subquery: PostgreSQL plans it as
 * the table itself (same index, same cost).
 */
export function budgetRowsSql(orgId: Expression<unknown> | string, subjects?: { projectIds: Expression<unknown>; userIds: Expression<unknown> }): RawBuilder<unknown> {
  const only = subjects
    ? sql` and ((subject_type = 'project' and subject_id = any(${subjects.projectIds})) or (subject_type = 'user' and subject_id = any(${subjects.userIds})))`
    : sql``;
  return sql`(select org_id, subject_type, subject_id, limit_mc from budgets where org_id = ${orgId}${only})`;
}
