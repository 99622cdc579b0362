import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from './support/harness';

/** The built SPA: hashed assets precompressed and immutable, index.html revalidated every time. */
let app: TestApp;
const js = `console.log(${JSON.stringify('x'.repeat(4000))});`;
beforeAll(async () => {
  const dist = mkdtempSync(path.join(tmpdir(), 'web-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>AI Credits</title>');
  writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), js);
  writeFileSync(path.join(dist, 'assets', 'index-abc123.js.br'), brotliCompressSync(js));
  writeFileSync(path.join(dist, 'assets', 'index-abc123.js.gz'), gzipSync(js));
  app = await startApp({ env: { WEB_DIST: dist } });
});
afterAll(() => app.close());

const get = (p: string, encoding?: string) => fetch(app.baseUrl + p, { headers: encoding === undefined ? {} : { 'accept-encoding': encoding } });

describe('SPA assets', () => {
  it('serves the brotli copy to a browser that accepts it, gzip to one that accepts only gzip, and cache headers for a year', async () => {
    const br = await get('/assets/index-abc123.js', 'gzip, deflate, br');
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(await br.text()).toBe(js); // fetch decodes it

    const gz = await get('/assets/index-abc123.js', 'gzip');
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(await gz.text()).toBe(js);

    const plain = await get('/assets/index-abc123.js', 'identity');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(js);
  });

  it('index.html is no-cache (for the SPA routes too) and a missing asset is a 404, not HTML', async () => {
    for (const p of ['/', '/settings/ai-credits']) {
      const res = await get(p);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('AI Credits');
    }
    expect((await get('/assets/gone-000000.js')).status).toBe(404);
  });
});
