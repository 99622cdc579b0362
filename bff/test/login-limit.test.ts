import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authContract } from '@ai-credits/shared/contracts/auth';
import { hashPassword } from '../src/features/auth/password';
import { loadEnv } from '../src/env';
import { Client, startApp, uniq, type TestApp } from './support/harness';

let app: TestApp;
let untrusting: TestApp;

beforeAll(async () => {
  // Behind a proxy on loopback (the test client): X-Forwarded-For names the client.
  app = await startApp({ env: { TRUST_PROXY: 'loopback' } });
  untrusting = await startApp({ poolMax: 2 });
});
afterAll(async () => {
  await app.close();
  await untrusting.close();
});

/** A client address of its own per test, so tests never share a counter. */
const someIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

async function login(target: TestApp, email: string, password: string, ip?: string) {
  const res = await fetch(target.baseUrl + authContract.login.path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(ip ? { 'x-forwarded-for': ip } : {}) },
    body: JSON.stringify({ email, password }),
  });
  return res.status;
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('the login limit holds under concurrency', () => {
  it('30 concurrent wrong passwords for one email: at most 10 are checked, then the right password is refused', async () => {
    const session = await new Client(app.baseUrl).signup();
    const ip = someIp();
    const statuses = await Promise.all(Array.from({ length: 30 }, () => login(app, session.user.email, 'wrong-password', ip)));
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(count(statuses, 401)).toBeLessThanOrEqual(10);
    expect(count(statuses, 401) + count(statuses, 429)).toBe(30);
    // The right password, from a fresh address: the account is locked for the window.
    expect(await login(app, session.user.email, 'password123', someIp())).toBe(429);
  });

  it('a correct guess racing 29 wrong ones does not get in past the limit', async () => {
    const session = await new Client(app.baseUrl).signup();
    const guesses = Array.from({ length: 30 }, (_, i) => (i === 29 ? 'password123' : 'wrong-password'));
    const statuses = await Promise.all(guesses.map((p) => login(app, session.user.email, p, someIp())));
    // Checked attempts (401 or the one 200) never exceed the limit.
    expect(count(statuses, 401) + count(statuses, 200)).toBeLessThanOrEqual(10);
  });

  it('130 concurrent wrong passwords from one address over many accounts: at most 100 are checked, then that address is refused', async () => {
    // Accounts straight in the database (one hash), so the burst spreads over emails and only the address limit applies.
    const hash = await hashPassword('password123', 11);
    const emails = Array.from({ length: 131 }, () => `${uniq('ip-')}@example.test`);
    await app.db
      .insertInto('users')
      .values(emails.map((email) => ({ email, name: 'IP test', password_hash: hash, created_at: new Date() })))
      .execute();
    const ip = someIp();
    const statuses = await Promise.all(emails.slice(0, 130).map((email) => login(app, email, 'wrong-password', ip)));
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    expect(count(statuses, 401)).toBeLessThanOrEqual(100);
    expect(count(statuses, 401)).toBeGreaterThan(0);
    expect(count(statuses, 401) + count(statuses, 429)).toBe(130);
    // Another account's correct password from that address is refused too ...
    const session = await new Client(app.baseUrl).signup();
    expect(await login(app, session.user.email, 'password123', ip)).toBe(429);
    // ... and from another address it signs in.
    expect(await login(app, session.user.email, 'password123', someIp())).toBe(200);
  });
});

describe('TRUST_PROXY decides where the client address comes from', () => {
  it('unset: X-Forwarded-For is ignored (a client cannot pick a fresh address per guess)', async () => {
    const session = await new Client(untrusting.baseUrl).signup();
    // 10 failures per email are allowed; spoofed addresses do not reset the count.
    const spoofed = Array.from({ length: 11 }, someIp);
    for (const ip of spoofed.slice(0, 10)) await login(untrusting, session.user.email, 'wrong-password', ip);
    expect(await login(untrusting, session.user.email, 'wrong-password', spoofed[10])).toBe(429);
    const keys = spoofed.map((ip) => `login:ip:${ip}`);
    expect(await untrusting.db.selectFrom('rate_limits').select('key').where('key', 'in', keys).execute()).toEqual([]);
  });

  it('is parsed from the environment: hops, lists, booleans', () => {
    expect(loadEnv({}).TRUST_PROXY).toBe(false);
    expect(loadEnv({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadEnv({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadEnv({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
  });
});
