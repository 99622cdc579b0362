import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { buildPath, type Endpoint, type ResponseOf } from '@ai-credits/shared/api';
import type { ApiErrorBody } from '@ai-credits/shared/errors';
import { authContract, type SessionInfo } from '@ai-credits/shared/contracts/auth';
import { orgContract } from '@ai-credits/shared/contracts/org';
import { createApp, type AppDeps } from '../../src/app';
import { createPostgresDb, type Db } from '../../src/db/db';
import { dbTimeLimits, loadEnv, type Env } from '../../src/env';
import { TestClock } from '../../src/lib/clock';
import { createLogger, type Logger } from '../../src/lib/logger';

export interface TestApp {
  baseUrl: string;
  db: Db;
  clock: TestClock;
  env: Env;
  services: ReturnType<typeof createApp>['services'];
  lifecycle: ReturnType<typeof createApp>['lifecycle'];
  close(): Promise<void>;
}

/**
 * Every suite signs up many organizations from 127.0.0.1 in a few seconds: the per-IP sign-up limit
 * is raised for them; bff/test/mail-abuse.test.ts sets its own limits to test them.
 */
const TEST_RATE_LIMITS = { RATE_LIMIT_SIGNUPS_PER_IP: '100000', RATE_LIMIT_INVITATIONS_PER_ORG: '100000', DEV_MAILBOX: 'true' };

/** The real BFF, in-process on port 0, over the run's real PostgreSQL database. */
export async function startApp(
  options: { clock?: TestClock; env?: Record<string, string>; overrides?: AppDeps['overrides']; poolMax?: number; databaseUrl?: string; logger?: Logger } = {},
): Promise<TestApp> {
  // A cheaper scrypt cost keeps the suites fast; test/accounts.test.ts pins the production default.
  const databaseUrl = options.databaseUrl ?? inject('databaseUrl');
  const env = loadEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', WEB_DIST: '', PASSWORD_HASH_COST: '11', DATABASE_URL: databaseUrl, ...TEST_RATE_LIMITS, ...options.env });
  // The production time limits (env defaults, or the suite's own): tests run what production runs.
  const db = createPostgresDb(databaseUrl, options.poolMax ?? 10, undefined, dbTimeLimits(env));
  const readDb = createPostgresDb(databaseUrl, env.DB_HEAVY_READ_POOL_MAX, undefined, dbTimeLimits(env));
  const clock = options.clock ?? new TestClock();
  const app = createApp({ env, db, readDb, clock, logger: options.logger ?? createLogger('silent'), overrides: options.overrides });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    db,
    clock,
    env,
    services: app.services,
    lifecycle: app.lifecycle,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await readDb.destroy();
      await db.destroy();
    },
  };
}

export const uniq = (prefix = '') => `${prefix}${randomBytes(5).toString('hex')}`;

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/**
 * What `call(endpoint)` answers: the raw result, plus the body typed by the endpoint's contract.
 * `data` is the 2xx body as `ResponseOf<E>` and `error` the `{ code, message }` of any other
 * answer; each fails the test (with the status and body) when the answer is of the other kind,
 * so reading one is also an assertion. `body` stays untyped for hostile-input tests.
 */
export interface EndpointResult<E extends Endpoint> extends CallResult {
  readonly data: ResponseOf<E>;
  readonly error: ApiErrorBody['error'];
}

function typed<E extends Endpoint>(e: E, res: CallResult): EndpointResult<E> {
  const ok = res.status >= 200 && res.status < 300;
  const describe = () => `${e.method} ${e.path} answered ${res.status} ${res.text.slice(0, 300)}`;
  // Not enumerable: comparing or printing a result (toEqual, a failure message) must not trip them.
  return Object.defineProperties(res, {
    data: {
      get() {
        if (!ok) throw new Error(`expected a 2xx: ${describe()}`);
        return res.body as ResponseOf<E>;
      },
    },
    error: {
      get() {
        const error = (res.body as Partial<ApiErrorBody> | undefined)?.error;
        if (ok || !error) throw new Error(`expected an error answer: ${describe()}`);
        return error;
      },
    },
  }) as EndpointResult<E>;
}

