import { formatCreditsFixed2 } from '@ai-credits/shared/format';
import { test, expect, createProject, expectNoSeriousA11yViolations } from '../fixtures';

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
    // The bubbles are a list for screen readers, not numbered on screen (issue 24: they showed "1.", "2.").
    await expect(messages.getByRole('listitem').first()).toHaveCSS('list-style-type', 'none');

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

test.describe('streamed reports and test generation progress (issue 22)', () => {
  test('a member sees generation progress, streams a report and stops it midway: saved marked stopped, charged what was written', async ({ signUp, addMember }, testInfo) => {
    const owner = await signUp({ landOn: null });
    const project = await createProject(owner, 'Checkout');
    const member = await addMember('member', { landOn: '/ai/reports' });
    const { page } = member;

    // No test cases yet: nothing to report on, said up front (issue 24: it answered 409 "The request failed").
    await expect(page.getByRole('heading', { level: 1, name: 'AI reports' })).toBeVisible();
    await expect(page.getByText(/This project has no test cases yet, so there is nothing to report on/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Write report' })).toBeDisabled();

    // Test generation shows its progress: the meter and each test case as it is written.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Test generation' }).click();
    await page
      .getByRole('textbox', { name: 'Requirement or user story' })
      .fill('A shopper can apply one coupon code per order at checkout. Expired coupons are rejected with a message. A guest cannot save a cart. Refunds go back to the original card.');
    await page.getByRole('button', { name: 'Generate test cases' }).click();
    await expect(page.getByLabel('Credits for this generation')).toContainText(/Credits so far: [\d.,]+/);
    await expect(page.getByLabel('Test cases being written')).toContainText(/Writing test cases: [1-9]\d* done so far/, { timeout: 30_000 });
    await expectNoSeriousA11yViolations(page, testInfo, 'test-generation-progress');
    await expect(page.getByRole('status').filter({ hasText: /^Used / })).toBeVisible({ timeout: 30_000 });
    const generated = page.getByRole('article', { name: 'Generated test cases' });
    await expect(generated.getByRole('heading', { level: 3 }).nth(1)).toBeVisible();

    // The report streams; Stop once its first words are on screen.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'AI reports' }).click();
    await page.getByRole('button', { name: 'Write report' }).click();
    await expect(page.getByLabel('Credits for this report')).toContainText(/held until it finishes/);
    await expect(page.getByLabel('Report being written')).toContainText(/test cases? across/, { timeout: 30_000 });
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(page.getByText('The report was stopped; you were charged for what was written. It is saved below.')).toBeVisible({ timeout: 15_000 });
    const saved = page.getByRole('region', { name: 'Reports' }).getByRole('article');
    await expect(saved).toHaveCount(1);
    await expect(saved.first()).toContainText('(stopped)');
    await expectNoSeriousA11yViolations(page, testInfo, 'report-stopped');

    // Saved and charged as such: the report marked stopped, its history row charged for what it wrote.
    const reports = await member.api.json<{ reports: { stopped: boolean; summary: string }[] }>(`/api/ai/reports?projectId=${project.id}`);
    expect(reports.reports.map((r) => r.stopped)).toEqual([true]);
    expect(reports.reports[0]!.summary.length).toBeGreaterThan(0);
    const usage = await member.api.json<UsagePage>('/api/credits/usage?limit=10');
    expect(usage.items.map((i) => i.useCase)).toEqual(['report', 'test_generation']);
    expect(usage.items[0]!.outputTokens).toBeGreaterThan(0);
    expect(usage.items[0]!.chargedMc).toBeGreaterThan(0);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'AI Credits' }).click();
    const rows = page.getByRole('region', { name: 'Usage history' }).getByRole('table').locator('tbody tr');
    await expect(rows.nth(0).getByRole('cell')).toHaveText([/\d{2}:\d{2}/, 'AI report', member.name, formatCreditsFixed2(usage.items[0]!.chargedMc), 'Checkout']);
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
