import { readFile } from 'node:fs/promises';
import { test, expect, createApiKey, createProject, meterUsage, type RecordUsage } from '../fixtures';

test.describe('usage history and charts', () => {
  test('filters, keyset pagination, CSV export of the filtered set, and chart data tables', async ({ signUp, addMember, request }) => {
    test.slow();
    const owner = await signUp({ landOn: null });
    const alpha = await createProject(owner, 'Alpha project');
    const beta = await createProject(owner, 'Beta project');
    const token = await createApiKey(owner);
    const member = await addMember('member', { landOn: null });

    // 30 metered calls (more than one page of 25): 20 chats by the member in Alpha (2 credits each),
    // 10 reports by the owner in Beta (4 credits each). Sequential so "newest first" is well defined.
    const calls: RecordUsage[] = [
      ...Array.from({ length: 20 }, (): RecordUsage => ({ useCase: 'chat', model: 'demo-model', inputTokens: 1000, outputTokens: 1000, projectId: alpha.id, userId: member.userId })),
      ...Array.from({ length: 10 }, (): RecordUsage => ({ useCase: 'report', model: 'llama-3-70b', inputTokens: 2500, outputTokens: 2500, projectId: beta.id, userId: owner.userId })),
    ];
    for (const call of calls) {
      const res = await meterUsage(request, token, call);
      expect(res.status(), await res.text()).toBe(200);
    }

    const { page } = owner;
    await page.goto('/settings/ai-credits');
    await expect(page.getByRole('region', { name: 'This Month Usage' })).toContainText('80 credits');
    await expect(page.getByRole('region', { name: 'Available Credits' })).toContainText('220 credits');

    const history = page.getByRole('region', { name: 'Usage history' });
    // One filter bar for the charts and the history (issue 24), above the charts.
    const filters = page.getByRole('group', { name: 'Filter usage charts and history' });
    const table = history.getByRole('table');
    const bodyRows = table.locator('tbody tr');
    await expect(table.getByRole('columnheader')).toHaveText(['Date (UTC)', 'Use Case', 'User', 'Credits Consumed', 'Project']);

    // Newest first: the 10 reports (made last) lead page 1.
    await expect(bodyRows).toHaveCount(25);
    await expect(bodyRows.first()).toContainText('AI report');
    await expect(bodyRows.first()).toContainText(owner.name);
    await expect(bodyRows.first()).toContainText('Beta project');
    await expect(bodyRows.first().getByRole('cell').nth(3)).toHaveText('4.00');
    await expect(bodyRows.nth(10)).toContainText('AI chat');

    // Page 2 holds the remaining 5; Previous returns to page 1.
    const pager = page.getByRole('navigation', { name: 'Usage history pages' });
    await expect(pager.getByRole('button', { name: 'Previous' })).toBeDisabled();
    await pager.getByRole('button', { name: 'Next' }).click();
    await expect(pager).toContainText('Page 2');
    await expect(bodyRows).toHaveCount(5);
    await expect(pager.getByRole('button', { name: 'Next' })).toBeDisabled();
    for (const row of await bodyRows.all()) await expect(row).toContainText('AI chat');
    await pager.getByRole('button', { name: 'Previous' }).click();
    await expect(pager).toContainText('Page 1');
    await expect(bodyRows).toHaveCount(25);

    // Filter by use case.
    await filters.getByLabel('Use case', { exact: true }).selectOption({ label: 'AI report' });
    await expect(bodyRows).toHaveCount(10);
    for (const row of await bodyRows.all()) await expect(row).toContainText('AI report');
    await expect(pager.getByRole('button', { name: 'Next' })).toBeDisabled();

    // CSV export of the filtered set (10 reports + a header).
    const [download] = await Promise.all([page.waitForEvent('download'), history.getByRole('link', { name: /Export CSV/ }).click()]);
    const csv = (await readFile(await download.path(), 'utf8')).trim().split(/\r?\n/);
    expect(csv).toHaveLength(11);
    expect(csv[0]).toMatch(/use.?case/i);
    for (const line of csv.slice(1)) expect(line).toMatch(/report/i);
    await test.info().attach('usage-report.csv', { body: csv.join('\n'), contentType: 'text/csv' });

    // Filter by user and by project (use case cleared).
    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await expect(bodyRows).toHaveCount(25);
    await filters.getByLabel('User', { exact: true }).selectOption({ label: member.name });
    await expect(pager.getByRole('button', { name: 'Next' })).toBeDisabled();
    await expect(bodyRows).toHaveCount(20);
    for (const row of (await bodyRows.all()).slice(0, 3)) await expect(row).toContainText(member.name);
    await filters.getByLabel('User', { exact: true }).selectOption({ label: 'All users' });
    await expect(bodyRows).toHaveCount(25);
    await filters.getByLabel('Project', { exact: true }).selectOption({ label: 'Beta project' });
    await expect(bodyRows).toHaveCount(10);

    await filters.getByLabel('Project', { exact: true }).selectOption({ label: 'All projects' });
    await expect(bodyRows).toHaveCount(25);

    // Filter by model (the Model column can be shown).
    await filters.getByLabel('Model', { exact: true }).selectOption({ label: 'Llama 3 70B' });
    await expect(bodyRows).toHaveCount(10);
    await history.getByRole('checkbox', { name: 'Show model column' }).check();
    await expect(table.getByRole('columnheader', { name: 'Model' })).toBeVisible();
    await expect(bodyRows.first()).toContainText('Llama 3 70B');
    await filters.getByLabel('Model', { exact: true }).selectOption({ label: 'All models' });
    await expect(bodyRows).toHaveCount(25);

    // A date range with no usage (ends yesterday) shows the empty state; clearing brings everything back.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await filters.getByLabel('To', { exact: true }).fill(yesterday);
    await expect(history.getByText('No usage matches these filters')).toBeVisible();
    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await expect(bodyRows).toHaveCount(25);

    // Charts: assert on the accessible data tables behind each chart.
    const charts = page.getByRole('region', { name: 'Usage charts' });
    await expect(charts.getByRole('figure', { name: 'Credits per day by use case' })).toBeVisible();
    const today = new Date().toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
    const daily = charts.getByRole('table', { name: 'Credits per day by use case' });
    await expect(daily.getByRole('row', { name: new RegExp(`^${today.replace(/[.,]/g, '.')}`) })).toContainText('80');
    const byUser = charts.getByRole('table', { name: 'Credits by user' });
    await expect(byUser.getByRole('row', { name: new RegExp(member.name) })).toContainText('40');
    await expect(byUser.getByRole('row', { name: new RegExp(owner.name) })).toContainText('40');
    const byProject = charts.getByRole('table', { name: 'Credits by project' });
    await expect(byProject.getByRole('row', { name: /Alpha project/ })).toContainText('40');
    await expect(byProject.getByRole('row', { name: /Beta project/ })).toContainText('40');
    const byModel = charts.getByRole('table', { name: 'Credits by model' });
    await expect(byModel.getByRole('row', { name: /Demo model|demo-model/ })).toContainText('40');
    await expect(byModel.getByRole('row', { name: /Llama 3 70B|llama-3-70b/ })).toContainText('40');
    await expect(charts.getByRole('table', { name: 'Balance events this billing period' })).toContainText('Billing period reset');
    // The forecast sits above the charts (issue 24: the answers first).
    await expect(page.getByRole('group', { name: 'Forecast' })).toContainText('credits/day');
    // The graphics render (SVG drawn by the chart library), without asserting on pixels.
    await expect(charts.locator('.chart-canvas svg').first()).toBeVisible();
  });
});
