import { keepPreviousData, mutationOptions, queryOptions } from '@tanstack/react-query';
import { creditsContract, type UsageHistoryQuery } from '@ai-credits/shared/contracts/credits';
import { apiFetch } from '@/lib/api-client';
import { sessionKeys } from '@/lib/session-queries';

export type ChartsRange = { from?: string; to?: string };

export const creditsKeys = {
  all: ['credits'] as const,
  summary: () => [...creditsKeys.all, 'summary'] as const,
  usage: (query: UsageHistoryQuery) => [...creditsKeys.all, 'usage', query] as const,
  charts: (range: ChartsRange) => [...creditsKeys.all, 'charts', range] as const,
  apiKeyOptions: () => [...creditsKeys.all, 'api-keys'] as const,
};

export const creditsQueries = {
  summary: () =>
    queryOptions({
      queryKey: creditsKeys.summary(),
      queryFn: ({ signal }) => apiFetch(creditsContract.summary, { signal }),
    }),
  usage: (query: UsageHistoryQuery) =>
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
  charts: (range: ChartsRange) =>
    queryOptions({
      queryKey: creditsKeys.charts(range),
      queryFn: ({ signal }) => apiFetch(creditsContract.charts, { query: range, signal }),
      placeholderData: keepPreviousData,
    }),
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

