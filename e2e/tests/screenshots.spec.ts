import { test, expect, createApiKey, createProject, meterUsage, saveScreenshot, settle } from '../fixtures';

// Screenshots for people to look at (attached to the report and written to test-results/screenshots/).
test.describe('screenshots', () => {
  test('AI Credits page of an owner, desktop 1280x800 and mobile 390px', async ({ signUp, addMember, request }, testInfo) => {
    const owner = await signUp({ landOn: null, orgName: 'Screenshot Org' });
    const member = await addMember('member', { landOn: null, name: 'Maya Member' });
    const alpha = await createProject(owner, 'Checkout revamp');
    const beta = await createProject(owner, 'Mobile app');
    const token = await createApiKey(owner);
    const calls = [
      { useCase: 'test_generation', projectId: alpha.id, userId: member.userId, inputTokens: 12000, outputTokens: 9000 },
      { useCase: 'chat', projectId: alpha.id, userId: owner.userId, inputTokens: 3000, outputTokens: 2000 },
      { useCase: 'report', projectId: beta.id, userId: member.userId, inputTokens: 20000, outputTokens: 6000 },
      { useCase: 'chat', projectId: beta.id, userId: member.userId, inputTokens: 2000, outputTokens: 1500 },
    ] as const;
    for (const call of calls) {
      const res = await meterUsage(request, token, { model: 'demo-model', ...call });
      expect(res.status(), await res.text()).toBe(200);
    }

    const { page } = owner;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/settings/ai-credits');
    await expect(page.getByRole('region', { name: 'Available Credits' })).toBeVisible();
    await settle(page);
    await expect(page.locator('.chart-canvas svg').first()).toBeVisible();
    await saveScreenshot(page, testInfo, 'ai-credits-owner-desktop-1280', { fullPage: false });
    await saveScreenshot(page, testInfo, 'ai-credits-owner-desktop-1280-full');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expect(page.getByRole('region', { name: 'Available Credits' })).toBeVisible();
    await settle(page);
    // Nothing on the page should force horizontal scrolling on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await saveScreenshot(page, testInfo, 'ai-credits-owner-mobile-390', { fullPage: false });
    await saveScreenshot(page, testInfo, 'ai-credits-owner-mobile-390-full');
    expect(overflow, 'horizontal overflow at 390px (px)').toBeLessThanOrEqual(0);
  });
});
