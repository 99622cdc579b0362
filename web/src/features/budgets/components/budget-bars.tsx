import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { Budget } from '@ai-credits/shared/contracts/budgets';
import { formatCreditsAvailable, formatCreditsExact, formatCreditsUsed, withCreditsUnit } from '@ai-credits/shared/format';
import { QuerySection } from '@/components/ui/query-section';
import { budgetsQueries } from '../api/budgets-queries';
import './budgets.css';

/** Percent of the budget used, whole and capped at 100 for the bar (integer math). */
export function budgetPercent(b: Pick<Budget, 'usedMc' | 'limitMc'>): number {
  if (b.limitMc <= 0) return 100;
  return Math.min(100, Math.floor((b.usedMc * 100) / b.limitMc));
}

/** The history filtered by the budget's project or member (the history's own URL filters). */
export function budgetHistoryLink(b: Pick<Budget, 'subjectType' | 'subjectId'>): string {
  return `/settings/ai-credits?${b.subjectType === 'project' ? 'projectId' : 'userId'}=${encodeURIComponent(b.subjectId)}`;
}

/** AI Credits page: each budget's use this month as a bar, linking to its history. */
export function BudgetBars({ owner }: { owner: boolean }) {
  const budgets = useQuery(budgetsQueries.list());
  return (
    <QuerySection query={budgets} loadingLabel="Loading budgets" loadingHeight={120} errorTitle="Couldn't load budgets">
      {({ budgets: list }) =>
        list.length === 0 && !owner ? null : (
          <section className="card" aria-labelledby="budget-bars-title">
            <div className="section-header">
              <h2 id="budget-bars-title" className="section-title">
                Budgets this month
              </h2>
              <Link to="/settings/budgets" className="button button-secondary">
                {owner ? 'Manage budgets' : 'View budgets'}
              </Link>
            </div>
            {list.length === 0 ? (
              <p className="muted">No project or member budgets are set. Set one to cap what a project or a person can use each month.</p>
            ) : (
              <ul className="budget-list">
                {list.map((b) => (
                  <BudgetBar key={`${b.subjectType}:${b.subjectId}`} budget={b} />
                ))}
              </ul>
            )}
          </section>
        )
      }
    </QuerySection>
  );
}

export function BudgetBar({ budget: b }: { budget: Budget }) {
  const percent = budgetPercent(b);
  const kind = b.subjectType === 'project' ? 'Project' : 'Member';
  const label = `${kind} ${b.name}: ${formatCreditsUsed(b.usedMc)} of ${withCreditsUnit(formatCreditsAvailable(b.limitMc))} used`;
  return (
    <li>
      <div className="budget-row-head">
        <Link to={budgetHistoryLink(b)} className="budget-name" aria-label={`${kind} ${b.name}: usage history`}>
          {kind}: {b.name}
        </Link>
        <span className="budget-figures" title={`${formatCreditsExact(b.usedMc)} of ${formatCreditsExact(b.limitMc)}`}>
          {formatCreditsUsed(b.usedMc)} / {withCreditsUnit(formatCreditsAvailable(b.limitMc))}
        </span>
      </div>
      <div className="budget-bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={`${percent}%`}>
        <div className={`budget-bar-fill${percent >= 100 ? ' is-full' : percent >= 90 ? ' is-warn' : ''}`} style={{ width: `${percent}%` }} />
      </div>
    </li>
  );
}
