import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from './support/harness';

// Issue 15: installed under a folder whose name starts with a dot (~/.cache/…, /srv/.apps/…),
// every page answered 500: `send` refuses an absolute path with a dot-segment unless given a root.
const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

let installRoot: string;
let dist: string;
let app: TestApp;
let asset: string;

beforeAll(async () => {
  installRoot = mkdtempSync(path.join(tmpdir(), '.apps-'));
  dist = path.join(installRoot, '.local', 'ai-credits', 'web', 'dist');
  mkdirSync(dist, { recursive: true });
  if (existsSync(path.join(webDist, 'index.html'))) {
    // The real build when there is one (pnpm build / the e2e run)...
    cpSync(webDist, dist, { recursive: true });
    asset = `/assets/${readdirSync(path.join(dist, 'assets')).find((f) => f.endsWith('.js'))!}`;
  } else {
    // ...else a build-shaped fixture: the server's behaviour does not depend on what the files say.
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>');
    writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log("ai credits");');
    asset = '/assets/index-abc123.js';
  }
  app = await startApp({ env: { WEB_DIST: dist } });
});
afterAll(async () => {
  await app?.close();
  rmSync(installRoot, { recursive: true, force: true });
});

describe('the SPA served from a dot-folder install', () => {
  it('answers 200 for /, a deep SPA route and an asset', async () => {
    expect(dist).toContain(`${path.sep}.`);
    for (const url of ['/', '/credits/usage?from=2026-01-01', '/login']) {
      const res = await fetch(app.baseUrl + url);
      expect({ url, status: res.status, type: res.headers.get('content-type') }).toEqual({ url, status: 200, type: 'text/html; charset=utf-8' });
      expect(await res.text()).toContain('<div id="root">');
    }
    const js = await fetch(app.baseUrl + asset);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
  });

  it('an error with a status of its own keeps it: a vanished index.html is 404, an unsupported charset 415', async () => {
    const index = path.join(dist, 'index.html');
    const saved = path.join(installRoot, 'index.html.saved');
    cpSync(index, saved);
    rmSync(index);
    try {
      const res = await fetch(`${app.baseUrl}/credits`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Not Found' } });
    } finally {
      cpSync(saved, index);
    }
    const charset = await fetch(`${app.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json; charset=latin-9' }, body: '{}' });
    expect(charset.status).toBe(415);
    expect(((await charset.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
  });
});
