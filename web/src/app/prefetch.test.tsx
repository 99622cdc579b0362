import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { creditsContract } from '@ai-credits/shared/contracts/credits';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { server } from '@/testing/server';
import { createApp } from './create-app';

const failing = (path: string) => http.get(`*${path}`, () => HttpResponse.json({ error: { code: 'INTERNAL', message: 'Server down' } }, { status: 500 }));

/**
 * A route loader prefetches with the same queryOptions factory every page reads (web/src/api), so
 * what it warms is what they show. Proven by letting the loader run, then failing the endpoints
 * and rendering: a page reading another key, or another fetcher under the key, would ask the
 * failing server and show an error instead of the data.
 */
describe('route loaders warm the entries the pages read', () => {
  it('Settings -> AI Credits: the summary (cards, Buy Credits) and projects (filter, AI pages) come from the prefetch', async () => {
    const app = createApp({ initialEntries: ['/settings/ai-credits'], retry: false });
    // The memory router runs the loaders as it starts; wait for them and every prefetch they fired.
    await waitFor(() => expect(app.router.state.initialized).toBe(true));
    await waitFor(() => expect(app.queryClient.isFetching()).toBe(0));
    expect(app.queryClient.getQueryState(['credits', 'summary'])?.status).toBe('success');

    server.use(failing(creditsContract.summary.path), failing(orgContract.listProjects.path));
    const user = userEvent.setup();
    render(app.element);

    // The credits feature's cards: 1,082.5 credits available in the `owner` scenario.
    expect(await within(await screen.findByRole('region', { name: 'Available Credits' })).findByText(/^1,082/)).toBeInTheDocument();
    // The billing feature's Buy Credits reads the same entry: the period ends Dec 15, 2026.
    await user.click(await screen.findByRole('button', { name: 'Buy Credits' }));
    expect(await screen.findByText('Purchased credits expire with this billing month on Dec 15, 2026, 00:00 UTC.')).toBeInTheDocument();
    await user.keyboard('{Escape}');
    // The usage history's project filter (app route) lists the prefetched projects.
    expect(await screen.findByRole('option', { name: 'Checkout Web' })).toBeInTheDocument();

    // The AI feature reads the same projects entry (it once had its own key and fetched again).
    await app.router.navigate('/ai/test-generation');
    expect(await screen.findByRole('heading', { level: 1, name: 'Test generation' })).toBeInTheDocument();
    const main = within(screen.getByRole('main'));
    expect(await main.findByRole('combobox', { name: 'Project' })).toHaveTextContent('Checkout Web');
    expect(main.queryByText('Could not load projects')).not.toBeInTheDocument();
  });
});
