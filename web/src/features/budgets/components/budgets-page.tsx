import { useMutation, useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { AlertThresholdsSchema, MAX_ALERT_THRESHOLDS, SetBudgetBodySchema, type AlertThresholds, type Budget, type BudgetList } from '@ai-credits/shared/contracts/budgets';
import { MC_PER_CREDIT } from '@ai-credits/shared/catalog';
import { formatCreditsAvailable } from '@ai-credits/shared/format';
import { Field, FieldNote, FormError } from '@/components/ui/field';
import { PageHeader } from '@/components/ui/page-header';
import { QueriesSection, QuerySection } from '@/components/ui/query-section';
import { orgQueries } from '@/api/org-queries';
import { sessionQueries } from '@/api/session-queries';
import { useScrollToHash } from '@/lib/use-scroll-to-hash';
import { budgetsMutations, budgetsQueries } from '../api/budgets-queries';
import { BudgetBar } from './budget-bars';
import './budgets.css';

/**
 * Settings -> Budgets: the owner sets or clears a monthly credit budget per project and per
 * member, and chooses the alert thresholds; admins and members see them read-only. The BFF
 * enforces the role and the values (the same zod schemas as the forms here).
 */
export function BudgetsPage() {
  const { data: session } = useSuspenseQuery(sessionQueries.current());
  const owner = session.role === 'owner';
  const budgets = useQuery(budgetsQueries.list());
  const projects = useQuery(orgQueries.projects());
  const members = useQuery(orgQueries.members());

  return (
    <div className="page">
      <PageHeader
        breadcrumb="Settings"
        title="Budgets and alerts"
        description="Monthly credit budgets per project and per member reset with the billing month. AI work that would pass a budget is refused; usage through an API key without a member counts only against its project's budget."
      />
      {!owner ? (
        <p className="muted" role="note">
          Only the organization owner can set budgets and alert thresholds.
        </p>
      ) : null}
      <section className="card" aria-labelledby="project-budgets-title">
        <h2 id="project-budgets-title" className="section-title">
          Project budgets
        </h2>
        <QueriesSection
          queries={[
            { query: budgets, errorTitle: "Couldn't load budgets" },
            { query: projects, errorTitle: "Couldn't load projects" },
          ]}
          loadingLabel="Loading project budgets"
        >
          {(list, { projects: all }) => {
            const active = all.filter((p) => p.archivedAt === null);
            const byKey = indexBudgets(list);
            return active.length === 0 ? (
              <p className="muted">No active projects.</p>
            ) : (
              <BudgetTable
                caption="Project budgets"
                owner={owner}
                rows={active.map((p) => ({ subjectType: 'project' as const, subjectId: p.id, name: p.name, budget: byKey.get(`project:${p.id}`) }))}
              />
            );
          }}
        </QueriesSection>
      </section>
      <section className="card" aria-labelledby="member-budgets-title">
        <h2 id="member-budgets-title" className="section-title">
          Member budgets
        </h2>
        <QueriesSection
          queries={[
            { query: budgets, errorTitle: "Couldn't load budgets" },
            { query: members, errorTitle: "Couldn't load members" },
          ]}
          loadingLabel="Loading member budgets"
        >
          {(list, { members: all }) => {
            const byKey = indexBudgets(list);
            return (
              <BudgetTable
                caption="Member budgets"
                owner={owner}
                rows={all.map((m) => ({ subjectType: 'user' as const, subjectId: m.userId, name: m.name, budget: byKey.get(`user:${m.userId}`) }))}
              />
            );
          }}
        </QueriesSection>
      </section>
      <AlertThresholdsCard owner={owner} />
    </div>
  );
}

/** The budgets by subject, `${subjectType}:${subjectId}`. */
const indexBudgets = (list: BudgetList) => new Map(list.budgets.map((b) => [`${b.subjectType}:${b.subjectId}`, b]));

interface Row {
  subjectType: 'project' | 'user';
  subjectId: string;
  name: string;
  budget: Budget | undefined;
}

function BudgetTable({ rows, owner, caption }: { rows: Row[]; owner: boolean; caption: string }) {
  return (
    <div className="table-scroll">
      <table className="table budget-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{rows[0]?.subjectType === 'user' ? 'Member' : 'Project'}</th>
            <th scope="col">Used this month</th>
            <th scope="col">{owner ? 'Monthly budget (credits)' : 'Monthly budget'}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.subjectId}>
              <th scope="row" className="budget-name">
                {r.name}
              </th>
              <td>{r.budget ? <ul className="budget-list">{<BudgetBar budget={r.budget} />}</ul> : <span className="muted">No budget</span>}</td>
              <td>{owner ? <BudgetForm row={r} /> : r.budget ? `${formatCreditsAvailable(r.budget.limitMc)} credits` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Client-side check with the contract's own schema: the message the server would give. */
function budgetError(subjectType: 'project' | 'user', subjectId: string, text: string): string | null {
  if (!/^\d+$/.test(text.trim())) return 'Enter a whole number of credits.';
  const parsed = SetBudgetBodySchema.safeParse({ subjectType, subjectId, limitCredits: Number(text.trim()) });
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'Invalid budget.');
}

function BudgetForm({ row }: { row: Row }) {
  const mutation = useMutation(budgetsMutations.set());
  const current = row.budget ? String(Math.floor(row.budget.limitMc / MC_PER_CREDIT)) : '';
  const [draft, setDraft] = useState<string | null>(null);
  const [touched, setTouched] = useState(false);
  const id = useId();
  const text = draft ?? current;
  const error = touched ? budgetError(row.subjectType, row.subjectId, text) : null;
  const problem = error ?? mutation.error?.message;

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (budgetError(row.subjectType, row.subjectId, text)) return;
    mutation.mutate({ subjectType: row.subjectType, subjectId: row.subjectId, limitCredits: Number(text.trim()) }, { onSuccess: () => setDraft(null) });
  };

  return (
    <form className="budget-form" onSubmit={onSubmit} noValidate>
      <Field id={id} label={`Monthly budget for ${row.name}, in credits`} labelClassName="sr-only" error={problem} noteId={`${id}-note`}>
        {(control) => (
          <input
            {...control}
            className="budget-input"
            inputMode="numeric"
            value={text}
            placeholder="No budget"
            onChange={(e) => {
              setDraft(e.target.value);
              setTouched(false);
            }}
            onBlur={() => setTouched(text !== '')}
          />
        )}
      </Field>
      <button type="submit" className="button button-primary" disabled={mutation.isPending}>
        Save
      </button>
      {row.budget ? (
        <button
          type="button"
          className="button button-secondary"
          disabled={mutation.isPending}
          onClick={() => mutation.mutate({ subjectType: row.subjectType, subjectId: row.subjectId, limitCredits: null }, { onSuccess: () => setDraft(null) })}
        >
          Clear
        </button>
      ) : null}
      {/* Below the buttons, as wide as the row. */}
      <FieldNote id={`${id}-note`} error={problem} errorAlert />
    </form>
  );
}

const parsePercents = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim().replace(/%$/, ''))
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : Number.NaN));

