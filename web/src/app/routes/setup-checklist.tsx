import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { Role } from '@ai-credits/shared/contracts/auth';
import { creditsQueries } from '@/api/credits-queries';
import { orgQueries } from '@/api/org-queries';
import { budgetsQueries } from '@/features/budgets/api/budgets-queries';
import { usageQueries } from '@/features/credits/api/usage-queries';
import { orgAdminQueries } from '@/features/org/api/org-admin-queries';

interface Step {
  id: string;
  /** The link's words: what to do. */
  action: string;
  to: string;
  why: string;
  /** From the server's state; undefined while it loads (or could not be read). */
  done: boolean | undefined;
}

const COLLAPSED_KEY = 'ai-credits.setup-checklist.collapsed';
const DISMISSED_KEY = 'ai-credits.setup-checklist.dismissed';

function stored(key: string, orgId: string): boolean {
  try {
    return window.localStorage.getItem(`${key}.${orgId}`) === '1';
  } catch {
    return false;
  }
}
function store(key: string, orgId: string, value: boolean): void {
  try {
    if (value) window.localStorage.setItem(`${key}.${orgId}`, '1');
    else window.localStorage.removeItem(`${key}.${orgId}`);
  } catch {
    // Private mode without storage: the choice lasts until the next reload.
  }
}

/**
 * A new organization's setup checklist (issue 24, first run), for the owner (all six steps) and
 * admins (the three they may do). Each step is ticked from what the server says exists, never
 * from a flag in the browser: a project, a second member or a pending invitation, a budget, alert
 * thresholds saved by the owner (savedAt, even unchanged), an overage limit above zero, an API key. Only
 * whether the list is folded, or dismissed once every step is done, is kept in the browser.
 */
export function SetupChecklist({ role, orgId }: { role: Role; orgId: string }) {
  const owner = role === 'owner';
  const [collapsed, setCollapsed] = useState(() => stored(COLLAPSED_KEY, orgId));
  const [dismissed, setDismissed] = useState(() => stored(DISMISSED_KEY, orgId));
  // Dismissed, it reads nothing (the invitations are a read of its own).
  const staff = role !== 'member' && !dismissed;
  const ownerReads = owner && staff;
  const projects = useQuery({ ...orgQueries.projects(), enabled: staff, select: (d) => d.projects.some((p) => p.archivedAt === null) });
  const members = useQuery({ ...orgQueries.members(), enabled: staff, select: (d) => d.members.length > 1 });
  const invitations = useQuery({ ...orgAdminQueries.invitations(), enabled: staff, select: (d) => d.invitations.length > 0 });
  const apiKeys = useQuery({ ...usageQueries.apiKeyOptions(), enabled: staff, select: (d) => d.apiKeys.length > 0 });
  const budgets = useQuery({ ...budgetsQueries.list(), enabled: ownerReads, select: (d) => d.budgets.length > 0 });
  // Saved at all, changed or not (the defaults saved as they are count): savedAt is null until then.
  const thresholds = useQuery({ ...budgetsQueries.thresholds(), enabled: ownerReads, select: (d) => d.savedAt !== null });
  const overage = useQuery({ ...creditsQueries.summary(), enabled: ownerReads, select: (d) => d.overage.limitMc > 0 });
  if (!staff) return null;

  const invited = members.data === true || invitations.data === true ? true : members.data === false && invitations.data === false ? false : undefined;
  const steps: Step[] = [
    { id: 'project', action: 'Create a project', to: '/settings/projects', why: 'test cases, chats, reports and their credits belong to one', done: projects.data },
    { id: 'invite', action: 'Invite a member', to: '/settings/members', why: "each person's usage then shows in the history and by user", done: invited },
    ...(owner
      ? [
          { id: 'budgets', action: 'Set a budget', to: '/settings/budgets', why: 'cap what a project or a person can use each month', done: budgets.data },
          { id: 'thresholds', action: 'Choose alert thresholds', to: '/settings/budgets#thresholds-title', why: 'when you and your admins are told how much is used', done: thresholds.data },
          { id: 'overage', action: 'Set an overage limit', to: '/settings/ai-credits#ai-settings-title', why: 'how far AI may keep working once the credits run out (0 stops it)', done: overage.data },
        ]
      : []),
    { id: 'api-key', action: 'Create an API key', to: '/settings/api-keys', why: 'other services then meter their own AI calls', done: apiKeys.data },
  ];
  // Nothing to show until the server has answered: a checklist of unticked steps that then tick would flash.
  if (steps.some((s) => s.done === undefined)) return null;
  const doneCount = steps.filter((s) => s.done).length;
  const complete = doneCount === steps.length;
  const toggle = () => {
    store(COLLAPSED_KEY, orgId, !collapsed);
    setCollapsed(!collapsed);
  };

  return (
    <section className="card setup-checklist" aria-labelledby="setup-title">
      <div className="section-header">
        <div>
          <h2 id="setup-title" className="section-title">
            Set up AI credits
          </h2>
          <p className="section-subtitle" id="setup-progress">
            {complete ? 'Every step is done.' : `${doneCount} of ${steps.length} steps done.`}
          </p>
        </div>
        <div className="setup-actions">
          {complete ? (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => {
                store(DISMISSED_KEY, orgId, true);
                setDismissed(true);
              }}
            >
              Dismiss
            </button>
          ) : null}
          <button type="button" className="button button-secondary" aria-expanded={!collapsed} aria-controls="setup-steps" onClick={toggle}>
            {collapsed ? 'Show steps' : 'Hide steps'}
          </button>
        </div>
      </div>
      <div className="setup-meter" role="progressbar" aria-labelledby="setup-title" aria-describedby="setup-progress" aria-valuemin={0} aria-valuemax={steps.length} aria-valuenow={doneCount}>
        <span style={{ width: `${(doneCount / steps.length) * 100}%` }} />
      </div>
      <ol id="setup-steps" className="setup-steps" hidden={collapsed}>
        {steps.map((s) => (
          <li key={s.id} className={s.done ? 'is-done' : undefined} data-step={s.id}>
            <StepMark done={s.done === true} />
            <span>
              <StepLink to={s.to}>{s.action}</StepLink>
              <span className="sr-only">{s.done ? ' (done)' : ' (to do)'}</span>
              <span className="setup-why">: {s.why}.</span>
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function StepMark({ done }: { done: boolean }) {
  return (
    <span className={`setup-mark${done ? ' is-done' : ''}`} aria-hidden="true">
      {done ? '✓' : ''}
    </span>
  );
}

/** A link within this page (a #fragment) is a plain anchor so the browser scrolls to it. */
function StepLink({ to, children }: { to: string; children: ReactNode }) {
  if (to.startsWith('/settings/ai-credits#')) return <a href={to.slice(to.indexOf('#'))}>{children}</a>;
  return <Link to={to}>{children}</Link>;
}
