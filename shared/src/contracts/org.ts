import { z } from 'zod/mini';
import { endpoint, IdSchema, IsoDateTimeSchema, OWNER_ONLY, OWNER_OR_ADMIN } from '../api';
import { EmailSchema, NameSchema, OutboxEmailSchema, PasswordSchema, RoleSchema, SessionInfoSchema } from './auth';

/** An invitation link works for 7 days (the BFF's rule; the mock API's too). */
export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export const MemberSchema = z.object({
  userId: IdSchema,
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
  joinedAt: IsoDateTimeSchema,
});
export type Member = z.infer<typeof MemberSchema>;

export const ProjectSchema = z.object({
  id: IdSchema,
  name: z.string(),
  createdAt: IsoDateTimeSchema,
  /** Archived projects keep their history and take no new AI usage; null while active. */
  archivedAt: z.nullable(IsoDateTimeSchema),
});
export type Project = z.infer<typeof ProjectSchema>;

/** Rename and/or archive (or restore) a project: at least one of the two. */
export const UpdateProjectBodySchema = z
  .strictObject({ name: z.optional(NameSchema), archived: z.optional(z.boolean()) })
  .check(z.refine((b) => b.name !== undefined || b.archived !== undefined, { message: 'Give a new name or archived: true/false' }));

