import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { UsageCharts } from '@ai-credits/shared/contracts/credits';
import { formatCreditsExact, formatCreditsFixed2 } from '@ai-credits/shared/format';
import { usageQueries } from '../api/usage-queries';

const TOP = 5;
type Breakdown = UsageCharts['byUser'];

/** "12%", "<1%": a share of the period's credits, integer math on millicredits. */
function share(mc: number, totalMc: number): string {
  if (totalMc <= 0) return '0%';
  const percent = Math.floor((mc * 100) / totalMc);
  return percent === 0 && mc > 0 ? '<1%' : `${percent}%`;
}

const GROUPS = [
  { key: 'byUser', title: 'Users', filter: 'userId', none: 'api' },
  { key: 'byProject', title: 'Projects', filter: 'projectId', none: 'none' },
  { key: 'byModel', title: 'Models', filter: 'model', none: null },
  { key: 'byApiKey', title: 'API keys', filter: 'apiKeyId', none: null },
] as const;

/**
 * Who and what spent most this billing period (issue 24: the answer people look for first), ranked,
 * with credits and share; each row opens the history filtered to it. Reads the billing period's
 * charts (the route loader's prefetch): no read of its own.
 */
export function TopSpenders() {
  const charts = useQuery(usageQueries.charts({}));
  if (!charts.data) return null;
  const data = charts.data;
  const totalMc = data.daily.reduce((sum, d) => sum + d.totalMc, 0);
  if (totalMc === 0) return null;
  return (
    <section className="card top-spenders" aria-labelledby="top-spenders-title">
      <h2 id="top-spenders-title" className="section-title">
        Top spenders this billing period
      </h2>
      <div className="top-grid">
        {GROUPS.map((g) => {
          const rows: Breakdown = [...data[g.key]].sort((a, b) => b.mc - a.mc).slice(0, TOP);
          if (rows.length === 0) return null;
          return (
            <div key={g.key} className="top-group">
              <h3 className="top-title" id={`top-${g.key}`}>
                {g.title}
              </h3>
              <ol className="top-list" aria-labelledby={`top-${g.key}`}>
                {rows.map((r) => (
                  <li key={r.id} className="top-row">
                    {g.none !== null && r.id === g.none ? (
                      <span className="top-name">{r.label}</span>
                    ) : (
                      <Link className="top-name" to={`?${new URLSearchParams({ [g.filter]: r.id }).toString()}`} aria-label={`${r.label}: usage history`}>
                        {r.label}
                      </Link>
                    )}
                    <span className="top-credits" title={formatCreditsExact(r.mc)}>
                      {formatCreditsFixed2(r.mc)}
                    </span>
                    <span className="top-share muted">{share(r.mc, totalMc)}</span>
                  </li>
                ))}
              </ol>
            </div>
          );
        })}
      </div>
    </section>
  );
}
