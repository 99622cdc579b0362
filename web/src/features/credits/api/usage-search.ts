import { UsageFiltersSchema, type UsageFilters, type UsageHistoryQuery } from '@ai-credits/shared/contracts/credits';
import { viewerDay, viewerDayStart } from '@/lib/dates';

export const USAGE_PAGE_SIZE = 25;
/** The page's filters in the URL; `from`/`to` are the viewer's days (`YYYY-MM-DD`), a custom range. */
export const FILTER_KEYS = ['period', 'from', 'to', 'useCase', 'userId', 'projectId', 'apiKeyId', 'model'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
/**
 * The page position lives in the URL too (a reload keeps the page): the keyset cursors of the
 * pages before the current one, oldest first, as repeated `page` params. Page N has N-1 of them.
 */
export const PAGE_KEY = 'page';
const MAX_PAGE_CURSORS = 50;

/**
 * One date range for the whole page (issue 24: the charts follow the history's filters). The
 * default is the current billing period; "All time" is asked for. The charts read at most 366
 * days, so "All time" charts the last 365.
 */
export const PERIODS = [
  { id: 'current', label: 'This billing period', days: null },
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '30d', label: 'Last 30 days', days: 30 },
  { id: '90d', label: 'Last 90 days', days: 90 },
  { id: 'all', label: 'All time', days: null },
] as const;
export type PeriodId = (typeof PERIODS)[number]['id'] | 'custom';
const CHARTS_MAX_DAYS = 365;

/** What the URL asks for, checked value by value (one bad parameter is dropped, not a load error). */
export interface PageFilters extends Omit<UsageFilters, 'period'> {
  period: PeriodId;
}

/**
 * Filters live in the URL (shareable, back button works). Each value is checked on its own
 * against the contract; a reversed date range (a hand-edited URL) drops its end rather than
 * answering with a load error. Dates make the range custom.
 */
export function usageFiltersFromSearch(search: URLSearchParams): PageFilters {
  const filters: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    if (key === 'period') continue;
    const value = search.get(key);
    if (!value) continue;
    const single = UsageFiltersSchema.safeParse({ [key]: value });
    if (single.success && (key !== 'from' && key !== 'to' ? true : value.length === 10)) filters[key] = value;
  }
  if (!UsageFiltersSchema.safeParse(filters).success) delete filters.to;
  const asked = search.get('period');
  const period: PeriodId = filters.from || filters.to ? 'custom' : (PERIODS.find((p) => p.id === asked)?.id ?? 'current');
  return { ...(filters as Omit<UsageFilters, 'period'>), period };
}

/** The filters as the API reads them: the viewer's days become the moments they start and end. */
export function apiFiltersOf(filters: PageFilters, now: Date): UsageFilters {
  const { period, from, to, ...rest } = filters;
  const preset = PERIODS.find((p) => p.id === period);
  if (period === 'current') return { ...rest, period: 'current' };
  if (preset?.days) return { ...rest, from: viewerDayStart(viewerDay(now, preset.days - 1)) };
  if (period === 'custom') return { ...rest, ...(from ? { from: viewerDayStart(from) } : {}), ...(to ? { to: viewerDayStart(to, true) } : {}) };
  return rest;
}

/**
 * The charts' query: the same filters; the current billing period is the API's default (no
 * range), so the unfiltered page shares one read with the forecast and the top list.
 */
export function chartsQueryOf(filters: PageFilters, now: Date): UsageFilters {
  const { period: _current, ...query } = apiFiltersOf(filters, now);
  if (filters.period === 'all') return { ...query, from: viewerDayStart(viewerDay(now, CHARTS_MAX_DAYS - 1)) };
  if (filters.period === 'custom' && query.from && Date.parse(query.to ?? now.toISOString()) - Date.parse(query.from) > CHARTS_MAX_DAYS * 86_400_000) {
    return { ...query, from: new Date(Date.parse(query.to ?? now.toISOString()) - CHARTS_MAX_DAYS * 86_400_000).toISOString() };
  }
  if (filters.period === 'custom' && !query.from) return { ...query, from: new Date(Date.parse(query.to ?? now.toISOString()) - CHARTS_MAX_DAYS * 86_400_000).toISOString() };
  return query;
}

/** Cursors of the pages before the current one (from the URL). */
export function pageCursorsFromSearch(search: URLSearchParams): string[] {
  return search
    .getAll(PAGE_KEY)
    .filter((c) => c.length > 0 && c.length <= 200)
    .slice(0, MAX_PAGE_CURSORS);
}

export function usageQueryFromSearch(search: URLSearchParams, now: Date): UsageHistoryQuery {
  const cursor = pageCursorsFromSearch(search).at(-1);
  return { ...apiFiltersOf(usageFiltersFromSearch(search), now), ...(cursor ? { cursor } : {}), limit: USAGE_PAGE_SIZE };
}

export function chartsQueryFromSearch(search: URLSearchParams, now: Date): UsageFilters {
  return chartsQueryOf(usageFiltersFromSearch(search), now);
}
