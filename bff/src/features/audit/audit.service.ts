import type { AuditAction, AuditEntry } from '@ai-credits/shared/contracts/org';
import type { Executor } from '../../db/db';
import type { Db } from '../../db/db';
import { primaryOnly, type ReadRouter } from '../../db/read-db';
import type { AccountsService } from '../auth/accounts.service';
import * as repo from './audit.repository';

/** One change an owner or admin can read back: who did what, the value before and after. */
export interface AuditRecord {
  orgId: string;
  /** null when no person did it (a system change). */
  actorUserId: string | null;
  action: AuditAction;
  from: unknown;
  to: unknown;
  at: Date;
}

/**
 * Writes the entry in the caller's transaction: the change and its audit entry commit (or roll
 * back) together. Every feature that audits a change writes through here.
 */
export async function recordAudit(trx: Executor, r: AuditRecord): Promise<void> {
  await repo.insertAudit(trx, {
    org_id: r.orgId,
    actor_user_id: r.actorUserId,
    action: r.action,
    from_value: JSON.stringify(r.from),
    to_value: JSON.stringify(r.to),
    created_at: r.at,
  });
}

/** The audit log as the owner and admins read it, newest first, optionally one action. */
export function createAuditService(deps: { db: Db; reads?: ReadRouter; accounts: Pick<AccountsService, 'userNames'> }) {
  // The audit log may come from the read replica (ADR 023): the reader's own changes are replayed first.
  const reads = deps.reads ?? primaryOnly(deps.db);
  return {
    async log(orgId: string, query: { limit: number; action?: string }): Promise<{ entries: AuditEntry[]; actions: string[] }> {
      const {
        value: [rows, actions],
      } = await reads.read(orgId, (rdb) => Promise.all([repo.listAudit(rdb, orgId, query.limit, query.action), repo.distinctAuditActions(rdb, orgId)]));
      // Actors' names from their owner (one statement for the page's actors).
      const names = await deps.accounts.userNames(rows.flatMap((e) => (e.actor_id ? [e.actor_id] : [])));
      const entries = rows.map((e) => ({
        id: e.id,
        at: e.created_at.toISOString(),
        actor: e.actor_id && names.has(e.actor_id) ? { id: e.actor_id, name: names.get(e.actor_id)! } : null,
        action: e.action,
        from: e.from_value,
        to: e.to_value,
      }));
      return { entries, actions: actions.map((a) => a.action) };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
