import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, type ReactNode } from 'react';
import { useSearchParamsUpdater } from '@/lib/use-search-params-updater';
import { USE_CASES, USE_CASE_LABELS } from '@ai-credits/shared/catalog';
import type { UsageCharts } from '@ai-credits/shared/contracts/credits';
import { formatCredits, formatCreditsAvailable, formatCreditsFixed2, formatCreditsUsed } from '@ai-credits/shared/format';
import { ErrorState, Skeleton } from '@/components/ui/states';
import { formatDate, formatDateTime, isoDayUtc } from '@/lib/dates';
import { creditsQueries, type ChartsRange } from '@/api/credits-queries';
import { usageQueries } from '../api/usage-queries';

// Recharts is only loaded with this chunk, never in the first load of the page.
const DailyUsageChart = lazy(() => import('./usage-chart-graphics').then((m) => ({ default: m.DailyUsageChart })));
const BreakdownChart = lazy(() => import('./usage-chart-graphics').then((m) => ({ default: m.BreakdownChart })));
const BalanceChart = lazy(() => import('./usage-chart-graphics').then((m) => ({ default: m.BalanceChart })));

export const CHART_RANGES = [
  { id: 'period', label: 'This billing period', days: null },
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '30d', label: 'Last 30 days', days: 30 },
  { id: '90d', label: 'Last 90 days', days: 90 },
] as const;
type ChartRangeId = (typeof CHART_RANGES)[number]['id'];

/**
 * Whole UTC days; `to` is inclusive. The billing period is asked for explicitly once the summary has loaded
 * (until then nothing is sent, and the API's default is the same period, to the current instant).
 */
function rangeOf(id: ChartRangeId, now: Date, periodStart: string | undefined): ChartsRange {
  const preset = CHART_RANGES.find((r) => r.id === id);
  if (!preset?.days) return periodStart ? { from: periodStart.slice(0, 10), to: isoDayUtc(now) } : {};
  return { from: isoDayUtc(now, preset.days - 1), to: isoDayUtc(now) };
}

/** Charts for members reviewing usage; every chart has a visually hidden table with its numbers. */
const days = (n: number) => (n === 1 ? 'day' : `${n} days`);

