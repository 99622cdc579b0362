import { creditsUnit, formatCredits, formatCreditsAvailable, formatCreditsFixed2, formatCreditsUsed, withCreditsUnit } from '@ai-credits/shared/format';
import { test, expect, createProject, creditSummary } from '../fixtures';

interface UsagePage {
  items: { useCase: string; user: { id: string; name: string } | null; project: { id: string; name: string } | null; chargedMc: number; source: string }[];
}

test.describe('AI test case generation', () => {
  test('a member generates test cases: history shows the row and the balance drops by exactly its credits', async ({ signUp, addMember }) => {
    const owner = await signUp({ landOn: null });
    await createProject(owner, 'Onboarding');
    const project = await createProject(owner, 'Payments');
    const member = await addMember('member', { landOn: '/ai/test-generation' });
    const { page } = member;
    const before = await creditSummary(owner);
    expect(before.balanceMc).toBe(300_000);

    await expect(page.getByRole('heading', { level: 1, name: 'Test generation' })).toBeVisible();
    await page.getByRole('combobox', { name: 'Project' }).click();
    await page.getByRole('option', { name: 'Payments' }).click();
    await expect(page.getByRole('combobox', { name: 'Project' })).toContainText('Payments');
    await page
      .getByRole('textbox', { name: 'Requirement or user story' })
      .fill('A shopper can pay with a saved card. A failed payment shows the reason and keeps the cart. Refunds go back to the original card.');
    await expect(page.getByRole('status').filter({ hasText: /About [\d.,]+ credits/ })).toBeVisible();
    await page.getByRole('button', { name: 'Generate test cases' }).click();

    const summary = page.getByRole('status').filter({ hasText: /^Used / });
    await expect(summary).toBeVisible({ timeout: 30_000 });
    await expect(summary).toContainText('Demo model');
    const results = page.getByRole('article', { name: 'Generated test cases' });
    await expect(results.getByRole('heading', { level: 3 }).nth(1)).toBeVisible();

    // The charge, as the history records it.
    const usage = await member.api.json<UsagePage>('/api/credits/usage?limit=5');
    expect(usage.items).toHaveLength(1);
    const row = usage.items[0]!;
    expect(row).toMatchObject({ useCase: 'test_generation', user: { id: member.userId, name: member.name }, project: { id: project.id, name: 'Payments' }, source: 'app' });
    expect(row.chargedMc).toBeGreaterThan(0);
    await expect(summary).toContainText(`Used ${withCreditsUnit(formatCredits(row.chargedMc))}`);
    await expect(summary).toContainText(`You have ${formatCredits(300_000 - row.chargedMc)} credits left`);

    // The balance dropped by exactly that amount; nothing is left reserved.
    const after = await creditSummary(owner);
    expect(after.balanceMc).toBe(before.balanceMc - row.chargedMc);
    expect(after.reservedMc).toBe(0);
    expect(after.periodUsageMc).toBe(row.chargedMc);

    // Dashboard: the row (use case, user, credits, project) and the cards.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'AI Credits' }).click();
    const history = page.getByRole('region', { name: 'Usage history' });
    const first = history.getByRole('table').locator('tbody tr').first();
    await expect(first.getByRole('cell')).toHaveText([/\d{2}:\d{2}/, 'Test generation', member.name, formatCreditsFixed2(row.chargedMc), 'Payments']);
    await expect(history.getByRole('table').locator('tbody tr')).toHaveCount(1);
    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText(`${formatCreditsAvailable(after.balanceMc)} ${creditsUnit(formatCreditsAvailable(after.balanceMc))}`);
    await expect(page.getByRole('region', { name: 'This Month Usage' })).toContainText(`${formatCreditsUsed(row.chargedMc)} ${creditsUnit(formatCreditsUsed(row.chargedMc))}`);

    // The generated test cases are saved to the project.
    await page.goto('/ai/test-generation');
    await page.getByRole('combobox', { name: 'Project' }).click();
    await page.getByRole('option', { name: 'Payments' }).click();
    await expect(page.getByRole('region', { name: 'Saved test cases' }).getByRole('article')).toHaveCount(1);
  });
});
