import { sql, type Insertable } from 'kysely';
import type { Executor } from '../../db/db';
import { budgetUseSql } from './budget-use';
import type { BudgetsTable } from './budgets.tables';

/** Every budget of the org with this period's use (budget-use.ts), by subject type and id. */
export async function listWithUse(db: Executor, orgId: string, periodStart: Date, at: Date) {
  const periodDay = sql`${periodStart.toISOString().slice(0, 10)}::date`;
  const { rows } = await sql<{ subject_type: 'project' | 'user'; subject_id: string; limit_mc: string; used_mc: string }>`
    select b.subject_type, b.subject_id, b.limit_mc::text, ${budgetUseSql(periodDay, at)}::text as used_mc
    from budgets b where b.org_id = ${orgId}
    order by b.subject_type, b.subject_id`.execute(db);
  return rows;
}

export function findBudget(db: Executor, orgId: string, subjectType: 'project' | 'user', subjectId: string) {
  return db
    .selectFrom('budgets')
    .select(['limit_mc'])
    .where('org_id', '=', orgId)
    .where('subject_type', '=', subjectType)
    .where('subject_id', '=', subjectId)
    .executeTakeFirst();
}

export async function upsertBudget(trx: Executor, b: Insertable<BudgetsTable>) {
  await trx
    .insertInto('budgets')
    .values(b)
    .onConflict((oc) => oc.columns(['org_id', 'subject_type', 'subject_id']).doUpdateSet({ limit_mc: b.limit_mc, updated_at: b.updated_at }))
    .execute();
}

export async function deleteBudget(trx: Executor, orgId: string, subjectType: 'project' | 'user', subjectId: string) {
  await trx.deleteFrom('budgets').where('org_id', '=', orgId).where('subject_type', '=', subjectType).where('subject_id', '=', subjectId).execute();
}
