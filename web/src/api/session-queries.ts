import { queryOptions } from '@tanstack/react-query';
import { authContract, type SessionInfo } from '@ai-credits/shared/contracts/auth';
import { apiFetch, setCsrfToken } from '@/lib/api-client';

/** Shared by every feature: who is signed in, their org (with aiEnabled) and role. */
export const sessionKeys = { all: ['session'] as const };

export async function fetchSession(signal?: AbortSignal): Promise<SessionInfo> {
  const session = await apiFetch(authContract.session, { signal });
  setCsrfToken(session.csrfToken);
  return session;
}

export const sessionQueries = {
  current: () =>
    queryOptions({
      queryKey: sessionKeys.all,
      queryFn: ({ signal }) => fetchSession(signal),
      // Short enough that an owner turning AI off elsewhere reaches the navigation soon (refetched on focus too).
      staleTime: 60_000,
    }),
};
