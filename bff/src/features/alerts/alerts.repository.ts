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

export interface NotificationRow {
  org_id: string;
  user_id: string;
  kind: 'alert' | 'more_request';
  title: string;
  body: string;
  link: string | null;
  items: string | null;
  resets_at: Date | null;
  email_id: string | null;
  created_at: Date;
}

export async function insertNotifications(trx: Executor, rows: NotificationRow[]) {
  if (rows.length) await trx.insertInto('notifications').values(rows).execute();
}

/**
 * Each recipient's newest unread alert notification since `since` about the same period (its
 * limits reset at `resetsAt`): alerts that fire together merge into it (ADR 037). The batch holds
 * the org lock, so no other batch of the org merges at the same time.
 */
export function mergeTargets(trx: Executor, orgId: string, userIds: string[], since: Date, resetsAt: Date) {
  if (!userIds.length) return Promise.resolve([]);
  return trx
    .selectFrom('notifications')
    .select(['id', 'user_id', 'items', 'email_id'])
    .distinctOn('user_id')
    .where('org_id', '=', orgId)
    .where('user_id', 'in', userIds)
    .where('kind', '=', 'alert')
    .where('read_at', 'is', null)
    .where('created_at', '>=', since)
    .where('resets_at', '=', resetsAt)
    .orderBy('user_id')
    .orderBy('created_at', 'desc')
    .execute();
}

export async function updateNotification(trx: Executor, orgId: string, id: string, row: Pick<NotificationRow, 'title' | 'body' | 'link' | 'items' | 'email_id' | 'created_at'>) {
  await trx.updateTable('notifications').set(row).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** "Ask for more": the first request of the day for this limit inserts; the others find it (the key decides, under any concurrency). */
export async function insertMoreRequest(trx: Executor, row: { org_id: string; user_id: string; limit_key: string; day: string; created_at: Date }) {
  const inserted = await trx.insertInto('more_requests').values(row).onConflict((oc) => oc.doNothing()).returning('created_at').executeTakeFirst();
  if (inserted) return { created: true, at: inserted.created_at };
  const existing = await trx
    .selectFrom('more_requests')
    .select('created_at')
    .where('org_id', '=', row.org_id)
    .where('user_id', '=', row.user_id)
    .where('limit_key', '=', row.limit_key)
    .where('day', '=', row.day)
    .executeTakeFirstOrThrow();
  return { created: false, at: existing.created_at };
}

export function findSettings(db: Executor, orgId: string) {
  return db.selectFrom('alert_settings').select(['credit_percents', 'budget_percents', 'updated_at']).where('org_id', '=', orgId).executeTakeFirst();
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
    .select(['id', 'kind', 'title', 'body', 'link', 'resets_at', 'created_at', 'read_at'])
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
