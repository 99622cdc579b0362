import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ErrorState, Skeleton } from './states';

type Loading =
  /** What the skeleton announces while the query is pending ("Loading members"). */
  | { loadingLabel: string; loadingHeight?: number; loading?: never }
  /** A placeholder of the data's own shape (two stat cards, a table's rows), shown while pending. */
  | { loading: ReactNode; loadingLabel?: never; loadingHeight?: never };

type QuerySectionProps<T> = Loading & {
  query: UseQueryResult<T>;
  /** The error's title ("Could not load members"); the message and a retry button follow. */
  errorTitle: string;
  /** The error's message, where the server's own would not help the reader. */
  errorMessage?: (error: Error) => string;
  children: (data: T) => ReactNode;
};

/**
 * A query's three states: a skeleton while pending, an error with "Try again", then the data. A
 * failed background refetch shows the error above the data it still has.
 */
export function QuerySection<T>({ query, loadingLabel, loadingHeight, loading, errorTitle, errorMessage, children }: QuerySectionProps<T>) {
  if (query.isPending) return loadingLabel === undefined ? loading : <Skeleton label={loadingLabel} height={loadingHeight} />;
  // The error and the data keep their places, so a failed refetch does not remount what is shown.
  return (
    <>
      {query.isError ? (
        <ErrorState title={errorTitle} error={query.error} message={errorMessage?.(query.error)} onRetry={() => void query.refetch()} />
      ) : null}
      {query.data === undefined ? null : children(query.data)}
    </>
  );
}

type Results<D extends readonly unknown[]> = { [K in keyof D]: UseQueryResult<D[K]> };

interface QueriesSectionProps<D extends readonly unknown[]> {
  /** The queries the section needs all of, each with the title of its error. */
  queries: { [K in keyof D]: { query: UseQueryResult<D[K]>; errorTitle: string } };
  loadingLabel: string;
  loadingHeight?: number;
  children: (...data: D) => ReactNode;
}

/**
 * QuerySection for a section fed by several queries (a budget table needs the budgets and the
 * projects): one skeleton while any is pending, each failed query's error with its own "Try
 * again", and the data once every query has some.
 */
export function QueriesSection<D extends readonly unknown[]>({ queries, loadingLabel, loadingHeight, children }: QueriesSectionProps<D>) {
  const list = queries as readonly { query: UseQueryResult<unknown>; errorTitle: string }[];
  const results = list.map((q) => q.query) as unknown as Results<D>;
  if (list.some((q) => q.query.isPending)) return <Skeleton label={loadingLabel} height={loadingHeight} />;
  return (
    <>
      {list.map(({ query, errorTitle }) =>
        query.isError ? <ErrorState key={errorTitle} title={errorTitle} error={query.error} onRetry={() => void query.refetch()} /> : null,
      )}
      {results.every((r) => r.data !== undefined) ? children(...(results.map((r) => r.data) as unknown as D)) : null}
    </>
  );
}
