import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from './support/harness';

// Liveness says the process answers; readiness says it should get traffic (issue 9 fault 3).
let app: TestApp;
let noDatabase: TestApp;
beforeAll(async () => {
  app = await startApp();
  // Nothing listens on port 1: every connection is refused, as when PostgreSQL is down.
  noDatabase = await startApp({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none' });
});
afterAll(async () => {
  await app.close();
  await noDatabase.close();
});

const get = async (base: TestApp, path: string) => {
  const res = await fetch(base.baseUrl + path);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), connection: res.headers.get('connection'), body: (await res.json()) as unknown };
};

describe('health and readiness', () => {
  it('both answer 200 when the database is up', async () => {
    expect(await get(app, '/api/health')).toMatchObject({ status: 200, body: { ok: true } });
    expect(await get(app, '/api/ready')).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('readiness answers 503 DATABASE_UNAVAILABLE when the database is down; liveness stays 200', async () => {
    expect(await get(noDatabase, '/api/health')).toMatchObject({ status: 200 });
    expect(await get(noDatabase, '/api/ready')).toEqual({
      status: 503,
      retryAfter: '5',
      connection: 'keep-alive',
      body: { error: { code: 'DATABASE_UNAVAILABLE', message: expect.any(String) } },
    });
    // Any request that needs the database gets the same clean, retryable answer.
    const login = await fetch(`${noDatabase.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@b.test', password: 'password123' }) });
    expect(login.status).toBe(503);
    expect(login.headers.get('retry-after')).toBe('5');
  });

  it('readiness answers 503 SHUTTING_DOWN while draining, and no connection is kept alive', async () => {
    const draining = await startApp();
    try {
      draining.lifecycle.draining = true;
      expect(await get(draining, '/api/ready')).toMatchObject({ status: 503, connection: 'close', body: { error: { code: 'SHUTTING_DOWN' } } });
      expect(await get(draining, '/api/health')).toMatchObject({ status: 200, connection: 'close' });
    } finally {
      await draining.close();
    }
  });
});
