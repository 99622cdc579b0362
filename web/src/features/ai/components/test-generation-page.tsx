import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { REQUIREMENT_MAX_CHARS, type TestCase, type TestCaseGeneration } from '@ai-credits/shared/contracts/ai';
import { PageHeader } from '@/components/ui/page-header';
import { Field } from '@/components/ui/field';
import { QuerySection } from '@/components/ui/query-section';
import { aiMutations, aiQueries, newIdempotencyKey } from '../api/ai-queries';
import { AiErrorBanner, AiOffNote, ArchivedProjectNote, CostEstimate, ProjectPicker, RunSummary, useAiEnabled, useProjectChoice } from './ai-common';
import { isStopped, StreamMeter, useStopper } from './ai-stream-ui';

const MIN_CHARS = 10;

/** A generation in progress: the meter and the whole test cases written so far. */
interface Live {
  holdMc: number | null;
  chargedMc: number;
  outputTokens: number;
  titles: string[];
}

/** AI -> Test generation: paste a requirement, get structured test cases saved to the project. */
export function TestGenerationPage() {
  const choice = useProjectChoice();
  const { projectId } = choice;
  const { aiEnabled } = useAiEnabled();
  // New AI work needs AI on and an active project; otherwise the page shows saved work only.
  const canRun = aiEnabled && !choice.archived;
  const [requirement, setRequirement] = useState('');
  const generate = useMutation(aiMutations.generateTestCases());
  const [live, setLive] = useState<Live | null>(null);
  const [stoppedEarly, setStoppedEarly] = useState(false);
  const stopper = useStopper();
  const textId = useId();
  const ready = projectId !== null && requirement.trim().length >= MIN_CHARS;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!ready || generate.isPending) return;
    setStoppedEarly(false);
    setLive({ holdMc: null, chargedMc: 0, outputTokens: 0, titles: [] });
    generate.mutate(
      {
        projectId,
        requirement: requirement.trim(),
        idempotencyKey: newIdempotencyKey(),
        signal: stopper.start(),
        handlers: {
          onStart: (start) => setLive((l) => (l ? { ...l, holdMc: start.holdMc } : l)),
          onDelta: (delta) =>
            setLive((l) => (l ? { ...l, chargedMc: delta.chargedMc, outputTokens: delta.outputTokens, titles: [...l.titles, ...delta.newCases.map((c) => c.title)] } : l)),
        },
      },
      {
        onError: (error) => {
          // Stopped before anything was written: nothing was charged.
          if (isStopped(error)) setStoppedEarly(true);
        },
        onSettled: () => {
          setLive(null);
          stopper.done();
        },
      },
    );
  };
  const aborted = isStopped(generate.error);
  const done = generate.data;

  return (
    <div className="page">
      <PageHeader
        breadcrumb="AI features"
        title="Test generation"
        description="Paste a requirement or user story; AI writes test cases (steps and expected results) and saves them to the project."
      />

      {canRun ? null : (
        <>
          {aiEnabled ? <ArchivedProjectNote /> : <AiOffNote what="Test cases" />}
          <ProjectPicker choice={choice} />
        </>
      )}

      {canRun ? (
        <section className="card" aria-labelledby="generate-title">
          <h2 id="generate-title" className="section-title">
            New test cases
          </h2>
          <form className="form" onSubmit={onSubmit} noValidate>
            <ProjectPicker choice={choice} />
            <Field
              id={textId}
              label="Requirement or user story"
              hint={
                <>
                  {requirement.length.toLocaleString('en-US')} / {REQUIREMENT_MAX_CHARS.toLocaleString('en-US')} characters. Each sentence becomes at least one test case.
                </>
              }
            >
              {(control) => (
                <textarea
                  {...control}
                  className="ai-textarea"
                  value={requirement}
                  maxLength={REQUIREMENT_MAX_CHARS}
                  placeholder="As a shopper, I want to save my cart so that I can finish the purchase later."
                  onChange={(e) => setRequirement(e.target.value)}
                />
              )}
            </Field>
            <CostEstimate body={ready ? { useCase: 'test_generation', projectId, requirement: requirement.trim() } : null} />
            <div>
              <button type="submit" className="button button-primary" disabled={!ready || generate.isPending}>
                {generate.isPending ? 'Generating…' : 'Generate test cases'}
              </button>
            </div>
          </form>
          {live ? (
            <>
              {/* Progress, not a live region: the finished result is announced once (below). */}
              <div className="ai-live" role="group" aria-busy="true" aria-label="Test cases being written">
                <p className="ai-empty-note">
                  {live.titles.length === 0 && live.outputTokens === 0
                    ? 'The model is starting…'
                    : `Writing test cases: ${live.titles.length} done so far (${live.outputTokens.toLocaleString('en-US')} tokens written).`}
                </p>
                {live.titles.length ? (
                  <ol className="ai-live-list" aria-label="Test cases written so far">
                    {live.titles.map((t, i) => (
                      <li key={i}>{t}</li>
                    ))}
                  </ol>
                ) : null}
              </div>
              <StreamMeter label="Credits for this generation" chargedMc={live.chargedMc} holdMc={live.holdMc} onStop={stopper.stop} />
            </>
          ) : null}
          {aborted && stoppedEarly ? <p className="muted">Stopped before any test case was written; nothing was charged.</p> : null}
          {aborted ? null : <AiErrorBanner error={generate.error} />}
          {/* The finished result, announced once (not each case as it is written). */}
          <p className="sr-only" role="status">
            {done ? `${keptCases(done.generation.testCases.length)}${done.generation.stopped ? ' (stopped)' : ''}.` : ''}
          </p>
          {done ? (
            <div className="ai-results">
              <RunSummary run={done.run} />
              {done.generation.stopped ? <p className="muted">{stoppedNote(done.generation.testCases.length)}</p> : null}
              {done.generation.testCases.length ? <GenerationView generation={done.generation} heading="Generated test cases" /> : null}
            </div>
          ) : null}
        </section>
      ) : null}

      {projectId ? <SavedTestCases projectId={projectId} hideId={done?.generation.id} /> : null}
    </div>
  );
}

