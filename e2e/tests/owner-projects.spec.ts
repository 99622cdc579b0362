import { mkdirSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, createApiKey, createProject, expectNoSeriousA11yViolations, meterUsage, saveScreenshot, settle } from '../fixtures';

// Issue 11: a new owner's next step, Settings -> Projects, the audit log, history basics,
// AI off keeping saved work readable; axe on each new page; screenshots at 1280 and 390 px.

/** Screenshots also go to a folder outside the tree for people to look at (E2E_SHOTS_DIR). */
const SHOTS_DIR = process.env.E2E_SHOTS_DIR ?? '';
async function shoot(page: Page, testInfo: Parameters<typeof saveScreenshot>[1], name: string): Promise<void> {
  await saveScreenshot(page, testInfo, name);
  if (SHOTS_DIR) {
    mkdirSync(SHOTS_DIR, { recursive: true });
    await page.screenshot({ path: `${SHOTS_DIR}/${name}.png`, fullPage: true, animations: 'disabled' });
  }
}

test.describe('owner runs projects', () => {
  test('a new owner is told the next step, creates, renames and archives a project; the audit log shows each change', async ({ signUp }, testInfo) => {
    const owner = await signUp();
    const { page } = owner;
    const steps = page.getByRole('region', { name: 'Set up AI credits' });
    await expect(steps).toContainText('0 of 6 steps done.');
    await expect(steps).toContainText('Invite a member');
    await steps.getByRole('link', { name: 'Create a project' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Projects' })).toBeVisible();
    await settle(page);
    await expectNoSeriousA11yViolations(page, testInfo, 'projects-empty');

    // Bad input is refused in the form (and by the server: bff/test/projects.test.ts).
    await page.getByRole('button', { name: 'Create project' }).click();
    await expect(page.getByText('Enter a project name.')).toBeVisible();
    await page.getByLabel('Project name').fill('Checkout revamp');
    await page.getByRole('button', { name: 'Create project' }).click();
    const active = page.getByRole('table', { name: 'Active projects' });
    await expect(active.getByText('Checkout revamp')).toBeVisible();

    // The AI pages now have a project to work in.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Test generation' }).click();
    await expect(page.getByRole('combobox', { name: 'Project' })).toContainText('Checkout revamp');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('button', { name: 'Rename Checkout revamp' }).click();
    await page.getByLabel('New name for Checkout revamp').fill('Checkout web');
    await page.getByLabel('New name for Checkout revamp').press('Enter');
    await expect(active.getByText('Checkout web')).toBeVisible();
    await page.getByRole('button', { name: 'Archive Checkout web' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Archive “Checkout web”?' });
    await expectNoSeriousA11yViolations(page, testInfo, 'projects-archive-dialog');
    await dialog.getByRole('button', { name: 'Archive project' }).click();
    await expect(page.getByRole('table', { name: 'Archived projects' }).getByText('Checkout web')).toBeVisible();
    await settle(page);
    await expectNoSeriousA11yViolations(page, testInfo, 'projects');

    // The archived project's page is read-only.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Test generation' }).click();
    await expect(page.getByText('This project is archived: its saved work is read-only')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Generate test cases' })).toHaveCount(0);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    const log = page.getByRole('table', { name: 'Audit log, newest first' });
    await expect(log).toContainText('Project archived');
    await expect(log).toContainText('Project renamed');
    await expect(log).toContainText('Project created');
    await settle(page);
    await expectNoSeriousA11yViolations(page, testInfo, 'audit-log');
    await page.getByLabel('Action').selectOption({ label: 'Project renamed' });
    await expect(page).toHaveURL(/action=project\.renamed/);
    await expect(log.getByRole('row')).toHaveCount(2);
    await expect(log).toContainText('Name: Checkout revamp');
    await expect(log).toContainText('Name: Checkout web');
  });

  test('history basics: totals, page in the URL, reversed range prevented, API key attribution', async ({ signUp, request }) => {
    const owner = await signUp({ landOn: null });
    const project = await createProject(owner, 'History project');
    const token = await createApiKey(owner, 'nightly-suite');
    // 27 metered calls of 0.5 credits: two pages of 25.
    for (let i = 0; i < 27; i++) {
      const res = await meterUsage(request, token, { useCase: 'chat', model: 'llama-3-70b', inputTokens: 625, outputTokens: 0, projectId: project.id });
      expect(res.status(), await res.text()).toBe(200);
    }
    const { page } = owner;
    await page.goto('/settings/ai-credits');
    await expect(page.getByText(/credits in total/)).toHaveText(/^27 rows, 13\.50 credits in total, this billing period \(since [A-Z][a-z]{2} \d+, \d{4}\)$/);
    const table = page.getByRole('table', { name: 'Usage history, newest first' });
    await expect(table.getByRole('row').nth(1)).toContainText('API key nightly-suite');

    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByText('Page 2')).toBeVisible();
    await page.reload();
    await expect(page.getByText('Page 2')).toBeVisible();
    await expect(table.getByRole('row')).toHaveCount(3);

    await page.getByLabel('API key', { exact: true }).selectOption({ label: 'nightly-suite' });
    await expect(page.getByText('Page 1')).toBeVisible();
    await expect(page.getByText(/credits in total/)).toHaveText(/^27 rows match these filters, 13\.50 credits in total, this billing period \(since [A-Z][a-z]{2} \d+, \d{4}\)$/);
    const csv = await page.request.get((await page.getByRole('link', { name: /Export CSV/ }).getAttribute('href'))!);
    expect((await csv.text()).split('\r\n')[1]).toContain(',nightly-suite,History project,llama-3-70b,625,0,0.5,0,500');

    // The charts follow the same filters (issue 24).
    const byKey = page.getByRole('figure', { name: 'Credits by API key' });
    await expect(byKey.getByRole('row', { name: /nightly-suite/ })).toContainText('13.50');

    await page.getByLabel('To', { exact: true }).fill('2020-01-01');
    await page.getByLabel('From', { exact: true }).fill('2020-02-01');
    await expect(page.getByRole('alert')).toContainText('From must be on or before To: no dates apply until then.');
    await expect(page.getByText("Couldn't load usage history")).toHaveCount(0);

  });

  test('AI off: saved work stays readable, nothing new can start', async ({ signUp }, testInfo) => {
    const owner = await signUp({ landOn: null });
    await createProject(owner, 'Saved work');
    const { page } = owner;
    await page.goto('/ai/test-generation');
    await page.getByLabel('Requirement or user story').fill('Guests cannot apply a coupon at checkout.');
    await page.getByRole('button', { name: 'Generate test cases' }).click();
    await expect(page.getByText(/^Used [\d.,]+ credits/)).toBeVisible();

    await owner.api.put('/api/credits/ai', { enabled: false });
    await page.goto('/ai/test-generation');
    await expect(page.getByText('AI is turned off: saved work is read-only')).toBeVisible();
    await expect(page.getByRole('region', { name: 'Saved test cases' }).getByRole('article')).toHaveCount(1);
    await expect(page.getByRole('button', { name: 'Generate test cases' })).toHaveCount(0);
    await settle(page);
    await expectNoSeriousA11yViolations(page, testInfo, 'ai-off-saved-test-cases');
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('list', { name: 'Saved AI work' })).toBeVisible();
  });
});

test.describe('browser defects (issue 11, item 7)', () => {
  test('chat: Enter sends, and a long title stays inside its card', async ({ signUp }, testInfo) => {
    const owner = await signUp({ landOn: null });
    await createProject(owner, 'Chat project');
    const { page } = owner;
    await page.goto('/ai/chat');
    const box = page.getByRole('textbox', { name: 'Your message' });
    const longWord = 'https://example.test/' + 'a'.repeat(140);
    await box.fill(`Please review ${longWord}`);
    await box.press('Enter');
    const list = page.getByRole('navigation', { name: 'Conversations' });
    const title = list.getByRole('button', { name: /Please review/ });
    await expect(title).toBeVisible();
    await expect(box).toHaveValue('');
    const card = await list.boundingBox();
    const button = await title.boundingBox();
    expect(button!.x + button!.width).toBeLessThanOrEqual(card!.x + card!.width);
    expect(await title.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    await settle(page);
    await expectNoSeriousA11yViolations(page, testInfo, 'chat-long-title');
  });

  test('navigation lists are named; members get no Plans & Billing link', async ({ signUp, addMember }) => {
    const owner = await signUp();
    const nav = owner.page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('list', { name: 'AI features' })).toBeVisible();
    await expect(nav.getByRole('list', { name: 'Settings' })).toBeVisible();
    const member = await addMember('member');
    const memberNav = member.page.getByRole('navigation', { name: 'Main' });
    await expect(memberNav.getByRole('link', { name: 'AI Credits' })).toBeVisible();
    await expect(memberNav.getByRole('link', { name: 'Plans & Billing' })).toHaveCount(0);
  });
});

test.describe('screenshots of the owner pages', () => {
  test('AI Credits, history, projects and audit log at 1280 and 390 px', async ({ signUp, addMember, request }, testInfo) => {
    const owner = await signUp({ landOn: null, orgName: 'Screenshot Org' });
    const member = await addMember('member', { landOn: null, name: 'Maya Member' });
    const alpha = await createProject(owner, 'Checkout revamp');
    const beta = await createProject(owner, 'Mobile app');
    await owner.api.send('PATCH', `/api/projects/${beta.id}`, { archived: true });
    await createProject(owner, 'Payments API');
    const token = await createApiKey(owner, 'ci-runner');
    const calls = [
      { useCase: 'test_generation', projectId: alpha.id, userId: member.userId, inputTokens: 12000, outputTokens: 9000 },
      { useCase: 'chat', projectId: alpha.id, userId: owner.userId, inputTokens: 3000, outputTokens: 2000 },
      { useCase: 'report', projectId: alpha.id, inputTokens: 20000, outputTokens: 6000 },
      { useCase: 'chat', projectId: alpha.id, userId: member.userId, inputTokens: 2000, outputTokens: 1500 },
    ] as const;
    for (const call of calls) {
      const res = await meterUsage(request, token, { model: 'demo-model', ...call });
      expect(res.status(), await res.text()).toBe(200);
    }
    const { page } = owner;
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const [path, name, ready] of [
        ['/settings/ai-credits', 'ai-credits', 'Available Credits'],
        ['/settings/ai-credits?useCase=chat', 'history', 'Usage history'],
        ['/settings/projects', 'projects', 'Active projects'],
        ['/settings/audit-log', 'audit-log', 'Changes'],
      ] as const) {
        await page.goto(path);
        await expect(page.getByRole('heading', { name: ready }).or(page.getByRole('table', { name: ready })).first()).toBeVisible();
        await settle(page);
        if (name === 'history') await page.getByRole('heading', { name: 'Usage history' }).scrollIntoViewIfNeeded();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        await shoot(page, testInfo, `${name}-${width}`);
        if (name === 'history' && SHOTS_DIR) {
          await page.locator('section[aria-labelledby="usage-history-title"]').screenshot({ path: `${SHOTS_DIR}/history-card-${width}.png`, animations: 'disabled' });
        }
        expect.soft(overflow, `${name} at ${width}px: horizontal overflow (px)`).toBeLessThanOrEqual(0);
      }
      // At 390 px the credits of every history row stay visible (stacked rows).
      if (width === 390) {
        await page.goto('/settings/ai-credits');
        const credits = page.getByRole('table', { name: 'Usage history, newest first' }).locator('td[data-label="Credits Consumed"]').first();
        await credits.scrollIntoViewIfNeeded();
        const box = await credits.boundingBox();
        expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
      }
    }
  });

  test('Plans & Billing after a purchase: the result does not move the page, Receipt in view at 1280 px, a readable receipt', async ({ signUp }, testInfo) => {
    const owner = await signUp({ landOn: '/settings/billing' });
    const { page } = owner;
    const buy = page.getByRole('button', { name: 'Buy Credits' });
    const before = await buy.boundingBox();
    await buy.click();
    await page.getByRole('dialog', { name: 'Buy credits' }).getByRole('button', { name: /Continue to payment/ }).click();
    await page.getByRole('dialog', { name: /Checkout/ }).getByRole('button', { name: 'Pay (success)' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'credits were added to your balance' })).toBeVisible();
    // The result is a toast: the Buy Credits button stays where it was.
    expect(await buy.boundingBox()).toEqual(before);
    const row = page.getByRole('table', { name: 'Purchases' }).getByRole('row').filter({ hasText: 'Professional' });
    const receiptLink = row.getByRole('link', { name: 'Receipt' });
    // The page grew (billing profile, auto top-up) above the purchases: in view once scrolled to, never cut off at the side.
    await receiptLink.scrollIntoViewIfNeeded();
    await expect(receiptLink).toBeInViewport();
    const scroll = page.locator('.table-scroll').filter({ has: page.getByRole('table', { name: 'Purchases' }) });
    expect(await scroll.evaluate((el) => el.scrollWidth - el.clientWidth), 'Purchases table scrolls sideways at 1280 px').toBeLessThanOrEqual(0);
    await shoot(page, testInfo, 'billing-1280');

    const [receipt] = await Promise.all([page.context().waitForEvent('page'), receiptLink.click()]);
    await receipt.waitForLoadState();
    const body = receipt.locator('body');
    await expect(body).toContainText(/AIC-\d{8}-[0-9A-F]{8}/);
    await expect(receipt.getByRole('row', { name: /Seller/ })).toContainText('TestKase');
    await expect(receipt.getByRole('row', { name: /Billed to/ })).toContainText(owner.orgName);
    await expect(body).not.toContainText('granted');
    await shoot(receipt, testInfo, 'receipt');
    await receipt.close();
  });

  test("a new org's first screen, and a saved-work page while AI is off, at 1280 and 390 px", async ({ signUp }, testInfo) => {
    const owner = await signUp({ landOn: null, orgName: 'Newco Labs' });
    const { page } = owner;
    for (const width of [1280, 390] as const) {
      await page.setViewportSize({ width, height: 844 });
      await page.goto('/settings/ai-credits');
      await expect(page.getByRole('region', { name: 'Set up AI credits' })).toBeVisible();
      await settle(page);
      await shoot(page, testInfo, `new-org-${width}`);
    }
    await expectNoSeriousA11yViolations(page, testInfo, 'new-org-setup-checklist');
    await createProject(owner, 'Saved work');
    await owner.api.put('/api/credits/ai', { enabled: false });
    for (const width of [1280, 390] as const) {
      await page.setViewportSize({ width, height: 844 });
      await page.goto('/ai/chat');
      await expect(page.getByText('AI is turned off: saved work is read-only')).toBeVisible();
      await settle(page);
      await shoot(page, testInfo, `ai-off-chat-${width}`);
    }
    await expectNoSeriousA11yViolations(page, testInfo, 'ai-off-chat');
  });
});
