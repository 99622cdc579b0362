import { sql } from 'kysely';
import type { Executor } from '../../db/db';

export interface AlertCandidate {
  /** 'credits', 'project:<uuid>' or 'user:<uuid>' */
  subject: string;
  threshold: number;
}

/**
 * Insert the alerts a batch crossed; the unique key (org, period, subject, threshold) keeps only
 * the first writer's row, whatever the instance. Returns the rows this transaction inserted:
 * only those go on to notify.
 */
export async function insertAlerts(trx: Executor, orgId: string, periodStart: Date, at: Date, candidates: AlertCandidate[]) {
  const { rows } = await sql<{ subject: string; threshold: number }>`
    insert into alerts (org_id, period_start, subject, threshold, created_at)
    select ${orgId}::uuid, ${periodStart}::timestamptz, c.subject, c.threshold, ${at}::timestamptz
    from unnest(${candidates.map((c) => c.subject)}::text[], ${candidates.map((c) => c.threshold)}::int[]) as c (subject, threshold)
    on conflict do nothing
    returning subject, threshold`.execute(trx);
  return rows;
}

/** Owner and admins, who get every alert. */
export function managers(trx: Executor, orgId: string) {
  return trx
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.name'])
    .where('memberships.org_id', '=', orgId)
    .where('memberships.role', 'in', ['owner', 'admin'])
    .execute();
}

export function membersByIds(trx: Executor, orgId: string, ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return trx
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.name'])
    .where('memberships.org_id', '=', orgId)
    .where('users.id', 'in', ids)
    .execute();
}

export function projectNames(trx: Executor, orgId: string, ids: string[]) {
  if (!ids.length) return Promise.resolve([]);
  return trx.selectFrom('projects').select(['id', 'name']).where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

export async function insertNotifications(
  trx: Executor,
  rows: { org_id: string; user_id: string; title: string; body: string; link: string | null; created_at: Date }[],
) {
  if (rows.length) await trx.insertInto('notifications').values(rows).execute();
}

export function findSettings(db: Executor, orgId: string) {
  return db.selectFrom('alert_settings').select(['credit_percents', 'budget_percents']).where('org_id', '=', orgId).executeTakeFirst();
}

export async function upsertSettings(trx: Executor, orgId: string, creditPercents: number[], budgetPercents: number[], at: Date) {
  await trx
    .insertInto('alert_settings')
    .values({ org_id: orgId, credit_percents: creditPercents, budget_percents: budgetPercents, updated_at: at })
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ credit_percents: creditPercents, budget_percents: budgetPercents, updated_at: at }))
    .execute();
}

export function listNotifications(db: Executor, orgId: string, userId: string, limit: number) {
  return db
    .selectFrom('notifications')
    .select(['id', 'title', 'body', 'link', 'created_at', 'read_at'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function unreadCount(db: Executor, orgId: string, userId: string) {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Marks the caller's own notifications read (ids of someone else's match nothing). */
export async function markRead(db: Executor, orgId: string, userId: string, ids: string[] | 'all', at: Date) {
  let q = db.updateTable('notifications').set({ read_at: at }).where('org_id', '=', orgId).where('user_id', '=', userId).where('read_at', 'is', null);
  if (ids !== 'all') {
    if (!ids.length) return;
    q = q.where('id', 'in', ids);
  }
  await q.execute();
}
