import { http, HttpResponse, type HttpHandler } from 'msw';
import { INVITATION_TTL_MS, orgContract, type Invitation } from '../../contracts/org';
import { apiError, bodyOf, json, queryObject, requireSession, url, validationFailed } from '../http';
import { sessionOf } from '../store/projections';
import { mockId, nextId, nowIso, type MockStore } from '../store/state';

function invitationOfToken(db: MockStore, token: string): Invitation | undefined {
  return db.invitations.find((i) => token.startsWith(`mock-invitation-token-${i.id}`));
}

/** The mock has no SMTP: invitations land in the test-mode mailbox, as in the BFF without SMTP_URL. */
function mailInvitation(db: MockStore, invitation: Invitation, token: string) {
  db.emails.unshift({
    id: nextId(),
    kind: 'invitation',
    to: invitation.email,
    subject: `You are invited to ${db.org.name} on AI Credits`,
    text: `Open this link to accept (it works once):\n${(globalThis as { location?: { origin: string } }).location?.origin ?? ''}/invitations/accept#token=${token}`,
    createdAt: nowIso(db),
    sentAt: null,
    attempts: 0,
    lastError: null,
    attachments: [],
  });
}

/** What removing a member revokes besides their sessions (the BFF's offboarding preview). */
function offboardingOf(db: MockStore, userId: string) {
  return {
    apiKeys: db.apiKeys.filter((k) => k.createdBy?.id === userId && !k.revokedAt).map((k) => ({ id: k.id, name: k.name, prefix: k.prefix })),
    invitations: db.invitations.filter((i) => i.invitedBy?.id === userId).map((i) => ({ id: i.id, email: i.email, role: i.role })),
  };
}

