import { useQuery } from '@tanstack/react-query';
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useMemo, useState, type ReactNode } from 'react';
import { findModel, USE_CASE_LABELS } from '@ai-credits/shared/catalog';
import { creditsContract, type UsageRow } from '@ai-credits/shared/contracts/credits';
import { formatCreditsExact, formatCreditsFixed2 } from '@ai-credits/shared/format';
import { QuerySection } from '@/components/ui/query-section';
import { EmptyState } from '@/components/ui/states';
import { apiUrl } from '@/lib/api-client';
import { useSearchParamsUpdater } from '@/lib/use-search-params-updater';
import { formatDate, formatDateTime, timeZoneLabel, useTimeZoneChoice } from '@/lib/dates';
import { useSetTimeZone, useTimeZoneSaveError } from '@/api/session-queries';
import { creditsQueries } from '@/api/credits-queries';
import { usageQueries } from '../api/usage-queries';
import { FILTER_KEYS, PAGE_KEY, PERIODS, pageCursorsFromSearch, usageFiltersFromSearch, usageQueryFromSearch, type PageFilters } from '../api/usage-search';
import { FormError } from '@/components/ui/field';

const column = createColumnHelper<UsageRow>();

const columns = [
  column.accessor('occurredAt', {
    header: () => `Date (${timeZoneLabel()})`,
    meta: { label: 'Date' },
    cell: (info) => <time dateTime={info.getValue()}>{formatDateTime(info.getValue())}</time>,
  }),
  column.accessor('useCase', { header: 'Use Case', cell: (info) => USE_CASE_LABELS[info.getValue()] }),
  column.accessor((row) => row.user?.name ?? null, {
    id: 'user',
    header: 'User',
    cell: (info) => {
      const { apiKey, source } = info.row.original;
      const name = info.getValue();
      // Usage metered through the API names its API key (with the user it was made for, if any).
      if (apiKey) {
        return (
          <>
            {name ? <>{name} </> : null}
            <span className={name ? 'cell-sub' : undefined}>
              <span className="badge">API key</span> {apiKey.name}
            </span>
          </>
        );
      }
      return name ?? <span className="muted">{source === 'api' ? 'API key' : 'Deleted user'}</span>;
    },
  }),
  column.accessor('chargedMc', {
    header: 'Credits Consumed',
    meta: { numeric: true },
    cell: (info) => (
      <>
        {/* Two decimals in the table; the exact millicredits on hover/focus and in the CSV. */}
        <span title={formatCreditsExact(info.getValue())}>{formatCreditsFixed2(info.getValue())}</span>
        {info.row.original.overageMc > 0 ? (
          <span className="cell-note" title={formatCreditsExact(info.row.original.overageMc)}>
            incl. {formatCreditsFixed2(info.row.original.overageMc)} overage
          </span>
        ) : null}
      </>
    ),
  }),
  column.accessor((row) => row.project?.name ?? null, {
    id: 'project',
    header: 'Project',
    cell: (info) => info.getValue() ?? <span className="muted">No project</span>,
  }),
  column.accessor('model', { header: 'Model', cell: (info) => findModel(info.getValue())?.label ?? info.getValue() }),
];

declare module '@tanstack/react-table' {
  interface ColumnMeta<TData, TValue> {
    numeric?: boolean;
    /** The column's name beside a stacked row's value, when its header is not a plain string. */
    label?: string;
    /** Unused; keeps the type parameters referenced. */
    _types?: [TData, TValue];
  }
}

/** Which dates a total covers, in words: "this billing period (since Nov 15, 2026)", "all time", "Nov 1, 2026 – Nov 30, 2026". */
function rangeLabel(filters: PageFilters, periodStart: string | undefined): string {
  const { period, from, to } = filters;
  if (period === 'current') return periodStart ? `this billing period (since ${formatDate(periodStart)})` : 'this billing period';
  if (period === 'all') return 'all time';
  if (period !== 'custom') return PERIODS.find((p) => p.id === period)!.label.toLowerCase();
  if (from && to) return `${formatDate(from)} – ${formatDate(to)}`;
  if (from) return `since ${formatDate(from)}`;
  return `up to ${formatDate(to!)}`;
}

/**
 * Usage history: newest first, keyset pagination with a stack of cursors for Previous. It follows
 * the page's filter bar (above the charts; the URL); by default the current billing period.
 */
