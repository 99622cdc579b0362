import type { Insertable } from 'kysely';
import type { Executor } from '../../db/db';
import type { BudgetsTable } from './budgets.tables';

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
