import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Report } from '@ai-credits/shared/contracts/ai';
import { EmptyState } from '@/components/ui/states';
import { PageHeader } from '@/components/ui/page-header';
import { QuerySection } from '@/components/ui/query-section';
import { formatDateTime, timeZoneLabel } from '@/lib/dates';
import { aiMutations, aiQueries, newIdempotencyKey } from '../api/ai-queries';
import { AiErrorBanner, AiOffNote, ArchivedProjectNote, CostEstimate, ProjectPicker, RunSummary, useAiEnabled, useProjectChoice } from './ai-common';
import { isStopped, StreamMeter, useStopper } from './ai-stream-ui';

/** The report being written: its text so far and the run's meter. */
interface Live {
  text: string;
  holdMc: number | null;
  chargedMc: number;
}

/** AI -> Reports: coverage of a project's test cases by area, and the gaps AI finds. */
export function ReportsPage() {
  const choice = useProjectChoice();
  const { projectId } = choice;
  const { aiEnabled } = useAiEnabled();
  // New AI work needs AI on and an active project; otherwise the page shows saved work only.
  const canRun = aiEnabled && !choice.archived;
  const create = useMutation(aiMutations.createReport());
  const reports = useQuery({ ...aiQueries.reports(projectId ?? ''), enabled: projectId !== null });
  // A report reads the project's test cases: with none there is nothing to report on (issue 24: it was a 409).
  const cases = useQuery({
    ...aiQueries.testCases(projectId ?? ''),
    enabled: projectId !== null && canRun,
    select: (d) => d.generations.reduce((n, g) => n + g.testCases.length, 0),
  });
  const noCases = cases.data === 0;
  const [live, setLive] = useState<Live | null>(null);
  const [stoppedEarly, setStoppedEarly] = useState(false);
  const stopper = useStopper();

  const write = () => {
    if (!projectId || create.isPending || noCases) return;
    setStoppedEarly(false);
    setLive({ text: '', holdMc: null, chargedMc: 0 });
    create.mutate(
      {
        projectId,
        idempotencyKey: newIdempotencyKey(),
        signal: stopper.start(),
        handlers: {
          onStart: (start) => setLive((l) => (l ? { ...l, holdMc: start.holdMc } : l)),
          onDelta: (delta) => setLive((l) => (l ? { ...l, text: l.text + delta.text, chargedMc: delta.chargedMc } : l)),
        },
      },
      {
        onError: (error) => {
          // Stopped before any text arrived: nothing was charged.
          if (isStopped(error)) setStoppedEarly(true);
        },
        onSettled: () => {
          setLive(null);
          stopper.done();
        },
      },
    );
  };
  const aborted = isStopped(create.error);
  const done = create.data;

  return (
    <div className="page">
      <PageHeader
        breadcrumb="AI features"
        title="AI reports"
        description="A report over the project’s test cases: coverage by functional area and the gaps to close."
      />
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
          <div className="form">
            <ProjectPicker choice={choice} />
            {noCases ? (
              <p className="field-hint" id="no-test-cases">
                This project has no test cases yet, so there is nothing to report on. <Link to="/ai/test-generation">Generate test cases</Link> first.
              </p>
            ) : (
              <CostEstimate body={projectId ? { useCase: 'report', projectId } : null} />
            )}
            <div>
              <button
                type="button"
                className="button button-primary"
                disabled={!projectId || create.isPending || cases.isPending || noCases}
                aria-describedby={noCases ? 'no-test-cases' : undefined}
                onClick={write}
              >
                {create.isPending ? 'Writing the report…' : 'Write report'}
              </button>
            </div>
          </div>
          {live ? (
            <>
              {/* Not a live region: screen readers get the finished report once (below), not every word. */}
              <div className="ai-live" role="group" aria-busy="true" aria-label="Report being written">
                {live.text || <span className="muted">The model is starting…</span>}
              </div>
              <StreamMeter label="Credits for this report" chargedMc={live.chargedMc} holdMc={live.holdMc} onStop={stopper.stop} />
            </>
          ) : null}
          <p className="sr-only" role="status">
            {done ? `Report written${done.report.stopped ? ' (stopped)' : ''}: ${done.report.summary}` : ''}
          </p>
          {done ? <RunSummary run={done.run} /> : null}
          {done?.report.stopped ? <p className="muted">The report was stopped; you were charged for what was written. It is saved below.</p> : null}
          {aborted && stoppedEarly ? <p className="muted">Stopped before the report started; nothing was charged.</p> : null}
          {aborted ? null : <AiErrorBanner error={create.error} />}
        </section>
      ) : null}
      <section className="card" aria-labelledby="reports-title">
        <h2 id="reports-title" className="section-title">
          Reports
        </h2>
        {projectId ? (
          <QuerySection query={reports} loadingLabel="Loading reports" errorTitle="Could not load reports">
            {(data) => (data.reports.length === 0 ? <EmptyState title="No reports for this project yet" /> : data.reports.map((r) => <ReportView key={r.id} report={r} />))}
          </QuerySection>
        ) : null}
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
        {report.stopped ? <span className="ai-message-stopped"> (stopped)</span> : null}
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