const keptCases = (n: number) => (n === 1 ? '1 test case generated' : `${n.toLocaleString('en-US')} test cases generated`);

/** What a stopped generation kept: only whole test cases; everything written was charged. */
function stoppedNote(n: number): string {
  if (n === 0) return 'Stopped before a whole test case was written: none was kept; you were charged for what was written.';
  return `Stopped: ${n === 1 ? 'the 1 whole test case written by then was' : `the ${n} whole test cases written by then were`} kept; you were charged for what was written.`;
}

/** Everything generated for the project; readable even while AI is turned off. None: one compact line, not an empty card (issue 24). */
function SavedTestCases({ projectId, hideId }: { projectId: string; hideId?: string }) {
  const saved = useQuery(aiQueries.testCases(projectId));
  const withCases = saved.data?.generations.filter((g) => g.testCases.length > 0);
  const shown = withCases?.filter((g) => g.id !== hideId);
  if (withCases && withCases.length === 0) return <p className="muted ai-empty-note">No saved test cases in this project yet.</p>;
  // Only the generation just shown above: nothing more to list.
  if (shown && shown.length === 0) return null;
  return (
    <section className="card" aria-labelledby="saved-title">
      <h2 id="saved-title" className="section-title">
        Saved test cases
      </h2>
      <QuerySection query={saved} loadingLabel="Loading saved test cases" errorTitle="Could not load saved test cases">
        {() =>
          shown?.map((g) => (
            <GenerationView key={g.id} generation={g} heading={`From: “${g.requirement.slice(0, 80)}${g.requirement.length > 80 ? '…' : ''}”`} />
          ))
        }
      </QuerySection>
    </section>
  );
}

function GenerationView({ generation, heading }: { generation: TestCaseGeneration; heading: string }) {
  return (
    <article className="ai-results" aria-label={heading}>
      <h3 className="section-subtitle">
        {heading} <span className="muted">({generation.testCases.length})</span>
        {generation.stopped ? <span className="ai-message-stopped"> (stopped)</span> : null}
      </h3>
      {generation.testCases.map((t) => (
        <TestCaseCard key={t.id} testCase={t} />
      ))}
    </article>
  );
}

function TestCaseCard({ testCase }: { testCase: TestCase }) {
  return (
    <div className="card ai-test-case">
      <h3>{testCase.title}</h3>
      <dl>
        <dt>Area</dt>
        <dd>{testCase.area}</dd>
        <dt>Preconditions</dt>
        <dd>{testCase.preconditions}</dd>
        <dt>Steps</dt>
        <dd>
          <ol>
            {testCase.steps.map((s, i) => (
              <li key={i}>{s}</li>
            ))}
          </ol>
        </dd>
        <dt>Expected result</dt>
        <dd>{testCase.expectedResult}</dd>
      </dl>
    </div>
  );
}
