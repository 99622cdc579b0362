import { test, expect, createApiKey, createProject, expectNoSeriousA11yViolations, meterUsage, saveScreenshot, settle } from '../fixtures';

// Issue 24 proof (items 4 and 5): a member with a 2-credit budget runs a chat that fits what is
// left, is later refused with the owner named and "Ask for more", and the owner receives the
// request in the bell and in the sent emails; the alerts of the budget arrive merged, "AI stopped
// for Mia" first.

interface BudgetList {
  budgets: { subjectType: string; subjectId: string; limitMc: number; usedMc: number }[];
}

test.describe('refusals with a way out', () => {
  test('a member refused by her 2-credit budget asks for more; the owner gets it in the bell and by email', async ({ signUp, addMember, request }, testInfo) => {
    const owner = await signUp({ landOn: null, name: 'Olivia Owner' });
    const project = await createProject(owner, 'Checkout');
    const member = await addMember('member', { landOn: null, name: 'Mia Member' });
    expect((await owner.api.put('/api/budgets', { subjectType: 'user', subjectId: member.userId, limitCredits: 2 })).status()).toBe(200);

    // A chat that fits what is left runs.
    const { page } = member;
    await page.goto('/ai/chat');
    await expect(page.getByRole('heading', { level: 1, name: 'AI chat' })).toBeVisible();
    const box = page.getByRole('textbox', { name: 'Your message' });
    await box.fill('Which edge cases should we test for coupon codes?');
    await box.press('Enter');
    await expect(page.getByRole('status').filter({ hasText: /^Used / })).toContainText('Demo model', { timeout: 30_000 });

    // More of her budget is used through the metering API (the owner's key, on her behalf): a tenth of a credit is left.
    const used = (await owner.api.json<BudgetList>('/api/budgets')).budgets.find((b) => b.subjectId === member.userId)!.usedMc;
    const token = await createApiKey(owner);
    // demo-model input: 0.5 millicredits a token.
    const res = await meterUsage(request, token, { useCase: 'chat', model: 'demo-model', inputTokens: (2_000 - 100 - used) * 2, outputTokens: 0, projectId: project.id, userId: member.userId });
    expect(res.status(), await res.text()).toBe(200);

    // The next chat is refused: the owner is named, and Mia can ask for more.
    await box.fill('And for gift cards?');
    await box.press('Enter');
    const refusal = page.getByRole('alert').filter({ hasText: 'Monthly budget reached' });
    await expect(refusal).toBeVisible({ timeout: 30_000 });
    await expect(refusal).toContainText('Olivia Owner (the owner) can raise the budget in Settings → Budgets.');
    await expect(refusal).not.toContainText('The organization owner');
    await expect(refusal.getByRole('link', { name: /Buy credits|Raise/ })).toHaveCount(0);
    await settle(page);
    await expectNoSeriousA11yViolations(page, testInfo, 'refusal-member');
    await saveScreenshot(page, testInfo, 'refusal-ask-for-more-member-1280', { fullPage: false });
    await refusal.getByRole('button', { name: 'Ask for more' }).click();
    await expect(refusal).toContainText(/Request sent to Olivia Owner \(the owner\) on .+ UTC\. They get a notification and an email\./);
    await expect(refusal.getByRole('button', { name: 'Asked for more' })).toBeDisabled();
    // Once a day: the server says so to a second request.
    const again = await member.api.post('/api/notifications/ask-for-more', { limit: 'member_budget' });
    expect(((await again.json()) as { status: string }).status).toBe('already_sent');
    await page.setViewportSize({ width: 390, height: 844 });
    await settle(page);
    await refusal.scrollIntoViewIfNeeded();
    await saveScreenshot(page, testInfo, 'refusal-ask-for-more-member-390', { fullPage: false });

    // The owner: the request and the merged budget alerts in the bell, and the emails.
    const ownerPage = owner.page;
    await ownerPage.goto('/settings/ai-credits');
    await ownerPage.getByRole('button', { name: /^Notifications, \d+ unread$/ }).click();
    const panel = ownerPage.getByRole('dialog', { name: 'Notifications' });
    const asked = panel.getByRole('listitem').filter({ hasText: 'Mia Member asks for more credits' });
    await expect(asked).toContainText("Mia Member's AI requests are refused: their monthly budget is reached. You can raise the budget in Settings → Budgets.");
    await expect(asked.getByRole('link', { name: 'Review limits' })).toHaveAttribute('href', '/settings/budgets');
    const alerts = panel.getByRole('listitem').filter({ hasText: 'AI stopped for Mia Member: member budget reached' });
    await expect(alerts).toHaveCount(1);
    await expect(alerts).toContainText('Mia Member has used 100% of their monthly budget');
    await expect(alerts).toContainText('Mia Member has used 90% of their monthly budget');
    await expect(alerts).toContainText(/Limits reset .+ UTC/);
    await expectNoSeriousA11yViolations(ownerPage, testInfo, 'bell-owner-merged');
    await saveScreenshot(ownerPage, testInfo, 'bell-ask-for-more-owner-1280', { fullPage: false });
    await ownerPage.keyboard.press('Escape');

    await ownerPage.goto('/settings/emails');
    await expect(ownerPage.getByRole('heading', { level: 1, name: 'Sent emails (test mode)' })).toBeVisible();
    await expect(ownerPage.getByRole('article').filter({ hasText: 'Mia Member asks for more credits' })).toHaveCount(1);
    await expect(ownerPage.getByRole('article').filter({ hasText: 'AI stopped for Mia Member: member budget reached' })).toHaveCount(1);

    // Mia reads her own alert in the second person.
    const mine = await member.api.json<{ notifications: { title: string; body: string }[] }>('/api/notifications');
    expect(mine.notifications.map((n) => n.title)).toEqual([expect.stringMatching(/^AI stopped for you: your monthly budget is reached/)]);
    expect(mine.notifications[0]!.body).toContain('You have used 100% of your monthly budget');
  });
});
