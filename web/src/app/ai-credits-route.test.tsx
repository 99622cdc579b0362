import { cleanup, screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { creditsContract, type CreditSummary } from '@ai-credits/shared/contracts/credits';
import { server } from '@/testing/server';
import { renderApp, serveScenario } from '@/testing/test-utils';

const card = (name: string) => screen.findByRole('region', { name });

describe('AI Credits page', () => {
  it('shows the balance, this month usage and when the period resets (UTC)', async () => {
    renderApp('/settings/ai-credits');
    const available = await card('Available Credits');
    // 1,082.5 available -> 1,082 (down); 217.5 used -> 218 (up); the exact values on hover.
    expect(await within(available).findByText(/^1,082/)).toHaveAttribute('title', '1,082.5 credits (1,082,500 millicredits)');
    const usage = await card('This Month Usage');
    expect(within(usage).getByText(/^218/)).toHaveAttribute('title', '217.5 credits (217,500 millicredits)');
    expect(within(usage).getByText(/Billing period Nov 15, 2026 – Dec 15, 2026/)).toBeInTheDocument();
    const reset = within(usage).getByText('Dec 15, 2026, 00:00 UTC');
    expect(reset).toHaveAttribute('datetime', '2026-12-15T00:00:00.000Z');
    expect(reset.parentElement).toHaveTextContent('Resets Dec 15, 2026, 00:00 UTC');
  });

  it('redirects the index route to Settings -> AI Credits', async () => {
    const { router } = renderApp('/');
    expect(await screen.findByRole('heading', { level: 1, name: 'AI Credits' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/settings/ai-credits');
  });

  it('gives the owner Buy Credits, the Enable AI switch and the overage limit', async () => {
    renderApp('/settings/ai-credits');
    expect(await screen.findByRole('button', { name: 'Buy Credits' })).toBeInTheDocument();
    const toggle = await screen.findByRole('switch', { name: 'Enable AI' });
    expect(toggle).toBeEnabled();
    expect(toggle).toBeChecked();
    expect(screen.getByRole('textbox', { name: 'Monthly overage limit' })).toHaveValue('0');
  });

  it.each(['admin', 'member'] as const)('hides the owner-only controls from an %s', async (scenario) => {
    renderApp('/settings/ai-credits', { scenario });
    const toggle = await screen.findByRole('switch', { name: 'Enable AI' });
    expect(toggle).toBeDisabled();
    expect(toggle).toBeChecked();
    expect(screen.queryByRole('button', { name: /buy credits/i })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /buy credits/i })).not.toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: 'Monthly overage limit' })).not.toBeInTheDocument();
    expect(screen.getAllByText('Only the organization owner can change this.')).toHaveLength(2);
    expect(screen.getByText('No overage allowed: AI requests stop when credits run out.')).toBeInTheDocument();
    // Not the owner's description (issue 24): they do not buy credits or control AI.
    expect(screen.queryByText(/purchase credit bundles/)).not.toBeInTheDocument();
    // Everything else of the dashboard is there.
    expect(await card('Available Credits')).toHaveTextContent('1,082 credits');
    expect(await screen.findAllByRole('row')).not.toHaveLength(0);
  });

  it('shows the owner and the admin their role in the header', async () => {
    renderApp('/settings/ai-credits', { scenario: 'admin' });
    const header = within(await screen.findByRole('banner'));
    expect(await header.findByLabelText('Role: Admin')).toBeInTheDocument();
    expect(header.getByText('Acme QA')).toBeInTheDocument();
    expect(header.getByText('Arjun Mehta')).toBeInTheDocument();
  });

  it('tells the owner what to do about a low balance, and a member whom to ask', async () => {
    renderApp('/settings/ai-credits', { scenario: 'lowBalance' });
    const banner = await screen.findByText('Low balance: 18 credits left');
    const box = banner.closest('.banner') as HTMLElement;
    expect(box).toHaveTextContent('Buy credits, or allow overage');
    expect(within(box).getByRole('button', { name: 'Buy Credits' })).toBeInTheDocument();
  });

  it('tells an in-overage owner the cost so far and how to pay or raise the limit', async () => {
    renderApp('/settings/ai-credits', { scenario: 'inOverage' });
    const available = await card('Available Credits');
    // Headline: whole credits, available rounded down (-42.5 -> -43), used rounded up (42.5 -> 43); exact on hover.
    expect(await within(available).findByText(/-43/)).toHaveAttribute('title', '-42.5 credits (-42,500 millicredits)');
    expect(available).toHaveTextContent('Overage used: 43 credits of a 500-credit limit, billed in whole credits: 43 credits = $17.20 so far.');
    const overage = screen.getByText('In overage: 43 credits beyond your balance').closest('.banner') as HTMLElement;
    expect(overage).toHaveTextContent('At $0.40 per credit, billed in whole credits: 43 credits = $17.20 so far');
    expect(within(overage).getByRole('link', { name: 'Raise the limit' })).toHaveAttribute('href', '#overage-limit');
    const invoice = screen.getByText('Your organization has 1 unpaid overage invoice ($48.00)').closest('.banner') as HTMLElement;
    expect(within(invoice).getByRole('link', { name: 'Pay invoice' })).toHaveAttribute('href', '/settings/billing');
  });

  it('puts the answers first: cards, forecast, charts, then the history and the settings (issue 24)', async () => {
    renderApp('/settings/ai-credits');
    await screen.findByRole('table', { name: 'Credits per day by use case' });
    await screen.findByRole('heading', { name: 'Usage history' });
    const order = ['Available Credits', 'Forecast', 'Top spenders this billing period', 'Usage charts', 'Usage history', 'AI settings'].map((name) => screen.getAllByRole(name === 'Forecast' ? 'region' : 'heading', { name })[0]!);
    for (let i = 1; i < order.length; i++) {
      expect(order[i - 1]!.compareDocumentPosition(order[i]!) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    }
  });

  it('ranks who and what spent most this period, with credits and share; a row opens the history filtered to it', async () => {
    const { user, router } = renderApp('/settings/ai-credits');
    const top = await screen.findByRole('region', { name: 'Top spenders this billing period' });
    const users = within(top).getByRole('list', { name: 'Users' });
    const rows = within(users).getAllByRole('listitem');
    expect(rows.length).toBeGreaterThan(0);
    // Ranked: credits never go up down the list; the shares are whole percents.
    const credits = rows.map((r) => Number(r.querySelector('.top-credits')!.textContent!.replace(/,/g, '')));
    expect([...credits].sort((a, b) => b - a)).toEqual(credits);
    expect(rows[0]).toHaveTextContent(/\d+%$/);
    expect(within(top).getByRole('list', { name: 'Models' })).toBeInTheDocument();
    const first = within(users).getAllByRole('link')[0]!;
    await user.click(first);
    await expect.poll(() => router.state.location.search).toMatch(/^\?userId=/);
    expect(await screen.findByText(/match these filters/)).toBeInTheDocument();
  });

  it('warns in bold how many credits expire when the reset is under 7 days away', async () => {
    // The mock's now is Nov 20; the period resets Dec 15: no warning yet, the plain line.
    renderApp('/settings/ai-credits');
    const forecast = await screen.findByRole('region', { name: 'Forecast' });
    expect(within(forecast).queryByRole('note')).not.toBeInTheDocument();
    cleanup();
    // Five days before the reset: bought credits included, in bold.
    const near = new Date('2026-12-10T12:00:00Z');
    vi.setSystemTime(near);
    serveScenario('owner', { now: near });
    renderApp('/settings/ai-credits');
    const note = await within(await screen.findByRole('region', { name: 'Forecast' })).findByRole('note');
    expect(note).toHaveTextContent(/^About [\d,]+ credits, bought ones included, will expire unused at the reset on Dec 15, 2026, 00:00 UTC\. Unused credits do not roll over\.$/);
    expect(note.querySelector('strong')).not.toBeNull();
  });

  it('says AI stopped, in red, when what is left under the overage limit is too little for any request (149.7 of 150: issue 24)', async () => {
    const summary: CreditSummary = {
      balanceMc: -149_700,
      reservedMc: 0,
      availableMc: -149_700,
      periodUsageMc: 449_700,
      period: { start: '2026-11-15T00:00:00.000Z', end: '2026-12-15T00:00:00.000Z', timeZone: 'UTC' },
      overage: { usedMc: 149_700, limitMc: 150_000, usedCents: 6_000, limitCents: 6_000 },
      aiEnabled: true,
      lowBalance: true,
      unpaidInvoices: { count: 0, amountCents: 0 },
    };
    server.use(http.get(`*${creditsContract.summary.path}`, () => HttpResponse.json(summary)));
    renderApp('/settings/ai-credits');
    const stopped = (await screen.findByText('AI stopped: overage limit reached')).closest('.banner') as HTMLElement;
    expect(stopped).toHaveClass('banner-danger');
    expect(stopped).toHaveTextContent('every one is refused');
    expect(screen.queryByText(/^In overage:/)).not.toBeInTheDocument();
    expect(await card('Available Credits')).toHaveTextContent('AI stopped');
  });

  it('asks a member to contact the owner instead of offering actions', async () => {
    // The inOverage org seen by a member: same numbers, no actions.
    const { user } = renderApp('/settings/ai-credits', { scenario: 'inOverage' });
    await screen.findByText('In overage: 43 credits beyond your balance');
    // Sign in as a member of the same org.
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await user.type(await screen.findByLabelText('Email'), 'maya@acme.test');
    await user.type(screen.getByLabelText('Password'), 'password123');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const overage = (await screen.findByText('In overage: 43 credits beyond your balance')).closest('.banner') as HTMLElement;
    expect(overage).toHaveTextContent('Ask your organization owner to buy credits.');
    expect(within(overage).queryByRole('link')).not.toBeInTheDocument();
    const invoice = screen.getByText(/unpaid overage invoice/).closest('.banner') as HTMLElement;
    expect(invoice).toHaveTextContent('Ask your organization owner to pay it');
    expect(within(invoice).queryByRole('link', { name: 'Pay invoice' })).not.toBeInTheDocument();
  });

  it('shows an error state in each section when the server fails', async () => {
    renderApp('/settings/ai-credits', { scenario: 'serverErrors' });
    expect(await screen.findByText("Couldn't load your credit balance")).toBeInTheDocument();
    expect(await screen.findByText("Couldn't load usage history")).toBeInTheDocument();
    expect(await screen.findByText("Couldn't load usage charts")).toBeInTheDocument();
    expect(screen.getAllByRole('alert').length).toBeGreaterThanOrEqual(3);
    expect(screen.getAllByRole('button', { name: 'Try again' }).length).toBeGreaterThanOrEqual(3);
  });

  it('shows the empty state of a new org', async () => {
    renderApp('/settings/ai-credits', { scenario: 'emptyOrg' });
    expect(await screen.findByText('No AI usage yet')).toBeInTheDocument();
    expect(await card('Available Credits')).toHaveTextContent('300 credits');
    expect(await card('This Month Usage')).toHaveTextContent('0 credits');
    expect(await screen.findByText(/No credits used so far/)).toBeInTheDocument();
  });
});