/** Every action the BFF writes to the audit log (audit.service's recordAudit takes only these). */
export const AUDIT_ACTIONS = [
  'account.email_verified',
  'account.password_reset',
  'account.address_released',
  'purchase.paid',
  'invoice.paid',
  'purchase.refunded',
  'credits.granted',
  'credits.expired',
  'overage.invoiced',
  'ai.toggled',
  'overage_limit.changed',
  'member.role_changed',
  'member.removed',
  'invitation.created',
  'invitation.revoked',
  'invitation.resent',
  'invitation.accepted',
  'project.created',
  'project.renamed',
  'project.archived',
  'project.restored',
  'api_key.created',
  'api_key.revoked',
  'budget.set',
  'budget.cleared',
  'alert_thresholds.changed',
  'billing_profile.changed',
  'auto_topup.changed',
  'auto_topup.charged',
  'auto_topup.failed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
/** The log's filter: any action-shaped name (an action no entry has yet finds nothing, not a 400). */
export const AuditActionSchema = z.string().check(z.regex(/^[a-z_]+\.[a-z_]+$/, 'an action such as project.created'), z.maxLength(60));

export const AuditEntrySchema = z.object({
  id: IdSchema,
  at: IsoDateTimeSchema,
  actor: z.nullable(z.object({ id: IdSchema, name: z.string() })),
  action: z.string(),
  from: z.unknown(),
  to: z.unknown(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

const UserIdParams = z.strictObject({ userId: IdSchema });

/** What removing a member revokes besides their sessions (the remove dialog shows it first). */
export const OffboardingSchema = z.object({
  apiKeys: z.array(z.object({ id: IdSchema, name: z.string(), prefix: z.string() })),
  invitations: z.array(z.object({ id: IdSchema, email: z.string(), role: z.enum(['admin', 'member']) })),
});
export type Offboarding = z.infer<typeof OffboardingSchema>;
const ProjectIdParams = z.strictObject({ projectId: IdSchema });

/** Roles an invitation can carry: the owner invites admins and members, an admin invites members. */
export const InvitableRoleSchema = z.enum(['admin', 'member']);

/** A pending invitation as the owner and admins see it (never its token). */
export const InvitationSchema = z.object({
  id: IdSchema,
  email: z.string(),
  role: InvitableRoleSchema,
  invitedBy: z.nullable(z.object({ id: IdSchema, name: z.string() })),
  createdAt: IsoDateTimeSchema,
  expiresAt: IsoDateTimeSchema,
});
export type Invitation = z.infer<typeof InvitationSchema>;

/**
 * What creating (or resending) an invitation returns: the single-use token and the link that
 * carries it (in the URL fragment, so it never reaches a server log). The link
 * is also emailed to the invitee; the response keeps the link so the owner or admin can hand it
 * over when emails are in test mode (no SMTP), shown this once.
 */
export const IssuedInvitationSchema = z.object({ invitation: InvitationSchema, acceptToken: z.string(), acceptUrl: z.string() });
export type IssuedInvitation = z.infer<typeof IssuedInvitationSchema>;

/** Defined with the account emails (contracts/auth.ts: the dev mailbox lists them too). */
export { OutboxEmailSchema, type OutboxEmail } from './auth';

/** `smtp`: emails are delivered; `outbox`: no SMTP_URL, emails are only kept and shown here ("test mode"). */
export const EmailModeSchema = z.enum(['smtp', 'outbox']);
export type EmailMode = z.infer<typeof EmailModeSchema>;

const InvitationParams = z.strictObject({ invitationId: IdSchema });
export const InvitationTokenSchema = z.string().check(z.minLength(20), z.maxLength(200), z.regex(/^[A-Za-z0-9_-]+$/, 'not an invitation token'));

export const orgContract = {
  listMembers: endpoint({
    method: 'GET',
    path: '/api/org/members',
    summary: 'Members of the organization',
    auth: 'session',
    response: z.object({ members: z.array(MemberSchema) }),
  }),
  createInvitation: endpoint({
    method: 'POST',
    path: '/api/org/invitations',
    verifiedEmail: 'required',
    summary: 'Invite someone by email with a role (owner: admin or member; admin: member); returns the single-use accept link once',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    body: z.strictObject({ email: EmailSchema, role: InvitableRoleSchema }),
    response: IssuedInvitationSchema,
    status: 201,
  }),
  listInvitations: endpoint({
    method: 'GET',
    path: '/api/org/invitations',
    summary: 'Pending invitations of the organization (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    response: z.object({ invitations: z.array(InvitationSchema) }),
  }),
  revokeInvitation: endpoint({
    method: 'DELETE',
    path: '/api/org/invitations/:invitationId',
    summary: 'Revoke a pending invitation (owner, or an admin for a member invitation); its link stops working at once',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    params: InvitationParams,
    response: null,
    status: 204,
  }),
  resendInvitation: endpoint({
    method: 'POST',
    path: '/api/org/invitations/:invitationId/resend',
    verifiedEmail: 'required',
    summary: 'Issue a new link for a pending invitation (7 more days); the previous link stops working',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    params: InvitationParams,
    response: IssuedInvitationSchema,
  }),
  lookupInvitation: endpoint({
    method: 'POST',
    path: '/api/invitations/lookup',
    summary: 'What an invitation link offers (organization, email, role) and who the caller is signed in as, if anyone; never whether that email has an account',
    auth: 'none',
    body: z.strictObject({ token: InvitationTokenSchema }),
    response: z.object({
      orgName: z.string(),
      email: z.string(),
      role: InvitableRoleSchema,
      expiresAt: IsoDateTimeSchema,
      /** The email of the caller's own session, null when signed out: the page needs no /api/auth/session call, whose 401 a signed-out visitor's console showed (issue 24). */
      signedInAs: z.nullable(z.string()),
    }),
  }),
  acceptInvitation: endpoint({
    method: 'POST',
    path: '/api/invitations/accept',
    summary:
      'Accept an invitation and sign in: signed in as the invited email, or with that account\'s password, or (no verified account) with a name and a new password',
    auth: 'none',
    body: z.strictObject({ token: InvitationTokenSchema, name: z.optional(NameSchema), password: z.optional(PasswordSchema) }),
    response: SessionInfoSchema,
  }),
  changeRole: endpoint({
    method: 'PATCH',
    path: '/api/org/members/:userId',
    summary: "Change a member's role (owner only)",
    auth: 'session',
    roles: OWNER_ONLY,
    params: UserIdParams,
    body: z.strictObject({ role: z.enum(['admin', 'member']) }),
    response: MemberSchema,
  }),
  offboardingPreview: endpoint({
    method: 'GET',
    path: '/api/org/members/:userId/offboarding',
    summary: 'What removing a member revokes besides their sessions: the API keys they created and the invitations they sent that are still pending (owner only)',
    auth: 'session',
    roles: OWNER_ONLY,
    params: UserIdParams,
    response: OffboardingSchema,
  }),
  removeMember: endpoint({
    method: 'DELETE',
    path: '/api/org/members/:userId',
    summary: 'Remove a member (owner only): their sessions end, and the API keys they created and the invitations they sent are revoked',
    auth: 'session',
    roles: OWNER_ONLY,
    params: UserIdParams,
    response: null,
    status: 204,
  }),
  listProjects: endpoint({
    method: 'GET',
    path: '/api/projects',
    summary: 'Projects of the organization',
    auth: 'session',
    response: z.object({ projects: z.array(ProjectSchema) }),
  }),
  createProject: endpoint({
    method: 'POST',
    path: '/api/projects',
    summary: 'Create a project (owner or admin)',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    body: z.strictObject({ name: NameSchema }),
    response: ProjectSchema,
    status: 201,
  }),
  updateProject: endpoint({
    method: 'PATCH',
    path: '/api/projects/:projectId',
    summary: 'Rename, archive or restore a project (owner or admin); archived projects keep their history and take no new usage',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    params: ProjectIdParams,
    body: UpdateProjectBodySchema,
    response: ProjectSchema,
  }),
  listEmails: endpoint({
    method: 'GET',
    path: '/api/org/emails',
    summary: "The organization's emails, newest first, with their text (owner or admin); without SMTP this is the test-mode mailbox",
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    response: z.object({ mode: EmailModeSchema, emails: z.array(OutboxEmailSchema) }),
  }),
  auditLog: endpoint({
    method: 'GET',
    path: '/api/audit',
    summary: 'Audit log of the organization (owner or admin), newest first, optionally one action',
    auth: 'session',
    roles: OWNER_OR_ADMIN,
    query: z.strictObject({
      limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 50),
      action: z.optional(AuditActionSchema),
    }),
    response: z.object({ entries: z.array(AuditEntrySchema), actions: z.array(z.string()) }),
  }),
};