/** A browser-like client: keeps the session cookie and sends the CSRF token back. */
export class Client {
  cookie = '';
  csrfToken = '';
  session: SessionInfo | null = null;
  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<CallResult> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrfToken && method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0] ?? '';
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.includes('application/json')) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as any, headers: res.headers, text };
  }

  async call<E extends Endpoint>(
    e: E,
    input: { params?: Record<string, string>; query?: Record<string, string | number | undefined>; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<EndpointResult<E>> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined) qs.set(k, String(v));
    const path = buildPath(e.path, input.params) + (qs.size ? `?${qs}` : '');
    return typed(e, await this.request(e.method, path, { body: input.body, headers: input.headers }));
  }

  adoptSession<R extends CallResult>(res: R): R {
    return this.adopt(res);
  }

  private adopt<R extends CallResult>(res: R): R {
    if (res.status < 300) {
      this.session = res.body as SessionInfo;
      this.csrfToken = this.session.csrfToken;
    }
    return res;
  }

  async signup(input: Partial<{ orgName: string; name: string; email: string; password: string }> = {}) {
    const body = {
      orgName: input.orgName ?? uniq('Org '),
      name: input.name ?? 'Owner ' + uniq(),
      email: input.email ?? `${uniq('owner-')}@example.test`,
      password: input.password ?? 'password123',
    };
    const res = await this.call(authContract.signup, { body });
    if (res.status !== 202) throw new Error(`signup failed: ${res.status} ${res.text}`);
    // Sign-up signs nobody in: the emailed link does (issue 20). Test mode: it is in the dev mailbox.
    const verified = this.adopt(await this.call(authContract.verifyEmail, { body: { token: await this.mailedToken(body.email, 'verify-email') } }));
    if (verified.status !== 200) throw new Error(`verify failed: ${verified.status} ${verified.text}`);
    return this.session!;
  }

  /** The token of the newest link to `page` emailed to `email` (the dev mailbox, DEV_MAILBOX). */
  async mailedToken(email: string, page: 'verify-email' | 'reset-password'): Promise<string> {
    const box = await new Client(this.baseUrl).call(authContract.devMailbox, { query: { email } });
    if (box.status !== 200) throw new Error(`dev mailbox: ${box.status} ${box.text}`);
    for (const mail of box.data.emails) {
      const token = new RegExp(`/${page}#token=([A-Za-z0-9_-]+)`).exec(mail.text)?.[1];
      if (token) return token;
    }
    throw new Error(`no ${page} link emailed to ${email}: ${JSON.stringify(box.data.emails.map((m) => m.subject))}`);
  }

  async login(email: string, password = 'password123') {
    return this.adopt(await this.call(authContract.login, { body: { email, password } }));
  }
}

/** An org with an owner, an admin and a member, each with their own signed-in client. */
export async function createOrg(app: TestApp) {
  const owner = new Client(app.baseUrl);
  const session = await owner.signup();
  const add = async (role: 'admin' | 'member') => {
    const email = `${uniq(role + '-')}@example.test`;
    return invite(app, owner, { email, role });
  };
  const admin = await add('admin');
  const member = await add('member');
  return { orgId: session.org.id, owner, admin, member, session };
}

/** `inviter` invites `email` and the invited person accepts as a new account (password `password123`), signed in. */
export async function invite(app: TestApp, inviter: Client, input: { email: string; role: 'admin' | 'member'; name?: string }) {
  const res = await inviter.call(orgContract.createInvitation, { body: { email: input.email, role: input.role } });
  if (res.status !== 201) throw new Error(`invitation failed: ${res.status} ${res.text}`);
  const client = new Client(app.baseUrl);
  const accepted = client.adoptSession(
    await client.call(orgContract.acceptInvitation, { body: { token: res.body.acceptToken, name: input.name ?? `${input.role} ${uniq()}`, password: 'password123' } }),
  );
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${accepted.text}`);
  return client;
}
