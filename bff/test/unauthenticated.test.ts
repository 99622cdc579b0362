import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPath, type Endpoint } from '@ai-credits/shared/api';
import { startApp, type TestApp } from './support/harness';

/**
 * "Without credentials every API route answers 401", generated from the contracts: every endpoint
 * object exported by a module of shared/src/contracts/, read here from the files themselves (not
 * from a list the BFF keeps), so a new endpoint is covered the day it is written.
 */
const CONTRACTS_DIR = fileURLToPath(new URL('../../shared/src/contracts/', import.meta.url));
const files = readdirSync(CONTRACTS_DIR)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => path.join(CONTRACTS_DIR, name));

const isEndpoint = (value: unknown): value is Endpoint => {
  const v = value as Partial<Endpoint> | null;
  return typeof v === 'object' && v !== null && typeof v.method === 'string' && typeof v.path === 'string' && typeof v.auth === 'string' && 'response' in v;
};

const endpoints: [string, Endpoint][] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  for (const [exportName, value] of Object.entries(mod)) {
    if (typeof value !== 'object' || value === null) continue;
    for (const [name, e] of Object.entries(value)) if (isEndpoint(e)) endpoints.push([`${exportName}.${name}`, e]);
  }
}
/**
 * The one exception, with its reason: signing out without a session still answers 204 and clears
 * the cookie (a stale tab's Sign out must not fail), though the contract says `auth: 'session'`.
 */
const ANSWERS_WITHOUT_CREDENTIALS: Record<string, number> = { 'authContract.logout': 204 };
const protectedEndpoints = endpoints.filter(([name, e]) => (e.auth === 'session' || e.auth === 'apiKey') && !(name in ANSWERS_WITHOUT_CREDENTIALS));

// Any syntactically valid value: the 401 must come before the params are even looked up.
const SOME_ID = '00000000-0000-4000-8000-000000000000';
const paramsOf = (p: string) => Object.fromEntries([...p.matchAll(/:([A-Za-z]+)/g)].map(([, name]) => [name!, SOME_ID]));

let app: TestApp;
beforeAll(async () => {
  app = await startApp();
});
afterAll(() => app.close());

describe('without credentials every session or API-key route answers 401', () => {
  it('the generated list holds every endpoint the contract files define', () => {
    // Counted in the source text, independently of the import walk above: an endpoint that is
    // defined but not exported inside a contract object would be missed by the walk.
    const defined = files.reduce((n, file) => n + (readFileSync(file, 'utf8').match(/\bendpoint\(\{/g) ?? []).length, 0);
    expect(endpoints).toHaveLength(defined);
    // The routes that need no credentials (sign-up and its emailed links, sign-in, password reset, the dev mailbox, the invitation link, the payment webhook) are the rest.
    expect(endpoints.filter(([, e]) => e.auth === 'none' || e.auth === 'signature').map(([name]) => name).sort()).toEqual([
      'authContract.devMailbox',
      'authContract.forgotPassword',
      'authContract.login',
      'authContract.resendVerification',
      'authContract.resetPassword',
      'authContract.signup',
      'authContract.verifyEmail',
      'billingContract.webhook',
      'orgContract.acceptInvitation',
      'orgContract.lookupInvitation',
    ]);
  });

  it.each(Object.entries(ANSWERS_WITHOUT_CREDENTIALS))('exception: %s answers %i', async (name, status) => {
    const e = endpoints.find(([n]) => n === name)?.[1];
    expect(e?.auth).toBe('session');
    const res = await fetch(app.baseUrl + buildPath(e!.path, paramsOf(e!.path)), { method: e!.method });
    expect(res.status).toBe(status);
  });

  it.each(protectedEndpoints)('%s', async (_name, e) => {
    const res = await fetch(app.baseUrl + buildPath(e.path, paramsOf(e.path)), { method: e.method });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
  });
});
