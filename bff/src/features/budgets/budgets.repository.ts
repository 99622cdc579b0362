import { sql, type Insertable } from 'kysely';
import type { Executor } from '../../db/db';
import type { BudgetsTable } from './budgets.tables';

/** Every budget of the org with this period's use: settled (daily rollup) plus open reservations. */
export async function listWithUse(db: Executor, orgId: string, periodStart: Date, at: Date) {
  const periodDay = periodStart.toISOString().slice(0, 10);
  const { rows } = await sql<{ subject_type: 'project' | 'user'; subject_id: string; name: string | null; limit_mc: string; used_mc: string }>`
    select b.subject_type, b.subject_id, b.limit_mc::text,
      case b.subject_type when 'project' then (select name from projects where org_id = b.org_id and id = b.subject_id)
                          else (select name from users where id = b.subject_id) end as name,
      (coalesce((select sum(d.charged_mc) from usage_daily d where d.org_id = b.org_id and d.day >= ${periodDay}::date
          and ((b.subject_type = 'project' and d.project_id = b.subject_id) or (b.subject_type = 'user' and d.user_id = b.subject_id))), 0)
       + coalesce((select sum(r.estimate_mc) from reservations r where r.org_id = b.org_id and r.status = 'open' and r.expires_at > ${at}
          and ((b.subject_type = 'project' and r.project_id = b.subject_id) or (b.subject_type = 'user' and r.user_id = b.subject_id))), 0))::text as used_mc
    from budgets b where b.org_id = ${orgId}
    order by b.subject_type, name, b.subject_id`.execute(db);
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
