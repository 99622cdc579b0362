import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { MONTHLY_ALLOWANCE_MC, overagePriceText, SELLER } from '@ai-credits/shared/catalog';
import { formatCredits, formatUsd, withCreditsUnit } from '@ai-credits/shared/format';
import { QuerySection } from '@/components/ui/query-section';
import { creditsQueries } from '@/api/credits-queries';
import { formatBoundary, formatDate } from '@/lib/dates';

/** Plans & Billing, first: what the organization gets every month and what happens past it (issue 21, item 6). */
export function PlanCard() {
  const summary = useQuery(creditsQueries.summary());
  return (
    <section className="card" aria-labelledby="plan-title">
      <h2 id="plan-title" className="section-title">
        Your plan
      </h2>
      <QuerySection query={summary} loadingLabel="Loading your plan" loadingHeight={120} errorTitle="Couldn't load your plan">
        {(data) => (
          <>
            <dl className="billing-plan">
              <div>
                <dt>Plan</dt>
                <dd>{SELLER.product}, monthly</dd>
              </div>
              <div>
                <dt>Monthly allowance</dt>
                <dd>{withCreditsUnit(formatCredits(MONTHLY_ALLOWANCE_MC))}, granted at every reset</dd>
              </div>
              <div>
                <dt>Billing period</dt>
                <dd>
                  {formatDate(data.period.start)} – {formatDate(data.period.end)}
                </dd>
              </div>
              <div>
                <dt>Next reset</dt>
                <dd>{formatBoundary(data.period.end)}</dd>
              </div>
              <div>
                <dt>Overage</dt>
                <dd>
                  {data.overage.limitMc > 0
                    ? `${overagePriceText()} past the balance, up to the monthly overage limit of ${withCreditsUnit(formatCredits(data.overage.limitMc))} (${formatUsd(data.overage.limitCents)})`
                    : 'Off: the monthly overage limit is 0, so AI stops when the balance reaches 0'}
                  . <Link to="/settings/ai-credits#overage-limit">Change the overage limit</Link>
                </dd>
              </div>
            </dl>
            <p className="section-subtitle">Unused allowance and purchased credits expire at the reset; overage used in a month is invoiced when it closes.</p>
          </>
      
        )}
      </QuerySection>
    </section>
  );
}
