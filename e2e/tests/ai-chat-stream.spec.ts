import { formatCreditsFixed2 } from '@ai-credits/shared/format';
import { test, expect, createProject } from '../fixtures';

interface UsagePage {
  items: { useCase: string; chargedMc: number; inputTokens: number; outputTokens: number }[];
}
interface ConversationPage {
  messages: { role: string; content: string; stopped: boolean }[];
}

test.describe('streamed chat answers (ADR 026)', () => {
  test('a member streams an answer with a live meter, stops one midway, and sees the partial charge in the history', async ({ signUp, addMember }) => {
    const owner = await signUp({ landOn: null });
    const project = await createProject(owner, 'Checkout');
    const member = await addMember('member', { landOn: '/ai/chat' });
    const { page } = member;
    await expect(page.getByRole('heading', { level: 1, name: 'AI chat' })).toBeVisible();
    const box = page.getByRole('textbox', { name: 'Your message' });
    const messages = page.getByRole('list', { name: 'Messages' });

    // One answer to the end: the text grows while the meter counts, then the run's summary.
    await box.fill('Which edge cases should we test for coupon codes at checkout?');
    await box.press('Enter');
    const meter = page.getByLabel('Credits for this answer');
    await expect(meter).toContainText(/Credits so far: [\d.,]+/);
    await expect(meter).toContainText(/held until it finishes/);
    await expect(page.getByRole('status').filter({ hasText: /^Used / })).toContainText('Demo model', { timeout: 30_000 });
    await expect(page.getByRole('button', { name: 'Stop' })).toHaveCount(0);

    // The next one is stopped once its first words are on screen.
    await box.fill('How do I write a good bug report?');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(messages.getByRole('listitem').last()).toContainText(/For Checkout|Following up/);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(page.getByText('The answer was stopped; you were charged for what was written.')).toBeVisible({ timeout: 15_000 });
    await expect(messages.getByText('(stopped)')).toHaveCount(1);

    const conversations = await member.api.json<{ conversations: { id: string }[] }>(`/api/ai/conversations?projectId=${project.id}`);
    const conversation = await member.api.json<ConversationPage>(`/api/ai/conversations/${conversations.conversations[0]!.id}`);
    expect(conversation.messages.map((m) => [m.role, m.stopped])).toEqual([
      ['user', false],
      ['assistant', false],
      ['user', false],
      ['assistant', true],
    ]);
    const [full, partial] = [conversation.messages[1]!, conversation.messages[3]!];
    expect(partial.content.length).toBeGreaterThan(0);
    expect(partial.content).not.toContain('(Answered by the offline demo model.)');
    expect(full.content).toContain('(Answered by the offline demo model.)');

    // The history: two chat rows, the stopped one charged for the words it wrote.
    const usage = await member.api.json<UsagePage>('/api/credits/usage?limit=10');
    expect(usage.items.map((i) => i.useCase)).toEqual(['chat', 'chat']);
    const [stoppedRow, fullRow] = usage.items;
    expect(stoppedRow!.outputTokens).toBeLessThan(fullRow!.outputTokens);
    expect(stoppedRow!.chargedMc).toBeGreaterThan(0);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'AI Credits' }).click();
    const rows = page.getByRole('region', { name: 'Usage history' }).getByRole('table').locator('tbody tr');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0).getByRole('cell')).toHaveText([/\d{2}:\d{2}/, 'AI chat', member.name, formatCreditsFixed2(stoppedRow!.chargedMc), 'Checkout']);
  });
});

test.describe('developer path (issue 22)', () => {
  test('the API reference renders from the OpenAPI document, with nothing loaded from another origin', async ({ page }) => {
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(new URL(page.url() === 'about:blank' ? r.url() : page.url()).origin)) foreign.push(r.url());
    });
    await page.goto('/api/docs');
    await expect(page.getByRole('heading', { name: /AI Credits API/ })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByText('/api/v1/metering/record').first()).toBeVisible();
    expect(foreign).toEqual([]);
  });
});
