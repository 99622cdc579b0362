import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiContract } from '@ai-credits/shared/contracts/ai';
import { server } from '@/testing/server';
import { renderApp, serveScenario } from '@/testing/test-utils';

// Issue 24 item 5: a refusal names who can raise the limit and offers a way out: "Ask for more"
// for a member or an admin (the owner and the admins are notified, once per limit per day), Buy
// credits / Raise the limit for the owner.
const saved = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'Asia/Kolkata';
});
afterAll(() => {
  process.env.TZ = saved;
});

const MEMBER_BUDGET = 'Not enough credits left for this request: it needs at least 0.3 credits and the monthly budget of the member Maya Lopez has 0.1 of 2 credits left. The organization owner can raise the budget in Settings → Budgets.';
const refuse = (code: string, message: string) => server.use(http.post(`*${aiContract.generateTestCasesStream.path}`, () => HttpResponse.json({ error: { code, message } }, { status: 402 })));

async function generate(user: ReturnType<typeof renderApp>['user']) {
  const box = await screen.findByRole('textbox', { name: 'Requirement or user story' });
  await user.click(box);
  await user.paste('Users can reset their password by email. The reset link expires after 30 minutes.');
  await user.click(await screen.findByRole('button', { name: 'Generate test cases' }));
  return screen.findByRole('alert');
}

describe('refusals with a way out', () => {
  it('a member refused by her budget reads the owner\'s name and asks for more: sent once, the second time it says it was already sent', async () => {
    serveScenario('member', { now: new Date('2026-11-20T17:22:00Z') });
    refuse('BUDGET_REACHED', MEMBER_BUDGET);
    const { user } = renderApp('/ai/test-generation');
    const alert = await generate(user);
    await expect.poll(() => alert.textContent).toContain('Olivia Owens (the owner) can raise the budget in Settings → Budgets.');
    expect(within(alert).queryByRole('link', { name: /Buy credits|Raise/ })).not.toBeInTheDocument();
    await user.click(within(alert).getByRole('button', { name: 'Ask for more' }));
    // 17:22 UTC is 22:52 in India.
    expect(await within(alert).findByText('Request sent to Olivia Owens (the owner) and an admin on Nov 20, 2026, 22:52 GMT+5:30. They get a notification and an email.')).toBeInTheDocument();
    expect(within(alert).getByRole('button', { name: 'Asked for more' })).toBeDisabled();

    // Refused again: a new banner, and the server says the request went out already today.
    await user.click(screen.getByRole('button', { name: 'Generate test cases' }));
    const again = await screen.findByRole('button', { name: 'Ask for more' });
    await user.click(again);
    expect(await screen.findByText(/^You already asked today, on Nov 20, 2026, 22:52 GMT\+5:30; Olivia Owens \(the owner\) and an admin got it\./)).toBeInTheDocument();
  });

  it('a member refused by a project budget asks about that project; out of credits, about the credits', async () => {
    serveScenario('member');
    refuse('BUDGET_REACHED', 'Not enough credits left for this request: it needs at least 0.3 credits and the monthly budget of project "Checkout Web" has 0 of 5 credits left. The organization owner can raise the budget in Settings → Budgets.');
    const { user } = renderApp('/ai/test-generation');
    const alert = await generate(user);
    await user.click(await within(alert).findByRole('button', { name: 'Ask for more' }));
    expect(await within(alert).findByText(/^Request sent to Olivia Owens \(the owner\) and an admin/)).toBeInTheDocument();
  });

  it('an admin refused for lack of credits reads who can buy and can ask for more, with no Buy button she could not use', async () => {
    serveScenario('admin');
    refuse('INSUFFICIENT_CREDITS', 'Not enough credits left for this request: it needs at least 0.3 credits and the organization has 0 available. The organization owner can buy credits or allow overage.');
    const { user } = renderApp('/ai/test-generation');
    const alert = await generate(user);
    await expect.poll(() => alert.textContent).toContain('Olivia Owens (the owner) can buy credits or allow overage.');
    expect(within(alert).queryByRole('link', { name: 'Buy credits' })).not.toBeInTheDocument();
    await user.click(within(alert).getByRole('button', { name: 'Ask for more' }));
    // The admin is not told about herself: only the owner receives it.
    expect(await within(alert).findByText(/^Request sent to Olivia Owens \(the owner\) on /)).toBeInTheDocument();
  });

  it('the owner refused by the overage limit reads "You can" and gets Buy credits and Raise the limit, not "Ask for more"', async () => {
    serveScenario('owner');
    refuse('OVERAGE_LIMIT_REACHED', 'Not enough credits left for this request: it needs at least 0.3 credits and 0.1 are left under the monthly overage limit of 150 credits. The organization owner can raise the limit or buy credits.');
    const { user } = renderApp('/ai/test-generation');
    const alert = await generate(user);
    expect(alert).toHaveTextContent('You can raise the limit or buy credits.');
    expect(alert).not.toHaveTextContent('The organization owner');
    expect(within(alert).getByRole('link', { name: 'Buy credits' })).toHaveAttribute('href', '/settings/ai-credits');
    expect(within(alert).getByRole('link', { name: 'Raise the limit' })).toHaveAttribute('href', '/settings/ai-credits#overage-limit');
    expect(within(alert).queryByRole('button', { name: 'Ask for more' })).not.toBeInTheDocument();
  });

  it('the owner reads "You can" where the server named her', async () => {
    serveScenario('owner');
    refuse('BUDGET_REACHED', MEMBER_BUDGET.replace('The organization owner can', 'Olivia Owens (the owner) can'));
    const { user } = renderApp('/ai/test-generation');
    const alert = await generate(user);
    await expect.poll(() => alert.textContent).toContain('You can raise the budget in Settings → Budgets.');
    expect(alert).not.toHaveTextContent('(the owner)');
    expect(within(alert).getByRole('link', { name: 'Raise the budget' })).toHaveAttribute('href', '/settings/budgets');
  });
});

describe('the estimate says up front who can raise the budget', () => {
  it('a member whose budget is used up reads the owner\'s name before she runs anything', async () => {
    serveScenario('member', {
      seed: (db) => {
        const maya = db.members.find((m) => m.name === 'Maya Lopez')!;
        db.budgets = [{ subjectType: 'user', subjectId: maya.userId, limitMc: 1 }];
      },
    });
    const { user } = renderApp('/ai/test-generation');
    const box = await screen.findByRole('textbox', { name: 'Requirement or user story' });
    await user.click(box);
    await user.paste('Users can reset their password by email. The reset link expires after 30 minutes.');
    expect(await screen.findByText('This would pass your monthly budget. Olivia Owens (the owner) can raise it in Settings → Budgets.')).toBeInTheDocument();
  });
});
