import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { REQUIREMENT_MAX_CHARS, type TestCase, type TestCaseGeneration } from '@ai-credits/shared/contracts/ai';
import { EmptyState, ErrorState, Skeleton } from '@/components/ui/states';
import { aiMutations, aiQueries, newIdempotencyKey } from '../api/ai-queries';
import { AiErrorBanner, AiOffNote, ArchivedProjectNote, CostEstimate, ProjectPicker, RunSummary, useAiEnabled, useProjectChoice } from './ai-common';

const MIN_CHARS = 10;

/** AI -> Test generation: paste a requirement, get structured test cases saved to the project. */
export function TestGenerationPage() {
  const choice = useProjectChoice();
  const { projectId } = choice;
  const { aiEnabled } = useAiEnabled();
  // New AI work needs AI on and an active project; otherwise the page shows saved work only.
  const canRun = aiEnabled && !choice.archived;
  const [requirement, setRequirement] = useState('');
  const generate = useMutation(aiMutations.generateTestCases());
  const textId = useId();
  const ready = projectId !== null && requirement.trim().length >= MIN_CHARS;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!ready || generate.isPending) return;
    generate.mutate({ projectId, requirement: requirement.trim(), idempotencyKey: newIdempotencyKey() });
  };

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <p className="breadcrumb">AI features</p>
          <h1>Test generation</h1>
          <p className="page-description">Paste a requirement or user story; AI writes test cases (steps and expected results) and saves them to the project.</p>
        </div>
      </header>

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
            <div className="field">
              <label htmlFor={textId}>Requirement or user story</label>
              <textarea
                id={textId}
                className="ai-textarea"
                value={requirement}
                maxLength={REQUIREMENT_MAX_CHARS}
                placeholder="As a shopper, I want to save my cart so that I can finish the purchase later."
                onChange={(e) => setRequirement(e.target.value)}
                aria-describedby={`${textId}-hint`}
              />
              <p id={`${textId}-hint`} className="field-hint">
                {requirement.length.toLocaleString('en-US')} / {REQUIREMENT_MAX_CHARS.toLocaleString('en-US')} characters. Each sentence becomes at least one test case.
              </p>
            </div>
            <CostEstimate body={ready ? { useCase: 'test_generation', projectId, requirement: requirement.trim() } : null} />
            <div>
              <button type="submit" className="button button-primary" disabled={!ready || generate.isPending}>
                {generate.isPending ? 'Generating…' : 'Generate test cases'}
              </button>
            </div>
          </form>
          <AiErrorBanner error={generate.error} />
          {generate.data ? (
            <div className="ai-results" aria-live="polite">
              <RunSummary run={generate.data.run} />
              <GenerationView generation={generate.data.generation} heading="Generated test cases" />
            </div>
          ) : null}
        </section>
      ) : null}

      {projectId ? <SavedTestCases projectId={projectId} hideId={generate.data?.generation.id} /> : null}
    </div>
  );
}

/** Everything generated for the project; readable even while AI is turned off. */
function SavedTestCases({ projectId, hideId }: { projectId: string; hideId?: string }) {
  const saved = useQuery(aiQueries.testCases(projectId));
  return (
    <section className="card" aria-labelledby="saved-title">
      <h2 id="saved-title" className="section-title">
        Saved test cases
      </h2>
      {saved.isPending ? <Skeleton label="Loading saved test cases" /> : null}
      {saved.isError ? <ErrorState title="Could not load saved test cases" error={saved.error} onRetry={() => void saved.refetch()} /> : null}
      {saved.data && saved.data.generations.length === 0 ? <EmptyState title="No test cases in this project yet" /> : null}
      {saved.data?.generations
        .filter((g) => g.id !== hideId)
        .map((g) => (
          <GenerationView key={g.id} generation={g} heading={`From: “${g.requirement.slice(0, 80)}${g.requirement.length > 80 ? '…' : ''}”`} />
        ))}
    </section>
  );
}

function GenerationView({ generation, heading }: { generation: TestCaseGeneration; heading: string }) {
  return (
    <article className="ai-results" aria-label={heading}>
      <h3 className="section-subtitle">
        {heading} <span className="muted">({generation.testCases.length})</span>
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
