import { test, expect } from '../fixtures';

test('the BFF is healthy and serves the SPA on the same origin', async ({ page, request }) => {
  const health = await request.get('/api/health');
  expect(await health.json()).toEqual({ ok: true });
  await page.goto('/login');
  await expect(page.locator('#root')).not.toBeEmpty();
});
