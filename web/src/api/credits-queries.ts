import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { creditsContract, type UsageFilters, type UsageHistoryQuery } from '@ai-credits/shared/contracts/credits';
import { apiFetch } from '@/lib/api-client';

/** The charts follow the page's filters (no range: the current billing period). */
export type ChartsRange = UsageFilters;

/**
 * Every ['credits', ...] key, in one place: the credits feature reads them, and billing, AI and
 * API keys invalidate them (a purchase or an AI call changes the balance, a new key the filter).
 */
export const creditsKeys = {
  all: ['credits'] as const,
  summary: () => [...creditsKeys.all, 'summary'] as const,
  usageAll: () => [...creditsKeys.all, 'usage'] as const,
  usage: (query: UsageHistoryQuery) => [...creditsKeys.usageAll(), query] as const,
  charts: (range: ChartsRange) => [...creditsKeys.all, 'charts', range] as const,
  apiKeyOptions: () => [...creditsKeys.all, 'api-keys'] as const,
};

/** Reads more than one feature makes (the credits cards and banners, Buy Credits), defined once. */
export const creditsQueries = {
  summary: () =>
    queryOptions({
      queryKey: creditsKeys.summary(),
      queryFn: ({ signal }) => apiFetch(creditsContract.summary, { signal }),
    }),
  /** Charts, forecast included: the AI Credits page and the buy dialog's recommendation. */
  charts: (range: ChartsRange) =>
    queryOptions({
      queryKey: creditsKeys.charts(range),
      queryFn: ({ signal }) => apiFetch(creditsContract.charts, { query: range, signal }),
      placeholderData: keepPreviousData,
    }),
};
