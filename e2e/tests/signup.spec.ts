import { test, expect, uniq, PASSWORD, AI_CREDITS_PATH, expectNoSeriousA11yViolations, mailedLink } from '../fixtures';

test.describe('sign up', () => {
  test('sign up, confirm the address from the emailed link (test mailbox), then a new organization starts with 300 available credits and shows when the period resets', async ({ page }, testInfo) => {
    const suffix = uniq();
    const email = `signup-${suffix}@example.com`;
    await page.goto('/signup');
    await page.getByLabel('Organization name').fill(`Signup Org ${suffix}`);
    await page.getByLabel('Your name').fill(`Signup Owner ${suffix}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create organization' }).click();

    // Nobody is signed in before the address is confirmed (issue 20).
    await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, testInfo, 'signup-check-inbox');
    expect((await page.request.get('/api/auth/session')).status()).toBe(401);
    // No SMTP in e2e: the email is in the test mailbox, with the link.
    await page.getByRole('link', { name: 'Open the test mailbox' }).click();
    const mail = page.getByRole('article', { name: 'Confirm your email address for TestKase' });
    await expect(mail).toBeVisible();
    await expectNoSeriousA11yViolations(page, testInfo, 'dev-mailbox');
    await mail.getByRole('link').click();

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

  test('a taken address gets the same answer, and the holder an email instead of a second account', async ({ signUp, newPage }) => {
    const owner = await signUp({ landOn: null });
    const page = await newPage();
    await page.goto('/signup');
    await page.getByLabel('Organization name').fill('Squat Inc');
    await page.getByLabel('Your name').fill('Mallory');
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill('squatter-password');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
    await page.getByRole('link', { name: 'Open the test mailbox' }).click();
    await expect(page.getByRole('article', { name: 'You already have a TestKase account' })).toBeVisible();
  });

  test('forgot password: the emailed reset link sets a new password, the old one stops working, and sign in works with the new one', async ({ signUp, newPage }, testInfo) => {
    const owner = await signUp({ landOn: null });
    const page = await newPage();
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
    await page.getByLabel('Email').fill(owner.email);
    await page.getByRole('button', { name: 'Email me a reset link' }).click();
    await expect(page.getByRole('status')).toContainText(`We sent an email to ${owner.email}`);

    await page.goto(await mailedLink(page.request, owner.email, 'reset-password'));
    await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
    await expectNoSeriousA11yViolations(page, testInfo, 'reset-password');
    await page.getByLabel('New password').fill('a-brand-new-password');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page.getByRole('heading', { name: 'Password changed' })).toBeVisible();
    // The owner's own session (signed in before the reset) has ended.
    expect((await owner.page.request.get('/api/auth/session')).status()).toBe(401);

    await page.getByRole('link', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await page.getByLabel('Password').fill('a-brand-new-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(new RegExp(`${AI_CREDITS_PATH}$`));
  });
});
