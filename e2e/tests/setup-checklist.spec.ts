import { test, expect, createApiKey, createProject, saveScreenshot, settle } from '../fixtures';

// Issue 24, item 8: a new owner's setup checklist, ticked from what the real BFF holds.
test("the setup checklist ticks each step from the server's state, then can be dismissed", async ({ signUp }, testInfo) => {
  const owner = await signUp();
  const { page, api } = owner;
  const list = page.getByRole('region', { name: 'Set up AI credits' });
  await expect(list).toContainText('0 of 6 steps done.');
  await expect(list.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0');

  // Each step done through the API, as another tab or another admin would.
  const project = await createProject(owner, 'Checklist project');
  expect((await api.post('/api/org/invitations', { email: `mate-${Date.now()}@example.com`, role: 'member' })).status()).toBe(201);
  expect((await api.put('/api/budgets', { subjectType: 'project', subjectId: project.id, limitCredits: 100 })).status()).toBe(200);
  // The default thresholds saved as they are: a save all the same (nothing changed, nothing audited).
  expect((await api.put('/api/alerts/thresholds', { creditPercents: [50, 75, 90, 100], budgetPercents: [90, 100] })).status()).toBe(200);
  expect((await api.put('/api/credits/overage-limit', { limitCredits: 50 })).status()).toBe(200);
  await page.reload();
  await expect(list).toContainText('5 of 6 steps done.');
  for (const step of ['Create a project', 'Invite a member', 'Set a budget', 'Choose alert thresholds', 'Set an overage limit']) {
    await expect(list.getByRole('listitem').filter({ hasText: step })).toContainText('(done)');
  }
  await expect(list.getByRole('listitem').filter({ hasText: 'Create an API key' })).toContainText('(to do)');
  await settle(page);
  await saveScreenshot(page, testInfo, 'setup-checklist-5-of-6', { fullPage: false });

  await createApiKey(owner, 'checklist-key');
  await page.reload();
  await expect(list).toContainText('Every step is done.');
  await list.getByRole('button', { name: 'Dismiss' }).click();
  await expect(list).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('region', { name: 'Available Credits' })).toBeVisible();
  await settle(page);
  await expect(list).toHaveCount(0);
});
