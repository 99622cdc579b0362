import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, type ReactNode } from 'react';
import { useSearchParamsUpdater } from '@/lib/use-search-params-updater';
import { USE_CASES, USE_CASE_LABELS } from '@ai-credits/shared/catalog';
import { UsageFiltersSchema, type UsageCharts } from '@ai-credits/shared/contracts/credits';
import { formatCredits, formatCreditsFixed2 } from '@ai-credits/shared/format';
import { EmptyState } from '@/components/ui/states';
import { QuerySection } from '@/components/ui/query-section';
import { formatDate, formatDateTime, timeZoneLabel } from '@/lib/dates';
import { usageQueries } from '../api/usage-queries';
import { chartsQueryOf, FILTER_KEYS, PAGE_KEY, usageFiltersFromSearch, type FilterKey } from '../api/usage-search';
import { UsageFiltersBar, type DateDraft, type FilterOption } from './usage-filters';

// Recharts is only loaded with this chunk, never in the first load of the page.
const DailyUsageChart = lazy(() => import('./usage-chart-graphics').then((m) => ({ default: m.DailyUsageChart })));
const BreakdownChart = lazy(() => import('./usage-chart-graphics').then((m) => ({ default: m.BreakdownChart })));
const BalanceChart = lazy(() => import('./usage-chart-graphics').then((m) => ({ default: m.BalanceChart })));

/**
 * The page's one filter bar (issue 24) and the charts under it: the charts follow every filter, the
 * history below reads the same URL. The balance chart is the organization's whatever the filters.
 */
export function UsageChartsSection({ users, projects, apiKeys }: { users: FilterOption[] | undefined; projects: FilterOption[] | undefined; apiKeys: FilterOption[] | undefined }) {
  const [searchParams, updateSearchParams] = useSearchParamsUpdater();
  const filters = usageFiltersFromSearch(searchParams);
  // The route loader asked for the same query (chartsQueryFromSearch) while this code was loading.
  const charts = useQuery(usageQueries.charts(chartsQueryOf(filters, new Date())));
  const filtered = Object.entries(filters).some(([k, v]) => k !== 'period' && k !== 'from' && k !== 'to' && v);

  // A filter change starts the history again at page 1.
  const setFilter = (key: FilterKey, value: string) =>
    updateSearchParams((next) => {
      if (key === 'period') {
        next.delete('from');
        next.delete('to');
      }
      if (value && !(key === 'period' && value === 'current')) next.set(key, value);
      else next.delete(key);
      next.delete(PAGE_KEY);
    });
  /**
   * Applies From/To (checked against the latest requested dates, or the pending reversed pair).
   * A reversed range applies neither date (issue 24: it showed the error but still filtered by
   * the other one) and returns the pair for the form to keep showing until it is fixed.
   */
  const setDate = (key: 'from' | 'to', value: string, pending: DateDraft | null): DateDraft | null => {
    let rejected: DateDraft | null = null;
    updateSearchParams((next) => {
      const dates: DateDraft = { from: pending ? pending.from : (next.get('from') ?? undefined), to: pending ? pending.to : (next.get('to') ?? undefined), [key]: value || undefined };
      next.delete('from');
      next.delete('to');
      next.delete(PAGE_KEY);
      if (!UsageFiltersSchema.safeParse(dates).success) {
        rejected = dates;
        return;
      }
      if (dates.from) next.set('from', dates.from);
      if (dates.to) next.set('to', dates.to);
      next.delete('period');
    });
    return rejected;
  };
  const clearFilters = () =>
    updateSearchParams((next) => {
      for (const key of FILTER_KEYS) next.delete(key);
      next.delete(PAGE_KEY);
    });

  return (
    <section className="card" aria-labelledby="charts-title">
      <div className="section-header">
        <div>
          <h2 id="charts-title" className="section-title">
            Usage charts
          </h2>
          <p className="section-subtitle">
            {charts.data
              ? `${formatDate(charts.data.range.from)} – ${formatDate(Date.parse(charts.data.range.to) - 1)}${filtered ? ', filtered' : ''}. Days are UTC days; the filters apply to the charts and the history below.`
              : 'Credits consumed over time'}
          </p>
        </div>
      </div>
      <UsageFiltersBar filters={filters} users={users} projects={projects} apiKeys={apiKeys} onChange={setFilter} onDateChange={setDate} onClear={clearFilters} />
      <QuerySection query={charts} loadingLabel="Loading charts" loadingHeight={280} errorTitle="Couldn't load usage charts">
        {(data) => <ChartsGrid data={data} filtered={filtered} />}
      </QuerySection>
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

function ChartsGrid({ data, filtered }: { data: UsageCharts; filtered: boolean }) {
  const total = data.daily.reduce((sum, d) => sum + d.totalMc, 0);
  // No usage in the range (a new organization): one compact line instead of four empty charts,
  // and the balance chart only when something besides the monthly reset moved the balance.
  if (total === 0) {
    const moved = data.events.some((e) => e.kind !== 'reset');
    return (
      <div className="charts-empty">
        <EmptyState title={filtered ? 'No usage matches these filters' : 'No AI usage in this range yet'}>
          {filtered
            ? 'Clear a filter or pick a longer period.'
            : 'The charts by day, user, project and model appear with the first AI run: test generation, a chat, a report, or a call metered through an API key.'}
        </EmptyState>
        {moved ? (
          <ChartFigure id="chart-balance" title="Balance this billing period (the organization's)" wide fallback={<BalanceFallback data={data} />}>
            <BalanceChart balance={data.balance} events={data.events} forecast={data.forecast} />
          </ChartFigure>
        ) : null}
      </div>
    );
  }
  return (
    <div className="charts-grid">
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
      <ChartFigure id="chart-balance" title="Balance this billing period (the organization's)" wide fallback={<BalanceFallback data={data} />}>
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
            <th scope="col">Date ({timeZoneLabel()})</th>
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

