import { keepPreviousData, mutationOptions, queryOptions } from '@tanstack/react-query';
import { creditsContract, type UsageHistoryQuery } from '@ai-credits/shared/contracts/credits';
import { creditsKeys, creditsQueries } from '@/api/credits-queries';
import { sessionKeys } from '@/api/session-queries';
import { apiFetch } from '@/lib/api-client';

/** The credits feature's own reads; the summary is shared (`creditsQueries` in `@/api/credits-queries`). */
export const usageQueries = {
  history: (query: UsageHistoryQuery) =>
    queryOptions({
      queryKey: creditsKeys.usage(query),
      queryFn: ({ signal }) => apiFetch(creditsContract.usage, { query, signal }),
      // Keep the current page on screen while the next one loads.
      placeholderData: keepPreviousData,
    }),
  apiKeyOptions: () =>
    queryOptions({
      queryKey: creditsKeys.apiKeyOptions(),
      queryFn: ({ signal }) => apiFetch(creditsContract.apiKeyOptions, { signal }),
      staleTime: 5 * 60_000,
    }),
  charts: creditsQueries.charts,
};

export const creditsMutations = {
  setAiEnabled: () =>
    mutationOptions({
      mutationKey: ['credits', 'ai'],
      mutationFn: (enabled: boolean) => apiFetch(creditsContract.setAiEnabled, { body: { enabled } }),
      // The session carries org.aiEnabled, which drives the navigation.
      meta: { invalidates: [creditsKeys.all, sessionKeys.all] },
    }),
  setOverageLimit: () =>
    mutationOptions({
      mutationKey: ['credits', 'overage-limit'],
      mutationFn: (limitCredits: number) => apiFetch(creditsContract.setOverageLimit, { body: { limitCredits } }),
      meta: { invalidates: [creditsKeys.summary()] },
    }),
};
