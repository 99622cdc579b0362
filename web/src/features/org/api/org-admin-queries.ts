import { mutationOptions, queryOptions } from '@tanstack/react-query';
import { orgContract } from '@ai-credits/shared/contracts/org';
import type { BodyOf } from '@ai-credits/shared/api';
import { creditsKeys } from '@/api/credits-queries';
import { orgKeys } from '@/api/org-queries';
import { apiFetch, setCsrfToken } from '@/lib/api-client';

/** Team changes refresh the lists, the test-mode mailbox (an invitation is an email) and the audit log. */
const AFTER_TEAM_CHANGE = [orgKeys.members(), orgKeys.invitations(), orgKeys.emails(), orgKeys.auditAll()] as const;

/**
 * Every page reads projects from the one `orgQueries.projects()` entry, and the usage history
 * shows project names; a project change refreshes them and the audit log.
 */
const AFTER_PROJECT_CHANGE = [orgKeys.projects(), creditsKeys.usageAll(), orgKeys.auditAll()] as const;

/** The org feature's own reads; members and projects are shared (`orgQueries` in `@/api/org-queries`). */
export const orgAdminQueries = {
  invitations: () =>
    queryOptions({
      queryKey: orgKeys.invitations(),
      queryFn: ({ signal }) => apiFetch(orgContract.listInvitations, { signal }),
    }),
  emails: () =>
    queryOptions({
      queryKey: orgKeys.emails(),
      queryFn: ({ signal }) => apiFetch(orgContract.listEmails, { signal }),
    }),
  /** What an invitation link offers; a POST (the token stays out of URLs and logs), read like a query. */
  /** What removing a member revokes besides their sessions (their API keys, their pending invitations): the remove dialog shows it. */
  offboarding: (userId: string) =>
    queryOptions({
      queryKey: ['org', 'members', userId, 'offboarding'] as const,
      queryFn: ({ signal }) => apiFetch(orgContract.offboardingPreview, { params: { userId }, signal }),
      staleTime: 0,
    }),
  invitationLookup: (token: string) =>
    queryOptions({
      queryKey: ['invitation-lookup', token],
      queryFn: ({ signal }) => apiFetch(orgContract.lookupInvitation, { body: { token }, signal }),
      retry: false,
      staleTime: Infinity,
    }),
  audit: (action: string | undefined) =>
    queryOptions({
      queryKey: orgKeys.audit(action),
      queryFn: ({ signal }) => apiFetch(orgContract.auditLog, { query: { limit: 200, ...(action ? { action } : {}) }, signal }),
    }),
};

export const orgMutations = {
  createProject: () =>
    mutationOptions({
      mutationKey: ['org', 'projects', 'create'],
      mutationFn: (name: string) => apiFetch(orgContract.createProject, { body: { name } }),
      meta: { invalidates: AFTER_PROJECT_CHANGE },
    }),
  updateProject: () =>
    mutationOptions({
      mutationKey: ['org', 'projects', 'update'],
      mutationFn: ({ projectId, ...body }: { projectId: string; name?: string; archived?: boolean }) =>
        apiFetch(orgContract.updateProject, { params: { projectId }, body }),
      meta: { invalidates: AFTER_PROJECT_CHANGE },
    }),
  createInvitation: () =>
    mutationOptions({
      mutationKey: ['org', 'invitations', 'create'],
      mutationFn: (body: BodyOf<typeof orgContract.createInvitation>) => apiFetch(orgContract.createInvitation, { body }),
      meta: { invalidates: AFTER_TEAM_CHANGE },
    }),
  resendInvitation: () =>
    mutationOptions({
      mutationKey: ['org', 'invitations', 'resend'],
      mutationFn: (invitationId: string) => apiFetch(orgContract.resendInvitation, { params: { invitationId } }),
      meta: { invalidates: AFTER_TEAM_CHANGE },
    }),
  revokeInvitation: () =>
    mutationOptions({
      mutationKey: ['org', 'invitations', 'revoke'],
      mutationFn: (invitationId: string) => apiFetch(orgContract.revokeInvitation, { params: { invitationId } }),
      meta: { invalidates: AFTER_TEAM_CHANGE },
    }),
  changeRole: () =>
    mutationOptions({
      mutationKey: ['org', 'members', 'role'],
      mutationFn: ({ userId, role }: { userId: string; role: 'admin' | 'member' }) => apiFetch(orgContract.changeRole, { params: { userId }, body: { role } }),
      meta: { invalidates: AFTER_TEAM_CHANGE },
    }),
  removeMember: () =>
    mutationOptions({
      mutationKey: ['org', 'members', 'remove'],
      mutationFn: (userId: string) => apiFetch(orgContract.removeMember, { params: { userId } }),
      meta: { invalidates: AFTER_TEAM_CHANGE },
    }),
  acceptInvitation: () =>
    mutationOptions({
      mutationKey: ['invitations', 'accept'],
      mutationFn: async (body: BodyOf<typeof orgContract.acceptInvitation>) => {
        const session = await apiFetch(orgContract.acceptInvitation, { body });
        setCsrfToken(session.csrfToken);
        return session;
      },
    }),
};
