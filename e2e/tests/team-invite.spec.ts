import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, expectNoSeriousA11yViolations, saveScreenshot, settle, uniq } from '../fixtures';

// Issue 11, item 1: the owner invites a member from Settings -> Members; the member opens the
// link from the test-mode mailbox (no SMTP in e2e), creates an account and runs a test generation.
// Axe on each new page; screenshots at 1280 and 390 px.

const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? '';
async function shootBoth(page: Page, testInfo: Parameters<typeof saveScreenshot>[1], name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 1280 ? 800 : 844 });
    await settle(page);
    await saveScreenshot(page, testInfo, `${name}-${width}`, { fullPage: true });
    if (SHOTS_DIR) {
      mkdirSync(SHOTS_DIR, { recursive: true });
      await page.screenshot({ path: `${SHOTS_DIR}/${name}-${width}.png`, fullPage: true, animations: 'disabled' });
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('the owner invites a member who accepts from the emailed link and runs a test generation', async ({ signUp, newPage }, testInfo) => {
  const owner = await signUp();
  const { page } = owner;
  const nav = page.getByRole('navigation', { name: 'Main' });

  await page.getByRole('region', { name: 'Set up AI credits' }).getByRole('link', { name: 'Create a project' }).click();
  await page.getByLabel('Project name').fill('Payments');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('table', { name: 'Active projects' }).getByText('Payments')).toBeVisible();

  await nav.getByRole('link', { name: 'Members' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible();
  const email = `ivy-${uniq()}@example.com`;
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Invitation sent to ${email}` })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Pending invitations' }).getByText(email)).toBeVisible();
  await settle(page);
  await expectNoSeriousA11yViolations(page, testInfo, 'members');
  await shootBoth(page, testInfo, 'members');

  // No SMTP_URL in e2e: the email is in the test-mode mailbox, with the link.
  await nav.getByRole('link', { name: 'Sent emails' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sent emails (test mode)' })).toBeVisible();
  const mail = page.getByRole('article').filter({ hasText: email });
  await expect(mail).toContainText(`invited you to ${owner.orgName} on TestKase`);
  const body = (await mail.locator('pre').textContent()) ?? '';
  const link = /https?:\/\/\S+\/invitations\/accept#token=[A-Za-z0-9_-]+/.exec(body)?.[0];
  expect(link, body).toBeTruthy();
  await settle(page);
  await expectNoSeriousA11yViolations(page, testInfo, 'sent-emails');
  await shootBoth(page, testInfo, 'sent-emails');

  // The invitee, in a browser of their own.
  const invitee = await newPage();
  await invitee.goto(link!);
  await expect(invitee.getByRole('heading', { level: 1, name: `Join ${owner.orgName}` })).toBeVisible();
  await settle(invitee);
  await expectNoSeriousA11yViolations(invitee, testInfo, 'accept-invitation');
  await shootBoth(invitee, testInfo, 'accept-invitation');
  await invitee.getByRole('button', { name: 'Create account and join' }).click();
  await expect(invitee.getByText('Enter your name.')).toBeVisible();
  await invitee.getByLabel('Your name').fill('Ivy Invitee');
  await invitee.getByLabel('Choose a password').fill('ivy-own-password-1');
  await invitee.getByRole('button', { name: 'Create account and join' }).click();
  await expect(invitee).toHaveURL(/\/settings\/ai-credits/);

  // The used link is refused with a clear message.
  const again = await newPage();
  await again.goto(link!);
  await expect(again.getByRole('alert')).toContainText('This invitation was already used');

  await invitee.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Test generation' }).click();
  await expect(invitee.getByRole('combobox', { name: 'Project' })).toContainText('Payments');
  await invitee.getByRole('textbox', { name: 'Requirement or user story' }).fill('A shopper can pay with a saved card. A failed payment shows the reason and keeps the cart.');
  await invitee.getByRole('button', { name: 'Generate test cases' }).click();
  await expect(invitee.getByRole('status').filter({ hasText: /^Used / })).toBeVisible({ timeout: 30_000 });

  // The owner sees the new member, no longer pending.
  await nav.getByRole('link', { name: 'Members' }).click();
  await expect(page.getByRole('table', { name: 'Members' }).getByText('Ivy Invitee', { exact: true })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Members' }).getByLabel('Role of Ivy Invitee')).toHaveValue('member');
  await expect(page.getByText('No pending invitations')).toBeVisible();
});
