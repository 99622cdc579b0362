import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

function historyTable() {
  // The charts, their filter bar and the history load together: generous on a busy machine.
  return screen.findByRole('table', { name: 'Usage history, newest first' }, { timeout: 15_000 });
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
    renderApp('/settings/ai-credits?period=all');
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
    const { user } = renderApp('/settings/ai-credits?period=all');
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
    const { user, router } = renderApp('/settings/ai-credits?period=all');
    await historyTable();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('Page 2');

    await user.selectOptions(screen.getByLabelText('Use case'), 'AI chat');
    await expect.poll(() => router.state.location.search).toContain('useCase=chat');
    expect(await screen.findByText('Page 1')).toBeInTheDocument();
    await expect.poll(async () => bodyRows(await historyTable()).every((r) => r[1] === 'AI chat')).toBe(true);

    await user.selectOptions(await screen.findByLabelText('User'), 'Lee Chen');
    await expect.poll(() => new URLSearchParams(router.state.location.search).get('userId')).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(async () => bodyRows(await historyTable()).every((r) => r[1] === 'AI chat' && r[2]!.startsWith('Lee Chen'))).toBe(true);

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
  }, 60_000);

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

describe('usage history basics (issue 11)', () => {
  it('keeps the page in the URL, so a reload opens the same page', async () => {
    const { user, router, unmount } = renderApp('/settings/ai-credits?period=all');
    await historyTable();
    await user.click(screen.getByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Page 2')).toBeInTheDocument();
    const secondPage = bodyRows(await historyTable());
    const url = router.state.location.pathname + router.state.location.search;
    expect(new URLSearchParams(router.state.location.search).getAll('page')).toHaveLength(1);

    // "Reload": a fresh app at the same URL.
    unmount();
    renderApp(url);
    expect(await screen.findByText('Page 2')).toBeInTheDocument();
    await expect.poll(async () => bodyRows(await historyTable())).toEqual(secondPage);
    expect(screen.getByRole('button', { name: 'Previous' })).toBeEnabled();
  });

  it('shows the number of rows and the credit total of the whole filter', async () => {
    const { user, router } = renderApp('/settings/ai-credits');
    await historyTable();
    const totals = await screen.findByText(/credits in total/);
    // By default the current billing period, and the total says so (issue 24: it sat unlabelled beside "This Month").
    expect(totals).toHaveTextContent(/^[\d,]+ rows, [\d,]+\.\d\d credits in total, this billing period \(since Nov 15, 2026\)$/);
    await user.selectOptions(screen.getByLabelText('Use case'), 'AI chat');
    await expect.poll(() => screen.getByText(/credits in total/).textContent).toMatch(/^[\d,]+ rows? match these filters, [\d,]+\.\d\d credits in total, this billing period/);
    await user.selectOptions(screen.getByLabelText('Period'), 'All time');
    await expect.poll(() => router.state.location.search).toContain('period=all');
    await expect.poll(() => screen.getByText(/credits in total/).textContent).toMatch(/credits in total, all time$/);
    await user.click(screen.getByRole('button', { name: 'This billing period' }));
    await expect.poll(() => screen.getByText(/credits in total/).textContent).toMatch(/credits in total, this billing period \(since Nov 15, 2026\)$/);
    expect(router.state.location.search).toBe('?useCase=chat');
  });

  it('prevents a reversed date range in the form instead of failing the load', async () => {
    const { user, router } = renderApp('/settings/ai-credits?to=2026-11-10');
    await historyTable();
    const from = screen.getByLabelText('From');
    await user.type(from, '2026-11-18');
    expect(await screen.findByRole('alert')).toHaveTextContent('From must be on or before To: no dates apply until then.');
    expect(from).toHaveAttribute('aria-invalid', 'true');
    expect(new URLSearchParams(router.state.location.search).get('from')).toBeNull();
    expect(screen.queryByText("Couldn't load usage history")).not.toBeInTheDocument();
    // Issue 24: a reversed range filters by neither date until it is fixed (it kept filtering by the other one).
    await expect.poll(() => new URLSearchParams(router.state.location.search).get('to')).toBeNull();
    await expect.poll(() => screen.getByText(/credits in total/).textContent).toMatch(/this billing period \(since Nov 15, 2026\)$/);
    expect(screen.getByLabelText('To')).toHaveValue('2026-11-10');
    expect(from).toHaveValue('2026-11-18');
    // Fixed: both dates apply.
    const to = screen.getByLabelText('To');
    await user.clear(to);
    await user.type(to, '2026-11-19');
    await expect.poll(() => router.state.location.search).toBe('?from=2026-11-18&to=2026-11-19');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('drops the end of a reversed range in a hand-edited URL rather than answering with an error', async () => {
    renderApp('/settings/ai-credits?from=2026-11-18&to=2026-11-10');
    const table = await historyTable();
    await expect.poll(() => bodyRows(table).length).toBeGreaterThan(0);
    expect(screen.queryByText("Couldn't load usage history")).not.toBeInTheDocument();
  });

  it('attributes API usage to the named API key, filters by it and exports it', async () => {
    const { user, router } = renderApp('/settings/ai-credits');
    await historyTable();
    await user.selectOptions(await screen.findByLabelText('API key'), 'ci-runner');
    await expect.poll(() => new URLSearchParams(router.state.location.search).get('apiKeyId')).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(async () => bodyRows(await historyTable()).length).toBeGreaterThan(0);
    await expect.poll(async () => bodyRows(await historyTable()).every((r) => r[2]!.includes('API key ci-runner'))).toBe(true);
    expect(screen.getByRole('link', { name: /Export CSV/ }).getAttribute('href')).toMatch(/apiKeyId=/);
  });

  it('shows credits with two decimals, the exact value on hover, and labels cells for stacked rows', async () => {
    renderApp('/settings/ai-credits');
    const table = await historyTable();
    const credits = within(table).getAllByRole('row')[1]!.querySelector('td.num')!;
    expect(credits).toHaveAttribute('data-label', 'Credits Consumed');
    expect(credits.textContent).toMatch(/^[\d,]+\.\d\d/);
    expect(credits.querySelector('[title]')!.getAttribute('title')).toMatch(/^[\d,.]+ credits \([\d,]+ millicredits\)$/);
  });
});
