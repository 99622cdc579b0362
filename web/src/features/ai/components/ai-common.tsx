import { useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { Select } from 'radix-ui';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { AiRun, Estimate, EstimateBody } from '@ai-credits/shared/contracts/ai';
import type { AskForMoreBody } from '@ai-credits/shared/contracts/budgets';
import type { Project } from '@ai-credits/shared/contracts/org';
import { formatCredits, withCreditsUnit } from '@ai-credits/shared/format';
import { orgQueries } from '@/api/org-queries';
import { Banner } from '@/components/ui/banner';
import { Field } from '@/components/ui/field';
import { QuerySection } from '@/components/ui/query-section';
import { isApiError } from '@/lib/api-client';
import { sessionQueries } from '@/api/session-queries';
import { aiQueries } from '../api/ai-queries';
import { useAskForMore } from './ask-for-more';
import './ai.css';

/** The value, once it has stopped changing for `ms` (no estimate request per keystroke). */
export function useDebounced<T>(value: T, ms = 400): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Whole credits for people: "about 1.2 credits". */
export const credits = (mc: number) => formatCredits(mc);

/** Whether new AI work can start; while AI is off the AI pages show saved work only. */
export function useAiEnabled(): { aiEnabled: boolean; owner: boolean } {
  const { data: session } = useSuspenseQuery(sessionQueries.current());
  return { aiEnabled: session.org.aiEnabled, owner: session.role === 'owner' };
}

/** The note on an AI page while AI is off: saved work is read-only, and who can turn AI back on. */
export function AiOffNote({ what }: { what: string }) {
  const { owner } = useAiEnabled();
  return (
    <Banner tone="info" title="AI is turned off: saved work is read-only">
      {`${what} made earlier stay readable; nothing new can be generated. `}
      {owner ? 'Turn AI back on with the Enable AI switch in Settings → AI Credits.' : 'Your organization owner can turn AI back on.'}
    </Banner>
  );
}

/** The project the AI works in; the first project is picked until the user chooses. */
export function useProjectChoice() {
  // Active projects first; archived ones stay listed so their saved work is readable.
  const projects = useQuery({
    ...orgQueries.projects(),
    select: (d) => [...d.projects.filter((p) => p.archivedAt === null), ...d.projects.filter((p) => p.archivedAt !== null)],
  });
  const [chosen, setChosen] = useState<string | null>(null);
  const projectId = chosen ?? projects.data?.[0]?.id ?? null;
  const project = projects.data?.find((p) => p.id === projectId) ?? null;
  return { projects, projectId, project, archived: project?.archivedAt != null, setProjectId: setChosen };
}

/** The note when the chosen project is archived: its saved work is read-only. */
export function ArchivedProjectNote() {
  return (
    <Banner tone="info" title="This project is archived: its saved work is read-only">
      An owner or admin can restore it in Settings → Projects to run new AI work in it.
    </Banner>
  );
}

export function ProjectPicker({ choice, id = 'ai-project' }: { choice: ReturnType<typeof useProjectChoice>; id?: string }) {
  const { projects, projectId, setProjectId } = choice;
  const { data: session } = useSuspenseQuery(sessionQueries.current());
  const manager = session.role === 'owner' || session.role === 'admin';
  return (
    <QuerySection query={projects} loadingLabel="Loading projects" loadingHeight={62} errorTitle="Could not load projects">
      {(list) => (list.length === 0 ? <NoProjects manager={manager} /> : <ProjectSelect id={id} projects={list} projectId={projectId} setProjectId={setProjectId} />)}
    </QuerySection>
  );
}

function NoProjects({ manager }: { manager: boolean }) {
  return (
    <Banner tone="info" title="No projects yet">
      {manager ? (
        <>
          AI results are saved to a project. <Link to="/settings/projects">Create a project</Link> to start.
        </>
      ) : (
        'An owner or admin creates projects; AI results are saved to one.'
      )}
    </Banner>
  );
}

function ProjectSelect({ id, projects, projectId, setProjectId }: { id: string; projects: Project[]; projectId: string | null; setProjectId: (id: string) => void }) {
  return (
    <Field id={id} label="Project" className="ai-project-field">
      {(control) => (
        <Select.Root value={projectId ?? undefined} onValueChange={setProjectId}>
          <Select.Trigger {...control} className="ai-select-trigger" aria-label="Project">
            <Select.Value placeholder="Choose a project" />
            <Select.Icon aria-hidden="true">▾</Select.Icon>
          </Select.Trigger>
          <Select.Portal>
            <Select.Content className="ai-select-content" position="popper" sideOffset={4}>
              <Select.Viewport>
                {projects.map((p) => (
                  <Select.Item key={p.id} value={p.id} className="ai-select-item">
                    <Select.ItemText>{p.archivedAt ? `${p.name} (archived)` : p.name}</Select.ItemText>
                  </Select.Item>
                ))}
              </Select.Viewport>
            </Select.Content>
          </Select.Portal>
        </Select.Root>
      )}
    </Field>
  );
}

/** "Demo model" when the offline model answers (docs/product.md: clearly labelled), else the catalog label. */
export function ModelBadge({ model }: { model: Pick<Estimate, 'demo' | 'modelLabel'> }) {
  return (
    <span className={`badge ai-model-badge ${model.demo ? 'ai-model-demo' : ''}`} title={model.demo ? 'The built-in offline demo model answers' : undefined}>
      {model.demo ? 'Demo model' : model.modelLabel}
    </span>
  );
}

/** "About N credits; you have M", shown before the user runs the action. */
export function CostEstimate({ body }: { body: EstimateBody | null }) {
  const debounced = useDebounced(body);
  const { data: session } = useQuery(sessionQueries.current());
  const ownerName = useQuery({ ...orgQueries.members(), select: (d) => d.members.find((m) => m.role === 'owner')?.name ?? null }).data;
  const raiser = session?.role === 'owner' ? 'You can' : ownerName ? `${ownerName} (the owner) can` : 'The organization owner can';
  const estimate = useQuery({ ...aiQueries.estimate(debounced!), enabled: debounced !== null });
  if (!body) return <p className="ai-estimate muted">The cost estimate appears here.</p>;
  if (estimate.isPending) return <p className="ai-estimate muted" role="status">Estimating cost…</p>;
  if (estimate.isError) return <p className="ai-estimate field-error">Could not estimate the cost: {estimate.error.message}</p>;
  const e = estimate.data;
  return (
    <div className="ai-estimate" role="status" aria-live="polite">
      <p>
        <strong>About {withCreditsUnit(credits(e.expectedMc))}</strong>; you have {credits(e.availableMc)}.{' '}
        <span className="muted">At most {withCreditsUnit(credits(e.maxMc))} {e.maxMc === 1000 ? 'is' : 'are'} held while it runs; you pay only for what is used.</span>
      </p>
      <p className="ai-estimate-model">
        Model: <ModelBadge model={e} />
      </p>
      {!e.aiEnabled ? <p className="field-error">AI is turned off for your organization.</p> : null}
      {e.aiEnabled && !e.canRun ? (
        <p className="field-error">
          {e.limitedBy === 'member_budget'
            ? `This would pass your monthly budget. ${raiser} raise it in Settings → Budgets.`
            : e.limitedBy === 'project_budget'
              ? `This would pass the project's monthly budget. ${raiser} raise it in Settings → Budgets.`
              : 'Not enough credits for this request.'}
        </p>
      ) : null}
    </div>
  );
}

const ERROR_TITLES: Record<string, string> = {
  AI_DISABLED: 'AI is turned off',
  INSUFFICIENT_CREDITS: 'Not enough credits',
  OVERAGE_LIMIT_REACHED: 'Monthly overage limit reached',
  BUDGET_REACHED: 'Monthly budget reached',
  PROVIDER_FAILED: 'The AI model did not answer — nothing was charged',
  IDEMPOTENCY_KEY_REUSED: 'This request was already sent',
};

/** Which limit a refusal names, as "Ask for more" asks about it; null when it is no limit. */
function refusedLimit(code: string, message: string, projects: { id: string; name: string }[] | undefined): AskForMoreBody | null {
  if (code === 'INSUFFICIENT_CREDITS' || code === 'OVERAGE_LIMIT_REACHED') return { limit: 'credits' };
  if (code !== 'BUDGET_REACHED') return null;
  // The engine names the budget: 'the monthly budget of project "Checkout"' or '… of the member Mia'.
  const project = /budget of project "(.*)" has/.exec(message)?.[1];
  if (project === undefined) return { limit: 'member_budget' };
  const id = projects?.find((p) => p.name === project)?.id;
  return id ? { limit: 'project_budget', projectId: id } : null;
}

/**
 * The refusals a user can act on, spelled out (docs/product.md: "refused with a clear error"). The
 * person who can raise a limit is named (issue 24); the owner reads "you" and gets the actions
 * (Buy credits, Raise the limit / the budget); anyone else can "Ask for more", which notifies the
 * owner and the admins.
 */
export function AiErrorBanner({ error }: { error: unknown }) {
  const { data: session } = useQuery(sessionQueries.current());
  const ownerName = useQuery({ ...orgQueries.members(), select: (d) => d.members.find((m) => m.role === 'owner')?.name ?? null }).data;
  const projects = useQuery(orgQueries.projects()).data?.projects;
  const ask = useAskForMore(error);
  if (!error) return null;
  const code = isApiError(error) ? error.code : 'INTERNAL';
  const isOwner = session?.role === 'owner';
  const owner = ownerName ? `${ownerName} (the owner)` : 'The organization owner';
  const raw = error instanceof Error ? error.message : 'Something went wrong.';
  // The engine names the owner ("Olivia Owens (the owner) can ...", or "The organization owner can"
  // where it could not): the owner reads "You can".
  let message = raw.replace(/The (?:organization )?owner can/, isOwner ? 'You can' : `${owner} can`);
  if (isOwner && ownerName) message = message.split(`${ownerName} (the owner) can`).join('You can');
  const limit = code === 'INSUFFICIENT_CREDITS' || code === 'OVERAGE_LIMIT_REACHED';
  const hint =
    code === 'AI_DISABLED'
      ? `${isOwner ? 'You can' : `${owner} can`} turn AI back on in Settings → AI Credits. Saved results stay readable.`
      : limit
        ? isOwner
          ? 'You can buy credits or raise the monthly overage limit.'
          : `${owner} can buy credits or raise the monthly overage limit.`
        : null;
  const askAbout = isOwner || !session ? null : refusedLimit(code, raw, projects);
  const actions = askAbout ? (
    ask.button(askAbout)
  ) : !isOwner ? null : limit ? (
    <>
      <Link className="button button-primary" to="/settings/ai-credits">
        Buy credits
      </Link>
      <Link className="button button-secondary" to="/settings/ai-credits#overage-limit">
        Raise the limit
      </Link>
    </>
  ) : code === 'BUDGET_REACHED' ? (
    <Link className="button button-primary" to="/settings/budgets">
      Raise the budget
    </Link>
  ) : null;
  return (
    <Banner tone="danger" role="alert" title={ERROR_TITLES[code] ?? 'The request failed'} actions={actions}>
      <p>{message}</p>
      {hint ? <p>{hint}</p> : null}
      {askAbout ? ask.outcome : null}
    </Banner>
  );
}

/** What the finished call cost. */
export function RunSummary({ run }: { run: AiRun }) {
  return (
    <p className="ai-run-summary" role="status">
      Used {withCreditsUnit(credits(run.chargedMc))} ({run.inputTokens.toLocaleString('en-US')} input + {run.outputTokens.toLocaleString('en-US')} output tokens) with{' '}
      <ModelBadge model={run} />. You have {withCreditsUnit(credits(run.balance.availableMc))} left.
    </p>
  );
}
