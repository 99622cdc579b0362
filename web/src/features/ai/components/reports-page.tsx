import { useMutation, useQuery } from '@tanstack/react-query';
import type { Report } from '@ai-credits/shared/contracts/ai';
import { EmptyState, ErrorState, Skeleton } from '@/components/ui/states';
import { formatDateTime, timeZoneLabel } from '@/lib/dates';
import { aiMutations, aiQueries, newIdempotencyKey } from '../api/ai-queries';
import { AiErrorBanner, AiOffNote, ArchivedProjectNote, CostEstimate, ProjectPicker, RunSummary, useAiEnabled, useProjectChoice } from './ai-common';

/** AI -> Reports: coverage of a project's test cases by area, and the gaps AI finds. */
export function ReportsPage() {
  const choice = useProjectChoice();
  const { projectId } = choice;
  const { aiEnabled } = useAiEnabled();
  // New AI work needs AI on and an active project; otherwise the page shows saved work only.
  const canRun = aiEnabled && !choice.archived;
  const create = useMutation(aiMutations.createReport());
  const reports = useQuery({ ...aiQueries.reports(projectId ?? ''), enabled: projectId !== null });

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <p className="breadcrumb">AI features</p>
          <h1>AI reports</h1>
          <p className="page-description">A report over the project’s test cases: coverage by functional area and the gaps to close.</p>
        </div>
      </header>
      {canRun ? null : (
        <>
          {aiEnabled ? <ArchivedProjectNote /> : <AiOffNote what="Reports" />}
          <ProjectPicker choice={choice} />
        </>
      )}
      {canRun ? (
        <section className="card" aria-labelledby="new-report-title">
          <h2 id="new-report-title" className="section-title">
            New report
          </h2>
          <ProjectPicker choice={choice} />
          <CostEstimate body={projectId ? { useCase: 'report', projectId } : null} />
          <button
            type="button"
            className="button button-primary"
            disabled={!projectId || create.isPending}
            onClick={() => projectId && create.mutate({ projectId, idempotencyKey: newIdempotencyKey() })}
          >
            {create.isPending ? 'Writing the report…' : 'Write report'}
          </button>
          <AiErrorBanner error={create.error} />
          {create.data ? <RunSummary run={create.data.run} /> : null}
        </section>
      ) : null}
      <section className="card" aria-labelledby="reports-title">
        <h2 id="reports-title" className="section-title">
          Reports
        </h2>
        {reports.isPending && projectId ? <Skeleton label="Loading reports" /> : null}
        {reports.isError ? <ErrorState title="Could not load reports" error={reports.error} onRetry={() => void reports.refetch()} /> : null}
        {reports.data && reports.data.reports.length === 0 ? <EmptyState title="No reports for this project yet" /> : null}
        {reports.data?.reports.map((r) => (
          <ReportView key={r.id} report={r} />
        ))}
      </section>
    </div>
  );
}

function ReportView({ report }: { report: Report }) {
  const written = `${formatDateTime(report.createdAt)} ${timeZoneLabel(report.createdAt)}`;
  return (
    <article className="ai-results" aria-label={`Report of ${written}`}>
      <h3 className="section-subtitle">
        Report of {written} <span className="muted">({report.testCaseCount} test cases)</span>
      </h3>
      <p>{report.summary}</p>
      <table className="table ai-coverage">
        <caption className="sr-only">Coverage by area</caption>
        <thead>
          <tr>
            <th scope="col">Area</th>
            <th scope="col">Test cases</th>
            <th scope="col">Share</th>
          </tr>
        </thead>
        <tbody>
          {report.coverage.map((c) => (
            <tr key={c.area}>
              <td>{c.area}</td>
              <td>{c.testCaseCount}</td>
              <td>
                <div className="ai-bar" style={{ width: `${Math.max(c.percent, 2)}%` }} aria-hidden="true" />
                {c.percent}%
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.gaps.length ? (
        <>
          <h4>Gaps</h4>
          <ul>
            {report.gaps.map((g) => (
              <li key={g}>{g}</li>
            ))}
          </ul>
        </>
      ) : (
        <p className="muted">No gaps found.</p>
      )}
    </article>
  );
}
