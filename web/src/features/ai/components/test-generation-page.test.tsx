import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { aiContract } from '@ai-credits/shared/contracts/ai';

import { server } from '@/testing/server';
import { renderApp } from '@/testing/test-utils';

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
      http.post(`*${aiContract.generateTestCases.path}`, () =>
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
    server.use(http.post(`*${aiContract.generateTestCases.path}`, () => HttpResponse.json({ error: { code, message: 'This needs up to 2.4 credits.' } }, { status: 402 })));
    const { user } = renderApp('/ai/test-generation');
    await fillRequirement(user);
    await user.click(await screen.findByRole('button', { name: 'Generate test cases' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(title);
    expect(alert).toHaveTextContent('The owner can buy credits or raise the monthly overage limit');
  });
});