export function UsageChartsSection() {
  const [searchParams, updateSearchParams] = useSearchParamsUpdater();
  const rangeParam = searchParams.get('chartRange');
  const rangeId: ChartRangeId = CHART_RANGES.some((r) => r.id === rangeParam) ? (rangeParam as ChartRangeId) : 'period';
  const summary = useQuery(creditsQueries.summary());
  const periodStart = summary.data?.period.start;
  const charts = useQuery({
    ...usageQueries.charts(rangeOf(rangeId, new Date(), periodStart)),
    // "This billing period" needs the period from the summary (or falls back to the API default if that failed).
    enabled: rangeId !== 'period' || periodStart !== undefined || summary.isError,
  });

  const setRange = (id: string) =>
    updateSearchParams((next) => {
      if (id === 'period') next.delete('chartRange');
      else next.set('chartRange', id);
    });

  return (
    <section className="card" aria-labelledby="charts-title">
      <div className="section-header">
        <div>
          <h2 id="charts-title" className="section-title">
            Usage charts
          </h2>
          <p className="section-subtitle">
            {charts.data ? `${formatDate(charts.data.range.from)} – ${formatDate(Date.parse(charts.data.range.to) - 1)} (UTC)` : 'Credits consumed over time'}
          </p>
        </div>
        <div className="field field-inline">
          <label htmlFor="chart-range">Date range</label>
          <select id="chart-range" value={rangeId} onChange={(e) => setRange(e.target.value)}>
            {CHART_RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {charts.isPending ? (
        <Skeleton label="Loading charts" height={280} />
      ) : charts.isError ? (
        <ErrorState title="Couldn't load usage charts" error={charts.error} onRetry={() => void charts.refetch()} />
      ) : (
        <ChartsGrid data={charts.data} />
      )}
    </section>
  );
}

function ChartFigure({ id, title, wide, children, fallback }: { id: string; title: string; wide?: boolean; children: ReactNode; fallback: ReactNode }) {
  return (
    <figure className={`chart${wide ? ' chart-wide' : ''}`} aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`} className="chart-title">
        {title}
      </figcaption>
      <div className="chart-canvas" aria-hidden="true">
        <Suspense fallback={<div className="skeleton" style={{ height: '100%' }} />}>{children}</Suspense>
      </div>
      <div className="sr-only">{fallback}</div>
    </figure>
  );
}

function ChartsGrid({ data }: { data: UsageCharts }) {
  const total = data.daily.reduce((sum, d) => sum + d.totalMc, 0);
  return (
    <div className="charts-grid">
      <Forecast data={data} />
      <ChartFigure
        id="chart-daily"
        title="Credits per day by use case"
        wide
        fallback={
          <table>
            <caption>Credits per day by use case</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                {USE_CASES.map((u) => (
                  <th scope="col" key={u}>
                    {USE_CASE_LABELS[u]}
                  </th>
                ))}
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {data.daily.map((d) => (
                <tr key={d.date}>
                  <th scope="row">{formatDate(d.date)}</th>
                  {USE_CASES.map((u) => (
                    <td key={u}>{formatCreditsFixed2(d[u])}</td>
                  ))}
                  <td>{formatCreditsFixed2(d.totalMc)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      >
        {total === 0 ? <p className="chart-empty">No credits used in this range.</p> : <DailyUsageChart daily={data.daily} />}
      </ChartFigure>
      <ChartFigure id="chart-balance" title="Balance this billing period" wide fallback={<BalanceFallback data={data} />}>
        <BalanceChart balance={data.balance} events={data.events} forecast={data.forecast} />
      </ChartFigure>
      {(
        [
          ['chart-user', 'Credits by user', data.byUser],
          ['chart-project', 'Credits by project', data.byProject],
          ['chart-model', 'Credits by model', data.byModel],
          // API usage by key: only when some of the range was metered through an API key.
          ...(data.byApiKey.length > 0 ? [['chart-api-key', 'Credits by API key', data.byApiKey] as const] : []),
        ] as const
      ).map(([id, title, rows]) => (
        <ChartFigure
          key={id}
          id={id}
          title={title}
          fallback={
            <table>
              <caption>{title}</caption>
              <thead>
                <tr>
                  <th scope="col">{title.replace('Credits by ', '').replace(/^./, (c) => c.toUpperCase())}</th>
                  <th scope="col">Credits</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">{r.label}</th>
                    <td>{formatCreditsFixed2(r.mc)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          }
        >
          {rows.length === 0 ? <p className="chart-empty">No usage in this range.</p> : <BreakdownChart rows={rows} />}
        </ChartFigure>
      ))}
    </div>
  );
}

const EVENT_LABELS = { reset: 'Billing period reset', purchase: 'Credits purchased', adjustment: 'Adjustment' } as const;

function BalanceFallback({ data }: { data: UsageCharts }) {
  const first = data.balance[0];
  const last = data.balance[data.balance.length - 1];
  return (
    <>
      <p>
        {first ? `The period started with ${formatCredits(first.balanceMc)} credits on ${formatDate(first.at)}. ` : ''}
        {last ? `Balance now: ${formatCredits(last.balanceMc)} credits.` : ''}
      </p>
      <table>
        <caption>Balance events this billing period</caption>
        <thead>
          <tr>
            <th scope="col">Date (UTC)</th>
            <th scope="col">Event</th>
            <th scope="col">Credits</th>
          </tr>
        </thead>
        <tbody>
          {data.events.map((e) => (
            <tr key={`${e.kind}-${e.at}`}>
              <td>{formatDateTime(e.at)}</td>
              <td>{EVENT_LABELS[e.kind]}</td>
              <td>{formatCreditsFixed2(e.amountMc)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Forecast({ data }: { data: UsageCharts }) {
  const { forecast } = data;
  const reset = formatDate(forecast.periodEnd);
  let message: string;
  let tone: 'ok' | 'warn';
  const runOut = forecast.runOutAt;
  const balanceNow = data.balance[data.balance.length - 1]?.balanceMc ?? 0;
  if (runOut !== null && Date.parse(runOut) <= Date.now()) {
    message = balanceNow > 0 ? `At this rate, credits run out today. The balance resets on ${reset} (UTC).` : `Credits have run out. The balance resets on ${reset} (UTC).`;
    tone = 'warn';
  } else if (runOut !== null) {
    message = `At this rate, credits run out on ${formatDate(runOut)}, before the period resets on ${reset} (UTC).`;
    tone = 'warn';
  } else if (forecast.burnRateMcPerDay === 0) {
    message = `No credits used so far. Credits last until the period resets on ${reset} (UTC).`;
    tone = 'ok';
  } else {
    message = `At this rate, credits last until the period resets on ${reset} (UTC).`;
    tone = 'ok';
  }
  const basis =
    forecast.basisDays === 0 ? "today's usage so far (no whole day yet)" : `average of the last ${days(forecast.basisDays)} (whole days, UTC)`;
  return (
    <div className={`forecast forecast-${tone}`} role="group" aria-labelledby="forecast-title">
      <p id="forecast-title" className="chart-title">
        Forecast
      </p>
      <p className="forecast-rate">
        <strong title={`${formatCreditsFixed2(forecast.burnRateMcPerDay)} credits/day`}>{formatCreditsUsed(forecast.burnRateMcPerDay)}</strong> credits/day{' '}
        <span className="muted">{basis}</span>
      </p>
      {forecast.todayMc > 0 && forecast.basisDays > 0 ? <p className="forecast-today muted">Today so far: {formatCreditsUsed(forecast.todayMc)} credits.</p> : null}
      <p className="forecast-message">
        <span className="sr-only">{tone === 'warn' ? 'Warning: ' : ''}</span>
        {message}
      </p>
      {forecast.expiringMc > 0 ? (
        <p className="forecast-expiring">
          About <strong>{formatCreditsAvailable(forecast.expiringMc)}</strong> credits will expire unused at the reset on {reset} (UTC).
        </p>
      ) : null}
    </div>
  );
}
