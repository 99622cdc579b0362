import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from './support/harness';

/** The rendered API reference (issue 22): Swagger UI served by the BFF itself over /api/openapi.json. */
let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

describe('API reference', () => {
  it('serves the reference page, its renderer from our own origin and the document it renders', async () => {
    const page = await fetch(`${app.baseUrl}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThanOrEqual(4);
    // Nothing from a CDN: every script and style comes from the BFF.
    for (const source of sources) {
      expect(source.startsWith('/api/docs/'), source).toBe(true);
      const asset = await fetch(`${app.baseUrl}${source}`);
      expect(asset.status, source).toBe(200);
      expect((await asset.text()).length, source).toBeGreaterThan(50);
    }
    const init = await (await fetch(`${app.baseUrl}/api/docs/init.js`)).text();
    expect(init).toContain("url: '/api/openapi.json'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('serves only the renderer files it needs', async () => {
    for (const file of ['package.json', 'index.html', '..%2Fpackage.json']) expect((await fetch(`${app.baseUrl}/api/docs/assets/${file}`)).status, file).toBe(404);
  });
});
