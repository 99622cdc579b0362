import { UsageFiltersSchema, type UsageFilters, type UsageHistoryQuery } from '@ai-credits/shared/contracts/credits';

export const USAGE_PAGE_SIZE = 25;
export const FILTER_KEYS = ['from', 'to', 'useCase', 'userId', 'projectId', 'apiKeyId', 'model'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
/**
 * The page position lives in the URL too (a reload keeps the page): the keyset cursors of the
 * pages before the current one, oldest first, as repeated `page` params. Page N has N-1 of them.
 */
export const PAGE_KEY = 'page';
const MAX_PAGE_CURSORS = 50;

/**
 * Filters live in the URL (shareable, back button works). Each value is checked on its own
 * against the contract, so one bad parameter is dropped instead of failing the page; a reversed
 * date range (a hand-edited URL) drops its end rather than answering with a load error.
 */
export function usageFiltersFromSearch(search: URLSearchParams): UsageFilters {
  const filters: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = search.get(key);
    if (!value) continue;
    const single = UsageFiltersSchema.safeParse({ [key]: value });
    if (single.success) filters[key] = value;
  }
  if (!UsageFiltersSchema.safeParse(filters).success) delete filters.to;
  return filters as UsageFilters;
}

/** Cursors of the pages before the current one (from the URL). */
export function pageCursorsFromSearch(search: URLSearchParams): string[] {
  return search
    .getAll(PAGE_KEY)
    .filter((c) => c.length > 0 && c.length <= 200)
    .slice(0, MAX_PAGE_CURSORS);
}

export function usageQueryFromSearch(search: URLSearchParams): UsageHistoryQuery {
  const cursor = pageCursorsFromSearch(search).at(-1);
  return { ...usageFiltersFromSearch(search), ...(cursor ? { cursor } : {}), limit: USAGE_PAGE_SIZE };
}
