import { test, expect, uniq, PASSWORD, AI_CREDITS_PATH } from '../fixtures';

test.describe('sign up', () => {
  test('a new organization starts with 300 available credits, no usage this month, and shows when the period resets', async ({ page }) => {
    const suffix = uniq();
    await page.goto('/signup');
    await page.getByLabel('Organization name').fill(`Signup Org ${suffix}`);
    await page.getByLabel('Your name').fill(`Signup Owner ${suffix}`);
    await page.getByLabel('Email').fill(`signup-${suffix}@example.com`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create organization' }).click();

    await expect(page).toHaveURL(new RegExp(`${AI_CREDITS_PATH}$`));
    await expect(page.getByRole('heading', { level: 1, name: 'AI Credits' })).toBeVisible();

    const available = page.getByRole('region', { name: 'Available Credits' });
    await expect(available).toContainText(/(^|\D)300 credits/);
    const usage = page.getByRole('region', { name: 'This Month Usage' });
    await expect(usage).toContainText(/(^|\D)0 credits/);

    // The period ends one month after the org's creation (UTC) and the page says so, with the time zone.
    const summary = (await (await page.request.get('/api/credits/summary')).json()) as { period: { end: string } };
    const reset = usage.locator(`time[datetime="${summary.period.end}"]`);
    await expect(reset).toBeVisible();
    const endDay = new Date(summary.period.end).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
    await expect(usage).toContainText(endDay);
    await expect(usage).toContainText(/Resets .* UTC/);

    await expect(page.getByRole('banner')).toContainText(`Signup Org ${suffix}`);
  });

  test('sign in with the new account lands on AI Credits; a wrong password is refused with a message', async ({ signUp, newPage }) => {
    const owner = await signUp({ landOn: null });
    const page = await newPage();
    await page.goto('/login');
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expect(page).toHaveURL(/\/login/);

    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(new RegExp(`${AI_CREDITS_PATH}$`));
    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText('300 credits');
  });
});
