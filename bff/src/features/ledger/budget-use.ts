import { sql, type RawBuilder } from 'kysely';

/**
 * "Budget use", written once: this period's settled usage of a budget's subject (the daily
 * rollup; periods start at 00:00 UTC) plus its open, unexpired reservations, in millicredits.
 * An SQL expression over a budget row aliased `b` (budgets' rows: budgets/budgets.sql.ts); `periodDay` is the period's first day
 * (a date expression) and `at` the moment open reservations are counted at. The ledger owns the
 * tables it sums (usage_daily, reservations): its batch read and its budgets-with-use read
 * (ledger.service `budgetsWithUse`, which the budget list and the AI estimate call) both embed
 * it, so the number the owner sees is the number the engine enforces.
 *
 * The rule itself is shared/src/budgets.ts `budgetUseMc` (pure; the mock API computes budget use
 * with it, and shared/test/budgets.test.ts pins it with literal values): change both together.
 */
export function budgetUseSql(periodDay: RawBuilder<unknown>, at: Date): RawBuilder<bigint> {
  return sql<bigint>`(
    coalesce((select sum(d.charged_mc) from usage_daily d where d.org_id = b.org_id and d.day >= ${periodDay}
      and ((b.subject_type = 'project' and d.project_id = b.subject_id) or (b.subject_type = 'user' and d.user_id = b.subject_id))), 0)
    + coalesce((select sum(r.estimate_mc) from reservations r where r.org_id = b.org_id and r.status = 'open' and r.expires_at > ${at}
      and ((b.subject_type = 'project' and r.project_id = b.subject_id) or (b.subject_type = 'user' and r.user_id = b.subject_id))), 0))`;
}
