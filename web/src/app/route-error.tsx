import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

export function RouteError() {
  const error = useRouteError();
  const message = isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : error instanceof Error ? error.message : 'Unknown error';
  return (
    <div className="page">
      <div className="state state-error" role="alert">
        <p className="state-title">This page could not be loaded</p>
        <p className="state-text">{message}</p>
        <p>
          <a className="button button-secondary" href={globalThis.location?.pathname ?? '/'}>
            Reload
          </a>{' '}
          <Link to="/settings/ai-credits">Go to AI Credits</Link>
        </p>
      </div>
    </div>
  );
}

export function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        <Link to="/settings/ai-credits">Go to AI Credits</Link>
      </p>
    </div>
  );
}

export function AppLoading() {
  return (
    <div className="app-loading" role="status">
      <span className="brand-mark" aria-hidden="true">
        T
      </span>
      <span className="sr-only">Loading…</span>
    </div>
  );
}
