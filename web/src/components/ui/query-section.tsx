import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ErrorState, Skeleton } from './states';

interface QuerySectionProps<T> {
  query: UseQueryResult<T>;
  /** What the skeleton announces while the query is pending ("Loading members"). */
  loadingLabel: string;
  loadingHeight?: number;
  /** The error's title ("Could not load members"); the message and a retry button follow. */
  errorTitle: string;
  children: (data: T) => ReactNode;
}

/**
 * A query's three states: a skeleton while pending, an error with "Try again", then the data. A
 * failed background refetch shows the error above the data it still has.
 */
export function QuerySection<T>({ query, loadingLabel, loadingHeight, errorTitle, children }: QuerySectionProps<T>) {
  if (query.isPending) return <Skeleton label={loadingLabel} height={loadingHeight} />;
  // The error and the data keep their places, so a failed refetch does not remount what is shown.
  return (
    <>
      {query.isError ? <ErrorState title={errorTitle} error={query.error} onRetry={() => void query.refetch()} /> : null}
      {query.data === undefined ? null : children(query.data)}
    </>
  );
}
