import { DEFAULT_BUDGET_ALERT_PERCENTS, DEFAULT_CREDIT_ALERT_PERCENTS } from '@ai-credits/shared/budgets';
import type { AlertThresholds, BudgetList, NotificationList, SetBudgetBody } from '@ai-credits/shared/contracts/budgets';
import type { Db } from '../../db/db';
import { notFound } from '../../http/http-error';
import { toSafeNumber } from '../../lib/bigint';
import type { Clock } from '../../lib/clock';
import * as alertsRepo from '../alerts/alerts.repository';
import { insertAudit } from '../ledger/ledger.repository';
import type { LedgerService } from '../ledger/ledger.service';
import * as repo from './budgets.repository';

const NOTIFICATIONS_SHOWN = 50;

/**
 * Budgets (monthly credit caps per project and per member), alert thresholds and notifications.
 * The engine enforces budgets and fires alerts (ledger.service applyOps); this service is
 * what the owner sets and what everyone reads.
 */
export function createBudgetsService(deps: { db: Db; clock: Clock; ledger: LedgerService }) {
  const { db, clock, ledger } = deps;

  async function list(orgId: string): Promise<BudgetList> {
    const org = await ledger.ensureCurrentPeriod(orgId);
    const rows = await repo.listWithUse(db, orgId, org.period_start, clock.now());
    return {
      period: { start: org.period_start.toISOString(), end: org.period_end.toISOString() },
      budgets: rows.map((r) => ({
        subjectType: r.subject_type,
        subjectId: r.subject_id,
        name: r.name ?? (r.subject_type === 'project' ? 'Deleted project' : 'Former member'),
        limitMc: toSafeNumber(BigInt(r.limit_mc)),
        usedMc: toSafeNumber(BigInt(r.used_mc)),
      })),
    };
  }

  async function notifications(orgId: string, userId: string): Promise<NotificationList> {
    const [rows, unread] = await Promise.all([alertsRepo.listNotifications(db, orgId, userId, NOTIFICATIONS_SHOWN), alertsRepo.unreadCount(db, orgId, userId)]);
    return {
      unread,
      notifications: rows.map((n) => ({ id: n.id, title: n.title, body: n.body, link: n.link, createdAt: n.created_at.toISOString(), readAt: n.read_at?.toISOString() ?? null })),
    };
  }

  return {
    list,

    /** Owner only (the route). The subject must be a project or a member of this org. */
    async set(orgId: string, actorUserId: string, body: SetBudgetBody): Promise<BudgetList> {
      const now = clock.now();
      await db.transaction().execute(async (trx) => {
        const subject =
          body.subjectType === 'project'
            ? await trx.selectFrom('projects').select('name').where('org_id', '=', orgId).where('id', '=', body.subjectId).executeTakeFirst()
            : await trx
                .selectFrom('memberships')
                .innerJoin('users', 'users.id', 'memberships.user_id')
                .select('users.name')
                .where('memberships.org_id', '=', orgId)
                .where('memberships.user_id', '=', body.subjectId)
                .executeTakeFirst();
        if (!subject) throw notFound(body.subjectType === 'project' ? 'Project' : 'Member');
        // The audit log reads "project: Checkout, budget: 50 credits" (ids are left out on screen).
        const who = { subjectId: body.subjectId, [body.subjectType === 'project' ? 'project' : 'member']: subject.name };
        const before = await repo.findBudget(trx, orgId, body.subjectType, body.subjectId);
        const from = before ? { limitCredits: toSafeNumber(before.limit_mc / 1000n) } : null;
        if (body.limitCredits === null) {
          if (!before) return;
          await repo.deleteBudget(trx, orgId, body.subjectType, body.subjectId);
        } else {
          if (from?.limitCredits === body.limitCredits) return;
          await repo.upsertBudget(trx, { org_id: orgId, subject_type: body.subjectType, subject_id: body.subjectId, limit_mc: BigInt(body.limitCredits) * 1000n, updated_at: now });
        }
        await insertAudit(trx, {
          org_id: orgId,
          actor_user_id: actorUserId,
          action: body.limitCredits === null ? 'budget.cleared' : 'budget.set',
          from_value: { ...who, budget: from ? `${from.limitCredits} credits` : 'none' },
          to_value: { ...who, budget: body.limitCredits === null ? 'none' : `${body.limitCredits} credits` },
          created_at: now,
        });
      });
      return list(orgId);
    },

    async thresholds(orgId: string): Promise<AlertThresholds> {
      const row = await alertsRepo.findSettings(db, orgId);
      return { creditPercents: row?.credit_percents ?? [...DEFAULT_CREDIT_ALERT_PERCENTS], budgetPercents: row?.budget_percents ?? [...DEFAULT_BUDGET_ALERT_PERCENTS] };
    },

    /** Owner only (the route). Takes effect for crossings from now on; alerts already fired stay fired. */
    async setThresholds(orgId: string, actorUserId: string, body: AlertThresholds): Promise<AlertThresholds> {
      const now = clock.now();
      const next = { creditPercents: [...body.creditPercents].sort((a, b) => a - b), budgetPercents: [...body.budgetPercents].sort((a, b) => a - b) };
      await db.transaction().execute(async (trx) => {
        const row = await alertsRepo.findSettings(trx, orgId);
        const from = { creditPercents: row?.credit_percents ?? [...DEFAULT_CREDIT_ALERT_PERCENTS], budgetPercents: row?.budget_percents ?? [...DEFAULT_BUDGET_ALERT_PERCENTS] };
        await alertsRepo.upsertSettings(trx, orgId, next.creditPercents, next.budgetPercents, now);
        if (JSON.stringify(from) !== JSON.stringify(next)) {
          await insertAudit(trx, { org_id: orgId, actor_user_id: actorUserId, action: 'alert_thresholds.changed', from_value: from, to_value: next, created_at: now });
        }
      });
      return next;
    },

    notifications,

    async markRead(orgId: string, userId: string, body: { ids: string[] } | { all: true }): Promise<NotificationList> {
      await alertsRepo.markRead(db, orgId, userId, 'all' in body ? 'all' : body.ids, clock.now());
      return notifications(orgId, userId);
    },
  };
}

export type BudgetsService = ReturnType<typeof createBudgetsService>;
