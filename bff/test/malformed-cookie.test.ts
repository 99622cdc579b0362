import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startApp, type TestApp } from './support/harness';

let app: TestApp;

beforeAll(async () => {
  // A stand-in for the built SPA, so pages and assets are served as in production.
  const dist = mkdtempSync(path.join(tmpdir(), 'aic-web-'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>AI Credits</title>');
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
  app = await startApp({ env: { WEB_DIST: dist } });
});
afterAll(() => app.close());

const get = (p: string, headers: Record<string, string>) => fetch(app.baseUrl + p, { headers });

describe('a malformed session cookie is no session, never a 500', () => {
  const cookies = ['aic_session=%ZZ', 'aic_session=%', 'aic_session=%E0%A4%A', 'other=%ZZ; aic_session=%C0'];

  it.each(cookies)('%s on pages, assets and the API', async (cookie) => {
    expect((await get('/', { cookie })).status).toBe(200);
    expect((await get('/login', { cookie })).status).toBe(200);
    expect((await get('/assets/app.js', { cookie })).status).toBe(200);
    expect((await get('/api/health', { cookie })).status).toBe(200);
    const session = await get('/api/auth/session', { cookie });
    expect(session.status).toBe(401);
    expect(((await session.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
    expect((await get('/api/credits/summary', { cookie })).status).toBe(401);
  });

  it('sign-in still works for a browser that carries a broken cookie', async () => {
    const owner = new Client(app.baseUrl);
    const info = await owner.signup();
    const res = await fetch(app.baseUrl + '/api/auth/login', {
      method: 'POST',
      headers: { cookie: 'aic_session=%ZZ', 'content-type': 'application/json' },
      body: JSON.stringify({ email: info.user.email, password: 'password123' }),
    });
    expect(res.status).toBe(200);
    // Sign-in stays exempt from CSRF with a valid session cookie too (the middleware now sits under /api).
    const again = await fetch(app.baseUrl + '/api/auth/login', {
      method: 'POST',
      headers: { cookie: owner.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ email: info.user.email, password: 'password123' }),
    });
    expect(again.status).toBe(200);
    // ... and other writes with that cookie still need the token.
    const write = await fetch(app.baseUrl + '/api/projects', { method: 'POST', headers: { cookie: owner.cookie, 'content-type': 'application/json' }, body: '{"name":"P"}' });
    expect(write.status).toBe(403);
  });
});

describe('credentials are judged on /api only', () => {
  it('Authorization: Bearer junk does not turn static pages and assets into 401', async () => {
    const authorization = 'Bearer junk';
    expect((await get('/', { authorization })).status).toBe(200);
    expect((await get('/login', { authorization })).status).toBe(200);
    expect((await get('/assets/app.js', { authorization })).status).toBe(200);
  });

  it('but on the API a bad key is still refused', async () => {
    expect((await get('/api/credits/summary', { authorization: 'Bearer junk' })).status).toBe(401);
  });
});
