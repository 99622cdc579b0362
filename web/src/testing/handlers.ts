import { http, HttpResponse, type HttpHandler } from 'msw';
import type { Endpoint, ResponseInputOf } from '@ai-credits/shared/api';
import { MC_PER_CREDIT } from '@ai-credits/shared/catalog';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { ChartsQuerySchema, creditsContract, UsageFiltersSchema, UsageHistoryQuerySchema, type UsageRow } from '@ai-credits/shared/contracts/credits';
import { budgetsContract } from '@ai-credits/shared/contracts/budgets';
import { orgContract, type Invitation } from '@ai-credits/shared/contracts/org';
import type { ErrorCode } from '@ai-credits/shared/errors';
import { createAiHandlers } from './ai-handlers';
import { createBillingHandlers } from './billing-handlers';
import { boundsOf, chartsOf, createMockDb, mockId, nextId, sessionOf, summaryOf, type MockDb } from './mock-db';
import type { ScenarioName } from './scenarios';

/** MSW paths use `:param` like the contracts; `*` so they match on any origin (dev server or jsdom). */
const url = (e: Endpoint) => `*${e.path}`;

function json<E extends Endpoint>(_endpoint: E, body: ResponseInputOf<E>, status = 200) {
  return HttpResponse.json(body as never, { status });
}

export function apiError(status: number, code: ErrorCode, message: string) {
  return HttpResponse.json({ error: { code, message } }, { status });
}

function queryObject(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}

async function bodyOf(request: Request): Promise<unknown> {
  return request.json().catch(() => undefined);
}

function filterRows(db: MockDb, q: { from?: string; to?: string; useCase?: string; userId?: string; projectId?: string; apiKeyId?: string; model?: string }): UsageRow[] {
  const bounds = boundsOf(q.from, q.to);
  return db.usage.filter(
    (r) =>
      (!bounds.from || r.occurredAt >= bounds.from) &&
      (!bounds.to || r.occurredAt <= bounds.to) &&
      (!q.useCase || r.useCase === q.useCase) &&
      (!q.userId || r.user?.id === q.userId) &&
      (!q.projectId || r.project?.id === q.projectId) &&
      (!q.apiKeyId || r.apiKey?.id === q.apiKeyId) &&
      (!q.model || r.model === q.model),
  );
}

const encodeCursor = (row: UsageRow) => btoa(`${row.occurredAt}|${row.id}`);
function decodeCursor(cursor: string): [string, string] | null {
  try {
    const [at, id] = atob(cursor).split('|');
    return at && id ? [at, id] : null;
  } catch {
    return null;
  }
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface MockApiOptions {
  /** Fixed "now" for deterministic tests; the browser uses the real clock. */
  now?: Date;
  /** Adds to the scenario's org before serving it (e.g. budgets or notifications a test needs). */
  seed?: (db: MockDb) => void;
}

/**
 * Handlers for the whole API over one in-memory org. Each call makes a fresh org, so tests
 * never share state: `server.resetHandlers(...createHandlers('member'))`.
 */
export function createHandlers(scenario: ScenarioName, options: MockApiOptions = {}): HttpHandler[] {
  const db = createMockDb(scenario, options.now);
  options.seed?.(db);
  return [...authHandlers(db), ...(scenario === 'serverErrors' ? [failEverything] : []), ...orgHandlers(db), ...creditsHandlers(db), ...budgetsHandlers(db), ...createBillingHandlers(), ...createAiHandlers()];
}

/** serverErrors: everything but the session answers 500, so the app shell renders and each section shows its error state. */
const failEverything = http.all('*/api/*', () => apiError(500, 'INTERNAL', 'Something went wrong on our side.'));

function requireSession(db: MockDb, request: Request, opts: { roles?: string[]; write?: boolean } = {}) {
  if (!db.signedIn) return apiError(401, 'UNAUTHENTICATED', 'Please sign in.');
  if (opts.write && request.headers.get('x-csrf-token') !== db.csrfToken) return apiError(403, 'CSRF_FAILED', 'Missing or invalid CSRF token.');
  const role = sessionOf(db).role;
  if (opts.roles && !opts.roles.includes(role)) return apiError(403, 'FORBIDDEN', 'Only the organization owner can do that.');
  return null;
}

function authHandlers(db: MockDb): HttpHandler[] {
  return [
    http.get(url(authContract.session), () => (db.signedIn ? json(authContract.session, sessionOf(db)) : apiError(401, 'UNAUTHENTICATED', 'Please sign in.'))),
    http.post(url(authContract.login), async ({ request }) => {
      const parsed = authContract.login.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'Enter your email and password.');
      const member = db.members.find((m) => m.email === parsed.data.email);
      if (!member || db.passwords.get(member.email) !== parsed.data.password) {
        return apiError(401, 'INVALID_CREDENTIALS', 'Email or password is incorrect.');
      }
      db.signedIn = true;
      db.userId = member.userId;
      return json(authContract.login, sessionOf(db));
    }),
    http.post(url(authContract.signup), async ({ request }) => {
      const parsed = authContract.signup.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Check the form.');
      if (db.members.some((m) => m.email === parsed.data.email)) return apiError(409, 'EMAIL_TAKEN', 'An account with this email already exists.');
      // A new org: the creator is its owner and gets the 300-credit allowance.
      const fresh = createMockDb('emptyOrg', db.now);
      const owner = { ...fresh.members[0]!, name: parsed.data.name, email: parsed.data.email };
      Object.assign(db, fresh, {
        org: { ...fresh.org, name: parsed.data.orgName },
        members: [owner],
        userId: owner.userId,
        passwords: new Map([[owner.email, parsed.data.password]]),
        signedIn: true,
      });
      return json(authContract.signup, sessionOf(db), 201);
    }),
    http.post(url(authContract.logout), () => {
      db.signedIn = false;
      return new HttpResponse(null, { status: 204 });
    }),
  ];
}

