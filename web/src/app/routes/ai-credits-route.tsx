import { useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { BuyCreditsButton } from '@/features/billing/components/buy-credits-button';
import { BudgetBars } from '@/features/budgets/components/budget-bars';
import { usageQueries } from '@/features/credits/api/usage-queries';
import { CreditBanners } from '@/features/credits/components/credit-banners';
import { ForecastPanel } from '@/features/credits/components/forecast-panel';
import { TopSpenders } from '@/features/credits/components/top-spenders';
import { SummaryCards } from '@/features/credits/components/summary-cards';
import { orgQueries } from '@/api/org-queries';
import { Skeleton } from '@/components/ui/states';
import { PageHeader } from '@/components/ui/page-header';
import { sessionQueries } from '@/api/session-queries';
import { useTimeZoneChoice } from '@/lib/dates';
import { SetupChecklist } from './setup-checklist';

// Below the first screen (cards and forecast): the charts section and the history table (with
// TanStack Table) load after it, while their data is already on its way (the route loader).
const UsageHistory = lazy(() => import('@/features/credits/components/usage-history').then((m) => ({ default: m.UsageHistory })));
// The AI settings (the switch, the overage limit) sit last, below the history.
const AiSettings = lazy(() => import('@/features/credits/components/ai-settings').then((m) => ({ default: m.AiSettings })));
const UsageChartsSection = lazy(() => import('@/features/credits/components/usage-charts').then((m) => ({ default: m.UsageChartsSection })));

/** Settings -> AI Credits: composes the credits, billing and org features for the signed-in role. */
export function AiCreditsRoute() {
  const { data: session } = useSuspenseQuery(sessionQueries.current());
  const members = useQuery({ ...orgQueries.members(), select: (d) => d.members.map((m) => ({ id: m.userId, name: m.name })) });
  const projects = useQuery({ ...orgQueries.projects(), select: (d) => d.projects.map((p) => ({ id: p.id, name: p.name })) });
  const apiKeys = useQuery({ ...usageQueries.apiKeyOptions(), select: (d) => d.apiKeys.map((k) => ({ id: k.id, name: k.revoked ? `${k.name} (revoked)` : k.name })) });
  // Only the owner buys credits (docs/product.md); the BFF enforces it, this only hides the entry.
  const owner = session.role === 'owner';
  const timeZone = useTimeZoneChoice();
  const buy = owner ? <BuyCreditsButton /> : null;

  return (
    // Every date on the page is in the viewer's zone or UTC (their choice): the page redraws on a change.
    <div className="page" key={timeZone}>
      <PageHeader
        as="div"
        breadcrumb="Settings"
        title="AI Credits"
        description={
          owner
            ? 'Manage your AI credit balance, purchase credit bundles, and control AI features for your organization.'
            : "Your organization's AI credits: what is left, what is forecast, and who used what."
        }
        actions={buy}
      />
      <SetupChecklist role={session.role} orgId={session.org.id} />
      <CreditBanners role={session.role} buyAction={buy} />
      <SummaryCards />
      {/* The answers first (issue 24): the forecast, who spent most, then the charts, then the history. */}
      <ForecastPanel />
      <TopSpenders />
      <BudgetBars owner={owner} />
      <Suspense fallback={<Skeleton label="Loading usage charts" height={480} />}>
        <UsageChartsSection users={members.data} projects={projects.data} apiKeys={apiKeys.data} />
      </Suspense>
      <Suspense fallback={<Skeleton label="Loading usage history" height={480} />}>
        <UsageHistory />
      </Suspense>
      <Suspense fallback={<Skeleton label="Loading AI settings" height={160} />}>
        <AiSettings role={session.role} orgName={session.org.name} />
      </Suspense>
    </div>
  );
}
