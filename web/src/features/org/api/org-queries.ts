import { queryOptions } from '@tanstack/react-query';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { apiFetch } from '@/lib/api-client';

export const orgKeys = {
  all: ['org'] as const,
  members: () => [...orgKeys.all, 'members'] as const,
  projects: () => [...orgKeys.all, 'projects'] as const,
};

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