function invitationOfToken(db: MockDb, token: string): Invitation | undefined {
  return db.invitations?.find((i) => token.startsWith(`mock-invitation-token-${i.id}`));
}

/** The mock has no SMTP: invitations land in the test-mode mailbox, as in the BFF without SMTP_URL. */
function mailInvitation(db: MockDb, invitation: Invitation, token: string) {
  (db.emails ??= []).unshift({
    id: nextId(),
    kind: 'invitation',
    to: invitation.email,
    subject: `You are invited to ${db.org.name} on AI Credits`,
    text: `Open this link to accept (it works once):\n${globalThis.location?.origin ?? ''}/invitations/accept#token=${token}`,
    createdAt: db.now.toISOString(),
    sentAt: null,
    attempts: 0,
    lastError: null,
  });
}

function orgHandlers(db: MockDb): HttpHandler[] {
  return [
    http.get(url(orgContract.listMembers), ({ request }) => requireSession(db, request) ?? json(orgContract.listMembers, { members: db.members })),
    http.get(url(orgContract.listInvitations), ({ request }) => {
      const denied = requireSession(db, request, { roles: ['owner', 'admin'] });
      return denied ?? json(orgContract.listInvitations, { invitations: db.invitations ?? [] });
    }),
    http.post(url(orgContract.createInvitation), async ({ request }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner', 'admin'] });
      if (denied) return denied;
      const parsed = orgContract.createInvitation.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'Check the form.');
      if (db.members.some((m) => m.email === parsed.data.email)) return apiError(409, 'CONFLICT', 'This person is already a member');
      const now = db.now.toISOString();
      const invitation = {
        id: nextId(),
        email: parsed.data.email,
        role: parsed.data.role,
        invitedBy: null,
        createdAt: now,
        expiresAt: new Date(db.now.getTime() + 7 * 86_400_000).toISOString(),
      };
      (db.invitations ??= []).unshift(invitation);
      const token = `mock-invitation-token-${invitation.id}`;
      mailInvitation(db, invitation, token);
      return json(orgContract.createInvitation, { invitation, acceptToken: token, acceptUrl: `/invitations/accept#token=${token}` }, 201);
    }),
    http.post(url(orgContract.resendInvitation), ({ request, params }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner', 'admin'] });
      if (denied) return denied;
      const invitation = db.invitations?.find((i) => i.id === params.invitationId);
      if (!invitation) return apiError(404, 'NOT_FOUND', 'Invitation not found');
      const token = `mock-invitation-token-${invitation.id}-${nextId().slice(-4)}`;
      mailInvitation(db, invitation, token);
      return json(orgContract.resendInvitation, { invitation, acceptToken: token, acceptUrl: `/invitations/accept#token=${token}` });
    }),
    http.delete(url(orgContract.revokeInvitation), ({ request, params }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner', 'admin'] });
      if (denied) return denied;
      const before = db.invitations?.length ?? 0;
      db.invitations = (db.invitations ?? []).filter((i) => i.id !== params.invitationId);
      return db.invitations.length === before ? apiError(404, 'NOT_FOUND', 'Invitation not found') : new HttpResponse(null, { status: 204 });
    }),
    http.get(url(orgContract.listEmails), ({ request }) => {
      const denied = requireSession(db, request, { roles: ['owner', 'admin'] });
      return denied ?? json(orgContract.listEmails, { mode: 'outbox', emails: db.emails ?? [] });
    }),
    // Tokens are `mock-invitation-token-<invitation id>[...]`; a revoked or unknown one is not found.
    http.post(url(orgContract.lookupInvitation), async ({ request }) => {
      const parsed = orgContract.lookupInvitation.body.safeParse(await bodyOf(request));
      const invitation = parsed.success ? invitationOfToken(db, parsed.data.token) : undefined;
      if (!invitation) return apiError(404, 'NOT_FOUND', 'Invitation not found');
      return json(orgContract.lookupInvitation, {
        orgName: db.org.name,
        email: invitation.email,
        role: invitation.role,
        expiresAt: invitation.expiresAt,
        accountExists: db.passwords.has(invitation.email),
      });
    }),
    http.post(url(orgContract.acceptInvitation), async ({ request }) => {
      const parsed = orgContract.acceptInvitation.body.safeParse(await bodyOf(request));
      const invitation = parsed.success ? invitationOfToken(db, parsed.data.token) : undefined;
      if (!parsed.success || !invitation) return apiError(404, 'NOT_FOUND', 'Invitation not found');
      if (!parsed.data.name || !parsed.data.password) return apiError(400, 'VALIDATION_FAILED', 'name, password: choose your name and a password for your new account');
      const member = { userId: nextId(), email: invitation.email, name: parsed.data.name, role: invitation.role, joinedAt: db.now.toISOString() };
      db.members.push(member);
      db.passwords.set(member.email, parsed.data.password);
      db.invitations = (db.invitations ?? []).filter((i) => i.id !== invitation.id);
      db.signedIn = true;
      db.userId = member.userId;
      return json(orgContract.acceptInvitation, sessionOf(db));
    }),
    http.patch(url(orgContract.changeRole), async ({ request, params }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner'] });
      if (denied) return denied;
      const parsed = orgContract.changeRole.body.safeParse(await bodyOf(request));
      const member = db.members.find((m) => m.userId === params.userId);
      if (!member) return apiError(404, 'NOT_FOUND', 'No such member.');
      if (!parsed.success || member.role === 'owner') return apiError(400, 'VALIDATION_FAILED', 'Cannot change that role.');
      member.role = parsed.data.role;
      return json(orgContract.changeRole, member);
    }),
    http.delete(url(orgContract.removeMember), ({ request, params }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner'] });
      if (denied) return denied;
      const index = db.members.findIndex((m) => m.userId === params.userId && m.role !== 'owner');
      if (index < 0) return apiError(404, 'NOT_FOUND', 'No such member.');
      db.members.splice(index, 1);
      return new HttpResponse(null, { status: 204 });
    }),
    http.get(url(orgContract.listProjects), ({ request }) => requireSession(db, request) ?? json(orgContract.listProjects, { projects: db.projects })),
    http.post(url(orgContract.createProject), async ({ request }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner', 'admin'] });
      if (denied) return denied;
      const parsed = orgContract.createProject.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'Enter a project name.');
      if (db.projects.some((p) => p.name.toLowerCase() === parsed.data.name.toLowerCase())) return apiError(409, 'CONFLICT', 'A project with this name already exists');
      const project = { id: mockId(0x0c, db.projects.length + 1), name: parsed.data.name, createdAt: new Date().toISOString(), archivedAt: null };
      db.projects.push(project);
      audit(db, 'project.created', null, { projectId: project.id, name: project.name });
      return json(orgContract.createProject, project, 201);
    }),
    http.patch(url(orgContract.updateProject), async ({ request, params }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner', 'admin'] });
      if (denied) return denied;
      const parsed = orgContract.updateProject.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Check the form.');
      const project = db.projects.find((p) => p.id === params.projectId);
      if (!project) return apiError(404, 'NOT_FOUND', 'Project not found');
      const { name, archived } = parsed.data;
      if (name !== undefined && name !== project.name) {
        if (db.projects.some((p) => p.id !== project.id && p.name.toLowerCase() === name.toLowerCase())) return apiError(409, 'CONFLICT', 'A project with this name already exists');
        audit(db, 'project.renamed', { projectId: project.id, name: project.name }, { projectId: project.id, name });
        project.name = name;
      }
      if (archived !== undefined && archived !== (project.archivedAt !== null)) {
        project.archivedAt = archived ? new Date().toISOString() : null;
        audit(db, archived ? 'project.archived' : 'project.restored', { projectId: project.id, name: project.name, archived: !archived }, { projectId: project.id, name: project.name, archived });
      }
      return json(orgContract.updateProject, project);
    }),
    http.get(url(orgContract.auditLog), ({ request }) => {
      const denied = requireSession(db, request, { roles: ['owner', 'admin'] });
      if (denied) return denied;
      const parsed = orgContract.auditLog.query.safeParse(queryObject(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Bad query.');
      const { limit, action } = parsed.data;
      const entries = db.audit.filter((e) => !action || e.action === action).slice(0, limit);
      const actions = [...new Set(db.audit.map((e) => e.action))].sort();
      return json(orgContract.auditLog, { entries, actions });
    }),
  ];
}

