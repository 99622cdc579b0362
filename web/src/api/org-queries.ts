import { queryOptions } from '@tanstack/react-query';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { apiFetch } from '@/lib/api-client';

/** Every ['org', ...] key, in one place: the org feature reads them, budgets invalidate the audit log. */
export const orgKeys = {
  all: ['org'] as const,
  members: () => [...orgKeys.all, 'members'] as const,
  projects: () => [...orgKeys.all, 'projects'] as const,
  auditAll: () => [...orgKeys.all, 'audit'] as const,
  audit: (action: string | undefined) => [...orgKeys.auditAll(), action ?? 'all'] as const,
  invitations: () => [...orgKeys.all, 'invitations'] as const,
  emails: () => [...orgKeys.all, 'emails'] as const,
};

/**
 * Reads more than one feature makes, defined once so a route loader's prefetch warms the entry
 * the pages read: members and projects (usage-history filters, budgets, AI pages, Settings pages).
 */
export const orgQueries = {
  members: () =>
    queryOptions({
      queryKey: orgKeys.members(),
      queryFn: ({ signal }) => apiFetch(orgContract.listMembers, { signal }),
      staleTime: 5 * 60_000,
    }),
  projects: () =>
    queryOptions({
      queryKey: orgKeys.projects(),
      queryFn: ({ signal }) => apiFetch(orgContract.listProjects, { signal }),
      staleTime: 5 * 60_000,
    }),
};
