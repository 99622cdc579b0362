import { useQuery } from '@tanstack/react-query';
import type { UsageCharts } from '@ai-credits/shared/contracts/credits';
import { formatCreditsAvailable, formatCreditsFixed2, formatCreditsUsed, withCreditsUnit } from '@ai-credits/shared/format';
import { formatBoundary, formatDate } from '@/lib/dates';
import { usageQueries } from '../api/usage-queries';

const days = (n: number) => (n === 1 ? 'day' : `${n} days`);
/** Bought credits expire at the reset too: within this many days of it, the expiry is a warning (issue 24). */
export const EXPIRY_WARNING_DAYS = 7;

/**
 * The forecast, right under the cards (issue 24: the answers first). It reads the charts of the
 * billing period (the route loader's prefetch), not the Recharts code, so it shows with the cards.
 */
export function ForecastPanel() {
  const charts = useQuery(usageQueries.charts({}));
  if (!charts.data) return null;
  return (
    <section className="forecast-section" aria-label="Forecast">
      <Forecast data={charts.data} />
    </section>
  );
}

export function Forecast({ data }: { data: UsageCharts }) {
  const { forecast } = data;
  // The reset in the viewer's zone, and in UTC (billing periods are UTC) when that differs.
  const reset = formatBoundary(forecast.periodEnd);
  let message: string;
  let tone: 'ok' | 'warn';
  const runOut = forecast.runOutAt;
  const balanceNow = data.balance[data.balance.length - 1]?.balanceMc ?? 0;
  if (runOut !== null && Date.parse(runOut) <= Date.now()) {
    message = balanceNow > 0 ? `At this rate, credits run out today. The balance resets on ${reset}.` : `Credits have run out. The balance resets on ${reset}.`;
    tone = 'warn';
  } else if (runOut !== null) {
    message = `At this rate, credits run out on ${formatDate(runOut.slice(0, 10))}, before the period resets on ${reset}.`;
    tone = 'warn';
  } else if (forecast.burnRateMcPerDay === 0) {
    message = `No credits used so far. Credits last until the period resets on ${reset}.`;
    tone = 'ok';
  } else {
    message = `At this rate, credits last until the period resets on ${reset}.`;
    tone = 'ok';
  }
  const basis =
    forecast.basisDays === 0 ? "today's usage so far (no whole day yet)" : `average of the last ${days(forecast.basisDays)} (whole days, UTC)`;
  // The billing period's charts end now (the server's clock).
  const resetSoon = Date.parse(forecast.periodEnd) - Date.parse(data.range.to) < EXPIRY_WARNING_DAYS * 86_400_000;
  return (
    <div className={`forecast forecast-${tone}`} role="group" aria-labelledby="forecast-title">
      <p id="forecast-title" className="chart-title">
        Forecast
      </p>
      <p className="forecast-rate">
        <strong title={`${formatCreditsFixed2(forecast.burnRateMcPerDay)} credits/day`}>{formatCreditsUsed(forecast.burnRateMcPerDay)}</strong> credits/day{' '}
        <span className="muted">{basis}</span>
      </p>
      {forecast.todayMc > 0 && forecast.basisDays > 0 ? <p className="forecast-today muted">Today so far: {withCreditsUnit(formatCreditsUsed(forecast.todayMc))}.</p> : null}
      <p className="forecast-message">
        <span className="sr-only">{tone === 'warn' ? 'Warning: ' : ''}</span>
        {message}
      </p>
      {forecast.expiringMc > 0 ? (
        resetSoon ? (
          <p className="forecast-expiring forecast-expiring-soon" role="note">
            <strong>
              About {withCreditsUnit(formatCreditsAvailable(forecast.expiringMc))}, bought ones included, will expire unused at the reset on {reset}.
            </strong>{' '}
            Unused credits do not roll over.
          </p>
        ) : (
          <p className="forecast-expiring">
            About <strong>{formatCreditsAvailable(forecast.expiringMc)}</strong> credits will expire unused at the reset on {reset}.
          </p>
        )
      ) : null}
    </div>
  );
}
