import { formatCreditsFixed2 } from '@ai-credits/shared/format';
import { test, expect, createProject, creditSummary } from '../fixtures';

interface UsagePage {
  items: { useCase: string; user: { name: string } | null; project: { name: string } | null; chargedMc: number }[];
}

test.describe('AI chat and AI reports', () => {
  test('a member chats and writes a report: both are metered, in the history, and stay readable with AI off', async ({ signUp, addMember }) => {
    const owner = await signUp({ landOn: null });
    const project = await createProject(owner, 'Checkout');
    const member = await addMember('member', { landOn: '/ai/chat' });
    const { page } = member;
    // A report covers the project's test cases: generate some first (through the API).
    const generated = await member.api.post('/api/ai/test-cases/generate', { projectId: project.id, requirement: 'A shopper can apply one coupon code per order at checkout.' });
    expect(generated.status(), await generated.text()).toBe(201);

    // Chat: a message and the assistant's reply, with what it cost.
    await expect(page.getByRole('heading', { level: 1, name: 'AI chat' })).toBeVisible();
    await page.getByRole('textbox', { name: 'Your message' }).fill('Which edge cases should we test for coupon codes at checkout?');
    await page.getByRole('button', { name: 'Send' }).click();
    const messages = page.getByRole('list', { name: 'Messages' });
    await expect(messages.getByRole('listitem')).toHaveCount(2, { timeout: 30_000 });
    await expect(messages.getByRole('listitem').nth(1)).toContainText('Assistant:');
    await expect(page.getByRole('status').filter({ hasText: /^Used / })).toContainText('Demo model');

    // Report over the project's test cases.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'AI reports' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'AI reports' })).toBeVisible();
    await page.getByRole('button', { name: 'Write report' }).click();
    await expect(page.getByRole('status').filter({ hasText: /^Used / })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByRole('region', { name: 'Reports' }).getByRole('article')).toHaveCount(1);

    // Both are in the history, attributed to the member and the project; the balance dropped by their sum.
    const usage = await member.api.json<UsagePage>('/api/credits/usage?limit=10');
    expect(usage.items.map((i) => i.useCase)).toEqual(['report', 'chat', 'test_generation']);
    for (const item of usage.items) expect(item).toMatchObject({ user: { name: member.name }, project: { name: 'Checkout' } });
    const spent = usage.items.reduce((sum, i) => sum + i.chargedMc, 0);
    expect((await creditSummary(owner)).balanceMc).toBe(300_000 - spent);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'AI Credits' }).click();
    const rows = page.getByRole('region', { name: 'Usage history' }).getByRole('table').locator('tbody tr');
    await expect(rows).toHaveCount(3);
    await expect(rows.nth(0).getByRole('cell')).toHaveText([/\d{2}:\d{2}/, 'AI report', member.name, formatCreditsFixed2(usage.items[0]!.chargedMc), 'Checkout']);
    await expect(rows.nth(1).getByRole('cell')).toHaveText([/\d{2}:\d{2}/, 'AI chat', member.name, formatCreditsFixed2(usage.items[1]!.chargedMc), 'Checkout']);

    // AI off: what was generated stays readable through the API.
    expect((await owner.api.put('/api/credits/ai', { enabled: false })).status()).toBe(200);
    const reports = await member.api.json<{ reports: unknown[] }>(`/api/ai/reports?projectId=${project.id}`);
    expect(reports.reports).toHaveLength(1);
    const conversations = await member.api.json<{ conversations: { id: string }[] }>(`/api/ai/conversations?projectId=${project.id}`);
    expect(conversations.conversations).toHaveLength(1);
    const conversation = await member.api.json<{ messages: unknown[] }>(`/api/ai/conversations/${conversations.conversations[0]!.id}`);
    expect(conversation.messages).toHaveLength(2);
    const refused = await member.api.post('/api/ai/reports', { projectId: project.id });
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'AI_DISABLED' } });
  });
});
