import { useQuery } from '@tanstack/react-query';
import { AuditActionSchema, type AuditEntry } from '@ai-credits/shared/contracts/org';
import { EmptyState } from '@/components/ui/states';
import { PageHeader } from '@/components/ui/page-header';
import { QuerySection } from '@/components/ui/query-section';
import { Field } from '@/components/ui/field';
import { formatDateTime, timeZoneLabel } from '@/lib/dates';
import { useSearchParamsUpdater } from '@/lib/use-search-params-updater';
import { orgQueries } from '@/api/org-queries';
import { orgAdminQueries } from '../api/org-admin-queries';
import { actionLabel, describeAuditValue } from './audit-values';
import './org.css';

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
      <PageHeader
        breadcrumb="Settings"
        title="Audit log"
        description={
          <>
            Who changed what in your organization: AI on or off, the overage limit, members, projects, API keys, accounts and payments. Newest first, times in {timeZoneLabel()}.
          </>
        }
      />
      <section className="card" aria-labelledby="audit-title">
        <div className="section-header">
          <h2 id="audit-title" className="section-title">
            Changes
          </h2>
          <Field id="audit-action" label="Action" className="field-inline">
            {(control) => (
              <select
                {...control}
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
            )}
          </Field>
        </div>
        <QuerySection query={audit} loadingLabel="Loading the audit log" loadingHeight={160} errorTitle="Couldn't load the audit log">
          {(data) =>
            data.entries.length === 0 ? (
              <EmptyState title={action ? 'No changes of this kind yet' : 'No changes yet'} />
            ) : (
              <AuditTable entries={data.entries} memberName={memberName} />
            )
          }
        </QuerySection>
      </section>
    </div>
  );
}

function AuditTable({ entries, memberName }: { entries: AuditEntry[]; memberName: (id: string) => string | undefined }) {
  return (
    <div className="table-scroll" role="group" aria-labelledby="audit-title" tabIndex={0}>
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
              <td data-label="From">{describeAuditValue(e.from, memberName, e.action)}</td>
              <td data-label="To">{describeAuditValue(e.to, memberName, e.action)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
