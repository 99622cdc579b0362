import { useQuery } from '@tanstack/react-query';
import { AuditActionSchema, type AuditEntry } from '@ai-credits/shared/contracts/org';
import { EmptyState, ErrorState, Skeleton } from '@/components/ui/states';
import { formatDateTime, timeZoneLabel } from '@/lib/dates';
import { useSearchParamsUpdater } from '@/lib/use-search-params-updater';
import { orgQueries } from '@/api/org-queries';
import { orgAdminQueries } from '../api/org-admin-queries';
import './org.css';

const ACTION_LABELS: Record<string, string> = {
  'ai.toggled': 'AI turned on or off',
  'overage_limit.changed': 'Overage limit changed',
  'member.added': 'Member added',
  'member.role_changed': 'Member role changed',
  'member.removed': 'Member removed',
  'project.created': 'Project created',
  'project.renamed': 'Project renamed',
  'project.archived': 'Project archived',
  'project.restored': 'Project restored',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'budget.set': 'Budget set',
  'budget.cleared': 'Budget cleared',
  'alert_thresholds.changed': 'Alert thresholds changed',
  'invitation.created': 'Invitation sent',
  'invitation.revoked': 'Invitation withdrawn',
  'invitation.resent': 'Invitation resent',
  'invitation.accepted': 'Invitation accepted',
  'account.email_verified': 'Email address confirmed',
  'account.password_reset': 'Password reset',
  'account.address_released': 'Unconfirmed account gave up its email address',
  'purchase.paid': 'Credits bought',
  'invoice.paid': 'Overage invoice paid',
  'purchase.refunded': 'Purchase refunded',
  'credits.granted': 'Monthly credits granted',
  'credits.expired': 'Unused credits expired',
  'overage.invoiced': 'Overage invoiced',
};
const actionLabel = (action: string) => ACTION_LABELS[action] ?? action;

/** A from/to value in words: objects as "key: value" pairs; a member by name, other ids left out (names say more). */
function describe(value: unknown, memberName: (id: string) => string | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value !== 'object') return String(value);
  const parts = Object.entries(value as Record<string, unknown>)
    .map(([key, v]): string | null => {
      if (key === 'userId') return `member: ${memberName(String(v)) ?? 'former member'}`;
      if (/Id$/.test(key)) return null;
      return `${key}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`;
    })
    .filter((p): p is string => p !== null);
  return parts.length ? parts.join(', ') : '—';
}

/** Settings -> Audit log (owner and admin; the BFF refuses everyone else): newest first, filterable by action. */
export function AuditLogPage() {
  const [searchParams, updateSearchParams] = useSearchParamsUpdater();
  const param = searchParams.get('action') ?? undefined;
  // A bad value in a hand-edited URL is dropped rather than failing the page.
  const action = param && AuditActionSchema.safeParse(param).success ? param : undefined;
  const audit = useQuery(orgAdminQueries.audit(action));
  const members = useQuery(orgQueries.members());
  const memberName = (id: string) => members.data?.members.find((m) => m.userId === id)?.name;
  const actions = audit.data?.actions ?? [];

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <p className="breadcrumb">Settings</p>
          <h1>Audit log</h1>
          <p className="page-description">Who changed what in your organization: AI on or off, the overage limit, members, projects, API keys, accounts and payments. Newest first, times in {timeZoneLabel()}.</p>
        </div>
      </header>
      <section className="card" aria-labelledby="audit-title">
        <div className="section-header">
          <h2 id="audit-title" className="section-title">
            Changes
          </h2>
          <div className="field field-inline">
            <label htmlFor="audit-action">Action</label>
            <select
              id="audit-action"
              value={action ?? ''}
              onChange={(e) =>
                updateSearchParams((next) => {
                  if (e.target.value) next.set('action', e.target.value);
                  else next.delete('action');
                })
              }
            >
              <option value="">All actions</option>
              {[...new Set([...actions, ...(action ? [action] : [])])].map((a) => (
                <option key={a} value={a}>
                  {actionLabel(a)}
                </option>
              ))}
            </select>
          </div>
        </div>
        {audit.isPending ? <Skeleton label="Loading the audit log" height={160} /> : null}
        {audit.isError ? <ErrorState title="Couldn't load the audit log" error={audit.error} onRetry={() => void audit.refetch()} /> : null}
        {audit.data && audit.data.entries.length === 0 ? <EmptyState title={action ? 'No changes of this kind yet' : 'No changes yet'} /> : null}
        {audit.data && audit.data.entries.length > 0 ? <AuditTable entries={audit.data.entries} memberName={memberName} /> : null}
      </section>
    </div>
  );
}

function AuditTable({ entries, memberName }: { entries: AuditEntry[]; memberName: (id: string) => string | undefined }) {
  return (
    <div className="table-scroll" role="region" aria-labelledby="audit-title" tabIndex={0}>
      <table className="table table-stack org-audit-table">
        <caption className="sr-only">Audit log, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When ({timeZoneLabel()})</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td data-label={`When (${timeZoneLabel()})`}>
                <time dateTime={e.at}>{formatDateTime(e.at)}</time>
              </td>
              <td data-label="Who">{e.actor?.name ?? <span className="muted">System</span>}</td>
              <td data-label="Action">{actionLabel(e.action)}</td>
              <td data-label="From">{describe(e.from, memberName)}</td>
              <td data-label="To">{describe(e.to, memberName)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
