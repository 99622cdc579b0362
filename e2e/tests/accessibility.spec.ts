import { test, expect, createApiKey, createProject, expectNoSeriousA11yViolations, meterUsage, settle, type Owner } from '../fixtures';
import type { APIRequestContext } from '@playwright/test';

/** Usage of every use case, so the history table and every chart have data. */
async function someUsage(owner: Owner, request: APIRequestContext): Promise<void> {
  const project = await createProject(owner);
  const token = await createApiKey(owner);
  for (const useCase of ['test_generation', 'chat', 'report'] as const) {
    const res = await meterUsage(request, token, { useCase, model: 'demo-model', inputTokens: 4000, outputTokens: 2000, projectId: project.id, userId: owner.userId });
    expect(res.status(), await res.text()).toBe(200);
  }
}

test.describe('accessibility (axe: no serious or critical WCAG 2.x A/AA violation)', () => {
  test('login and signup pages', async ({ page }, testInfo) => {
    await page.goto('/login');
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, testInfo, 'login');

    await page.getByRole('link', { name: 'Create an organization' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Create your organization' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, testInfo, 'signup');
    // Validation errors are shown and still accessible.
    await page.getByRole('button', { name: 'Create organization' }).click();
    await expect(page.getByText('Enter a valid email address')).toBeVisible();
    await expectNoSeriousA11yViolations(page, testInfo, 'signup-errors');
  });

  test('AI Credits page: owner with usage, and member', async ({ signUp, addMember, request }, testInfo) => {
    const owner = await signUp({ landOn: null });
    await someUsage(owner, request);
    const { page } = owner;
    await page.goto('/settings/ai-credits');
    await expect(page.getByRole('heading', { level: 1, name: 'AI Credits' })).toBeVisible();
    await settle(page);
    await expect(page.locator('.chart-canvas svg').first()).toBeVisible();
    await expectNoSeriousA11yViolations(page, testInfo, 'ai-credits-owner');

    const member = await addMember('member');
    await expect(member.page.getByRole('heading', { level: 1, name: 'AI Credits' })).toBeVisible();
    await settle(member.page);
    await expectNoSeriousA11yViolations(member.page, testInfo, 'ai-credits-member');
  });

  // The chart graphics are aria-hidden (their numbers are in the data tables), so nothing inside
  // may take focus: Recharts' keyboard accessibility layer is turned off for them.
  test('AI Credits charts: no focusable content inside the aria-hidden chart graphics', async ({ signUp, request }, testInfo) => {
    const owner = await signUp({ landOn: null });
    await someUsage(owner, request);
    const { page } = owner;
    await page.goto('/settings/ai-credits');
    await settle(page);
    await expect(page.locator('.chart-canvas svg').first()).toBeVisible();
    await expectNoSeriousA11yViolations(page, testInfo, 'ai-credits-charts');
  });

  test('Plans & Billing with a purchase, and the purchase dialogs', async ({ signUp }, testInfo) => {
    const owner = await signUp({ landOn: '/settings/billing' });
    const { page } = owner;
    await expect(page.getByRole('heading', { level: 1, name: 'Plans & Billing' })).toBeVisible();
    await settle(page);
    await expectNoSeriousA11yViolations(page, testInfo, 'plans-billing-empty');

    await page.getByRole('button', { name: 'Buy Credits' }).click();
    const picker = page.getByRole('dialog', { name: 'Buy credits' });
    await expect(picker).toBeVisible();
    await expectNoSeriousA11yViolations(page, testInfo, 'purchase-dialog');
    await picker.getByRole('button', { name: /Continue to payment/ }).click();
    const checkout = page.getByRole('dialog', { name: /Checkout/ });
    await expect(checkout).toBeVisible();
    await expectNoSeriousA11yViolations(page, testInfo, 'sandbox-checkout');
    await checkout.getByRole('button', { name: 'Pay (success)' }).click();
    await expect(page.getByRole('table', { name: 'Purchases' }).getByRole('link', { name: 'Receipt' })).toBeVisible();
    await settle(page);
    await expectNoSeriousA11yViolations(page, testInfo, 'plans-billing-with-purchase');
  });

  test('AI feature pages', async ({ signUp }, testInfo) => {
    const owner = await signUp({ landOn: null });
    await createProject(owner, 'A11y project');
    const { page } = owner;
    for (const [path, heading] of [
      ['/ai/test-generation', 'Test generation'],
      ['/ai/chat', 'AI chat'],
      ['/ai/reports', 'AI reports'],
      ['/settings/api-keys', 'API keys'],
    ] as const) {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      await settle(page);
      await expectNoSeriousA11yViolations(page, testInfo, path.split('/').at(-1)!);
    }
  });
});
