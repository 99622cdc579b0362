import type { AlertSettings, AlertThresholds, AskForMoreBody, AskForMoreResult, BudgetList, NotificationList, SetBudgetBody } from '@ai-credits/shared/contracts/budgets';
import type { Db } from '../../db/db';
import { toSafeNumber } from '../../lib/bigint';
import type { Clock } from '../../lib/clock';
import * as alerts from '../alerts/alerts.service';
import { recordAudit } from '../audit/audit.service';
import type { AccountsService } from '../auth/accounts.service';
import type { EmailService } from '../email/email.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { OrgService } from '../org/org.service';
import * as repo from './budgets.repository';

const NOTIFICATIONS_SHOWN = 50;

/** PostgreSQL's default collation order is not JavaScript's; names compare as the UI shows them. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Budgets (monthly credit caps per project and per member), alert thresholds and notifications.
 * Where a budget is enforced: ledger/ledger-engine.ts `assertCanCover` (every limit of a call,
 * the lowest wins; the rule and its words in shared/budgets.ts `checkCoverage`), run by the batch
 * engine `applyBatch`, which also fires the alerts. This service is what the owner sets and what
 * everyone reads.
 */
export function createBudgetsService(deps: { db: Db; clock: Clock; ledger: LedgerService; org: OrgService; accounts: AccountsService; email: Pick<EmailService, 'kick'> }) {
  const { db, clock, ledger, org: orgs, accounts, email } = deps;

  async function list(orgId: string): Promise<BudgetList> {
    const org = await ledger.ensureCurrentPeriod(orgId);
    const rows = await ledger.budgetsWithUse(orgId, org.periodStart);
    // Names from their owners (org: projects; accounts: users, also a member who has left).
    const [projects, users] = await Promise.all([
      rows.some((r) => r.subjectType === 'project') ? orgs.listProjects(orgId) : [],
      accounts.userNames(rows.filter((r) => r.subjectType === 'user').map((r) => r.subjectId)),
    ]);
    const projectNames = new Map(projects.map((p) => [p.id, p.name]));
    const named = rows.map((r) => ({
      subjectType: r.subjectType,
      subjectId: r.subjectId,
      name: (r.subjectType === 'project' ? projectNames.get(r.subjectId) : users.get(r.subjectId)) ?? (r.subjectType === 'project' ? 'Deleted project' : 'Former member'),
      limitMc: toSafeNumber(r.limitMc),
      usedMc: toSafeNumber(r.usedMc),
    }));
    // Projects first, then members; by name within each (as the list always read).
    named.sort((a, b) => (a.subjectType !== b.subjectType ? (a.subjectType < b.subjectType ? -1 : 1) : compareText(a.name, b.name) || compareText(a.subjectId, b.subjectId)));
    return { period: { start: org.periodStart.toISOString(), end: org.periodEnd.toISOString() }, budgets: named };
  }

  async function notifications(orgId: string, userId: string): Promise<NotificationList> {
    return alerts.notifications(db, orgId, userId, NOTIFICATIONS_SHOWN);
  }

  return {
    list,

    /** Each budget's limit and what it has used this period (the AI estimate applies the engine's rule with it). */
    withUse(orgId: string, periodStart: Date) {
      return ledger.budgetsWithUse(orgId, periodStart);
    },

    /** Owner only (the route). The subject must be a project or a member of this org. */
    async set(orgId: string, actorUserId: string, body: SetBudgetBody): Promise<BudgetList> {
      const now = clock.now();
      // The subject must be a project or a member of this org (404 otherwise), asked of its owner.
      const subject = body.subjectType === 'project' ? await orgs.projectOrThrow(orgId, body.subjectId) : await orgs.memberOrThrow(orgId, body.subjectId);
      await db.transaction().execute(async (trx) => {
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
        await recordAudit(trx, {
          orgId,
          actorUserId,
          action: body.limitCredits === null ? 'budget.cleared' : 'budget.set',
          from: { ...who, budget: from ? `${from.limitCredits} credits` : 'none' },
          to: { ...who, budget: body.limitCredits === null ? 'none' : `${body.limitCredits} credits` },
          at: now,
        });
      });
      return list(orgId);
    },

    async thresholds(orgId: string): Promise<AlertSettings> {
      return alerts.thresholds(db, orgId);
    },

    /**
     * Owner only (the route). Takes effect for crossings from now on; alerts already fired stay fired.
     * Saving them unchanged is a save too (savedAt: the setup checklist's step), though not audited.
     */
    async setThresholds(orgId: string, actorUserId: string, body: AlertThresholds): Promise<AlertSettings> {
      const now = clock.now();
      const next = { creditPercents: [...body.creditPercents].sort((a, b) => a - b), budgetPercents: [...body.budgetPercents].sort((a, b) => a - b) };
      await db.transaction().execute(async (trx) => {
        const current = await alerts.thresholds(trx, orgId);
        const from = { creditPercents: current.creditPercents, budgetPercents: current.budgetPercents };
        await alerts.saveThresholds(trx, orgId, next, now);
        if (JSON.stringify(from) !== JSON.stringify(next)) {
          await recordAudit(trx, { orgId, actorUserId, action: 'alert_thresholds.changed', from, to: next, at: now });
        }
      });
      return { ...next, savedAt: now.toISOString() };
    },

    notifications,

    /** A member or admin asks the owner and admins for more (the route allows admin and member): once per limit per day. */
    async askForMore(orgId: string, userId: string, body: AskForMoreBody): Promise<AskForMoreResult> {
      const org = await ledger.ensureCurrentPeriod(orgId);
      const now = clock.now();
      const result = await db.transaction().execute((trx) => alerts.askForMore(trx, { orgId, userId, limit: body.limit, projectId: body.projectId, now, resetsAt: org.periodEnd }));
      if (result.status === 'sent') email.kick();
      return result;
    },

    async markRead(orgId: string, userId: string, body: { ids: string[] } | { all: true }): Promise<NotificationList> {
      await alerts.markRead(db, orgId, userId, 'all' in body ? 'all' : body.ids, clock.now());
      return notifications(orgId, userId);
    },
  };
}

export type BudgetsService = ReturnType<typeof createBudgetsService>;
