import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { createHandlers, type MockStore as MockDb, type ScenarioName } from '@ai-credits/shared/testing';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

// Issue 11, items 2 and 3: budget bars on the AI Credits page, Settings -> Budgets, the bell.
function serve(scenario: ScenarioName, seed: (db: MockDb) => void) {
  server.resetHandlers(...createHandlers(scenario, { seed }));
}

/** A budget the mock's usage already fills to a known share: the limit is `percent`% of what was used. */
function budgetAt(db: MockDb, kind: 'project' | 'user', limitCredits: number) {
  const subjectId = kind === 'project' ? db.projects[0]!.id : db.members.find((m) => m.role === 'member')!.userId;
  db.budgets = [...(db.budgets ?? []), { subjectType: kind, subjectId, limitMc: limitCredits * 1000 }];
  return subjectId;
}

describe('budget bars on the AI Credits page', () => {
  it('shows each budget as used / budget in whole credits (used rounded up), linking to its filtered history', async () => {
    let projectId = '';
    let userId = '';
    let projectUsedMc = 0;
    serve('owner', (db) => {
      projectId = budgetAt(db, 'project', 1_000_000);
      userId = budgetAt(db, 'user', 5);
      const start = db.period.start.toISOString();
      projectUsedMc = db.usage.filter((r) => r.occurredAt >= start && r.project?.id === projectId).reduce((s, r) => s + r.chargedMc, 0);
    });
    renderApp('/settings/ai-credits');
    const section = await screen.findByRole('region', { name: 'Budgets this month' });
    const bars = await within(section).findAllByRole('progressbar');
    expect(bars).toHaveLength(2);
    // Used is rounded up to whole credits, the budget shown whole.
    const used = Math.ceil(projectUsedMc / 1000).toLocaleString('en-US');
    expect(within(section).getByText(`${used} / 1,000,000 credits`)).toBeInTheDocument();
    const projectBar = bars.find((b) => b.getAttribute('aria-label')!.startsWith('Project'))!;
    expect(projectBar).toHaveAttribute('aria-valuenow', String(Math.floor((projectUsedMc * 100) / 1_000_000_000)));
    // The member's 5-credit budget is more than used up: the bar is full.
    const memberBar = bars.find((b) => b.getAttribute('aria-label')!.startsWith('Member'))!;
    expect(memberBar).toHaveAttribute('aria-valuenow', '100');
    const links = within(section).getAllByRole('link', { name: /usage history/ });
    expect(links.map((l) => l.getAttribute('href')).sort()).toEqual([`/settings/ai-credits?projectId=${projectId}`, `/settings/ai-credits?userId=${userId}`].sort());
  });

  it('the owner sets a budget on Settings -> Budgets and it appears as a bar; bad values are refused in the form', async () => {
    const { user } = renderApp('/settings/budgets');
    const table = await screen.findByRole('table', { name: 'Project budgets' });
    const input = within(table).getAllByRole('textbox')[0]!;
    await user.type(input, '0');
    await user.click(within(table).getAllByRole('button', { name: 'Save' })[0]!);
    expect(await within(table).findByRole('alert')).toHaveTextContent('at least 1 credit');
    await user.clear(input);
    await user.type(input, '2.5');
    await user.click(within(table).getAllByRole('button', { name: 'Save' })[0]!);
    expect(await within(table).findByRole('alert')).toHaveTextContent('Enter a whole number of credits.');
    await user.clear(input);
    await user.type(input, '250');
    await user.click(within(table).getAllByRole('button', { name: 'Save' })[0]!);
    expect(await within(table).findByRole('progressbar')).toHaveAttribute('aria-label', expect.stringMatching(/of 250 credits used$/));
    expect(within(table).getByRole('button', { name: 'Clear' })).toBeInTheDocument();
  });

  it('members see budgets and thresholds read-only', async () => {
    serve('member', (db) => void budgetAt(db, 'project', 100));
    renderApp('/settings/budgets');
    const table = await screen.findByRole('table', { name: 'Project budgets' });
    expect(screen.getByRole('note')).toHaveTextContent('Only the organization owner can set budgets');
    expect(within(table).queryByRole('textbox')).not.toBeInTheDocument();
    expect(within(table).getByText('100 credits')).toBeInTheDocument();
    expect(await screen.findByText('50%, 75%, 90%, 100%')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save thresholds' })).not.toBeInTheDocument();
  });

  it('the owner edits the alert thresholds, validated before sending', async () => {
    const { user } = renderApp('/settings/budgets');
    const credit = await screen.findByLabelText("Percent of the month's credits (allowance + purchases)");
    await user.clear(credit);
    await user.type(credit, '50, 50');
    await user.click(screen.getByRole('button', { name: 'Save thresholds' }));
    expect(await screen.findByRole('alert')).toHaveTextContent("Month's credits: each threshold once.");
    await user.clear(credit);
    await user.type(credit, '80, 120');
    await user.click(screen.getByRole('button', { name: 'Save thresholds' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('up to 100 %');
    await user.clear(credit);
    await user.type(credit, '95, 80');
    await user.click(screen.getByRole('button', { name: 'Save thresholds' }));
    expect(await screen.findByRole('status', { name: '' })).toHaveTextContent('Thresholds saved.');
    expect(await screen.findByDisplayValue('80, 95')).toBeInTheDocument();
  });
});

describe('the notification bell', () => {
  const note = (n: number, title: string, read = false) => ({
    id: `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`,
    title,
    body: `${title}: details`,
    link: '/settings/ai-credits',
    createdAt: `2026-11-20T1${n}:00:00.000Z`,
    readAt: read ? '2026-11-20T11:30:00.000Z' : null,
    kind: 'alert' as const,
    resetsAt: null,
  });

  it('shows the unread count, lists notifications, marks one and then all read', async () => {
    serve('owner', (db) => {
      db.notifications = [note(3, 'Budget of project Checkout at 100%'), note(2, 'Budget of project Checkout at 90%'), note(1, "50% of this month's credits used", true)];
    });
    const { user } = renderApp('/settings/ai-credits');
    const bell = await screen.findByRole('button', { name: 'Notifications, 2 unread' });
    await user.click(bell);
    const panel = await screen.findByRole('dialog', { name: 'Notifications' });
    expect(within(panel).getAllByRole('listitem')).toHaveLength(3);
    expect(within(panel).getByText('Budget of project Checkout at 100%')).toBeInTheDocument();
    const buttons = within(panel).getAllByRole('button', { name: 'Mark read' });
    expect(buttons).toHaveLength(2);
    await user.click(buttons[0]!);
    expect(await screen.findByRole('button', { name: 'Notifications, 1 unread' })).toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'Mark all read' }));
    expect(await screen.findByRole('button', { name: 'Notifications' })).toBeInTheDocument();
    expect(within(panel).queryByRole('button', { name: 'Mark read' })).not.toBeInTheDocument();
    expect(within(panel).getByRole('button', { name: 'Mark all read' })).toBeDisabled();
  });

  it('says so when there is nothing yet', async () => {
    const { user } = renderApp('/settings/ai-credits');
    await user.click(await screen.findByRole('button', { name: 'Notifications' }));
    expect(await screen.findByText(/No notifications yet/)).toBeInTheDocument();
  });
});
