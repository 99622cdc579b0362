import type { Page } from '@playwright/test';
import { test, expect, createApiKey, createProject, expectNoSeriousA11yViolations, meterUsage, saveScreenshot, settle } from '../fixtures';

// Issue 24, item 11: defects seen in the browser outside the AI feature pages.

/** Title -> first content below it, in px, for every section title of the page (padding and border count as space). */
function titleGaps(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.section-title')].flatMap((title) => {
      if (title.closest('.section-header')) return [];
      const subtitle = title.nextElementSibling?.classList.contains('section-subtitle') ? title.nextElementSibling : null;
      const above = subtitle ?? title;
      const next = above.nextElementSibling;
      if (!next || (next as HTMLElement).offsetParent === null) return [];
      const style = getComputedStyle(next);
      const gap = next.getBoundingClientRect().top + parseFloat(style.paddingTop) + parseFloat(style.borderTopWidth) - above.getBoundingClientRect().bottom;
      return [{ title: title.textContent!.trim(), gap: Math.round(gap) }];
    }),
  );
}

test('section titles keep their distance from what follows, at 1280 and 390 px', async ({ signUp }, testInfo) => {
  const owner = await signUp({ landOn: null });
  await createProject(owner, 'Spacing');
  await createApiKey(owner, 'spacing-key');
  const { page } = owner;
  let measured = 0;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 844 });
    for (const path of ['/settings/ai-credits', '/settings/billing', '/settings/members', '/settings/projects', '/settings/budgets', '/settings/api-keys', '/settings/audit-log', '/settings/models']) {
      await page.goto(path);
      await settle(page);
      const gaps = await titleGaps(page);
      measured += gaps.length;
      expect(gaps.filter((g) => g.gap < 8), `${path} at ${width} px`).toEqual([]);
    }
  }
  expect(measured).toBeGreaterThan(10);
  await page.goto('/settings/billing');
  await settle(page);
  await saveScreenshot(page, testInfo, 'billing-spacing-390');
});

test('the created API key is shown whole inside its dialog (wrapped), with Copy, at 1280 and 390 px', async ({ signUp }, testInfo) => {
  const owner = await signUp({ landOn: '/settings/api-keys' });
  const { page } = owner;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 844 });
    await page.getByRole('button', { name: 'Create API key' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create API key' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill(`Nightly regression runner ${width}`);
    await dialog.getByRole('button', { name: /^Create/ }).click();
    const shown = page.getByRole('dialog', { name: 'Copy your new API key' });
    const key = shown.getByTestId('new-api-key');
    await expect(key).toHaveText(/^aic_[A-Za-z0-9_-]{40,}$/);
    const [box, frame] = await Promise.all([key.boundingBox(), shown.boundingBox()]);
    expect(box!.x).toBeGreaterThanOrEqual(frame!.x);
    expect(box!.x + box!.width, `key box ${JSON.stringify(box)} in dialog ${JSON.stringify(frame)}`).toBeLessThanOrEqual(frame!.x + frame!.width);
    expect(await key.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await expect(shown.getByRole('button', { name: 'Copy' })).toBeInViewport();
    await saveScreenshot(page, testInfo, `api-key-created-${width}`, { fullPage: false });
    await shown.getByRole('button', { name: 'Done' }).click();
    await expect(shown).toBeHidden();
  }
});

test('the public invitation page writes no error to the console (no 401 from a session check)', async ({ signUp, newPage }, testInfo) => {
  const owner = await signUp({ landOn: null });
  const res = await owner.api.post('/api/org/invitations', { email: `visitor-${Date.now()}@example.com`, role: 'member' });
  expect(res.status()).toBe(201);
  const { acceptToken } = (await res.json()) as { acceptToken: string };
  const visitor = await newPage();
  const errors: string[] = [];
  visitor.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await visitor.goto(`/invitations/accept#token=${acceptToken}`);
  await expect(visitor.getByRole('heading', { level: 1, name: `Join ${owner.orgName}` })).toBeVisible();
  await settle(visitor);
  expect(errors).toEqual([]);
  await expectNoSeriousA11yViolations(visitor, testInfo, 'invitation-page');
});

test('Settings pages: axe, landmarks included (no two landmarks with the same name)', async ({ signUp, request }, testInfo) => {
  // Nine pages through axe (~30 s on a quiet machine): triple the timeout for a busy CI machine.
  test.slow();
  const owner = await signUp({ landOn: null });
  const project = await createProject(owner, 'Landmarks');
  const token = await createApiKey(owner, 'landmark-key');
  expect((await meterUsage(request, token, { useCase: 'chat', model: 'demo-model', inputTokens: 2000, outputTokens: 1000, projectId: project.id, userId: owner.userId })).status()).toBe(200);
  const { page } = owner;
  for (const path of ['/settings/ai-credits', '/settings/members', '/settings/projects', '/settings/budgets', '/settings/audit-log', '/settings/models', '/settings/emails', '/settings/api-keys', '/settings/billing']) {
    await page.goto(path);
    await settle(page);
    await expectNoSeriousA11yViolations(page, testInfo, path.split('/').at(-1)!);
  }
});
