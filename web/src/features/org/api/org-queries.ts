import { mutationOptions, queryOptions } from '@tanstack/react-query';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { apiFetch } from '@/lib/api-client';

export const orgKeys = {
  all: ['org'] as const,
  members: () => [...orgKeys.all, 'members'] as const,
  projects: () => [...orgKeys.all, 'projects'] as const,
  audit: (action: string | undefined) => [...orgKeys.all, 'audit', action ?? 'all'] as const,
};

/**
 * The AI features read projects under their own key (['ai', 'projects']) and the usage history
 * shows project names (['credits', 'usage']); a project change refreshes them and the audit log.
 */
const AFTER_PROJECT_CHANGE = [orgKeys.projects(), ['ai', 'projects'], ['credits', 'usage'], [...orgKeys.all, 'audit']] as const;

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
};
