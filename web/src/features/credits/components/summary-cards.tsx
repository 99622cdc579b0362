import { useQuery } from '@tanstack/react-query';
import { overageRuleText } from '@ai-credits/shared/catalog';
import type { CreditSummary } from '@ai-credits/shared/contracts/credits';
import { aiCreditState } from '@ai-credits/shared/credits-advice';
import { creditsUnit, formatCredits, formatCreditsAvailable, formatCreditsExact, formatCreditsUsed, withCreditsUnit } from '@ai-credits/shared/format';
import { QuerySection } from '@/components/ui/query-section';
import { Skeleton } from '@/components/ui/states';
import { formatBoundary, formatDate } from '@/lib/dates';
import { creditsQueries } from '@/api/credits-queries';

/** The two cards of the seed page: Available Credits and This Month Usage. */
export function SummaryCards() {
  const summary = useQuery(creditsQueries.summary());

  return (
    <QuerySection
      query={summary}
      loading={
        <div className="cards">
          <Skeleton label="Loading available credits" height={148} />
          <Skeleton label="Loading this month usage" height={148} />
        </div>
      }
      errorTitle="Couldn't load your credit balance"
    >
      {(s) => <Cards s={s} />}
    </QuerySection>
  );
}

function Cards({ s }: { s: CreditSummary }) {
  const inOverage = s.balanceMc < 0;
  const stopped = aiCreditState(s).kind === 'stopped';
  return (
    <div className="cards">
      <section className="card stat-card" aria-labelledby="card-available">
        <h2 id="card-available" className="card-label">
          Available Credits
        </h2>
        {/* Whole credits, rounded down: what is available is never overstated; the exact value on hover. */}
        <p className={`stat-value${inOverage ? ' stat-negative' : ''}`} title={formatCreditsExact(s.balanceMc)}>
          {formatCreditsAvailable(s.balanceMc)} <span className="stat-unit">{creditsUnit(formatCreditsAvailable(s.balanceMc))}</span>
        </p>
        {inOverage ? (
          <p className="stat-note">
            <span className="badge badge-danger">{stopped ? 'AI stopped' : 'In overage'}</span> Overage used:{' '}
            <strong title={formatCreditsExact(s.overage.usedMc)}>{withCreditsUnit(formatCreditsUsed(s.overage.usedMc))}</strong> of a{' '}
            {formatCredits(s.overage.limitMc)}-credit limit, {overageRuleText(BigInt(s.overage.usedMc))} so far.
          </p>
        ) : (
          <p className="stat-note">
            {s.reservedMc > 0
              ? `${withCreditsUnit(formatCreditsUsed(s.reservedMc))} held by AI requests in progress (${formatCreditsAvailable(s.availableMc)} free to use).`
              : 'Monthly allowance plus purchases. Unused credits do not roll over.'}
          </p>
        )}
      </section>
      <section className="card stat-card" aria-labelledby="card-usage">
        <h2 id="card-usage" className="card-label">
          This Month Usage
        </h2>
        {/* Whole credits, rounded up: what was used is never understated. */}
        <p className="stat-value" title={formatCreditsExact(s.periodUsageMc)}>
          {formatCreditsUsed(s.periodUsageMc)} <span className="stat-unit">{creditsUnit(formatCreditsUsed(s.periodUsageMc))}</span>
        </p>
        <p className="stat-note">
          Billing period {formatDate(s.period.start)} – {formatDate(s.period.end)}.{' '}
          <span className="nowrap">
            Resets <time dateTime={s.period.end}>{formatBoundary(s.period.end)}</time>
          </span>
        </p>
      </section>
    </div>
  );
}
