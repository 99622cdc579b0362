import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

function historyTable() {
  return screen.findByRole('table', { name: 'Usage history, newest first' });
}

/** Body rows of the table as arrays of cell texts. */
function bodyRows(table: HTMLElement): string[][] {
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).getAllByRole('cell').map((cell) => cell.textContent ?? ''));
}

describe('usage history', () => {
  it('lists usage newest first with the columns of the seed page, 25 rows a page', async () => {
    renderApp('/settings/ai-credits');
    const table = await historyTable();
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent);
    expect(headers).toEqual(['Date (UTC)', 'Use Case', 'User', 'Credits Consumed', 'Project']);
    const rows = bodyRows(table);
    expect(rows).toHaveLength(25);
    const dates = within(table).getAllByRole('row').slice(1).map((row) => row.querySelector('time')!.getAttribute('datetime')!);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(dates[0]! <= '2026-11-20T12:00:00.000Z').toBe(true);
  });

  it('pages forward with the next cursor and back with the stack of cursors', async () => {
    const { user } = renderApp('/settings/ai-credits');
    const table = await historyTable();
    const firstPage = bodyRows(table);
    expect(screen.getByRole('button', { name: 'Previous' })).toBeDisabled();

    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Page 2')).toBeInTheDocument();
    const secondPage = bodyRows(await historyTable());
    expect(secondPage[0]).not.toEqual(firstPage[0]);
    // Keyset: page 2 starts right after the last row of page 1.
    const lastOfFirst = firstPage[firstPage.length - 1]![0]!;
    expect(secondPage[0]![0]! <= lastOfFirst).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Previous' }));
    expect(await screen.findByText('Page 1')).toBeInTheDocument();
    expect(bodyRows(await historyTable())).toEqual(firstPage);
  });

  it('filters by use case, user, project and model, keeps them in the URL and resets paging', async () => {
    const { user, router } = renderApp('/settings/ai-credits');
    await historyTable();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('Page 2');

    await user.selectOptions(screen.getByLabelText('Use case'), 'AI chat');
    await expect.poll(() => router.state.location.search).toContain('useCase=chat');
    expect(await screen.findByText('Page 1')).toBeInTheDocument();
    await expect.poll(async () => bodyRows(await historyTable()).every((r) => r[1] === 'AI chat')).toBe(true);

    await user.selectOptions(await screen.findByLabelText('User'), 'Lee Chen');
    await expect.poll(() => new URLSearchParams(router.state.location.search).get('userId')).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(async () => bodyRows(await historyTable()).every((r) => r[1] === 'AI chat' && r[2] === 'Lee Chen')).toBe(true);

    await user.selectOptions(screen.getByLabelText('Project'), 'Checkout Web');
    await user.selectOptions(screen.getByLabelText('Model'), 'GPT-4o mini');
    await expect.poll(() => new URLSearchParams(router.state.location.search).get('model')).toBe('gpt-4o-mini');
    expect(new URLSearchParams(router.state.location.search).get('projectId')).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => screen.queryByText('No usage matches these filters') ?? screen.queryByRole('table', { name: 'Usage history, newest first' })).not.toBeNull();
    await user.selectOptions(screen.getByLabelText('Model'), 'All models');
    await user.selectOptions(screen.getByLabelText('Project'), 'All projects');

    // The CSV link exports the same filtered set.
    const csv = screen.getByRole('link', { name: /Export CSV/ });
    expect(csv).toHaveAttribute('download');
    expect(csv.getAttribute('href')).toMatch(/^\/api\/credits\/usage\.csv\?useCase=chat&userId=/);

    await user.click(screen.getAllByRole('button', { name: 'Clear filters' })[0]!);
    await expect.poll(() => router.state.location.search).toBe('');
  });

  it('filters by date range (inclusive of the last day)', async () => {
    const { user } = renderApp('/settings/ai-credits?from=2026-11-18&to=2026-11-18');
    const table = await historyTable();
    await expect.poll(() => bodyRows(table).length).toBeGreaterThan(0);
    expect(bodyRows(table).every((r) => r[0]!.startsWith('Nov 18, 2026'))).toBe(true);
    expect(screen.getByLabelText('From')).toHaveValue('2026-11-18');
    await user.click(screen.getByRole('checkbox', { name: 'Show model column' }));
    expect(within(await historyTable()).getByRole('columnheader', { name: 'Model' })).toBeInTheDocument();
  });

  it('says so when no usage matches the filters', async () => {
    renderApp('/settings/ai-credits?from=2020-01-01&to=2020-01-02');
    expect(await screen.findByText('No usage matches these filters')).toBeInTheDocument();
  });

  it('shows an error with a retry when the history fails', async () => {
    server.use(http.get('*/api/credits/usage', () => HttpResponse.json({ error: { code: 'INTERNAL', message: 'Database unavailable' } }, { status: 500 })));
    const { user } = renderApp('/settings/ai-credits');
    const alert = await screen.findByText("Couldn't load usage history");
    expect(alert.closest('[role="alert"]')).toHaveTextContent('Database unavailable');
    server.resetHandlers();
    await user.click(within(alert.closest('[role="alert"]') as HTMLElement).getByRole('button', { name: 'Try again' }));
    expect(await historyTable()).toBeInTheDocument();
  });
});