function thresholdsError(credit: string, budget: string): string | null {
  const parsed = AlertThresholdsSchema.safeParse({ creditPercents: parsePercents(credit), budgetPercents: parsePercents(budget) });
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  const which = issue.path[0] === 'creditPercents' ? "Month's credits" : 'Budgets';
  return `${which}: ${issue.message === 'Invalid input: expected number, received NaN' ? 'whole percentages separated by commas' : issue.message}.`;
}

const THRESHOLDS_HINT = `Whole percentages from 1 to 100, separated by commas, each once (at most ${MAX_ALERT_THRESHOLDS}).`;

function AlertThresholdsCard({ owner }: { owner: boolean }) {
  const thresholds = useQuery(budgetsQueries.thresholds());
  // The setup checklist links here (#thresholds-title).
  useScrollToHash(thresholds.isSuccess);
  // Here, not in the form: the saved thresholds come back from the server and remount the form
  // (its key), and the confirmation must outlive that.
  const [saved, setSaved] = useState(false);
  return (
    <QuerySection query={thresholds} loadingLabel="Loading alert thresholds" errorTitle="Couldn't load alert thresholds">
      {(current) => <ThresholdsForm key={JSON.stringify(current)} current={current} owner={owner} saved={saved} setSaved={setSaved} />}
    </QuerySection>
  );
}

function ThresholdsForm({ current, owner, saved, setSaved }: { current: AlertThresholds; owner: boolean; saved: boolean; setSaved: (saved: boolean) => void }) {
  const mutation = useMutation(budgetsMutations.setThresholds());
  const [credit, setCredit] = useState(current.creditPercents.join(', '));
  const [budget, setBudget] = useState(current.budgetPercents.join(', '));
  const [error, setError] = useState<string | null>(null);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const problem = thresholdsError(credit, budget);
    setError(problem);
    if (problem) return;
    mutation.mutate({ creditPercents: parsePercents(credit), budgetPercents: parsePercents(budget) }, { onSuccess: () => setSaved(true) });
  };

  return (
    <section className="card" aria-labelledby="thresholds-title">
      <h2 id="thresholds-title" className="section-title">
        Alert thresholds
      </h2>
      <p className="section-subtitle">
        Each threshold alerts once per billing month, in the bell and by email, to the owner and admins (budget alerts also to the member concerned).
      </p>
      {owner ? (
        <form className="thresholds-form" onSubmit={onSubmit} noValidate>
          <Field
            id="credit-thresholds"
            label="Percent of the month's credits (allowance + purchases)"
            error={error?.startsWith('Month') ? error : undefined}
            hint={THRESHOLDS_HINT}
            noteId="thresholds-hint"
          >
            {(control) => <input {...control} value={credit} onChange={(e) => setCredit(e.target.value)} />}
          </Field>
          <Field id="budget-thresholds" label="Percent of each budget" error={error?.startsWith('Budgets') ? error : undefined} hint={THRESHOLDS_HINT} noteId="thresholds-hint">
            {(control) => <input {...control} value={budget} onChange={(e) => setBudget(e.target.value)} />}
          </Field>
          {/* One hint for both inputs, and it stays while the error below says which one is wrong. */}
          <FieldNote id="thresholds-hint" hint={THRESHOLDS_HINT} />
          <FormError inline>{error ?? mutation.error?.message}</FormError>
          {saved ? (
            <p className="field-success" role="status">
              Thresholds saved.
            </p>
          ) : null}
          <div>
            <button type="submit" className="button button-primary" disabled={mutation.isPending}>
              Save thresholds
            </button>
          </div>
        </form>
      ) : (
        <dl>
          <dt>Month's credits</dt>
          <dd>{current.creditPercents.map((p) => `${p}%`).join(', ')}</dd>
          <dt>Each budget</dt>
          <dd>{current.budgetPercents.map((p) => `${p}%`).join(', ')}</dd>
        </dl>
      )}
    </section>
  );
}
