import { createBrowserRouter, createMemoryRouter } from 'react-router';
import { RouterProvider } from 'react-router/dom';
import { createQueryClient } from '@/lib/query-client';
import { setCsrfToken } from '@/lib/api-client';
import { followSessionPreferences } from '@/api/session-queries';
import { Providers } from './providers';
import { createRoutes } from './router';

type Router = ReturnType<typeof createBrowserRouter>;

/** The app with its router and query client; tests pass `initialEntries` to get a memory router. */
export function createApp(options: { initialEntries?: string[]; retry?: boolean } = {}) {
  // The query client needs the router (to redirect on 401) and the routes need the query client.
  const ref: { router?: Router } = {};
  let redirecting = false;
  const queryClient = createQueryClient({
    retry: options.retry,
    // A 401 from any query: the session ended (expired, signed out elsewhere) -> sign in again.
    onUnauthenticated: () => {
      const router = ref.router;
      const location = router?.state.location;
      if (!router || !location || redirecting || location.pathname === '/login' || location.pathname === '/signup' || location.pathname === '/invitations/accept') return;
      redirecting = true;
      setCsrfToken(null);
      void router
        .navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true })
        .finally(() => {
          redirecting = false;
        });
    },
  });
  // The dates show in the signed-in user's time zone choice (saved with the user, read with the session).
  followSessionPreferences(queryClient);
  const routes = createRoutes(queryClient);
  const router = options.initialEntries ? createMemoryRouter(routes, { initialEntries: options.initialEntries }) : createBrowserRouter(routes);
  ref.router = router;
  const element = (
    <Providers queryClient={queryClient}>
      <RouterProvider router={router} />
    </Providers>
  );
  return { router, queryClient, element };
}
