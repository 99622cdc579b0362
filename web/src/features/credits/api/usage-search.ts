import { UsageFiltersSchema, type UsageFilters, type UsageHistoryQuery } from '@ai-credits/shared/contracts/credits';

export const USAGE_PAGE_SIZE = 25;
export const FILTER_KEYS = ['from', 'to', 'useCase', 'userId', 'projectId', 'model'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/**
 * Filters live in the URL (shareable, back button works). Each value is checked on its own
 * against the contract, so one bad parameter is dropped instead of failing the page.
 */
export function usageFiltersFromSearch(search: URLSearchParams): UsageFilters {
  const filters: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = search.get(key);
    if (!value) continue;
    const single = UsageFiltersSchema.safeParse({ [key]: value });
    if (single.success) filters[key] = value;
  }
  return filters as UsageFilters;
}

export function usageQueryFromSearch(search: URLSearchParams, cursor?: string): UsageHistoryQuery {
  return { ...usageFiltersFromSearch(search), ...(cursor ? { cursor } : {}), limit: USAGE_PAGE_SIZE };
}
