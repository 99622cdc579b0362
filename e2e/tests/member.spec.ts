import { test, expect, createProject, creditSummary } from '../fixtures';

test.describe('member role', () => {
  test('a member sees the cards, history and charts but no owner controls', async ({ signUp, addMember }) => {
    await signUp();
    const member = await addMember('member');
    const { page } = member;

    await expect(page.getByRole('heading', { level: 1, name: 'AI Credits' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText('300 credits');
    await expect(page.getByRole('region', { name: 'This Month Usage' })).toContainText('0 credits');
    await expect(page.getByRole('region', { name: 'Usage history' })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Usage charts' })).toBeVisible();
    // No usage yet: one compact note instead of empty charts (issue 24).
    await expect(page.getByRole('region', { name: 'Usage charts' }).getByText('No AI usage in this range yet')).toBeVisible();
    await expect(page.getByRole('figure', { name: 'Credits per day by use case' })).toHaveCount(0);
    await expect(page.getByRole('banner')).toContainText('Member');

    // No purchase entry point anywhere on the page.
    await expect(page.getByRole('button', { name: 'Buy Credits' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Buy Credits' })).toHaveCount(0);

    // Enable AI is shown read-only (or not at all).
    const toggle = page.getByRole('switch', { name: 'Enable AI' });
    if ((await toggle.count()) > 0) await expect(toggle).toBeDisabled();
    await expect(page.getByText('Only the organization owner can change this.').first()).toBeVisible();

    // No overage setting: the limit is described, not editable.
    await expect(page.getByRole('textbox', { name: 'Monthly overage limit' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Save limit' })).toHaveCount(0);
  });

  test('owner-only endpoints refuse a member with 403, even with a valid session and CSRF token', async ({ signUp, addMember }) => {
    const owner = await signUp({ landOn: null });
    const member = await addMember('member', { landOn: null });

    const toggle = await member.api.put('/api/credits/ai', { enabled: false });
    expect(toggle.status()).toBe(403);
    expect(await toggle.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });

    const limit = await member.api.put('/api/credits/overage-limit', { limitCredits: 1000 });
    expect(limit.status()).toBe(403);

    const buy = await member.api.post('/api/billing/purchases', { bundleId: 'professional' });
    expect(buy.status()).toBe(403);

    const addUser = await member.api.post('/api/org/invitations', { email: `x-${Date.now()}@example.com`, role: 'admin' });
    expect(addUser.status()).toBe(403);

    // Nothing changed.
    const summary = await creditSummary(owner);
    expect(summary.aiEnabled).toBe(true);
    expect(summary.overage.limitMc).toBe(0);
    expect(summary.balanceMc).toBe(300_000);

    // Without the CSRF token even a read-write call of the member's own is refused.
    const noCsrf = await member.context.request.post('/api/projects', { data: { name: 'No CSRF' } });
    expect(noCsrf.status()).toBe(403);
    expect(await noCsrf.json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
  });

  test('an admin sees what an owner sees but cannot buy, toggle AI or change the overage limit', async ({ signUp, addMember }) => {
    const owner = await signUp({ landOn: null });
    await createProject(owner);
    const admin = await addMember('admin');
    await expect(admin.page.getByRole('region', { name: 'Available Credits' })).toContainText('300 credits');
    await expect(admin.page.getByRole('button', { name: 'Buy Credits' })).toHaveCount(0);
    await expect(admin.page.getByRole('link', { name: 'Buy Credits' })).toHaveCount(0);
    expect((await admin.api.put('/api/credits/ai', { enabled: false })).status()).toBe(403);
    expect((await admin.api.put('/api/credits/overage-limit', { limitCredits: 5 })).status()).toBe(403);
    // Admins manage projects.
    expect((await admin.api.post('/api/projects', { name: 'Admin project' })).status()).toBe(201);
  });
});
