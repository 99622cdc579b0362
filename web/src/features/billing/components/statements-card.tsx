import { useQuery } from '@tanstack/react-query';
import type { StatementPeriod } from '@ai-credits/shared/contracts/billing';
import { EmptyState } from '@/components/ui/states';
import { QuerySection } from '@/components/ui/query-section';
import { formatDate } from '@/lib/dates';
import { billingQueries, statementCsvUrl, statementPdfUrl } from '../api/billing-queries';

/** "Mar 5, 2026" of a UTC instant, as every date of the page reads: periods start and end at 00:00 UTC, so the UTC day is the period's day. */
const utcDay = (iso: string) => formatDate(iso.slice(0, 10));

function periodLabel(p: StatementPeriod) {
  return `${utcDay(p.start)} – ${utcDay(p.end)}`;
}

/**
 * Plans & Billing -> Monthly statements (owner and admins; the BFF refuses members): one per
 * billing period, as PDF and CSV, built by the BFF from the credit ledger (ADR 035). The open
 * period's statement is "so far".
 */
export function StatementsCard() {
  const statements = useQuery(billingQueries.statements());
  return (
    <section className="card" aria-labelledby="statements-title">
      <h2 id="statements-title" className="section-title">
        Monthly statements
      </h2>
      <p className="muted billing-statements-intro">
        Each billing month: opening balance, allowance, purchases and top-ups, usage by use case, expired credits, overage invoiced and closing balance, from the credit ledger. Dates
        and times are UTC.
      </p>
      <QuerySection query={statements} loadingLabel="Loading statements" loadingHeight={96} errorTitle="Couldn't load statements">
        {(data) =>
          data.periods.length === 0 ? (
            <EmptyState title="No statements yet">The first statement covers your first billing month.</EmptyState>
          ) : (
            <ul className="billing-statements" aria-labelledby="statements-title">
              {data.periods.map((p) => (
                <li key={p.id} className="billing-statement">
                  <span className="billing-statement-period">
                    {periodLabel(p)}
                    {p.current ? <span className="badge">So far</span> : null}
                  </span>
                  <span className="billing-statement-links">
                    <a href={statementPdfUrl(p.id)} download={`statement-${p.id}.pdf`} aria-label={`Statement ${periodLabel(p)} (PDF)`}>
                      PDF
                    </a>
                    <a href={statementCsvUrl(p.id)} download={`statement-${p.id}.csv`} aria-label={`Statement ${periodLabel(p)} (CSV)`}>
                      CSV
                    </a>
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </QuerySection>
    </section>
  );
}
