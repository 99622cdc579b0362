import { hashKey, queryOptions, useMutation, useMutationState, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { authContract, type SessionInfo, type TimeZoneChoice } from '@ai-credits/shared/contracts/auth';
import { apiFetch, setCsrfToken } from '@/lib/api-client';
import { setTimeZoneChoice } from '@/lib/dates';

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

/**
 * The signed-in user's preferences follow the session in the cache, however it got there (read,
 * sign-in, confirmation link, invitation, the toggle's optimistic update): the dates show in the
 * user's choice. No session (signed out, another user about to sign in): local time. Synchronous,
 * before the components that read the dates render again.
 */
export function followSessionPreferences(queryClient: QueryClient): () => void {
  const hash = hashKey(sessionKeys.all);
  const apply = () => setTimeZoneChoice(queryClient.getQueryData<SessionInfo>(sessionKeys.all)?.user.preferences.timeZone ?? 'local');
  apply();
  return queryClient.getQueryCache().subscribe((event) => {
    if (event.query.queryHash === hash) apply();
  });
}

const withTimeZone = (session: SessionInfo, timeZone: TimeZoneChoice): SessionInfo => ({ ...session, user: { ...session.user, preferences: { ...session.user.preferences, timeZone } } });

const PREFERENCES_MUTATION = ['auth', 'preferences'] as const;

/** The UTC toggle: shown at once (optimistic), saved for the user on the server; turned back if the server refuses. */
export function useSetTimeZone() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: PREFERENCES_MUTATION,
    mutationFn: (timeZone: TimeZoneChoice) => apiFetch(authContract.setPreferences, { body: { timeZone } }),
    onMutate: async (timeZone) => {
      await queryClient.cancelQueries({ queryKey: sessionKeys.all });
      const before = queryClient.getQueryData<SessionInfo>(sessionKeys.all);
      if (before) queryClient.setQueryData(sessionKeys.all, withTimeZone(before, timeZone));
      return { before };
    },
    onError: (_error, _timeZone, context) => {
      if (context?.before) queryClient.setQueryData(sessionKeys.all, context.before);
    },
    onSuccess: (saved) => {
      const now = queryClient.getQueryData<SessionInfo>(sessionKeys.all);
      if (now) queryClient.setQueryData(sessionKeys.all, withTimeZone(now, saved.timeZone));
    },
  });
}

/**
 * Why the last change of the choice failed, or null. Read from the mutation cache, not the toggle's
 * own mutation: the page keys its content on the choice, so the toggle remounts when it flips.
 */
export function useTimeZoneSaveError(): Error | null {
  const last = useMutationState({ filters: { mutationKey: PREFERENCES_MUTATION }, select: (m) => ({ status: m.state.status, error: m.state.error }) }).at(-1);
  return last?.status === 'error' ? last.error : null;
}
