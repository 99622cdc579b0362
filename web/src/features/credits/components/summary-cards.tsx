import { useQuery } from '@tanstack/react-query';
import { formatCredits, formatUsd } from '@ai-credits/shared/format';
import { ErrorState, Skeleton } from '@/components/ui/states';
import { formatDate, formatDateTime } from '@/lib/dates';
import { creditsQueries } from '../api/credits-queries';

/** The two cards of the seed page: Available Credits and This Month Usage. */
export function SummaryCards() {
  const summary = useQuery(creditsQueries.summary());

  if (summary.isPending) {
    return (
      <div className="cards">
        <Skeleton label="Loading available credits" height={148} />
        <Skeleton label="Loading this month usage" height={148} />
      </div>
    );
  }
  if (summary.isError) {
    return <ErrorState title="Couldn't load your credit balance" error={summary.error} onRetry={() => void summary.refetch()} />;
  }

  const s = summary.data;
  const inOverage = s.balanceMc < 0;
  return (
    <div className="cards">
      <section className="card stat-card" aria-labelledby="card-available">
        <h2 id="card-available" className="card-label">
          Available Credits
        </h2>
        <p className={`stat-value${inOverage ? ' stat-negative' : ''}`}>
          {formatCredits(s.balanceMc)} <span className="stat-unit">credits</span>
        </p>
        {inOverage ? (
          <p className="stat-note">
            <span className="badge badge-danger">In overage</span> Overage used: <strong>{formatCredits(s.overage.usedMc)} credits</strong> (
            {formatUsd(s.overage.usedCents)} so far) of a {formatCredits(s.overage.limitMc)}-credit limit
          </p>
        ) : (
          <p className="stat-note">
            {s.reservedMc > 0
              ? `${formatCredits(s.reservedMc)} credits held by AI requests in progress (${formatCredits(s.availableMc)} free to use).`
              : 'Monthly allowance plus purchases. Unused credits do not roll over.'}
          </p>
        )}
      </section>
      <section className="card stat-card" aria-labelledby="card-usage">
        <h2 id="card-usage" className="card-label">
          This Month Usage
        </h2>
        <p className="stat-value">
          {formatCredits(s.periodUsageMc)} <span className="stat-unit">credits</span>
        </p>
        <p className="stat-note">
          Billing period {formatDate(s.period.start)} – {formatDate(s.period.end)}.{' '}
          <span className="nowrap">
            Resets <time dateTime={s.period.end}>{formatDateTime(s.period.end)}</time> {s.period.timeZone}
          </span>
        </p>
      </section>
    </div>
  );
}