export function UsageHistory() {
  const [searchParams, updateSearchParams] = useSearchParamsUpdater();
  const filters = usageFiltersFromSearch(searchParams);
  const query = usageQueryFromSearch(searchParams, new Date());
  const { cursor: _cursor, limit: _limit, ...apiFilters } = query;
  // Cursors of the pages before the current one live in the URL (a reload keeps the page).
  const cursors = pageCursorsFromSearch(searchParams);
  const [showModel, setShowModel] = useState(false);
  const timeZone = useTimeZoneChoice();
  const saveTimeZone = useSetTimeZone();
  const timeZoneError = useTimeZoneSaveError();
  const setCursors = (next: string[]) =>
    updateSearchParams((params) => {
      params.delete(PAGE_KEY);
      for (const c of next) params.append(PAGE_KEY, c);
    });

  const usage = useQuery(usageQueries.history(query));
  const items = useMemo(() => usage.data?.items ?? [], [usage.data]);

  const table = useReactTable({
    data: items,
    columns,
    getCoreRowModel: getCoreRowModel(),
    manualPagination: true,
    manualFiltering: true,
    manualSorting: true,
    getRowId: (row) => row.id,
    state: { columnVisibility: { model: showModel } },
  });

  const periodStart = useQuery(creditsQueries.summary()).data?.period.start;
  const clearFilters = () =>
    updateSearchParams((next) => {
      for (const key of FILTER_KEYS) next.delete(key);
      next.delete(PAGE_KEY);
    });

  const nextCursor = usage.data?.nextCursor ?? null;
  const page = cursors.length + 1;
  const hasFilters = Object.entries(filters).some(([k, v]) => (k === 'period' ? v !== 'current' : Boolean(v)));
  const loading = usage.isPending || (usage.isPlaceholderData && usage.isFetching);

  // One table for the rows and for their placeholders, so the header stays while a page loads.
  const usageTable = (body: ReactNode) => (
    <div className="table-scroll" role="group" aria-labelledby="usage-history-title" tabIndex={0}>
      <table className="table table-stack usage-table" aria-busy={loading} aria-describedby="usage-page-status">
        <caption className="sr-only">Usage history, newest first</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col" className={header.column.columnDef.meta?.numeric ? 'num' : undefined}>
                  {flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>{body}</tbody>
      </table>
    </div>
  );
  const skeletonRows = Array.from({ length: 5 }, (_, i) => (
    <tr key={i} className="row-skeleton">
      {table.getVisibleLeafColumns().map((c) => (
        <td key={c.id}>
          <span className="skeleton-line" />
        </td>
      ))}
    </tr>
  ));
  const dataRows = () =>
    table.getRowModel().rows.map((row) => (
      <tr key={row.id}>
        {row.getVisibleCells().map((cell) => (
          <td
            key={cell.id}
            className={cell.column.columnDef.meta?.numeric ? 'num' : undefined}
            // the column name, shown beside the value when rows stack on narrow screens
            data-label={typeof cell.column.columnDef.header === 'string' ? cell.column.columnDef.header : cell.column.columnDef.meta?.label}
            data-col={cell.column.id}
          >
            {/* one box per cell, so a stacked row (narrow screens) lays its label beside the whole value */}
            <div className="cell-value">{flexRender(cell.column.columnDef.cell, cell.getContext())}</div>
          </td>
        ))}
      </tr>
    ));
  const emptyState = (
    <EmptyState title={hasFilters ? 'No usage matches these filters' : 'No AI usage yet'}>
      {hasFilters ? (
        <button type="button" className="button button-secondary" onClick={clearFilters}>
          Clear filters
        </button>
      ) : (
        'When someone in your organization uses an AI feature, it shows up here.'
      )}
    </EmptyState>
  );

  return (
    <section className="card" aria-labelledby="usage-history-title">
      <div className="section-header">
        <div>
          <h2 id="usage-history-title" className="section-title">
            Usage history
          </h2>
          <p className="section-subtitle">Every AI interaction, newest first. The filters above the charts apply here too.</p>
        </div>
        <div className="section-actions">
          <label className="checkbox">
            <input type="checkbox" checked={timeZone === 'utc'} onChange={(e) => saveTimeZone.mutate(e.target.checked ? 'utc' : 'local')} /> Times in UTC
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={showModel} onChange={(e) => setShowModel(e.target.checked)} /> Show model column
          </label>
          <a className="button button-secondary" href={apiUrl(creditsContract.usageCsv, { query: apiFilters })} download="ai-credits-usage.csv">
            Export CSV<span className="sr-only"> of the filtered usage history (times in UTC)</span>
          </a>
        </div>
      </div>
      {timeZoneError ? (
        <FormError inline>Couldn't save your time zone choice: {timeZoneError.message}. Try again.</FormError>
      ) : null}

      <p className="usage-totals" aria-live="polite">
        {usage.data ? (
          <>
            <strong>{usage.data.totals.count.toLocaleString('en-US')}</strong> {usage.data.totals.count === 1 ? 'row' : 'rows'}
            {hasFilters ? ' match these filters' : ''},{' '}
            <strong title={formatCreditsExact(usage.data.totals.chargedMc)}>{formatCreditsFixed2(usage.data.totals.chargedMc)}</strong> credits in total,{' '}
            {rangeLabel(filters, periodStart)}
          </>
        ) : (
          '\u00a0'
        )}
      </p>
      {usage.data && filters.period !== 'current' ? (
        <p className="usage-totals-actions">
          <button type="button" className="button button-link" onClick={() => updateSearchParams((next) => { next.delete('period'); next.delete('from'); next.delete('to'); next.delete(PAGE_KEY); })}>
            This billing period
          </button>
        </p>
      ) : null}

      <QuerySection query={usage} loading={usageTable(skeletonRows)} errorTitle="Couldn't load usage history">
        {() => (items.length === 0 ? emptyState : usageTable(dataRows()))}
      </QuerySection>

      <nav className="pagination" aria-label="Usage history pages">
        <p id="usage-page-status" className="muted" aria-live="polite">
          {usage.isPending ? 'Loading…' : `Page ${page}${loading ? ' (loading…)' : ''}`}
        </p>
        <div className="pagination-buttons">
          <button
            type="button"
            className="button button-secondary"
            disabled={cursors.length === 0 || loading}
            onClick={() => setCursors(cursors.slice(0, -1))}
          >
            Previous
          </button>
          <button
            type="button"
            className="button button-secondary"
            disabled={!nextCursor || loading}
            onClick={() => nextCursor && setCursors([...cursors, nextCursor])}
          >
            Next
          </button>
        </div>
      </nav>
    </section>
  );
}
