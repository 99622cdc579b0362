import type { Insertable } from 'kysely';
import type { Executor } from '../../db/db';
import type { AuditLogTable } from './audit.tables';

export async function insertAudit(trx: Executor, entry: Insertable<AuditLogTable>) {
  await trx.insertInto('audit_log').values(entry).execute();
}

export function distinctAuditActions(db: Executor, orgId: string) {
  return db.selectFrom('audit_log').select('action').distinct().where('org_id', '=', orgId).orderBy('action').execute();
}

export function listAudit(db: Executor, orgId: string, limit: number, action?: string) {
  let q = db
    .selectFrom('audit_log')
    .select(['audit_log.id', 'audit_log.created_at', 'audit_log.action', 'audit_log.from_value', 'audit_log.to_value', 'audit_log.actor_user_id as actor_id'])
    .where('audit_log.org_id', '=', orgId);
  if (action) q = q.where('audit_log.action', '=', action);
  return q
    .orderBy('audit_log.created_at', 'desc')
    .orderBy('audit_log.id', 'desc')
    .limit(limit)
    .execute();
}
