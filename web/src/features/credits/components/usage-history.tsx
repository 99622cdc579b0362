import { useQuery } from '@tanstack/react-query';
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { findModel, USE_CASE_LABELS } from '@ai-credits/shared/catalog';
import { creditsContract, UsageFiltersSchema, type UsageRow } from '@ai-credits/shared/contracts/credits';
import { formatCreditsExact, formatCreditsFixed2 } from '@ai-credits/shared/format';
import { EmptyState, ErrorState } from '@/components/ui/states';
import { apiUrl } from '@/lib/api-client';
import { useSearchParamsUpdater } from '@/lib/use-search-params-updater';
import { formatDate, formatDateTime } from '@/lib/dates';
import { creditsQueries } from '@/api/credits-queries';
import { usageQueries } from '../api/usage-queries';
import { FILTER_KEYS, PAGE_KEY, pageCursorsFromSearch, usageFiltersFromSearch, usageQueryFromSearch, type FilterKey } from '../api/usage-search';
import { UsageFiltersBar, type FilterOption } from './usage-filters';

const column = createColumnHelper<UsageRow>();

const columns = [
  column.accessor('occurredAt', {
    header: 'Date (UTC)',
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
    /** Unused; keeps the type parameters referenced. */
    _types?: [TData, TValue];
  }
}

interface UsageHistoryProps {
  users: FilterOption[] | undefined;
  projects: FilterOption[] | undefined;
  apiKeys: FilterOption[] | undefined;
}

/** Which dates a total covers, in words: "all time", "since Nov 15, 2026", "Nov 1, 2026 – Nov 30, 2026". */
function rangeLabel(from: string | undefined, to: string | undefined): string {
  if (from && to) return `${formatDate(from)} – ${formatDate(to)}`;
  if (from) return `since ${formatDate(from)}`;
  if (to) return `up to ${formatDate(to)}`;
  return 'all time';
}

/** Usage history: newest first, filters in the URL, keyset pagination with a stack of cursors for Previous. */
export function UsageHistory({ users, projects, apiKeys }: UsageHistoryProps) {
  const [searchParams, updateSearchParams] = useSearchParamsUpdater();
  const filters = usageFiltersFromSearch(searchParams);
  const filtersKey = JSON.stringify(filters);
  // Cursors of the pages before the current one live in the URL (a reload keeps the page).
  const cursors = pageCursorsFromSearch(searchParams);
  const [showModel, setShowModel] = useState(false);
  const setCursors = (next: string[]) =>
    updateSearchParams((params) => {
      params.delete(PAGE_KEY);
      for (const c of next) params.append(PAGE_KEY, c);
    });

  const usage = useQuery(usageQueries.history(usageQueryFromSearch(searchParams)));
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

  // A filter change starts again at page 1.
  const setFilter = (key: FilterKey, value: string) =>
    updateSearchParams((next) => {
      if (value) next.set(key, value);
      else next.delete(key);
      next.delete(PAGE_KEY);
    });
  /** The contract's own rule (From on or before To), checked against the latest requested dates. */
  const setDate = (key: 'from' | 'to', value: string) =>
    updateSearchParams((next) => {
      const dates = { from: next.get('from') ?? undefined, to: next.get('to') ?? undefined, [key]: value || undefined };
      if (!UsageFiltersSchema.safeParse(dates).success) return false;
      if (value) next.set(key, value);
      else next.delete(key);
      next.delete(PAGE_KEY);
    });
  // The billing period in one click (its start is a UTC day: periods reset at 00:00 UTC).
  const periodStartDay = useQuery(creditsQueries.summary()).data?.period.start.slice(0, 10);
  const showPeriod = () =>
    updateSearchParams((next) => {
      next.set('from', periodStartDay!);
      next.delete('to');
      next.delete(PAGE_KEY);
    });
  const clearFilters = () =>
    updateSearchParams((next) => {
      for (const key of FILTER_KEYS) next.delete(key);
      next.delete(PAGE_KEY);
    });

  const nextCursor = usage.data?.nextCursor ?? null;
  const page = cursors.length + 1;
  const hasFilters = filtersKey !== '{}';
  const loading = usage.isPending || (usage.isPlaceholderData && usage.isFetching);

  return (
    <section className="card" aria-labelledby="usage-history-title">
      <div className="section-header">
        <div>
          <h2 id="usage-history-title" className="section-title">
            Usage history
          </h2>
          <p className="section-subtitle">Every AI interaction, newest first.</p>
        </div>
        <div className="section-actions">
          <label className="checkbox">
            <input type="checkbox" checked={showModel} onChange={(e) => setShowModel(e.target.checked)} /> Show model column
          </label>
          <a className="button button-secondary" href={apiUrl(creditsContract.usageCsv, { query: filters })} download="ai-credits-usage.csv">
            Export CSV<span className="sr-only"> of the filtered usage history</span>
          </a>
        </div>
      </div>

      <UsageFiltersBar filters={filters} users={users} projects={projects} apiKeys={apiKeys} onChange={setFilter} onDateChange={setDate} onClear={clearFilters} />

      <p className="usage-totals" aria-live="polite">
        {usage.data ? (
          <>
            <strong>{usage.data.totals.count.toLocaleString('en-US')}</strong> {usage.data.totals.count === 1 ? 'row' : 'rows'}
            {hasFilters ? ' match these filters' : ''},{' '}
            <strong title={formatCreditsExact(usage.data.totals.chargedMc)}>{formatCreditsFixed2(usage.data.totals.chargedMc)}</strong> credits in total,{' '}
            {rangeLabel(filters.from, filters.to)}
          </>
        ) : (
          '\u00a0'
        )}
      </p>
      {usage.data && periodStartDay && (filters.from !== periodStartDay || filters.to) ? (
        <p className="usage-totals-actions">
          <button type="button" className="button button-link" onClick={showPeriod}>
            This billing period
          </button>
        </p>
      ) : null}

      {usage.isError ? (
        <ErrorState title="Couldn't load usage history" error={usage.error} onRetry={() => void usage.refetch()} />
      ) : !usage.isPending && items.length === 0 ? (
        <EmptyState title={hasFilters ? 'No usage matches these filters' : 'No AI usage yet'}>
          {hasFilters ? (
            <button type="button" className="button button-secondary" onClick={clearFilters}>
              Clear filters
            </button>
          ) : (
            'When someone in your organization uses an AI feature, it shows up here.'
          )}
        </EmptyState>
      ) : (
        <div className="table-scroll" role="region" aria-labelledby="usage-history-title" tabIndex={0}>
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
            <tbody>
              {usage.isPending
                ? Array.from({ length: 5 }, (_, i) => (
                    <tr key={i} className="row-skeleton">
                      {table.getVisibleLeafColumns().map((c) => (
                        <td key={c.id}>
                          <span className="skeleton-line" />
                        </td>
                      ))}
                    </tr>
                  ))
                : table.getRowModel().rows.map((row) => (
                    <tr key={row.id}>
                      {row.getVisibleCells().map((cell) => (
                        <td
                          key={cell.id}
                          className={cell.column.columnDef.meta?.numeric ? 'num' : undefined}
                          // the column name, shown beside the value when rows stack on narrow screens
                          data-label={typeof cell.column.columnDef.header === 'string' ? cell.column.columnDef.header : undefined}
                          data-col={cell.column.id}
                        >
                          {/* one box per cell, so a stacked row (narrow screens) lays its label beside the whole value */}
                          <div className="cell-value">{flexRender(cell.column.columnDef.cell, cell.getContext())}</div>
                        </td>
                      ))}
                    </tr>
                  ))}
            </tbody>
          </table>
        </div>
      )}

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