/** Members, invitations (and their emails), projects and the audit log. */
export function orgHandlers(db: MockStore): HttpHandler[] {
  return [
    http.get(url(orgContract.listMembers), ({ request }) => requireSession(db, request, orgContract.listMembers) ?? json(orgContract.listMembers, { members: db.members })),
    http.get(url(orgContract.listInvitations), ({ request }) => {
      const denied = requireSession(db, request, orgContract.listInvitations);
      return denied ?? json(orgContract.listInvitations, { invitations: db.invitations });
    }),
    http.post(url(orgContract.createInvitation), async ({ request }) => {
      const denied = requireSession(db, request, orgContract.createInvitation);
      if (denied) return denied;
      const parsed = orgContract.createInvitation.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      if (db.members.some((m) => m.email === parsed.data.email)) return apiError(409, 'CONFLICT', 'This person is already a member');
      const now = nowIso(db);
      const invitation = {
        id: nextId(),
        email: parsed.data.email,
        role: parsed.data.role,
        invitedBy: { id: sessionOf(db).user.id, name: sessionOf(db).user.name },
        createdAt: now,
        expiresAt: new Date(db.clock().getTime() + INVITATION_TTL_MS).toISOString(),
      };
      db.invitations.unshift(invitation);
      const token = `mock-invitation-token-${invitation.id}`;
      mailInvitation(db, invitation, token);
      return json(orgContract.createInvitation, { invitation, acceptToken: token, acceptUrl: `/invitations/accept#token=${token}` }, 201);
    }),
    http.post(url(orgContract.resendInvitation), ({ request, params }) => {
      const denied = requireSession(db, request, orgContract.resendInvitation);
      if (denied) return denied;
      const invitation = db.invitations.find((i) => i.id === params.invitationId);
      if (!invitation) return apiError(404, 'NOT_FOUND', 'Invitation not found');
      const token = `mock-invitation-token-${invitation.id}-${nextId().slice(-4)}`;
      mailInvitation(db, invitation, token);
      return json(orgContract.resendInvitation, { invitation, acceptToken: token, acceptUrl: `/invitations/accept#token=${token}` });
    }),
    http.delete(url(orgContract.revokeInvitation), ({ request, params }) => {
      const denied = requireSession(db, request, orgContract.revokeInvitation);
      if (denied) return denied;
      const before = db.invitations.length;
      db.invitations = db.invitations.filter((i) => i.id !== params.invitationId);
      return db.invitations.length === before ? apiError(404, 'NOT_FOUND', 'Invitation not found') : new HttpResponse(null, { status: 204 });
    }),
    http.get(url(orgContract.listEmails), ({ request }) => {
      const denied = requireSession(db, request, orgContract.listEmails);
      return denied ?? json(orgContract.listEmails, { mode: 'outbox', emails: db.emails });
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
      });
    }),
    http.post(url(orgContract.acceptInvitation), async ({ request }) => {
      const parsed = orgContract.acceptInvitation.body.safeParse(await bodyOf(request));
      const invitation = parsed.success ? invitationOfToken(db, parsed.data.token) : undefined;
      if (!parsed.success || !invitation) return apiError(404, 'NOT_FOUND', 'Invitation not found');
      if (!parsed.data.name || !parsed.data.password) return apiError(400, 'VALIDATION_FAILED', 'name, password: choose your name and a password for your new account');
      const member = { userId: nextId(), email: invitation.email, name: parsed.data.name, role: invitation.role, joinedAt: nowIso(db) };
      db.members.push(member);
      db.passwords.set(member.email, parsed.data.password);
      db.invitations = db.invitations.filter((i) => i.id !== invitation.id);
      db.signedIn = true;
      db.userId = member.userId;
      return json(orgContract.acceptInvitation, sessionOf(db));
    }),
    http.patch(url(orgContract.changeRole), async ({ request, params }) => {
      const denied = requireSession(db, request, orgContract.changeRole);
      if (denied) return denied;
      const parsed = orgContract.changeRole.body.safeParse(await bodyOf(request));
      const member = db.members.find((m) => m.userId === params.userId);
      if (!member) return apiError(404, 'NOT_FOUND', 'No such member.');
      if (!parsed.success || member.role === 'owner') return apiError(400, 'VALIDATION_FAILED', 'Cannot change that role.');
      member.role = parsed.data.role;
      // A member cannot invite: the invitations they sent stop working (as in the BFF).
      if (member.role === 'member') db.invitations = db.invitations.filter((i) => i.invitedBy?.id !== member.userId);
      return json(orgContract.changeRole, member);
    }),
    http.get(url(orgContract.offboardingPreview), ({ request, params }) => {
      const denied = requireSession(db, request, orgContract.offboardingPreview);
      if (denied) return denied;
      if (!db.members.some((m) => m.userId === params.userId)) return apiError(404, 'NOT_FOUND', 'Member not found');
      return json(orgContract.offboardingPreview, offboardingOf(db, String(params.userId)));
    }),
    http.delete(url(orgContract.removeMember), ({ request, params }) => {
      const denied = requireSession(db, request, orgContract.removeMember);
      if (denied) return denied;
      const index = db.members.findIndex((m) => m.userId === params.userId && m.role !== 'owner');
      if (index < 0) return apiError(404, 'NOT_FOUND', 'No such member.');
      // Nothing of theirs keeps working: their sessions, the keys they created, the invitations they sent.
      const [removed] = db.members.splice(index, 1);
      const now = nowIso(db);
      for (const k of db.apiKeys) if (k.createdBy?.id === removed!.userId && !k.revokedAt) k.revokedAt = now;
      db.invitations = db.invitations.filter((i) => i.invitedBy?.id !== removed!.userId);
      for (const [token, userId] of db.sessions) if (userId === removed!.userId) db.sessions.delete(token);
      return new HttpResponse(null, { status: 204 });
    }),
    http.get(url(orgContract.listProjects), ({ request }) => requireSession(db, request, orgContract.listProjects) ?? json(orgContract.listProjects, { projects: db.projects })),
    http.post(url(orgContract.createProject), async ({ request }) => {
      const denied = requireSession(db, request, orgContract.createProject);
      if (denied) return denied;
      const parsed = orgContract.createProject.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      if (db.projects.some((p) => p.name.toLowerCase() === parsed.data.name.toLowerCase())) return apiError(409, 'CONFLICT', 'A project with this name already exists');
      const project = { id: mockId(0x0c, db.projects.length + 1), name: parsed.data.name, createdAt: nowIso(db), archivedAt: null };
      db.projects.push(project);
      audit(db, 'project.created', null, { projectId: project.id, name: project.name });
      return json(orgContract.createProject, project, 201);
    }),
    http.patch(url(orgContract.updateProject), async ({ request, params }) => {
      const denied = requireSession(db, request, orgContract.updateProject);
      if (denied) return denied;
      const parsed = orgContract.updateProject.body.safeParse(await bodyOf(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const project = db.projects.find((p) => p.id === params.projectId);
      if (!project) return apiError(404, 'NOT_FOUND', 'Project not found');
      const { name, archived } = parsed.data;
      if (name !== undefined && name !== project.name) {
        if (db.projects.some((p) => p.id !== project.id && p.name.toLowerCase() === name.toLowerCase())) return apiError(409, 'CONFLICT', 'A project with this name already exists');
        audit(db, 'project.renamed', { projectId: project.id, name: project.name }, { projectId: project.id, name });
        project.name = name;
      }
      if (archived !== undefined && archived !== (project.archivedAt !== null)) {
        project.archivedAt = archived ? nowIso(db) : null;
        audit(db, archived ? 'project.archived' : 'project.restored', { projectId: project.id, name: project.name, archived: !archived }, { projectId: project.id, name: project.name, archived });
      }
      return json(orgContract.updateProject, project);
    }),
    http.get(url(orgContract.auditLog), ({ request }) => {
      const denied = requireSession(db, request, orgContract.auditLog);
      if (denied) return denied;
      const parsed = orgContract.auditLog.query.safeParse(queryObject(request));
      if (!parsed.success) return validationFailed(parsed.error);
      const { limit, action } = parsed.data;
      const entries = db.audit.filter((e) => !action || e.action === action).slice(0, limit);
      const actions = [...new Set(db.audit.map((e) => e.action))].sort();
      return json(orgContract.auditLog, { entries, actions });
    }),
  ];
}

/** An audit entry by the signed-in user, newest first (as the BFF writes them). */
export function audit(db: MockStore, action: string, from: unknown, to: unknown) {
  db.audit.unshift({ id: nextId(), at: nowIso(db), actor: { id: db.userId, name: sessionOf(db).user.name }, action, from, to });
}