/** An audit entry by the signed-in user, newest first (as the BFF writes them). */
function audit(db: MockDb, action: string, from: unknown, to: unknown) {
  db.audit.unshift({ id: nextId(), at: new Date().toISOString(), actor: { id: db.userId, name: sessionOf(db).user.name }, action, from, to });
}

function creditsHandlers(db: MockDb): HttpHandler[] {
  return [
    http.get(url(creditsContract.summary), ({ request }) => requireSession(db, request) ?? json(creditsContract.summary, summaryOf(db))),
    http.get(url(creditsContract.usage), ({ request }) => {
      const denied = requireSession(db, request);
      if (denied) return denied;
      const parsed = UsageHistoryQuerySchema.safeParse(queryObject(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Bad filters.');
      const { cursor, limit, ...filters } = parsed.data;
      let rows = filterRows(db, filters);
      const totals = { count: rows.length, chargedMc: rows.reduce((sum, r) => sum + r.chargedMc, 0) };
      if (cursor) {
        const after = decodeCursor(cursor);
        if (!after) return apiError(400, 'VALIDATION_FAILED', 'Bad cursor.');
        const [at, id] = after;
        rows = rows.filter((r) => r.occurredAt < at || (r.occurredAt === at && r.id < id));
      }
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return json(creditsContract.usage, { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null, totals });
    }),
    http.get(url(creditsContract.usageCsv), ({ request }) => {
      const denied = requireSession(db, request);
      if (denied) return denied;
      const parsed = UsageFiltersSchema.safeParse(queryObject(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'Bad filters.');
      const lines = [
        'Date,Use Case,User,API Key,Project,Model,Input Tokens,Output Tokens,Credits Consumed,Overage Credits,Millicredits Consumed',
        ...filterRows(db, parsed.data).map((r) =>
          [
            r.occurredAt,
            r.useCase,
            r.user?.name ?? '',
            r.apiKey?.name ?? '',
            r.project?.name ?? '',
            r.model,
            r.inputTokens,
            r.outputTokens,
            (r.chargedMc / MC_PER_CREDIT).toFixed(3),
            (r.overageMc / MC_PER_CREDIT).toFixed(3),
            r.chargedMc,
          ]
            .map(csvCell)
            .join(','),
        ),
      ];
      return new HttpResponse(lines.join('\n') + '\n', {
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="ai-credits-usage.csv"' },
      });
    }),
    http.get(url(creditsContract.apiKeyOptions), ({ request }) => requireSession(db, request) ?? json(creditsContract.apiKeyOptions, { apiKeys: db.apiKeys })),
    http.get(url(creditsContract.charts), ({ request }) => {
      const denied = requireSession(db, request);
      if (denied) return denied;
      const parsed = ChartsQuerySchema.safeParse(queryObject(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'Bad range.');
      return json(creditsContract.charts, chartsOf(db, parsed.data));
    }),
    http.put(url(creditsContract.setAiEnabled), async ({ request }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner'] });
      if (denied) return denied;
      const parsed = creditsContract.setAiEnabled.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'enabled must be true or false.');
      db.audit.unshift({ id: nextId(), at: new Date().toISOString(), actor: { id: db.userId, name: sessionOf(db).user.name }, action: 'ai.toggled', from: db.org.aiEnabled, to: parsed.data.enabled });
      db.org.aiEnabled = parsed.data.enabled;
      return json(creditsContract.setAiEnabled, summaryOf(db));
    }),
    http.put(url(creditsContract.setOverageLimit), async ({ request }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner'] });
      if (denied) return denied;
      const parsed = creditsContract.setOverageLimit.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'Enter a whole number of credits (0 or more).');
      db.audit.unshift({ id: nextId(), at: new Date().toISOString(), actor: { id: db.userId, name: sessionOf(db).user.name }, action: 'overage_limit.changed', from: db.overageLimitMc / MC_PER_CREDIT, to: parsed.data.limitCredits });
      db.overageLimitMc = parsed.data.limitCredits * MC_PER_CREDIT;
      return json(creditsContract.setOverageLimit, summaryOf(db));
    }),
  ];
}


/** This period's use of a budget in the mock: its subject's usage rows since the period start. */
function budgetListOf(db: MockDb) {
  const start = db.period.start.toISOString();
  return {
    period: { start, end: db.period.end.toISOString() },
    budgets: (db.budgets ?? []).map((b) => ({
      ...b,
      name:
        (b.subjectType === 'project' ? db.projects.find((p) => p.id === b.subjectId)?.name : db.members.find((m) => m.userId === b.subjectId)?.name) ??
        'Deleted',
      usedMc: db.usage
        .filter((r) => r.occurredAt >= start && (b.subjectType === 'project' ? r.project?.id : r.user?.id) === b.subjectId)
        .reduce((sum, r) => sum + r.chargedMc, 0),
    })),
  };
}

function notificationsOf(db: MockDb) {
  const list = db.notifications ?? [];
  return { unread: list.filter((n) => !n.readAt).length, notifications: list };
}

function budgetsHandlers(db: MockDb): HttpHandler[] {
  return [
    http.get(url(budgetsContract.list), ({ request }) => requireSession(db, request) ?? json(budgetsContract.list, budgetListOf(db))),
    http.put(url(budgetsContract.set), async ({ request }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner'] });
      if (denied) return denied;
      const parsed = budgetsContract.set.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Invalid budget.');
      const { subjectType, subjectId, limitCredits } = parsed.data;
      const rest = (db.budgets ?? []).filter((b) => !(b.subjectType === subjectType && b.subjectId === subjectId));
      db.budgets = limitCredits === null ? rest : [...rest, { subjectType, subjectId, limitMc: limitCredits * MC_PER_CREDIT }];
      return json(budgetsContract.set, budgetListOf(db));
    }),
    http.get(url(budgetsContract.thresholds), ({ request }) =>
      requireSession(db, request) ?? json(budgetsContract.thresholds, db.alertThresholds ?? { creditPercents: [50, 75, 90, 100], budgetPercents: [90, 100] }),
    ),
    http.put(url(budgetsContract.setThresholds), async ({ request }) => {
      const denied = requireSession(db, request, { write: true, roles: ['owner'] });
      if (denied) return denied;
      const parsed = budgetsContract.setThresholds.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Invalid thresholds.');
      db.alertThresholds = { creditPercents: [...parsed.data.creditPercents].sort((a, b) => a - b), budgetPercents: [...parsed.data.budgetPercents].sort((a, b) => a - b) };
      return json(budgetsContract.setThresholds, db.alertThresholds);
    }),
    http.get(url(budgetsContract.notifications), ({ request }) => requireSession(db, request) ?? json(budgetsContract.notifications, notificationsOf(db))),
    http.post(url(budgetsContract.markRead), async ({ request }) => {
      const denied = requireSession(db, request, { write: true });
      if (denied) return denied;
      const parsed = budgetsContract.markRead.body.safeParse(await bodyOf(request));
      if (!parsed.success) return apiError(400, 'VALIDATION_FAILED', 'Give ids or all: true.');
      const at = new Date().toISOString();
      for (const n of db.notifications ?? []) if (!n.readAt && ('all' in parsed.data || parsed.data.ids.includes(n.id))) n.readAt = at;
      return json(budgetsContract.markRead, notificationsOf(db));
    }),
  ];
}
