import { test, expect, createApiKey, createProject, creditSummary, meterUsage } from '../fixtures';

// demo-model: 500 mc per 1k input tokens, so 2,000 input tokens = 1 credit.
const credits = (n: number) => ({ useCase: 'chat' as const, model: 'demo-model', inputTokens: n * 2000, outputTokens: 0 });

test.describe('overage', () => {
  test('with a limit set, usage past zero shows the overage banner; past the limit AI refuses with a clear message', async ({ signUp, addMember, request }) => {
    const owner = await signUp();
    const { page } = owner;
    const project = await createProject(owner, 'Overage project');
    const token = await createApiKey(owner);

    // Default limit 0: nothing beyond the balance.
    expect((await creditSummary(owner)).overage.limitMc).toBe(0);

    // Owner sets a 50-credit limit; raising it asks for confirmation with the price.
    const limit = page.getByRole('textbox', { name: 'Monthly overage limit' });
    await limit.fill('50');
    await expect(page.getByText('Up to $20.00 per billing month.')).toBeVisible();
    await page.getByRole('button', { name: 'Save limit' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Allow up to $20.00' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Overage limit saved.' })).toBeVisible();
    expect((await creditSummary(owner)).overage.limitMc).toBe(50_000);

    // Spend the whole balance, then 20 credits more.
    for (const n of [300, 20]) {
      const res = await meterUsage(request, token, { ...credits(n), projectId: project.id, userId: owner.userId });
      expect(res.status(), await res.text()).toBe(200);
    }
    await page.reload();
    await expect(page.getByText('In overage: 20 credits beyond your balance')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText('-20 credits');
    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText('In overage');
    await expect(page.getByRole('region', { name: 'This Month Usage' })).toContainText('320 credits');

    // Use the rest of the limit: now AI is paused.
    const rest = await meterUsage(request, token, { ...credits(30), projectId: project.id, userId: owner.userId });
    expect(rest.status(), await rest.text()).toBe(200);
    const refused = await meterUsage(request, token, { ...credits(1), projectId: project.id });
    expect(refused.ok()).toBe(false);
    expect(await refused.json()).toMatchObject({ error: { code: 'OVERAGE_LIMIT_REACHED' } });

    await page.reload();
    await expect(page.getByText('AI stopped: overage limit reached')).toBeVisible();
    const summary = await creditSummary(owner);
    expect(summary.overage.usedMc).toBe(50_000);
    expect(summary.balanceMc).toBe(-50_000);

    // A member trying an AI feature is refused before any model is called, with a message that says why.
    const member = await addMember('member', { landOn: null });
    const generate = await member.api.post('/api/ai/test-cases/generate', { projectId: project.id, requirement: 'Users can export their data as CSV.' });
    expect(generate.ok()).toBe(false);
    const body = (await generate.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('OVERAGE_LIMIT_REACHED');
    expect(body.error.message).toMatch(/limit/i);
    expect((await creditSummary(owner)).periodUsageMc).toBe(350_000);

    // ... and in the app: the refusal is spelled out, with what the owner can do.
    await member.page.goto('/ai/test-generation');
    await member.page.getByRole('textbox', { name: 'Requirement or user story' }).fill('Users can export their data as CSV from the settings page.');
    await member.page.getByRole('button', { name: 'Generate test cases' }).click();
    const refusal = member.page.getByRole('alert').filter({ hasText: 'Monthly overage limit reached' });
    await expect(refusal).toBeVisible();
    await expect(refusal).toContainText('(the owner) can buy credits or raise the monthly overage limit'); // named (issue 24)
    expect((await creditSummary(owner)).periodUsageMc).toBe(350_000);

    await member.page.goto('/settings/ai-credits');
    await expect(member.page.getByText('AI stopped: overage limit reached')).toBeVisible();
    await expect(member.page.getByText(/Ask your organization owner to buy credits or raise the overage limit/)).toBeVisible();
  });
});
