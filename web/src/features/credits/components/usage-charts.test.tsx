import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderApp } from '@/testing/test-utils';

describe('usage charts', () => {
  it('gives every chart an accessible table with its numbers', async () => {
    renderApp('/settings/ai-credits');
    // The first render of the file loads the charts section, its filter bar and Recharts: generous on a busy machine.
    const daily = await screen.findByRole('table', { name: 'Credits per day by use case' }, { timeout: 15_000 });
    const headers = within(daily).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Date', 'Test generation', 'AI chat', 'AI report', 'Total']);
    // One row per day of the period so far (Nov 15 – Nov 20).
    expect(within(daily).getAllByRole('row')).toHaveLength(1 + 6);

    const byUser = screen.getByRole('table', { name: 'Credits by user' });
    expect(within(byUser).getByRole('rowheader', { name: 'Olivia Owens' })).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Credits by project' })).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Credits by model' })).toBeInTheDocument();

    const events = screen.getByRole('table', { name: 'Balance events this billing period' });
    expect(within(events).getByText('Billing period reset')).toBeInTheDocument();
    expect(within(events).getByText('Credits purchased')).toBeInTheDocument();
    expect(within(events).getByText('1,000.00')).toBeInTheDocument();
  });

  it('sums the daily table to this month usage', async () => {
    renderApp('/settings/ai-credits');
    const daily = await screen.findByRole('table', { name: 'Credits per day by use case' });
    const totals = within(daily)
      .getAllByRole('row')
      .slice(1)
      .map((row) => within(row).getAllByRole('cell').at(-1)!.textContent!.replace(/,/g, ''));
    // Sum in millicredits (integers), as the app does.
    const sumMc = totals.reduce((sum, t) => sum + Math.round(Number(t) * 1000), 0);
    expect(sumMc).toBe(217_500);
  });

  it('forecasts the day credits run out', async () => {
    renderApp('/settings/ai-credits', { scenario: 'lowBalance' });
    expect(await screen.findByText(/At this rate, credits run out on Nov \d+, 2026, before the period resets on Dec 15, 2026/)).toBeInTheDocument();
  });

  it('follow the page filter bar: period and every filter, kept in the URL (issue 24)', async () => {
    const { user, router } = renderApp('/settings/ai-credits');
    await screen.findByRole('table', { name: 'Credits per day by use case' });
    await user.selectOptions(screen.getByLabelText('Period'), 'Last 30 days');
    await expect.poll(() => router.state.location.search).toBe('?period=30d');
    await expect.poll(() => within(screen.getByRole('table', { name: 'Credits per day by use case' })).getAllByRole('row')).toHaveLength(31);
    expect(screen.getByText(/^Oct 22, 2026 – Nov 20, 2026\. Days are UTC days/)).toBeInTheDocument();

    // A project filter: the charts show only that project's usage.
    await user.selectOptions(await screen.findByLabelText('Project'), 'Checkout Web');
    await expect.poll(() => new URLSearchParams(router.state.location.search).get('projectId')).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => within(screen.getByRole('table', { name: 'Credits by project' })).getAllByRole('rowheader').map((h) => h.textContent)).toEqual(['Checkout Web']);
    expect(screen.getByText(/, filtered\. Days are UTC days/)).toBeInTheDocument();
  });
});
