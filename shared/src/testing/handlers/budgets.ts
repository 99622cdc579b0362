import { http, type HttpHandler } from 'msw';
import { DEFAULT_BUDGET_ALERT_PERCENTS, DEFAULT_CREDIT_ALERT_PERCENTS } from '../../budgets';
import { MC_PER_CREDIT, SELLER } from '../../catalog';
import { budgetsContract } from '../../contracts/budgets';
import { apiError, json, bodyOf, requireSession, url, validationFailed } from '../http';
import { budgetUsedMc } from '../store/projections';
import { nextId, nowIso, type MockStore } from '../store/state';
import { audit } from './org';

/** Budgets of projects and members (the AI and metering refusals read them too), alert thresholds, notifications. */
export function budgetsHandlers(db: MockStore): HttpHandler[] {
  const listOf = () => ({
    period: { start: db.period.start.toISOString(), end: db.period.end.toISOString() },
    budgets: db.budgets.map((b) => ({
      ...b,
      name: (b.subjectType === 'project' ? db.projects.find((p) => p.id === b.subjectId)?.name : db.members.find((m) => m.userId === b.subjectId)?.name) ?? 'Deleted',
      usedMc: budgetUsedMc(db, b.subjectType, b.subjectId),
    })),
  });
  const notificationsOf = () => ({ unread: db.notifications.filter((n) => !n.readAt).length, notifications: db.notifications });

  return [
    http.get(url(budgetsContract.list), ({ request }) => requireSession(db, request, budgetsContract.list) ?? json(budgetsContract.list, listOf())),
    http.put(url(budgetsContract.set), async ({ request }) => {
      const denied = requireSession(db, request, budgetsContract.set);
      if (denied) return denied;
      const parsed = budgetsContract.set.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const { subjectType, subjectId, limitCredits } = parsed.data;
      const rest = db.budgets.filter((b) => !(b.subjectType === subjectType && b.subjectId === subjectId));
      db.budgets = limitCredits === null ? rest : [...rest, { subjectType, subjectId, limitMc: limitCredits * MC_PER_CREDIT }];
      audit(db, limitCredits === null ? 'budget.cleared' : 'budget.set', null, { subjectType, subjectId, limitCredits });
      return json(budgetsContract.set, listOf());
    }),
    http.get(url(budgetsContract.thresholds), ({ request }) =>
      requireSession(db, request, budgetsContract.thresholds) ?? json(budgetsContract.thresholds, db.alertThresholds ?? { creditPercents: [...DEFAULT_CREDIT_ALERT_PERCENTS], budgetPercents: [...DEFAULT_BUDGET_ALERT_PERCENTS], savedAt: null }),
    ),
    http.put(url(budgetsContract.setThresholds), async ({ request }) => {
      const denied = requireSession(db, request, budgetsContract.setThresholds);
      if (denied) return denied;
      const parsed = budgetsContract.setThresholds.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      // A save unchanged is a save too (savedAt), as in the BFF.
      db.alertThresholds = { creditPercents: [...parsed.data.creditPercents].sort((a, b) => a - b), budgetPercents: [...parsed.data.budgetPercents].sort((a, b) => a - b), savedAt: nowIso(db) };
      return json(budgetsContract.setThresholds, db.alertThresholds);
    }),
    http.get(url(budgetsContract.notifications), ({ request }) => requireSession(db, request, budgetsContract.notifications) ?? json(budgetsContract.notifications, notificationsOf())),
    http.post(url(budgetsContract.askForMore), async ({ request }) => {
      const denied = requireSession(db, request, budgetsContract.askForMore);
      if (denied) return denied;
      const parsed = budgetsContract.askForMore.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const { limit, projectId } = parsed.data;
      let projectName: string | null = null;
      if (limit === 'project_budget') {
        if (!projectId) return apiError(400, 'VALIDATION_FAILED', 'projectId: the project whose budget was reached');
        const project = db.projects.find((p) => p.id === projectId);
        if (!project) return apiError(404, 'NOT_FOUND', 'Project not found');
        projectName = project.name;
      }
      // The owner first, then the admins by name (as the BFF lists them).
      const managers = db.members.filter((m) => m.role !== 'member' && m.userId !== db.userId).sort((a, b) => Number(b.role === 'owner') - Number(a.role === 'owner') || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const notified = managers.map((m) => ({ name: m.name, role: m.role as 'owner' | 'admin' }));
      const key = `${db.userId}|${limit === 'project_budget' ? `project_budget:${projectId}` : limit}|${nowIso(db).slice(0, 10)}`;
      const first = db.moreRequests.get(key);
      if (first) return json(budgetsContract.askForMore, { status: 'already_sent', sentAt: first, notified });
      const sentAt = nowIso(db);
      db.moreRequests.set(key, sentAt);
      const requester = db.members.find((m) => m.userId === db.userId)?.name ?? 'A member';
      const what = limit === 'member_budget' ? 'their monthly budget is reached' : limit === 'project_budget' ? `the budget of project "${projectName}" is reached` : "the organization's credits are used up";
      for (const m of managers) {
        db.emails.unshift({ id: nextId(), kind: 'more_request', to: m.email, subject: `${SELLER.name} AI credits: ${requester} asks for more credits`, text: `${requester}'s AI requests are refused: ${what}.`, createdAt: sentAt, sentAt: null, attempts: 0, lastError: null, attachments: [] });
      }
      return json(budgetsContract.askForMore, { status: 'sent', sentAt, notified });
    }),
    http.post(url(budgetsContract.markRead), async ({ request }) => {
      const denied = requireSession(db, request, budgetsContract.markRead);
      if (denied) return denied;
      const parsed = budgetsContract.markRead.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const at = nowIso(db);
      for (const n of db.notifications) if (!n.readAt && ('all' in parsed.data || parsed.data.ids.includes(n.id))) n.readAt = at;
      return json(budgetsContract.markRead, notificationsOf());
    }),
  ];
}
