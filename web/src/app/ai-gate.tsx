import { useSuspenseQuery } from '@tanstack/react-query';
import { Link, Outlet } from 'react-router';
import type { Role } from '@ai-credits/shared/contracts/auth';
import { sessionQueries } from '@/api/session-queries';

/**
 * AI pages exist only while AI is enabled (and, for API keys, for owners and admins). With
 * `savedWorkWhenOff`, the pages still open while AI is off, read-only: what AI produced earlier
 * stays readable (the pages hide every way to start new AI work). The BFF refuses new work either way.
 */
export function AiGate({ roles, savedWorkWhenOff = false }: { roles?: readonly Role[]; savedWorkWhenOff?: boolean }) {
  const { data: session } = useSuspenseQuery(sessionQueries.current());
  if (!session.org.aiEnabled && !savedWorkWhenOff) {
    return (
      <div className="page">
        <h1>AI is turned off</h1>
        <p className="muted">
          {session.role === 'owner'
            ? 'You turned AI off for your organization. Turn it back on with the Enable AI switch.'
            : 'Your organization owner turned AI off. AI features are unavailable until they turn it back on.'}
        </p>
        <p>
          <Link to="/settings/ai-credits">Go to AI Credits</Link>
        </p>
      </div>
    );
  }
  if (roles && !roles.includes(session.role)) {
    return (
      <div className="page">
        <h1>Not available</h1>
        <p className="muted">Only organization owners and admins can open this page.</p>
      </div>
    );
  }
  return <Outlet />;
}

/** A page for some roles only (presentation: the BFF refuses the calls anyway). */
export function RoleGate({ roles }: { roles: readonly Role[] }) {
  const { data: session } = useSuspenseQuery(sessionQueries.current());
  if (!roles.includes(session.role)) {
    return (
      <div className="page">
        <h1>Not available</h1>
        <p className="muted">Only organization owners and admins can open this page.</p>
      </div>
    );
  }
  return <Outlet />;
}
