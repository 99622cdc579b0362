import type { ChartsRange } from '@/api/credits-queries';
import { isoDayUtc } from '@/lib/dates';

export const CHART_RANGES = [
  { id: 'period', label: 'This billing period', days: null },
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '30d', label: 'Last 30 days', days: 30 },
  { id: '90d', label: 'Last 90 days', days: 90 },
] as const;
export type ChartRangeId = (typeof CHART_RANGES)[number]['id'];

/**
 * Whole UTC days; `to` is inclusive. "This billing period" sends no range: the API's default is the
 * current billing period so far, so the route loader can ask for it before the summary is known.
 */
export function chartsRangeOf(id: ChartRangeId, now: Date): ChartsRange {
  const preset = CHART_RANGES.find((r) => r.id === id);
  if (!preset?.days) return {};
  return { from: isoDayUtc(now, preset.days - 1), to: isoDayUtc(now) };
}

/** The charts range in the URL (`chartRange`), the billing period when absent or unknown. */
export function chartRangeIdFromSearch(search: URLSearchParams): ChartRangeId {
  const param = search.get('chartRange');
  return CHART_RANGES.some((r) => r.id === param) ? (param as ChartRangeId) : 'period';
}
