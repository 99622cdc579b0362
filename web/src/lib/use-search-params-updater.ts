import { useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router';

/**
 * URL search params that several controls edit in quick succession. With a data router the
 * location changes only after the route's loader resolves, so building the next params from the
 * rendered ones would drop an edit made meanwhile; each update builds on the latest one requested.
 */
export function useSearchParamsUpdater() {
  const [searchParams, setSearchParams] = useSearchParams();
  const latest = useRef(searchParams);
  useEffect(() => {
    latest.current = searchParams;
  }, [searchParams]);
  /** `edit` may return false to change nothing (a check against the latest params failed); returns whether it applied. */
  const update = (edit: (next: URLSearchParams) => void | false) => {
    const next = new URLSearchParams(latest.current);
    if (edit(next) === false) return false;
    latest.current = next;
    setSearchParams(next, { replace: true, preventScrollReset: true });
    return true;
  };
  return [searchParams, update] as const;
}
