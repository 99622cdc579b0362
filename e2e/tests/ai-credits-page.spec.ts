import { test, expect, createApiKey, createProject, meterUsage } from '../fixtures';

/**
 * Issue 24: the AI Credits page answers first, its charts follow every filter of the one filter bar
 * (the history too), the default range is the current billing period, and every time is in the
 * viewer's zone (here India, UTC+5:30), UTC on request; the CSV stays UTC.
 */
const IST = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Kolkata' });
const UTC = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });

test.describe('AI Credits page (issue 24)', () => {
  test.use({ timezoneId: 'Asia/Kolkata' });

  test('answers first; one filter bar for charts and history; this billing period by default; local times, UTC on request, the CSV in UTC', async ({ signUp, addMember, request, browser, baseURL }) => {
    test.slow();
    const owner = await signUp({ landOn: null });
    const alpha = await createProject(owner, 'Alpha project');
    const beta = await createProject(owner, 'Beta project');
    const token = await createApiKey(owner);
    // 2 credits each: two in Alpha, one in Beta.
    for (const projectId of [alpha.id, alpha.id, beta.id]) {
      const res = await meterUsage(request, token, { useCase: 'chat', model: 'demo-model', inputTokens: 1000, outputTokens: 1000, projectId });
      expect(res.status(), await res.text()).toBe(200);
    }
    const { page } = owner;
    await page.goto('/settings/ai-credits');

    // The answers first: cards, forecast, top spenders, then charts, then history.
    const sections = [
      page.getByRole('region', { name: 'Available Credits' }),
      page.getByRole('region', { name: 'Forecast' }),
      page.getByRole('region', { name: 'Top spenders this billing period' }),
      page.getByRole('region', { name: 'Usage charts' }),
      page.getByRole('region', { name: 'Usage history' }).first(),
    ];
    const tops: number[] = [];
    for (const section of sections) {
      await expect(section).toBeVisible();
      tops.push((await section.boundingBox())!.y);
    }
    expect([...tops].sort((a, b) => a - b)).toEqual(tops);

    // This billing period by default, and the total says so.
    const filters = page.getByRole('group', { name: 'Filter usage charts and history' });
    await expect(filters.getByLabel('Period', { exact: true })).toHaveValue('current');
    const totals = page.getByText(/credits in total/);
    await expect(totals).toHaveText(/^3 rows, 6\.00 credits in total, this billing period \(since [A-Z][a-z]{2} \d+, \d{4}\)$/);

    // One project: the charts and the history both follow it.
    const charts = page.getByRole('region', { name: 'Usage charts' });
    const byProject = charts.getByRole('table', { name: 'Credits by project' });
    await expect(byProject.getByRole('rowheader')).toHaveText(['Alpha project', 'Beta project']);
    await filters.getByLabel('Project', { exact: true }).selectOption({ label: 'Alpha project' });
    await expect(page).toHaveURL(new RegExp(`projectId=${alpha.id}`));
    await expect(byProject.getByRole('rowheader')).toHaveText(['Alpha project']);
    await expect(byProject.getByRole('row', { name: /Alpha project/ })).toContainText('4.00');
    await expect(charts.getByRole('table', { name: 'Credits by user' })).toContainText('4.00');
    await expect(totals).toHaveText(/^2 rows match these filters, 4\.00 credits in total, this billing period/);
    await expect(page.getByRole('table', { name: 'Usage history, newest first' }).locator('tbody tr')).toHaveCount(2);

    // Times in the viewer's zone, named; the reset in both zones.
    const history = page.getByRole('region', { name: 'Usage history' }).first();
    const table = history.getByRole('table');
    await expect(table.getByRole('columnheader').first()).toHaveText('Date (GMT+5:30)');
    const time = table.locator('tbody tr').first().locator('time');
    const at = (await time.getAttribute('datetime'))!;
    await expect(time).toHaveText(IST.format(new Date(at)));
    await expect(page.getByRole('region', { name: 'This Month Usage' })).toContainText(/Resets [A-Z][a-z]{2} \d+, \d{4}, 05:30 GMT\+5:30 \(00:00 UTC\)/);

    // The CSV stays UTC, whatever the page shows.
    const href = (await history.getByRole('link', { name: /Export CSV/ }).getAttribute('href'))!;
    const csv = (await (await page.request.get(href)).text()).split('\r\n');
    expect(csv).toHaveLength(1 + 2 + 1);
    expect(csv[1]!.split(',')[0]).toBe(at);

    // UTC on request, remembered for the user (on the server), not the browser.
    await history.getByRole('checkbox', { name: 'Times in UTC' }).check();
    await expect(page.getByRole('table', { name: 'Usage history, newest first' }).getByRole('columnheader').first()).toHaveText('Date (UTC)');
    await expect(page.getByRole('table', { name: 'Usage history, newest first' }).locator('tbody tr').first().locator('time')).toHaveText(UTC.format(new Date(at)));
    await page.reload();
    await expect(page.getByRole('table', { name: 'Usage history, newest first' }).getByRole('columnheader').first()).toHaveText('Date (UTC)');
    await expect(page.getByRole('region', { name: 'This Month Usage' })).toContainText(/Resets [A-Z][a-z]{2} \d+, \d{4}, 00:00 UTC/);

    // A fresh browser (no storage, also in India): the same owner signs in and sees her choice.
    const member = await addMember('member', { owner, landOn: null });
    const elsewhere = await browser.newContext({ baseURL, locale: 'en-US', timezoneId: 'Asia/Kolkata', viewport: { width: 1280, height: 800 } });
    try {
      const fresh = await elsewhere.newPage();
      const signIn = async (who: { email: string; password: string }) => {
        await fresh.goto('/login');
        await fresh.getByLabel('Email').fill(who.email);
        await fresh.getByLabel('Password').fill(who.password);
        await fresh.getByRole('button', { name: 'Sign in' }).click();
        await fresh.waitForURL(/\/settings\/ai-credits/);
      };
      const utcBox = () => fresh.getByRole('region', { name: 'Usage history' }).first().getByRole('checkbox', { name: 'Times in UTC' });
      await signIn(owner);
      await expect(utcBox()).toBeChecked();
      await expect(fresh.getByRole('table', { name: 'Usage history, newest first' }).getByRole('columnheader').first()).toHaveText('Date (UTC)');
      // Another person in the same browser keeps her own choice (local).
      await fresh.getByRole('button', { name: 'Sign out' }).click();
      await signIn(member);
      await expect(utcBox()).not.toBeChecked();
      await expect(fresh.getByRole('region', { name: 'Usage history' }).first()).toBeVisible();
      // And the owner back: still UTC; she turns it off here, and her first browser follows after a reload.
      await fresh.getByRole('button', { name: 'Sign out' }).click();
      await signIn(owner);
      await expect(utcBox()).toBeChecked();
      await utcBox().uncheck();
      await expect(fresh.getByRole('table', { name: 'Usage history, newest first' }).getByRole('columnheader').first()).toHaveText('Date (GMT+5:30)');
    } finally {
      await elsewhere.close();
    }
    await page.reload();
    await expect(page.getByRole('table', { name: 'Usage history, newest first' }).getByRole('columnheader').first()).toHaveText('Date (GMT+5:30)');
    await expect(page.getByRole('region', { name: 'Usage history' }).first().getByRole('checkbox', { name: 'Times in UTC' })).not.toBeChecked();
  });
});
