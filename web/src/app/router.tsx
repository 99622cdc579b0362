import type { QueryClient } from '@tanstack/react-query';
import { redirect, type LoaderFunctionArgs, type RouteObject } from 'react-router';
import { creditsQueries } from '@/api/credits-queries';
import { orgQueries } from '@/api/org-queries';
import { usageQueries } from '@/features/credits/api/usage-queries';
import { chartsQueryFromSearch, usageQueryFromSearch } from '@/features/credits/api/usage-search';
import { isApiError } from '@/lib/api-client';
import { sessionQueries } from '@/api/session-queries';
import { AiGate, RoleGate } from './ai-gate';
import { AppLayout } from './app-layout';
import { AppLoading, NotFound, RouteError } from './route-error';

/**
 * Every route module is lazy, so the first load of a page carries only what it renders.
 * Loaders prefetch with the same queryOptions factories the components read from.
 */
export function createRoutes(queryClient: QueryClient): RouteObject[] {
  const requireSession = async ({ request }: LoaderFunctionArgs) => {
    try {
      await queryClient.ensureQueryData(sessionQueries.current());
    } catch (error) {
      if (isApiError(error) && error.status === 401) {
        const url = new URL(request.url);
        throw redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`);
      }
      throw error;
    }
    return null;
  };

  return [
    {
      path: '/login',
      HydrateFallback: AppLoading,
      lazy: () => import('@/features/auth/components/login-page').then((m) => ({ Component: m.LoginPage })),
    },
    {
      path: '/signup',
      HydrateFallback: AppLoading,
      lazy: () => import('@/features/auth/components/signup-page').then((m) => ({ Component: m.SignupPage })),
    },
    // The account's emailed links (tokens in the fragment) and, in test mode, the mailbox they are in.
    {
      path: '/verify-email',
      HydrateFallback: AppLoading,
      lazy: () => import('@/features/auth/components/verify-email-page').then((m) => ({ Component: m.VerifyEmailPage })),
    },
    {
      path: '/forgot-password',
      HydrateFallback: AppLoading,
      lazy: () => import('@/features/auth/components/forgot-password-page').then((m) => ({ Component: m.ForgotPasswordPage })),
    },
    {
      path: '/reset-password',
      HydrateFallback: AppLoading,
      lazy: () => import('@/features/auth/components/reset-password-page').then((m) => ({ Component: m.ResetPasswordPage })),
    },
    {
      path: '/dev/mailbox',
      HydrateFallback: AppLoading,
      lazy: () => import('@/features/auth/components/dev-mailbox-page').then((m) => ({ Component: m.DevMailboxPage })),
    },
    {
      // Public: the invited person may have no account yet (the token is in the fragment).
      path: '/invitations/accept',
      HydrateFallback: AppLoading,
      lazy: () => import('@/features/org/components/accept-invitation-page').then((m) => ({ Component: m.AcceptInvitationPage })),
    },
    {
      path: '/',
      loader: requireSession,
      Component: AppLayout,
      HydrateFallback: AppLoading,
      ErrorBoundary: RouteError,
      children: [
        { index: true, loader: () => redirect('/settings/ai-credits') },
        {
          path: 'settings',
          children: [
            { index: true, loader: () => redirect('/settings/ai-credits') },
            {
              path: 'ai-credits',
              loader: async ({ request }) => {
                // Loaders run in parallel: wait for the parent's session check (same request,
                // deduplicated) so a signed-out visit does not fire a burst of 401s.
                const session = await queryClient.ensureQueryData(sessionQueries.current()).catch(() => null);
                if (!session) return null;
                // Then start every request of the page at once; the sections show their own loading states.
                const search = new URL(request.url).searchParams;
                void queryClient.prefetchQuery(creditsQueries.summary());
                const now = new Date();
                void queryClient.prefetchQuery(usageQueries.history(usageQueryFromSearch(search, now)));
                // The charts' data (and the forecast under the cards) in parallel with the chart code;
                // with filters, the forecast's own (the billing period, unfiltered) too.
                const charts = chartsQueryFromSearch(search, now);
                void queryClient.prefetchQuery(usageQueries.charts(charts));
                if (Object.keys(charts).length > 0) void queryClient.prefetchQuery(usageQueries.charts({}));
                void queryClient.prefetchQuery(orgQueries.members());
                void queryClient.prefetchQuery(orgQueries.projects());
                void queryClient.prefetchQuery(usageQueries.apiKeyOptions());
                return null;
              },
              lazy: () => import('./routes/ai-credits-route').then((m) => ({ Component: m.AiCreditsRoute })),
            },
            {
              path: 'billing',
              lazy: () => import('@/features/billing/components/plans-billing-page').then((m) => ({ Component: m.PlansBillingPage })),
            },
            {
              path: 'projects',
              loader: () => {
                void queryClient.prefetchQuery(orgQueries.projects());
                return null;
              },
              lazy: () => import('@/features/org/components/projects-page').then((m) => ({ Component: m.ProjectsPage })),
            },
            {
              path: 'members',
              loader: () => {
                void queryClient.prefetchQuery(orgQueries.members());
                return null;
              },
              lazy: () => import('@/features/org/components/members-page').then((m) => ({ Component: m.MembersPage })),
            },
            {
              path: 'emails',
              element: <RoleGate roles={['owner', 'admin']} />,
              children: [{ index: true, lazy: () => import('@/features/org/components/sent-emails-page').then((m) => ({ Component: m.SentEmailsPage })) }],
            },
            {
              path: 'budgets',
              lazy: () => import('@/features/budgets/components/budgets-page').then((m) => ({ Component: m.BudgetsPage })),
            },
            {
              path: 'audit-log',
              element: <RoleGate roles={['owner', 'admin']} />,
              children: [{ index: true, lazy: () => import('@/features/org/components/audit-log-page').then((m) => ({ Component: m.AuditLogPage })) }],
            },
            {
              path: 'api-keys',
              element: <AiGate roles={['owner', 'admin']} />,
              children: [
                {
                  index: true,
                  lazy: () => import('@/features/api-keys/components/api-keys-page').then((m) => ({ Component: m.ApiKeysPage })),
                },
              ],
            },
            {
              // The model catalog (rates): readable by every member, linked from the API keys page.
              path: 'models',
              lazy: () => import('@/features/api-keys/components/models-page').then((m) => ({ Component: m.ModelsPage })),
            },
          ],
        },
        {
          path: 'ai',
          element: <AiGate savedWorkWhenOff />,
          children: [
            {
              path: 'test-generation',
              lazy: () => import('@/features/ai/components/test-generation-page').then((m) => ({ Component: m.TestGenerationPage })),
            },
            { path: 'chat', lazy: () => import('@/features/ai/components/chat-page').then((m) => ({ Component: m.ChatPage })) },
            { path: 'reports', lazy: () => import('@/features/ai/components/reports-page').then((m) => ({ Component: m.ReportsPage })) },
          ],
        },
        { path: '*', Component: NotFound },
      ],
    },
  ];
}
