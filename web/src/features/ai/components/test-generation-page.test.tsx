import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { aiContract } from '@ai-credits/shared/contracts/ai';

import { server } from '@/testing/server';
import { renderApp, serveScenario } from '@/testing/test-utils';

const REQUIREMENT = 'Users can reset their password by email. The reset link expires after 30 minutes.';

beforeEach(() => {
  // A fresh AI store per test (in front of the scenario's handlers).
});

async function fillRequirement(user: ReturnType<typeof renderApp>['user']) {
  const box = await screen.findByRole('textbox', { name: 'Requirement or user story' });
  await user.click(box);
  await user.paste(REQUIREMENT);
}

describe('Test generation page', () => {
  it('shows the cost estimate before running, then the generated test cases and what they cost', async () => {
    const { user } = renderApp('/ai/test-generation');
    expect(await screen.findByRole('heading', { level: 1, name: 'Test generation' })).toBeInTheDocument();
    expect(await screen.findByRole('combobox', { name: 'Project' })).toHaveTextContent('Checkout Web');
    await fillRequirement(user);

    const estimate = await screen.findByText(/^About [\d.,]+ credits$/);
    // The owner scenario has 1,082.5 credits available.
    expect(estimate.closest('p')).toHaveTextContent(/About [\d.,]+ credits; you have 1,082\.5\./);
    expect(screen.getByText('Demo model')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Generate test cases' }));
    const results = await screen.findByRole('article', { name: 'Generated test cases' });
    expect(within(results).getByRole('heading', { name: 'Verify users can reset their password by email' })).toBeInTheDocument();
    expect(within(results).getByRole('heading', { name: 'Verify the reset link expires after 30 minutes' })).toBeInTheDocument();
    expect(within(results).getAllByText('Expected result')).toHaveLength(3);
    expect(screen.getByText(/^Used [\d.,]+ credits \(/)).toHaveTextContent(/with Demo model\. You have [\d.,]+ credits left\./);
  });

  it('shows earlier generated test cases of the project', async () => {
    renderApp('/ai/test-generation');
    const saved = await screen.findByRole('region', { name: 'Saved test cases' });
    expect(await within(saved).findByRole('heading', { name: 'Verify guests cannot apply a coupon at checkout' })).toBeInTheDocument();
    expect(within(saved).getByRole('article', { name: /^From: “As a shopper, I want to save my cart/ })).toBeInTheDocument();
  });

  it('says clearly when AI was turned off, and keeps the form', async () => {
    server.use(
      http.post(`*${aiContract.generateTestCasesStream.path}`, () =>
        HttpResponse.json({ error: { code: 'AI_DISABLED', message: 'AI features are turned off for this organization by its owner' } }, { status: 403 }),
      ),
    );
    const { user } = renderApp('/ai/test-generation');
    await fillRequirement(user);
    await user.click(await screen.findByRole('button', { name: 'Generate test cases' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('AI is turned off');
    expect(alert).toHaveTextContent('AI features are turned off for this organization by its owner');
    expect(alert).toHaveTextContent('Saved results stay readable');
    expect(screen.getByRole('textbox', { name: 'Requirement or user story' })).toHaveValue(REQUIREMENT);
  });

  it.each([
    ['INSUFFICIENT_CREDITS', 'Not enough credits'],
    ['OVERAGE_LIMIT_REACHED', 'Monthly overage limit reached'],
  ])('explains %s', async (code, title) => {
    server.use(http.post(`*${aiContract.generateTestCasesStream.path}`, () => HttpResponse.json({ error: { code, message: 'This needs up to 2.4 credits.' } }, { status: 402 })));
    const { user } = renderApp('/ai/test-generation');
    await fillRequirement(user);
    await user.click(await screen.findByRole('button', { name: 'Generate test cases' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(title);
    // The owner reads "you" and gets the actions (issue 24).
    expect(alert).toHaveTextContent('You can buy credits or raise the monthly overage limit');
    expect(within(alert).getByRole('link', { name: 'Buy credits' })).toHaveAttribute('href', '/settings/ai-credits');
    expect(within(alert).getByRole('link', { name: 'Raise the limit' })).toHaveAttribute('href', '/settings/ai-credits#overage-limit');
  });

  it('names the owner to a member refused by a budget, and gives the owner the way out (issue 24)', async () => {
    const message = 'Not enough credits left for this request: it needs at least 0.9 credits and the monthly budget of the member Maya has 0.1 of 2 credits left. The organization owner can raise the budget in Settings → Budgets.';
    serveScenario('member');
    server.use(http.post(`*${aiContract.generateTestCasesStream.path}`, () => HttpResponse.json({ error: { code: 'BUDGET_REACHED', message } }, { status: 402 })));
    const { user } = renderApp('/ai/test-generation');
    await fillRequirement(user);
    await user.click(await screen.findByRole('button', { name: 'Generate test cases' }));
    const alert = await screen.findByRole('alert');
    await expect.poll(() => alert.textContent).toContain('Olivia Owens (the owner) can raise the budget in Settings → Budgets.');
    expect(within(alert).queryByRole('link')).not.toBeInTheDocument();
  });

  it('tells the owner refused by a budget that they can raise it, with the button', async () => {
    const message = 'Not enough credits left for this request: it needs at least 0.9 credits and the monthly budget of project "Payments" has 0.1 of 2 credits left. The organization owner can raise the budget in Settings → Budgets.';
    server.use(http.post(`*${aiContract.generateTestCasesStream.path}`, () => HttpResponse.json({ error: { code: 'BUDGET_REACHED', message } }, { status: 402 })));
    const { user } = renderApp('/ai/test-generation');
    await fillRequirement(user);
    await user.click(await screen.findByRole('button', { name: 'Generate test cases' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('You can raise the budget in Settings → Budgets.');
    expect(within(alert).getByRole('link', { name: 'Raise the budget' })).toHaveAttribute('href', '/settings/budgets');
  });

  it('shows progress while it runs (the meter, each test case as it is written); Stop keeps the whole ones (issue 22)', async () => {
    // Slow enough to press Stop between two test cases.
    serveScenario('owner', { seed: (store) => void (store.streamDelayMs = 400) });
    const { user } = renderApp('/ai/test-generation');
    await fillRequirement(user);
    await user.click(await screen.findByRole('button', { name: 'Generate test cases' }));

    const meter = await screen.findByLabelText('Credits for this generation');
    expect(await within(meter).findByText(/held until it finishes/)).toBeInTheDocument();
    const progress = screen.getByLabelText('Test cases being written');
    expect(progress).toHaveAttribute('aria-busy', 'true');
    const written = await within(progress).findByRole('list', { name: 'Test cases written so far' });
    expect(within(written).getByText('Verify users can reset their password by email')).toBeInTheDocument();
    expect(progress).toHaveTextContent(/Writing test cases: 1 done so far \([\d,]+ tokens written\)/);
    await user.click(screen.getByRole('button', { name: 'Stop' }));

    expect(await screen.findByText(/^Stopped: the 1 whole test case written by then was kept; you were charged for what was written\./)).toBeInTheDocument();
    const results = screen.getByRole('article', { name: 'Generated test cases' });
    expect(within(results).getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toEqual(['Generated test cases (1) (stopped)', 'Verify users can reset their password by email']);
    expect(screen.getByText(/^Used [\d.,]+ credits \(/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Stop' })).not.toBeInTheDocument();
    // Announced once, finished: not each case as it was written.
    expect(screen.getAllByRole('status').filter((s) => s.textContent === '1 test case generated (stopped).')).toHaveLength(1);
  });

  it('a project with no saved test cases shows one compact line, not an empty "Saved test cases" card (issue 24)', async () => {
    server.use(http.get(`*${aiContract.listTestCases.path}`, () => HttpResponse.json({ generations: [] })));
    renderApp('/ai/test-generation');
    expect(await screen.findByText('No saved test cases in this project yet.')).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Saved test cases' })).not.toBeInTheDocument();
  });
});
