import { useQuery } from '@tanstack/react-query';
import type { BundleId } from '@ai-credits/shared/catalog';
import { bundleForForecast } from '@ai-credits/shared/credits-advice';
import { formatCreditsUsed, withCreditsUnit } from '@ai-credits/shared/format';
import { creditsQueries } from '@/api/credits-queries';
import { formatDate } from '@/lib/dates';

/**
 * Which bundle covers the forecast until the reset, or that none is needed (issue 24), from the
 * billing period's forecast (the AI Credits page's read) and the available credits.
 */
export function BuyRecommendation({ bundleId, onBundleChange }: { bundleId: BundleId; onBundleChange: (id: BundleId) => void }) {
  const charts = useQuery(creditsQueries.charts({}));
  const summary = useQuery(creditsQueries.summary());
  if (!charts.data || !summary.data) return null;
  const { forecast } = charts.data;
  const advice = bundleForForecast({ burnRateMcPerDay: forecast.burnRateMcPerDay, periodEnd: forecast.periodEnd, availableMc: summary.data.availableMc, now: Date.now() });
  const reset = formatDate(forecast.periodEnd);
  if (!advice.bundle) {
    return (
      <p className="billing-recommendation" role="note">
        At the current rate your credits last until the reset on {reset}: no bundle is needed now.
      </p>
    );
  }
  const bundle = advice.bundle;
  return (
    <p className="billing-recommendation" role="note">
      At the current rate you need about <strong>{withCreditsUnit(formatCreditsUsed(advice.neededMc))}</strong> more before the reset on {reset}:{' '}
      {advice.covers ? `${bundle.name} (${bundle.credits.toLocaleString('en-US')} credits) is the smallest bundle that covers it.` : `even ${bundle.name} covers only part of it.`}{' '}
      {bundle.id !== bundleId ? (
        <button type="button" className="button button-link" onClick={() => onBundleChange(bundle.id)}>
          Choose {bundle.name}
        </button>
      ) : null}
    </p>
  );
}
