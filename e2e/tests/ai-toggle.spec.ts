import { test, expect, createApiKey, createProject, creditSummary, meterUsage } from '../fixtures';

const AI_NAV = ['Test generation', 'AI chat', 'AI reports'];

test.describe('enable / disable AI', () => {
  test('owner turns AI off: member AI features vanish, AI endpoints refuse, history stays; on again: they return', async ({ signUp, addMember, request }) => {
    const owner = await signUp({ landOn: null });
    const project = await createProject(owner);
    const token = await createApiKey(owner);
    const member = await addMember('member', { landOn: '/ai/test-generation' });
    const nav = member.page.getByRole('navigation', { name: 'Main' });
    for (const name of AI_NAV) await expect(nav.getByRole('link', { name })).toBeVisible();

    // Some usage in the history before AI is turned off.
    const used = await meterUsage(request, token, { useCase: 'chat', model: 'demo-model', inputTokens: 1000, outputTokens: 1000, projectId: project.id, userId: member.userId });
    expect(used.status(), await used.text()).toBe(200);

    // Owner: switch off, confirm.
    await owner.page.goto('/settings/ai-credits');
    const toggle = owner.page.getByRole('switch', { name: 'Enable AI' });
    await expect(toggle).toBeChecked();
    await toggle.click();
    const confirm = owner.page.getByRole('alertdialog', { name: 'Turn off AI for everyone?' });
    await confirm.getByRole('button', { name: 'Turn off AI' }).click();
    await expect(confirm).toBeHidden();
    await expect(toggle).not.toBeChecked();
    await expect(owner.page.getByText('AI is turned off for your organization')).toBeVisible();
    expect((await creditSummary(owner)).aiEnabled).toBe(false);

    // Member, after a reload: no AI entry points; the AI page shows saved work read-only, saying AI is off.
    await member.page.reload();
    await expect(member.page.getByText('AI is turned off: saved work is read-only')).toBeVisible();
    for (const name of AI_NAV) await expect(nav.getByRole('link', { name })).toHaveCount(0);
    await member.page.goto('/settings/ai-credits');
    await expect(member.page.getByText('Your organization owner turned AI off')).toBeVisible();
    // History stays readable.
    const history = member.page.getByRole('region', { name: 'Usage history' });
    await expect(history.getByRole('row', { name: new RegExp(`AI chat.*${member.name}`) })).toHaveCount(1);

    // AI endpoints refuse with AI_DISABLED: the app's and the metering API.
    const generate = await member.api.post('/api/ai/test-cases/generate', { projectId: project.id, requirement: 'Users can reset their password by email.' });
    expect(generate.status()).toBe(403);
    expect(await generate.json()).toMatchObject({ error: { code: 'AI_DISABLED' } });
    const chat = await member.api.post('/api/ai/chat', { projectId: project.id, message: 'Hello' });
    expect(chat.status()).toBe(403);
    expect(await chat.json()).toMatchObject({ error: { code: 'AI_DISABLED' } });
    const metered = await meterUsage(request, token, { useCase: 'chat', model: 'demo-model', inputTokens: 10, outputTokens: 10 });
    expect(metered.status()).toBe(403);
    expect(await metered.json()).toMatchObject({ error: { code: 'AI_DISABLED' } });
    // Nothing was consumed while AI was off.
    expect((await creditSummary(owner)).periodUsageMc).toBe(2_000);

    // On again (no confirmation needed to turn it on).
    await toggle.click();
    await expect(toggle).toBeChecked();
    await member.page.goto('/ai/test-generation');
    for (const name of AI_NAV) await expect(nav.getByRole('link', { name })).toBeVisible();
    await expect(member.page.getByRole('heading', { level: 1, name: 'AI is turned off' })).toHaveCount(0);
    const again = await meterUsage(request, token, { useCase: 'chat', model: 'demo-model', inputTokens: 1000, outputTokens: 1000, userId: member.userId });
    expect(again.status(), await again.text()).toBe(200);

    // Every toggle is in the audit log (who, when, from -> to).
    const audit = await owner.api.json<{ entries: { actor: { id: string } | null; action: string; from: unknown; to: unknown }[] }>('/api/audit');
    const toggles = audit.entries.filter((e) => /ai/i.test(e.action));
    expect(toggles.length).toBeGreaterThanOrEqual(2);
    for (const entry of toggles.slice(0, 2)) expect(entry.actor?.id).toBe(owner.userId);
  });
});
